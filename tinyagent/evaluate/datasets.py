"""Evaluation inputs: read any supported dataset into Records, and give each record its tool catalog.

Formats (detected from the content, not the file name):
- our JSONL: one record per line with at least `query` and `plan` (full `Record` dicts as written by
  the synth pipeline, or minimal `{"id", "query", "plan"}` lines: tools and shape are derived and the
  gold plan must validate against the assistant tools, or the line's own `catalog` schemas);
- NesTools JSONL (`test_id`, `api`, `call`): each record carries its own tool schemas;
- upstream TinyAgent JSON (`{key: {"input", "output": [...]}}`).

Records with their own tools store them as OpenAI JSON schemas (`Record.catalog`);
`catalog_from_json_schemas` turns them back into a `ToolCatalog`, the inverse of
`ToolSpec.json_schema` (app and side effects are not in a schema: app "external", no side effects).

Usage: `records = load_eval_records("data/generated/test.jsonl")`.

Example:
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> cat = catalog_from_json_schemas(ASSISTANT_TOOLS.json_schemas())
    >>> cat["send_sms"].signature() == ASSISTANT_TOOLS["send_sms"].signature()
    True
    >>> cat["maps_show_directions"].params[2].choices
    ('d', 'w', 'r')
"""
from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

from tinyagent.data.records import Record, read_jsonl, record_from_plan
from tinyagent.plan.parser import parse_plan
from tinyagent.plan.types import PlanError
from tinyagent.plan.validate import validate_plan
from tinyagent.tools.assistant import ASSISTANT_TOOLS, DATE_FORMAT
from tinyagent.tools.catalog import ToolCatalog, ToolParam, ToolSpec

log = logging.getLogger(__name__)

EXTERNAL_APP = "external"  # app of tools rebuilt from schemas (not one of the assistant's apps)
DEFAULT_NOW = datetime(2024, 5, 27, 9, 0)  # prompt date for records without a reference time
_FORMATS = ("ours", "nestools", "upstream")


class DatasetError(ValueError):
    """The evaluation data cannot be read; the message names the file, line and field."""


def _param_type(name: str, schema: dict[str, Any], where: str) -> str:
    kind = schema.get("type")
    if kind is None:
        return "any"
    if kind == "array":
        return "list[str]" if (schema.get("items") or {}).get("type") == "string" else "list"
    mapping = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "object": "dict"}
    if kind not in mapping:
        raise DatasetError(f"{where}: parameter {name!r} has JSON type {kind!r}; expected one of "
                           f"{sorted(mapping) + ['array']}")
    return mapping[kind]


def catalog_from_json_schemas(schemas: Iterable[dict[str, Any]]) -> ToolCatalog:
    """A ToolCatalog from OpenAI `tools` entries (`{"type": "function", "function": {...}}` or the bare
    function object). Parameter order is the order of `properties`."""
    specs = []
    for n, entry in enumerate(schemas):
        fn = entry.get("function", entry) if isinstance(entry, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            raise DatasetError(f"tool schema {n}: expected an object with a 'name' (or 'function.name')")
        where = f"tool schema {fn['name']!r}"
        params_schema = fn.get("parameters") or {}
        required = set(params_schema.get("required", []))
        params = []
        for pname, pschema in (params_schema.get("properties") or {}).items():
            params.append(ToolParam(pname, _param_type(pname, pschema, where), pschema.get("description", ""),
                                    pname in required, tuple(pschema.get("enum", ()))))
        specs.append(ToolSpec(fn["name"], fn.get("description", ""), tuple(params), EXTERNAL_APP, False))
    try:
        return ToolCatalog(tuple(specs))
    except ValueError as exc:
        raise DatasetError(f"tool schemas: {exc}") from None


def record_catalog(record: Record, default: ToolCatalog = ASSISTANT_TOOLS) -> ToolCatalog:
    """The tools offered for `record`: its own schemas (NesTools) or `default`."""
    if record.catalog is None:
        return default
    return catalog_from_json_schemas(record.catalog)


def reference_time(record: Record) -> datetime:
    """The "current date" the record's gold plan was written for (`meta.reference_time`), else DEFAULT_NOW."""
    value = record.meta.get("reference_time")
    if not value:
        return DEFAULT_NOW
    try:
        return datetime.strptime(value, DATE_FORMAT)
    except (TypeError, ValueError):
        raise DatasetError(f"record {record.id}: meta.reference_time {value!r} is not "
                           f"'YYYY-MM-DD HH:MM:SS'") from None


def detect_format(path: Path) -> str:
    """'ours', 'nestools' or 'upstream', from the first non-empty line of `path`."""
    with open(path, encoding="utf-8") as fh:
        first = next((line for line in fh if line.strip()), "")
    if not first:
        raise DatasetError(f"{path}: the file is empty")
    try:
        obj = json.loads(first)
    except json.JSONDecodeError:
        return "upstream"  # a pretty-printed JSON object starts with a lone "{"
    if isinstance(obj, dict) and {"test_id", "api", "call"} <= set(obj):
        return "nestools"
    if isinstance(obj, dict) and {"query", "plan"} <= set(obj):
        return "ours"
    if isinstance(obj, dict) and obj and all(isinstance(v, dict) and "input" in v for v in obj.values()):
        return "upstream"
    raise DatasetError(f"{path}: unknown format; expected JSONL records with 'query' and 'plan', NesTools "
                       "JSONL ('test_id', 'api', 'call') or upstream TinyAgent JSON ({key: {'input', 'output'}})")


def _read_ours(path: Path) -> list[Record]:
    full = set(Record.__dataclass_fields__)
    with open(path, encoding="utf-8") as fh:
        rows = [(n, line) for n, line in enumerate(fh, 1) if line.strip()]
    if all(set(json.loads(line)) >= {"id", "tools", "shape"} for _, line in rows[:1]):
        return read_jsonl(path)
    records = []
    for n, line in rows:  # minimal lines: derive tools and shape from the plan
        try:
            obj = json.loads(line)
            unknown = set(obj) - full
            if unknown:
                raise DatasetError(f"unknown keys {sorted(unknown)}")
            plan = parse_plan(obj["plan"])
            catalog = obj.get("catalog")
            issues = validate_plan(plan, catalog_from_json_schemas(catalog) if catalog else ASSISTANT_TOOLS)
            if issues:  # a broken gold plan would count against every model: refuse it
                raise PlanError(issues)
            records.append(record_from_plan(str(obj.get("id", f"line-{n}")), obj["query"], plan, obj["plan"],
                                            catalog=catalog, meta=dict(obj.get("meta") or {})))
        except (json.JSONDecodeError, KeyError, PlanError, ValueError, TypeError) as exc:
            raise DatasetError(f"{path}:{n}: bad record: {exc}") from None
    return records


def load_eval_records(path: str | Path, fmt: str | None = None) -> list[Record]:
    """Read `path` (format detected unless `fmt` is given); DatasetError on bad input or repeated ids."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    fmt = fmt or detect_format(path)
    if fmt not in _FORMATS:
        raise DatasetError(f"unknown format {fmt!r}; use one of {_FORMATS}")
    try:
        if fmt == "ours":
            records = _read_ours(path)
        elif fmt == "nestools":
            from tinyagent.data.upstream import load_nestools_records
            records = load_nestools_records(path)
        else:
            from tinyagent.data.upstream import load_upstream
            records = load_upstream(path)
    except DatasetError:
        raise
    except ValueError as exc:
        raise DatasetError(f"{path}: {exc}") from None
    seen: set[str] = set()
    for r in records:
        if r.id in seen:
            raise DatasetError(f"{path}: record id {r.id!r} appears twice; ids key the predictions")
        seen.add(r.id)
    log.info("read %d %s records from %s", len(records), fmt, path)
    return records
