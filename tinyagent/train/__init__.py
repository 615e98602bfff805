"""Planner fine-tuning: LoRA training (peft + accelerate), Q4_0 quantization-aware training, GGUF export.

Modules: config (TrainConfig), data (prompts and plan-only labels), lora (Trainer, train), packing
(a step's examples as few model calls: shared prompt prefix, head on plan tokens), precision
(base_dtype='auto' by timing), checkpoint (resumable state, JSONL log), validation (greedy
decode + DAG success), qat (fake Q4_0), export (merge, f16 GGUF, llama.cpp quantization).

Usage:
    from tinyagent.train.config import TrainConfig
    from tinyagent.train.lora import train
    from tinyagent.train.export import export_planner
    result = train(TrainConfig(out_dir="outputs/planner", max_steps=200), train_records, val_records)
    export_planner("outputs/planner/best", "outputs/planner/gguf", quants=("q4_0",))
"""
