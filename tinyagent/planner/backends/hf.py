"""transformers backend: AutoModelForCausalLM (a model dir, a hub-format checkpoint, or a GGUF via
`gguf_file=`, which transformers dequantises to fp32), an optional peft LoRA adapter, and
streaming through `TextIteratorStreamer` with `generate` running in a worker thread.

Grammar-constrained decoding uses xgrammar (`xgrammar.contrib.hf.LogitsProcessor`) on the same
GBNF text the llama.cpp backend uses. Why xgrammar: it reads llama.cpp-style GBNF unchanged (one
grammar source for both backends), ships a ready Hugging Face logits processor, runs on CPU with
our torch (installed with --no-deps; needs apache-tvm-ffi), and its `GrammarMatcher` lets tests
check string acceptance without a model. llguidance (Lark syntax; GBNF only via a converter) and
outlines (regex/CFG through its own model wrappers, heavy dependency tree) were the alternatives.
Pinned: xgrammar==0.2.8, apache-tvm-ffi==0.1.15.post2.

`model_size_bytes` is the in-memory size of the weights (fp32 after GGUF dequantisation).

Usage:
    b = TransformersBackend()  # offline SmolLM2 GGUF, fp32
    b = TransformersBackend("outputs/planner/merged")  # a saved fine-tuned model
    b = TransformersBackend(adapter="outputs/planner/lora")  # base + LoRA adapter
    print("".join(b.stream(messages, GenerationConfig(max_tokens=64))))
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, Iterator

from tinyagent.planner.backends.base import GenerationConfig, GenerationStats, Messages, StopScanner
from tinyagent.planner.models import default_planner_gguf, split_gguf_path

log = logging.getLogger(__name__)


class TransformersBackend:
    """Planner on a transformers causal LM (CPU by default)."""

    def __init__(self, model_id_or_dir: str | Path | None = None, gguf_file: str | None = None, adapter: str | Path |
                 None = None, *, dtype: str = "float32", device: str = "cpu", n_threads: int | None = None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        default = model_id_or_dir is None
        if default:
            model_id_or_dir, gguf_file = split_gguf_path(default_planner_gguf())
        elif str(model_id_or_dir).endswith(".gguf") and gguf_file is None:
            model_id_or_dir, gguf_file = split_gguf_path(model_id_or_dir)
        if n_threads:
            torch.set_num_threads(n_threads)
        kw: dict[str, Any] = {"gguf_file": gguf_file} if gguf_file else {}
        if default:  # the process-wide SmolLM2 tokenizer: reading it from the GGUF takes seconds
            from tinyagent.planner.tokens import default_tokenizer
            tokenizer = default_tokenizer()
        else:
            tokenizer = AutoTokenizer.from_pretrained(str(model_id_or_dir), **kw)
        model = AutoModelForCausalLM.from_pretrained(str(model_id_or_dir), dtype=getattr(torch, dtype), **kw)
        self._setup(model, tokenizer, gguf_file or Path(str(model_id_or_dir)).name, adapter, device)

    @classmethod
    def from_loaded(cls, model: Any, tokenizer: Any, *, name: str = "model", adapter: str | Path | None = None,
                    device: str | None = None) -> "TransformersBackend":
        """A backend around an already loaded model and tokenizer (e.g. the model being trained).

        `device` None keeps the model where it is (a model in training stays on its accelerator).
        The model is put in eval mode; a caller that trains on afterwards switches it back.
        """
        self = cls.__new__(cls)
        self._setup(model, tokenizer, name, adapter, device)
        return self

    def _setup(self, model: Any, tokenizer: Any, name: str, adapter: str | Path | None, device: str | None) -> None:
        if adapter is not None:
            from peft import PeftModel
            model = PeftModel.from_pretrained(model, str(adapter))
        self.tokenizer = tokenizer
        self.model = (model.to(device) if device is not None else model).eval()
        self.device = device if device is not None else str(next(self.model.parameters()).device)
        self.name = f"transformers:{name}" + (f"+lora:{Path(str(adapter)).name}" if adapter is not None else "")
        self.model_size_bytes: int | None = sum(p.numel() * p.element_size() for p in self.model.parameters())
        self.last_stats: GenerationStats | None = None
        self._compiled: dict[str, Any] = {}  # GBNF text -> xgrammar CompiledGrammar
        self._xgr_compiler: Any = None

    def prompt_ids(self, messages: Messages) -> list[int]:
        ids = self.tokenizer.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=True)
        return list(ids["input_ids"] if hasattr(ids, "keys") else ids)

    def count_tokens(self, messages: Messages) -> int:
        return len(self.prompt_ids(messages))

    def _grammar_processor(self, gbnf: str) -> Any:
        """A fresh xgrammar logits processor (it keeps per-generation state) for a cached compiled grammar."""
        import xgrammar as xgr
        from xgrammar.contrib.hf import LogitsProcessor

        if self._xgr_compiler is None:
            vocab = self.model.get_output_embeddings().weight.shape[0]  # logits width, may exceed len(tokenizer)
            info = xgr.TokenizerInfo.from_huggingface(self.tokenizer, vocab_size=vocab)
            self._xgr_compiler = xgr.GrammarCompiler(info, max_threads=1)
        if gbnf not in self._compiled:
            self._compiled[gbnf] = self._xgr_compiler.compile_grammar(gbnf)
        return LogitsProcessor(self._compiled[gbnf])

    def _generate_kwargs(self, ids: list[int], config: GenerationConfig, streamer: Any) -> dict[str, Any]:
        import torch
        from transformers import LogitsProcessorList

        kw: dict[str, Any] = dict(input_ids=torch.tensor([ids], device=self.device), max_new_tokens=config.max_tokens,
                                  streamer=streamer, pad_token_id=self.tokenizer.eos_token_id,
                                  attention_mask=torch.ones(1, len(ids), dtype=torch.long, device=self.device))
        if config.stop:
            kw.update(stop_strings=list(config.stop), tokenizer=self.tokenizer)
        if config.temperature > 0:
            torch.manual_seed(config.seed)
            kw.update(do_sample=True, temperature=config.temperature, top_k=0, top_p=1.0)
        else:
            kw.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        if config.grammar:
            kw["logits_processor"] = LogitsProcessorList([self._grammar_processor(config.grammar)])
        return kw

    def stream(self, messages: Messages, config: GenerationConfig,
               stats: GenerationStats | None = None) -> Iterator[str]:
        """Yield decoded text pieces while `generate` runs in a thread; the stop string is not yielded."""
        from transformers import TextIteratorStreamer

        ids = self.prompt_ids(messages)
        stats = self.last_stats = (stats or GenerationStats()).reset(len(ids))
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600)
        result: dict[str, Any] = {}

        def run() -> None:
            try:
                result["out"] = self.model.generate(**self._generate_kwargs(ids, config, streamer))
            except BaseException as e:  # re-raised in the caller's thread below
                result["error"] = e
                streamer.on_finalized_text("", stream_end=True)  # unblock the consumer

        worker = threading.Thread(target=run, name="planner-generate", daemon=True)
        worker.start()
        scanner = StopScanner(config.stop)
        for piece in streamer:
            text = scanner.feed(piece)
            if text:
                stats.piece(text)
                yield text
        worker.join()
        if "error" in result:
            raise RuntimeError(f"generation failed: {result['error']!r}") from result["error"]
        tail = scanner.flush()
        if tail:
            stats.piece(tail)
            yield tail
        out = result["out"]
        stats.completion_tokens = int(out.shape[1] - len(ids))
        stopped = scanner.stopped or (stats.completion_tokens < config.max_tokens)
        stats.finish("stop" if stopped else "length")
