"""What notebook 05 reads from earlier steps of a run, through their typed results (tinyagent.artifacts).

- notebook 02's `ToolRAGResult`: Table 1's selector rows and the trained classifier's folder.
- notebook 04's `QuantResult`: Table 2's model rows, each with an `eval_dir` holding the harness's
  summary.json, and the planner GGUF to evaluate further.
- the test split (notebook 01) and the NesTools JSONL.

A missing required file raises FileNotFoundError naming it and the notebook that writes it. Rows
absent from 04's table (or whose summary.json is missing) are not an error: they are listed in
`QuantInputs.notes`, which the report prints.

Usage:
    run = RunLayout("outputs/default")
    quant = load_quant(run.quant_dir)
    path, how = resolve_planner("", quant)
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinyagent.artifacts import TABLE1_KEYS, TABLE2_KEYS, QuantResult, ResultError, ToolRAGResult
from tinyagent.layout import repo_path

log = logging.getLogger(__name__)

TOOLRAG_KEYS = TABLE1_KEYS  # kept for callers of the old names
QUANT_KEYS = TABLE2_KEYS
EXPECTED_MODELS = ("base", "f16", "q4_0", "q4_0_qat")  # what notebook 04 is meant to evaluate
SUMMARY = "summary.json"  # written by tinyagent.evaluate.harness in every eval dir
StudyInputError = ResultError  # an input file breaks its contract; the message names the file, row and key


def require_file(path: str | Path, what: str) -> Path:
    """`path` as a Path if it is a file, else FileNotFoundError saying what it is and where it comes from.

    >>> require_file("/nonexistent/test.jsonl", "the test split (notebooks/01_data_synthesis.ipynb writes it)")
    Traceback (most recent call last):
    ...
    FileNotFoundError: /nonexistent/test.jsonl is missing: the test split (notebooks/01_data_synthesis.ipynb writes it)

    A relative path is taken from the repository root (`tinyagent.layout.repo_path`), as notebooks
    run from notebooks/ by JupyterLab must find the same files as papermill run from the root.
    """
    path = repo_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: {what}")
    return path


def load_toolrag(toolrag_dir: str | Path) -> tuple[list[dict[str, Any]], Path]:
    """(Table 1 rows of notebook 02, the saved classifier's folder); both must exist."""
    result = ToolRAGResult.load(toolrag_dir)
    if not result.table1:
        raise StudyInputError(f"{Path(toolrag_dir) / 'result.json'}: table1 must be a non-empty list of selector rows")
    if not (result.classifier_dir / "toolrag.json").is_file():
        raise FileNotFoundError(f"{result.classifier_dir} holds no saved classifier (toolrag.json missing): "
                                "run notebooks/02_toolrag.ipynb first")
    return list(result.table1), result.classifier_dir


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

    path: Path  # the result.json read
    rows: list[dict[str, Any]]  # table2 rows in file order (TABLE2_KEYS checked)
    summaries: dict[str, dict[str, Any] | None]  # row_key(row) -> its eval_dir's summary.json (None: missing)
    planner_gguf: str | None  # the model 04 hands on for further evaluation (None: not given)
    notes: list[str] = field(default_factory=list)  # what is missing, for the report
    skipped: str = ""  # why notebook 04 did nothing ('' when it ran)


def row_key(row: dict[str, Any]) -> str:
    """A Table 2 row's id: its model name, with the split unless it is the synthetic test split.

    >>> row_key({"name": "f16", "split": "natural"}), row_key({"name": "f16"})
    ('f16 (natural)', 'f16')
    """
    split = row.get("split", "test")
    return row["name"] if split == "test" else f"{row['name']} ({split})"


def load_quant(quant_dir: str | Path) -> QuantInputs:
    """Read and check notebook 04's result; absent rows or summaries become notes, not errors."""
    path = Path(quant_dir) / "result.json"
    result = QuantResult.load(quant_dir)
    rows = [dict(r) for r in result.table2]
    names = [r["name"] for r in rows]
    notes = [f"notebook 04 was skipped: {result.skipped}"] if result.skipped else []
    absent = [n for n in EXPECTED_MODELS if n not in names]
    if absent:
        notes.append(f"{path} has no Table 2 row for {', '.join(absent)} (not evaluated by notebook 04)")
    summaries = {}
    for r in rows:
        summaries[row_key(r)] = load_summary(r["eval_dir"])
        if summaries[row_key(r)] is None:
            notes.append(f"model {r['name']!r}: {Path(r['eval_dir']) / SUMMARY} is missing; it is left out "
                         "of the taxonomy and shape plots")
    gguf = result.planner_gguf
    if not gguf:
        notes.append(f"{path} names no planner_gguf")
    for note in notes:
        log.warning(note)
    return QuantInputs(path, rows, summaries, str(gguf) if gguf else None, notes, result.skipped)


def resolve_planner(planner_gguf: str, quant: QuantInputs | None) -> tuple[Path, str]:
    """(GGUF to evaluate, how it was chosen): the parameter if set, else 04's planner_gguf, else SmolLM2.

    A path that is named but does not exist is an error (FileNotFoundError), never silently replaced.
    """
    if planner_gguf:
        path, how = repo_path(planner_gguf), "the planner_gguf parameter"
    elif quant is not None and quant.planner_gguf:
        path, how = Path(quant.planner_gguf), f"planner_gguf of {quant.path}"
    else:
        from tinyagent.planner.models import default_planner_gguf
        return default_planner_gguf(), "the offline SmolLM2-135M (untuned): no planner_gguf was given"
    if not path.is_file():
        raise FileNotFoundError(f"planner GGUF {path} (from {how}) does not exist")
    return path, how
