"""Plan files for `python -m tinyagent score`: id -> plan text, with the file line and tools of each plan.

A plan file is JSONL of `{"id": ..., "plan": "<plan text>"}` (optionally `"catalog"`: that plan's
OpenAI tool schemas), or any evaluation dataset `load_eval_records` reads (our JSONL, NesTools,
upstream TinyAgent), whose records bring their own tools. Gold files are checked up front
(`check_gold`): every gold plan must be a valid plan, over the catalog's tools when there is one.
Every problem raises `PlanFileError` naming the file and line.

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "gold.jsonl"
    >>> _ = p.write_text('{"id": "a", "plan": "1. scan_isbn(\\\\"978\\\\")\\\\n2. join()"}\\n')
    >>> gold = read_plan_file(p)
    >>> gold.plans, gold.lines, check_gold(gold, None)
    ({'a': '1. scan_isbn("978")\\n2. join()'}, {'a': 1}, None)
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinyagent.data.formats import FORMATS, DatasetError, load_eval_records
from tinyagent.data.records import gold_plan_error, record_catalog
from tinyagent.data.text import read_utf8
from tinyagent.tools.assistant import ASSISTANT_TOOLS
from tinyagent.tools.catalog import ToolCatalog
from tinyagent.tools.schema import catalog_from_json_schemas

ASSISTANT = "assistant"  # `--catalog assistant`: the 16 built-in tools


class PlanFileError(ValueError):
    """A plan or catalog file cannot be used; the message names the file and line."""


@dataclass
class PlanFile:
    """The plans of one file, keyed by id, in file order."""

    path: str
    plans: dict[str, str] = field(default_factory=dict)  # id -> plan text
    lines: dict[str, int] = field(default_factory=dict)  # id -> 1-based line (0: not line-based)
    catalogs: dict[str, ToolCatalog] = field(default_factory=dict)  # id -> the plan's own tools, if any


def _is_dataset(first: str) -> bool:
    """Whether the first line starts an evaluation dataset rather than `{"id", "plan"}` JSONL."""
    try:
        obj = json.loads(first)
    except json.JSONDecodeError:
        return first.strip() == "{"  # a pretty-printed upstream TinyAgent JSON object
    return any(fmt.matches(obj) for fmt in FORMATS.values())


def read_plan_file(path: str | Path) -> PlanFile:
    """Read `{"id", "plan"}` JSONL or an evaluation dataset (format detected); PlanFileError when bad."""
    try:
        text = read_utf8(path)
    except OSError as e:
        raise PlanFileError(f"cannot read {path}: {e.strerror or e}") from None
    except ValueError as e:  # TextDecodeError: names file and line
        raise PlanFileError(str(e)) from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first:
        raise PlanFileError(f"{path}: no records")
    return _read_dataset(str(path)) if _is_dataset(first) else _read_jsonl(str(path), text)


def _read_jsonl(path: str, text: str) -> PlanFile:
    out = PlanFile(path)
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise PlanFileError(f"{path}:{n}: not valid JSON ({e.msg})") from None
        if not isinstance(record, dict) or "id" not in record or not isinstance(record.get("plan"), str):
            raise PlanFileError(f'{path}:{n}: expected {{"id": ..., "plan": "<plan text>"}}')
        key = str(record["id"])
        if key in out.plans:
            raise PlanFileError(f"{path}:{n}: duplicate id {key!r}")
        out.plans[key], out.lines[key] = record["plan"], n
        if record.get("catalog") is not None:
            out.catalogs[key] = _schemas(record["catalog"], f"{path}:{n}")
    return out


def _read_dataset(path: str) -> PlanFile:
    try:
        records = load_eval_records(path)  # validates every gold plan, naming the line
    except DatasetError as e:
        raise PlanFileError(str(e)) from None
    out = PlanFile(path)
    for r in records:
        out.plans[r.id], out.lines[r.id] = r.plan, 0
        if r.catalog is not None:
            out.catalogs[r.id] = record_catalog(r)
    return out


def _schemas(value: Any, where: str) -> ToolCatalog:
    if isinstance(value, dict) and "tools" in value:
        value = value["tools"]
    if not isinstance(value, list):
        raise PlanFileError(f"{where}: a catalog is a JSON list of OpenAI tool schemas (or {{\"tools\": [...]}})")
    try:
        return catalog_from_json_schemas(value)
    except ValueError as e:  # SchemaError names the tool
        raise PlanFileError(f"{where}: {e}") from None


def read_catalog(spec: str) -> ToolCatalog:
    """`assistant` (the 16 built-in tools) or a JSON file of OpenAI tool schemas; PlanFileError when bad."""
    if spec == ASSISTANT:
        return ASSISTANT_TOOLS
    try:
        data = json.loads(read_utf8(spec))
    except OSError as e:
        raise PlanFileError(f"cannot read catalog {spec}: {e.strerror or e}") from None
    except json.JSONDecodeError as e:
        raise PlanFileError(f"{spec}:{e.lineno}: not valid JSON ({e.msg})") from None
    except ValueError as e:
        raise PlanFileError(str(e)) from None
    return _schemas(data, spec)


def plan_catalog(plans: PlanFile, key: str, catalog: ToolCatalog | None) -> ToolCatalog | None:
    """The tools plan `key` is checked against: `catalog` when given, else the plan's own, else None."""
    return catalog if catalog is not None else plans.catalogs.get(key)


def check_gold(gold: PlanFile, catalog: ToolCatalog | None) -> None:
    """None when every gold plan is valid (tools checked only against a catalog); else PlanFileError
    naming the file, line, id and each issue with its code."""
    for key, text in gold.plans.items():
        problem = gold_plan_error(text, plan_catalog(gold, key, catalog))
        if problem:
            where = f"{gold.path}:{gold.lines[key]}" if gold.lines.get(key) else gold.path
            raise PlanFileError(f"{where}: gold plan {key!r}: {problem}")
    return None
