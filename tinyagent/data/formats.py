"""Evaluation data in any supported format -> Records, through one small registry of readers.

Formats (detected from the first non-empty line, not the file name):
- `ours`: JSONL, one record per line with at least `query` and `plan` (full `Record` dicts as written
  by the synth pipeline, or minimal `{"id", "query", "plan"}` lines: tools and shape are derived and
  the gold plan must validate against the assistant tools, or the line's own `catalog` schemas);
- `nestools`: NesTools JSONL (`test_id`, `api`, `call`), each record with its own tool schemas;
- `upstream`: upstream TinyAgent JSON (`{key: {"input", "output": [...]}}`).

Usage: `records = load_eval_records("data/generated/test.jsonl")`.

Example:
    >>> sorted(FORMATS)
    ['nestools', 'ours', 'upstream']
    >>> FORMATS["nestools"].matches({"test_id": 1, "api": [], "call": []})
    True
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from tinyagent.data.nestools import load_nestools_records
from tinyagent.data.records import Record, gold_plan_error, read_jsonl, record_from_plan
from tinyagent.data.text import read_utf8
from tinyagent.data.upstream import load_upstream
from tinyagent.plan.parser import parse_plan
from tinyagent.plan.types import PlanError
from tinyagent.tools.assistant import ASSISTANT_TOOLS
from tinyagent.tools.schema import catalog_from_json_schemas

log = logging.getLogger(__name__)

_NOT_JSON = object()  # first line of a pretty-printed JSON object: a lone "{"


class DatasetError(ValueError):
    """The evaluation data cannot be read; the message names the file, line and field."""


@dataclass(frozen=True)
class Format:
    """One readable format: how to recognise its first line, and how to read a file of it."""

    name: str  # the `fmt` argument of load_eval_records
    matches: Callable[[Any], bool]  # the first non-empty line, parsed as JSON (or _NOT_JSON)
    read: Callable[[Path], list[Record]]  # the whole file -> records (ValueError on bad input)


def _is_full_record(n: int, line: str, path: Path) -> bool:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
    return isinstance(obj, dict) and set(obj) >= {"id", "tools", "shape"}


def _read_ours(path: Path) -> list[Record]:
    full = set(Record.__dataclass_fields__)
    rows = [(n, line) for n, line in enumerate(read_utf8(path).splitlines(), 1) if line.strip()]
    if all(_is_full_record(n, line, path) for n, line in rows[:1]):
        return read_jsonl(path, check_plans=True)
    records = []
    for n, line in rows:  # minimal lines: derive tools and shape from the plan
        try:
            obj = json.loads(line)
            unknown = set(obj) - full
            if unknown:
                raise DatasetError(f"unknown keys {sorted(unknown)}")
            catalog = obj.get("catalog")
            problem = gold_plan_error(obj["plan"], catalog_from_json_schemas(catalog) if catalog else ASSISTANT_TOOLS)
            if problem:  # a broken gold plan would count against every model: refuse it
                raise DatasetError(problem)
            plan = parse_plan(obj["plan"])
            records.append(record_from_plan(str(obj.get("id", f"line-{n}")), obj["query"], plan, obj["plan"],
                                            catalog=catalog, meta=dict(obj.get("meta") or {})))
        except (json.JSONDecodeError, KeyError, PlanError, ValueError, TypeError) as exc:
            raise DatasetError(f"{path}:{n}: bad record: {exc}") from None
    return records


def _is_upstream(obj: Any) -> bool:
    return obj is _NOT_JSON or (isinstance(obj, dict) and bool(obj)
                                and all(isinstance(v, dict) and "input" in v for v in obj.values()))


# Checked in this order: the first whose `matches` accepts the first line reads the file.
FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("nestools", lambda obj: isinstance(obj, dict) and {"test_id", "api", "call"} <= set(obj),
           load_nestools_records),
    Format("ours", lambda obj: isinstance(obj, dict) and {"query", "plan"} <= set(obj), _read_ours),
    Format("upstream", _is_upstream, load_upstream),
)}


def detect_format(path: str | Path) -> str:
    """The name of the format of `path` ('ours', 'nestools' or 'upstream'), from its first non-empty line."""
    first = next((line for line in read_utf8(path).splitlines() if line.strip()), "")
    if not first:
        raise DatasetError(f"{path}: the file is empty")
    try:
        obj = json.loads(first)
    except json.JSONDecodeError:
        obj = _NOT_JSON
    for fmt in FORMATS.values():
        if fmt.matches(obj):
            return fmt.name
    raise DatasetError(f"{path}: unknown format; expected JSONL records with 'query' and 'plan', NesTools "
                       "JSONL ('test_id', 'api', 'call') or upstream TinyAgent JSON ({key: {'input', 'output'}})")


def load_eval_records(path: str | Path, fmt: str | None = None) -> list[Record]:
    """Read `path` (format detected unless `fmt` is given); DatasetError on bad input or repeated ids."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    try:
        fmt = fmt or detect_format(path)
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8 (TextDecodeError names the line)
        raise DatasetError(str(exc) if isinstance(exc, ValueError) else f"{path}: {exc}") from None
    if fmt not in FORMATS:
        raise DatasetError(f"unknown format {fmt!r}; use one of {tuple(FORMATS)}")
    try:
        records = FORMATS[fmt].read(path)
    except DatasetError:
        raise
    except ValueError as exc:  # most name the file already; those that do not get it added
        raise DatasetError(str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}") from None
    seen: set[str] = set()
    for r in records:
        if r.id in seen:
            raise DatasetError(f"{path}: record id {r.id!r} appears twice; ids key the predictions")
        seen.add(r.id)
    log.info("read %d %s records from %s", len(records), fmt, path)
    return records
