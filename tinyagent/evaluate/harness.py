"""Evaluation harness: plan every record (no execution), score it, append predictions, summarise.

For each record: its tools (its own schemas for NesTools, else the 16 assistant tools) -> the
selector picks the tools shown -> the `Planner` (the same prompt and checks as the agent) streams
a plan with the record's reference date, timed at the first token, the first accepted task and the
end -> the DAG metric scores it (paper mode and strict). Each prediction row is appended to
`OUT/predictions.jsonl` and fsynced before the next record, so a crash loses at most one record;
rerunning with the same OUT skips the ids already there (the settings must match `OUT/config.json`,
else `ConfigMismatch`). `OUT/summary.json` (atomic) aggregates every row of the records asked for.
A backend exception is written as a failed row with `backend_error` set (counted separately).

Usage: `summary = run_eval(records, backend, out_dir="outputs/eval/x", settings={...})`, or
`python -m tinyagent eval --data data/generated/test.jsonl --backend llamacpp --out outputs/eval/x`.
"""
from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from tinyagent.progress import progress as progress_bar

from tinyagent.atomic import write_json_atomic
from tinyagent.data.records import Record
from tinyagent.evaluate.datasets import record_catalog, reference_time
from tinyagent.evaluate.summary import format_summary, summarise
from tinyagent.metrics import score_plan
from tinyagent.planner import GenerationConfig, Planner, PlannerBackend
from tinyagent.planner.planner import ExampleRetriever, ToolSelector
from tinyagent.toolrag.selection import AllTools

log = logging.getLogger(__name__)

PREDICTIONS, CONFIG, SUMMARY = "predictions.jsonl", "config.json", "summary.json"


class ConfigMismatch(ValueError):
    """OUT holds predictions made with other settings; the message lists the differences."""


def as_planner(planner: Planner | PlannerBackend, selector: ToolSelector | None = None,
               config: GenerationConfig | None = None, *, grammar: bool = False,
               retriever: ExampleRetriever | None = None, n_examples: int = 0) -> Planner:
    """`planner` itself, or a Planner around a bare backend with these settings (no selector: all tools)."""
    if isinstance(planner, Planner):
        if selector is not None or config is not None or grammar or retriever is not None or n_examples:
            raise ValueError("run_eval(Planner(...)): give selector, config, grammar and examples to the Planner")
        return planner
    return Planner(planner, selector or AllTools(), retriever, n_examples=n_examples, grammar=grammar,
                   config=config)


def predict(record: Record, planner: Planner) -> dict[str, Any]:
    """Plan and score one record; returns its prediction row (JSON-ready)."""
    catalog = record_catalog(record)
    selection = planner.select(record.query, catalog)
    tools = selection.tools
    row: dict[str, Any] = {"id": record.id, "query": record.query, "shape": record.shape, "source": record.source,
                           "gold": record.plan, "selected": list(tools.names),
                           "selection_fallback": selection.fallback,
                           "selection_recall": sum(t in tools for t in record.tools) / len(record.tools)
                           if record.tools else 1.0}
    run = planner.start(record.query, selection=selection, enabled=catalog, now=reference_time(record))
    try:
        run.finish()
    except Exception as exc:  # one bad record (context overflow, server error) must not stop the run
        log.warning("record %s: backend error: %s", record.id, exc)
    s = run.stats
    if s.error is None:
        row.update(prompt_tokens=s.prompt_tokens, first_token_s=s.first_token_s, first_task_s=s.first_task_s,
                   plan_s=s.planning_s, output_tokens=s.output_tokens, stopped=s.stopped, pred=s.text,
                   backend_error=None)
    else:
        row.update(prompt_tokens=s.prompt_tokens, first_token_s=None, first_task_s=None, plan_s=None,
                   output_tokens=None, stopped=None, pred="", backend_error=s.error)
    for prefix, strict in (("", False), ("strict_", True)):
        score = score_plan(row["pred"], record.plan, strict=strict, catalog=catalog)
        row.update({f"{prefix}success": score.success, f"{prefix}error": score.error, f"{prefix}detail": score.detail})
    return row


def _check_config(out: Path, settings: dict[str, Any]) -> None:
    path = out / CONFIG
    if not path.exists():
        write_json_atomic(path, settings)
        return
    old = json.loads(path.read_text(encoding="utf-8"))
    diff = {k: (old.get(k), settings.get(k)) for k in sorted(set(old) | set(settings)) if old.get(k) != settings.get(k)}
    if diff:
        lines = "\n".join(f"  {k}: was {a!r}, now {b!r}" for k, (a, b) in diff.items())
        raise ConfigMismatch(f"{out} holds predictions made with other settings:\n{lines}\n"
                             "use another --out folder, or delete this one to start over")


def read_predictions(path: Path) -> dict[str, dict[str, Any]]:
    """Rows by id. A torn last line (crash mid-write) is cut off the file so appending stays valid."""
    if not path.exists():
        return {}
    rows: dict[str, dict[str, Any]] = {}
    good = 0  # byte offset after the last complete, valid line
    with open(path, "rb") as fh:
        data = fh.read()
    for line in data.splitlines(keepends=True):
        try:
            if not line.endswith(b"\n"):
                raise ValueError("no newline")
            row = json.loads(line)
        except ValueError:
            if good + len(line) < len(data):
                raise ValueError(f"{path}: corrupt line at byte {good}; fix or delete the file") from None
            log.warning("%s: dropping a torn last line (%d bytes)", path, len(line))
            with open(path, "r+b") as fh:
                fh.truncate(good)
            break
        rows[row["id"]] = row
        good += len(line)
    return rows


def _append(fh: Any, row: dict[str, Any]) -> None:
    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    fh.flush()
    os.fsync(fh.fileno())


def run_eval(records: Sequence[Record], backend: Planner | PlannerBackend, *, out_dir: str | Path,
             settings: dict[str, Any], selector: ToolSelector | None = None, config: GenerationConfig | None = None,
             grammar: bool = False, retriever: ExampleRetriever | None = None, n_examples: int = 0,
             command: str | None = None, progress: bool = True) -> dict[str, Any]:
    """Predict every record not yet in OUT, then write and return the summary (see module docstring).

    `backend` is a Planner, or a PlannerBackend wrapped in one with `selector`, `config`, `grammar`,
    `retriever` and `n_examples`. `settings` identifies the run for resuming (data, backend, model,
    grammar, selector, ...).
    """
    planner = as_planner(backend, selector, config, grammar=grammar, retriever=retriever, n_examples=n_examples)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _check_config(out, settings)
    done = read_predictions(out / PREDICTIONS)
    todo = [r for r in records if r.id not in done]
    log.info("%d records: %d already predicted, %d to go", len(records), len(records) - len(todo), len(todo))
    wanted = {r.id for r in records}
    n_ok = sum(bool(row["success"]) for i, row in done.items() if i in wanted)
    n_done = len(records) - len(todo)
    try:
        with open(out / PREDICTIONS, "a", encoding="utf-8") as fh, \
                progress_bar(todo, desc="eval", unit="rec", disable=not progress) as bar:
            for record in bar:
                row = predict(record, planner)
                _append(fh, row)
                done[record.id] = row
                n_ok, n_done = n_ok + bool(row["success"]), n_done + 1
                bar.set_postfix(success=f"{n_ok}/{n_done}")
    finally:  # also after Ctrl-C: the summary then covers what was done
        summary = write_summary(out, [done[r.id] for r in records if r.id in done], len(records), settings,
                                planner.backend, command)
    return summary


def write_summary(out: Path, rows: list[dict[str, Any]], expected: int, settings: dict[str, Any],
                  backend: PlannerBackend, command: str | None) -> dict[str, Any]:
    """Summarise `rows` into OUT/summary.json (atomic) and return it."""
    summary = summarise(rows)
    summary.update(expected=expected, complete=len(rows) == expected, settings=settings,
                   model={"backend": getattr(backend, "name", type(backend).__name__),
                          "size_bytes": getattr(backend, "model_size_bytes", None)},
                   command=command, written=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    write_json_atomic(out / SUMMARY, summary)
    log.info("summary:\n%s", format_summary(summary) if rows else "no predictions")
    return summary
