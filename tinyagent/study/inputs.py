"""What notebook 05 reads from earlier steps of a run, checked against their contracts.

- `{toolrag_dir}/metrics.json` (notebook 02): key "table1", rows of `tinyagent.toolrag.table.SelectorRow`;
  the trained classifier in `{toolrag_dir}/classifier`.
- `{quant_dir}/metrics.json` (notebook 04): key "table2", one row per model (`QUANT_KEYS`), each
  with an `eval_dir` holding the harness's summary.json; key "planner_gguf", the model to evaluate.
- `{data_dir}/test.jsonl` (notebook 01) and the NesTools JSONL.

A missing required file raises FileNotFoundError naming it and the notebook that writes it. Rows
absent from 04's table (or whose summary.json is missing) are not an error: they are listed in
`QuantInputs.notes`, which the report prints.

Usage:
    quant = load_quant(Path("outputs/default/04_qat_quantize"))
    path, how = resolve_planner("", quant)
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TOOLRAG_KEYS = ("selector", "records", "record_recall", "mean_recall", "avg_tools", "avg_prompt_tokens")
QUANT_KEYS = ("name", "label", "gguf", "quant", "qat", "size_bytes", "n", "successes", "success_rate", "ci95",
              "latency_p50_s", "latency_p95_s", "eval_dir")
EXPECTED_MODELS = ("base", "f16", "q4_0", "q4_0_qat")  # what notebook 04 is meant to evaluate
SUMMARY = "summary.json"  # written by tinyagent.evaluate.harness in every eval dir


class StudyInputError(ValueError):
    """An input file breaks its contract; the message names the file, row and key."""


def read_json(path: Path, producer: str) -> dict[str, Any]:
    """A JSON object from `path`; FileNotFoundError naming the notebook that writes it when missing."""
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run notebooks/{producer}.ipynb first "
                                f"(or point this notebook's parameter at that step's output folder)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise StudyInputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise StudyInputError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def require_file(path: str | Path, what: str) -> Path:
    """`path` as a Path if it is a file, else FileNotFoundError saying what it is and where it comes from.

    >>> require_file("/nonexistent/test.jsonl", "the test split (notebooks/01_data_synthesis.ipynb writes it)")
    Traceback (most recent call last):
    ...
    FileNotFoundError: /nonexistent/test.jsonl is missing: the test split (notebooks/01_data_synthesis.ipynb writes it)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: {what}")
    return path


def _check_row(row: Any, keys: tuple[str, ...], where: str) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise StudyInputError(f"{where}: expected an object, got {row!r}")
    missing = [k for k in keys if k not in row]
    if missing:
        raise StudyInputError(f"{where}: missing key(s) {missing}; the row has {sorted(row)}")
    return row


def load_toolrag(toolrag_dir: str | Path) -> tuple[list[dict[str, Any]], Path]:
    """(Table 1 rows of notebook 02, the saved classifier's folder); both must exist."""
    toolrag_dir = Path(toolrag_dir)
    path = toolrag_dir / "metrics.json"
    data = read_json(path, "02_toolrag")
    rows = data.get("table1")
    if not isinstance(rows, list) or not rows:
        raise StudyInputError(f"{path}: key 'table1' must be a non-empty list of selector rows")
    rows = [_check_row(r, TOOLRAG_KEYS, f"{path}: table1 row {i}") for i, r in enumerate(rows)]
    classifier = toolrag_dir / "classifier"
    if not (classifier / "toolrag.json").is_file():
        raise FileNotFoundError(f"{classifier} holds no saved classifier (toolrag.json missing): "
                                "run notebooks/02_toolrag.ipynb first")
    return rows, classifier


def load_summary(eval_dir: str | Path) -> dict[str, Any] | None:
    """The harness summary.json of an eval dir, or None when it is not there."""
    path = Path(eval_dir) / SUMMARY
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise StudyInputError(f"{path}: not valid JSON ({exc})") from None


@dataclass
class QuantInputs:
    """Notebook 04's results as 05 uses them."""

    path: Path  # the metrics.json read
    rows: list[dict[str, Any]]  # table2 rows in file order (QUANT_KEYS checked)
    summaries: dict[str, dict[str, Any] | None]  # row name -> its eval_dir's summary.json (None: missing)
    planner_gguf: str | None  # the model 04 hands on for further evaluation (None: not given)
    notes: list[str] = field(default_factory=list)  # what is missing, for the report


def load_quant(quant_dir: str | Path) -> QuantInputs:
    """Read and check `{quant_dir}/metrics.json`; absent rows or summaries become notes, not errors."""
    path = Path(quant_dir) / "metrics.json"
    data = read_json(path, "04_qat_quantize")
    raw = data.get("table2") or []
    if not isinstance(raw, list):
        raise StudyInputError(f"{path}: key 'table2' must be a list of model rows, got {type(raw).__name__}")
    rows = [_check_row(r, QUANT_KEYS, f"{path}: table2 row {i}") for i, r in enumerate(raw)]
    names = [r["name"] for r in rows]
    if len(set(names)) != len(names):
        raise StudyInputError(f"{path}: table2 names repeat: {names}")
    notes = []
    absent = [n for n in EXPECTED_MODELS if n not in names]
    if absent:
        notes.append(f"{path} has no Table 2 row for {', '.join(absent)} (not evaluated by notebook 04)")
    summaries = {}
    for r in rows:
        summaries[r["name"]] = load_summary(r["eval_dir"])
        if summaries[r["name"]] is None:
            notes.append(f"model {r['name']!r}: {Path(r['eval_dir']) / SUMMARY} is missing; it is left out "
                         "of the taxonomy and shape plots")
    gguf = data.get("planner_gguf")
    if not gguf:
        notes.append(f"{path} names no planner_gguf")
    for note in notes:
        log.warning(note)
    return QuantInputs(path, rows, summaries, str(gguf) if gguf else None, notes)


def resolve_planner(planner_gguf: str, quant: QuantInputs | None) -> tuple[Path, str]:
    """(GGUF to evaluate, how it was chosen): the parameter if set, else 04's planner_gguf, else SmolLM2.

    A path that is named but does not exist is an error (FileNotFoundError), never silently replaced.
    """
    if planner_gguf:
        path, how = Path(planner_gguf), "the planner_gguf parameter"
    elif quant is not None and quant.planner_gguf:
        path, how = Path(quant.planner_gguf), f"planner_gguf of {quant.path}"
    else:
        from tinyagent.planner.models import default_planner_gguf
        return default_planner_gguf(), "the offline SmolLM2-135M (untuned): no planner_gguf was given"
    if not path.is_file():
        raise FileNotFoundError(f"planner GGUF {path} (from {how}) does not exist")
    return path, how
