"""The planner runs of notebook 05: Table 1's success column and the NesTools generalisation check.

Each run is one harness eval dir (`tinyagent.evaluate.harness.run_eval`): resumable, and started
afresh when its settings changed (a new planner GGUF, another max_tokens), since old predictions
would then describe another model. The record count is not a setting, so asking for more
records later only plans the new ones.

Usage:
    backend = make_backend("llamacpp", str(gguf), n_threads=1)
    runs = table1_runs(Path("outputs/02_toolrag/classifier"))
    summaries = run_suite(runs, records, backend, out_dir=out / "table1", base=base_settings(...))
"""
from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from tinyagent.data.records import Record
from tinyagent.evaluate.command import file_sha256
from tinyagent.evaluate.harness import CONFIG, PREDICTIONS, SUMMARY, ConfigMismatch, run_eval
from tinyagent.planner.backends.base import GenerationConfig
from tinyagent.toolrag.selection import AllTools

log = logging.getLogger(__name__)

HARNESS_FILES = {CONFIG, PREDICTIONS, SUMMARY}  # all an eval dir may hold for us to delete it


@dataclass(frozen=True)
class EvalRun:
    """One planner evaluation: which tools the planner sees and whether decoding is constrained."""

    key: str  # short id, also the eval dir's name: "no_rag", "grammar", ...
    label: str  # human text for tables and plots
    selector: Any  # a ToolSelector (AllTools: the record's own or all 16 tools)
    grammar: bool = False  # constrain decoding with the plan grammar of the shown tools
    extra: tuple[tuple[str, Any], ...] = ()  # settings that identify the selector (e.g. threshold)


def base_settings(data: Path, model: Path, max_tokens: int) -> dict[str, Any]:
    """Settings shared by a suite's runs: data and model (paths and hashes) and max_tokens."""
    return {"data": str(data.resolve()), "data_sha256": file_sha256(data), "model": str(model.resolve()),
            "model_sha256": file_sha256(model), "max_tokens": max_tokens}


def table1_runs(classifier_dir: Path, k: int = 3) -> list[EvalRun]:
    """Table 1's rows: all 16 tools (no RAG), basic embedding RAG top-k, the trained classifier."""
    from tinyagent.toolrag.basic_rag import EmbeddingRAG
    from tinyagent.toolrag.classifier import ToolClassifier
    clf = ToolClassifier.load(classifier_dir)
    # The classifier runs right after no RAG: its selections (often many tools, all 16 when it falls back)
    # share the longest prompt prefix with the last no-RAG prompt, which llama.cpp's cache then reuses.
    return [EvalRun("no_rag", "no RAG", AllTools()),
            EvalRun("classifier", f"classifier (t={clf.threshold:.2f})", clf,
                    extra=(("classifier_dir", str(Path(classifier_dir).resolve())), ("threshold", clf.threshold))),
            EvalRun("basic_rag", f"basic RAG top-{k}", EmbeddingRAG(k), extra=(("k", k),))]


def nestools_runs() -> list[EvalRun]:
    """NesTools with each record's own offered tools, free and grammar-constrained decoding."""
    return [EvalRun("no_grammar", "NesTools, free decoding", AllTools()),
            EvalRun("grammar", "NesTools, grammar-constrained", AllTools(), grammar=True)]


def _clear(eval_dir: Path) -> None:
    unexpected = {p.name for p in eval_dir.iterdir()} - HARNESS_FILES
    if unexpected:
        raise ConfigMismatch(f"{eval_dir} holds other files {sorted(unexpected)}; not deleting it")
    shutil.rmtree(eval_dir)


def run_one(run: EvalRun, records: Sequence[Record], backend: Any, eval_dir: Path, base: dict[str, Any],
            progress: bool = True) -> dict[str, Any]:
    """Run (or resume) one EvalRun into eval_dir; returns the harness summary."""
    settings = {**base, "selector": run.label, "grammar": run.grammar, **dict(run.extra)}
    config = GenerationConfig(max_tokens=int(base["max_tokens"]))
    kwargs = {"out_dir": eval_dir, "settings": settings, "selector": run.selector, "config": config,
              "grammar": run.grammar, "command": f"tinyagent.study: {run.label}", "progress": progress}
    try:
        return run_eval(records, backend, **kwargs)
    except ConfigMismatch as exc:  # this notebook owns the dir: stale predictions are redone, not mixed in
        log.warning("%s; starting it over", str(exc).splitlines()[0])
        _clear(eval_dir)
        return run_eval(records, backend, **kwargs)


def run_suite(runs: Sequence[EvalRun], records: Sequence[Record], backend: Any, *, out_dir: str | Path,
              base: dict[str, Any], progress: bool = True) -> dict[str, dict[str, Any]]:
    """Run every EvalRun on the same records into out_dir/<key>; summaries by key."""
    if not records:
        raise ValueError("run_suite: no records to evaluate")
    out = Path(out_dir)
    summaries = {}
    for run in runs:
        log.info("%s: %d records", run.label, len(records))
        summaries[run.key] = run_one(run, records, backend, out / run.key, base, progress)
    return summaries
