"""Validation on the code users run: export the adapter being trained to GGUF, plan with llama.cpp.

Greedy transformers decoding of the training model costs ~12 s per plan on 2 cores; llama.cpp on an
exported GGUF plans in about a second, so checkpoints can be chosen on 50+ records for the price of
a few. Each validation run:

1. folds the LoRA deltas into a copy of the weights (`merged_state_dict`: the training model is not
   touched) and writes an f16 GGUF (the base GGUF's tokenizer and chat template), then quantizes it
   when `quant` names a llama.cpp type (the served model is 4-bit: validate what will be served);
2. loads it with the llama.cpp backend and plans every validation record through a `Planner`, the
   same path as the agent and the evaluation harness: with a tool `selector` (the ToolRAG
   classifier) the prompt shows what serving would show; without one, the training prompt
   (gold + sampled distractors, fixed seed);
3. scores each plan (DAG success) and deletes the GGUF files (the best adapter is what is kept).

Usage:
    validator = GGUFValidator(val_records, work_dir="outputs/run/val_gguf", quant="q4_0", selector=classifier)
    result = validator(peft_model, tokenizer)  # {"success": 0.62, "n": 50, "errors": {...}, "seconds": ...}
"""
from __future__ import annotations

import logging
import shutil
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tinyagent.data.records import Record, record_catalog
from tinyagent.metrics.dag import score_plan
from tinyagent.planner import Planner
from tinyagent.planner.backends.base import GenerationConfig
from tinyagent.planner.planner import ExampleRetriever, ToolSelector
from tinyagent.tools.catalog import ToolCatalog
from tinyagent.train.export import QUANT_TYPES, merged_state_dict, quantize_gguf, write_gguf
from tinyagent.train.validation import validate_planner

log = logging.getLogger(__name__)


def export_in_training(model: Any, out_dir: str | Path, *, base_gguf: str | Path | None = None,
                       quant: str = "f16", n_threads: int = 2) -> Path:
    """GGUF of `model` (a peft model in training, or a plain model) as `quant`; returns its path."""
    if quant not in QUANT_TYPES:
        raise ValueError(f"unknown quantization {quant!r}; choose from {sorted(QUANT_TYPES)}")
    out = Path(out_dir)
    f16 = write_gguf(model, out / "val-f16.gguf", base_gguf, state=merged_state_dict(model))
    if quant == "f16":
        return f16
    path = quantize_gguf(f16, out / f"val-{quant}.gguf", quant, n_threads=n_threads)
    f16.unlink()
    return path


def validate_selected(planner: Planner, records: Sequence[Record], catalog: ToolCatalog | None) -> dict[str, Any]:
    """Plan each record as served (the planner's selector picks among `catalog`, None: the record's
    own, `record_catalog`) and score it."""
    errors: Counter[str] = Counter()
    samples = []
    for rec in records:
        tools = record_catalog(rec) if catalog is None else catalog
        run = planner.plan(rec.query, enabled=tools, now=rec.now())
        score = score_plan(run.text, rec.plan, catalog=tools)
        errors[score.error or "success"] += 1
        if len(samples) < 3:
            samples.append({"id": rec.id, "pred": run.text, "success": score.success})
    return {"success": errors["success"] / len(records), "n": len(records), "errors": dict(errors),
            "samples": samples}


class GGUFValidator:
    """Callable `(model, tokenizer) -> result dict` for `Trainer`: export, plan with llama.cpp, score."""

    def __init__(self, records: Sequence[Record], *, work_dir: str | Path, base_gguf: str | Path | None = None,
                 quant: str = "f16", selector: ToolSelector | None = None, max_new_tokens: int = 192,
                 n_threads: int = 2, seed: int = 0, min_negatives: int = 0, max_negatives: int = 3,
                 catalog: ToolCatalog | None = None, retriever: ExampleRetriever | None = None,
                 n_examples: int = 0):
        if not records:
            raise ValueError("GGUFValidator needs at least one validation record")
        if quant not in QUANT_TYPES:
            raise ValueError(f"unknown quantization {quant!r}; choose from {sorted(QUANT_TYPES)}")
        self.records, self.work_dir, self.base_gguf = list(records), Path(work_dir), base_gguf
        self.quant, self.selector, self.max_new_tokens, self.n_threads = quant, selector, max_new_tokens, n_threads
        self.seed, self.min_negatives, self.max_negatives, self.catalog = seed, min_negatives, max_negatives, catalog
        self.retriever, self.n_examples = retriever, n_examples  # in-context examples, as served

    def __call__(self, model: Any, tokenizer: Any = None) -> dict[str, Any]:
        from tinyagent.planner.backends import make_backend

        t0 = time.perf_counter()
        try:
            path = export_in_training(model, self.work_dir, base_gguf=self.base_gguf, quant=self.quant,
                                      n_threads=self.n_threads)
            export_s = time.perf_counter() - t0
            backend = make_backend("llamacpp", str(path), n_threads=self.n_threads, n_ctx=2048)
            planner = Planner(backend, self.selector, self.retriever, n_examples=self.n_examples,
                              config=GenerationConfig(max_tokens=self.max_new_tokens))
            if self.selector is not None:
                result = validate_selected(planner, self.records, self.catalog)
            else:
                result = validate_planner(planner, self.records, seed=self.seed, min_negatives=self.min_negatives,
                                          max_negatives=self.max_negatives, max_new_tokens=self.max_new_tokens,
                                          catalog=self.catalog)
            del planner, backend  # free the llama.cpp model before the files go
        finally:
            shutil.rmtree(self.work_dir, ignore_errors=True)
        seconds = time.perf_counter() - t0
        log.info("GGUF validation (%s): %.3f on %d records; export %.1f s, total %.1f s", self.quant,
                 result["success"], result["n"], export_s, seconds)
        return {**result, "backend": f"llamacpp {self.quant}", "selector": "served" if self.selector else "training",
                "export_s": round(export_s, 2), "seconds": round(seconds, 2)}
