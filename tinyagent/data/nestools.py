"""Convert NesTools records (external test set with explicit dependencies) into catalogs and plans.

Each record offers 2-6 JSON tool schemas (`api`) and gold calls (`call`). A call's `responses` name
placeholders `API_call_k`; a later parameter whose value is `API_call_k` (also as a list item)
depends on the call that produced it. We turn that into our plan language: the value becomes
`"$i"`, i being the 1-based index of the producing call. Our `$i` stands for the whole output of task
i, so NesTools' choice of which named response is used is not kept (the DAG is). Arguments are
positional in schema parameter order; an omitted optional parameter becomes None when later ones are
given and is dropped when trailing.

Literal text is escaped for the plan language (`$` -> `$$`, see tinyagent.plan.refs), so values
such as "Alice - $100" or "9d$4jF" stay text instead of reading as references to tasks 100 and 4.
`literal_refs` lists the raw values that needed it (2 of the 1000 test records).

Usage: `records = load_nestools("../shared/data/external/nestools/test_data.jsonl")`.

Example:
    >>> rec = {"test_id": 7, "task": "q", "field": "f", "api": [
    ...     {"api_name": "a", "api_description": "A.", "parameters": {"x": {"type": "str", "description": "x"}},
    ...      "required": ["x"], "responses": {"r": {"type": "str", "description": "r"}}},
    ...     {"api_name": "b", "api_description": "B.", "parameters": {
    ...         "u": {"type": "int", "description": "u"}, "v": {"type": "list", "description": "v"},
    ...         "w": {"type": "bool", "description": "w"}}, "required": ["v"], "responses": {}}],
    ...     "call": [{"api_name": "a", "parameters": {"x": "hi"}, "responses": ["API_call_0"]},
    ...              {"api_name": "b", "parameters": {"v": ["API_call_0", "z"]}, "responses": []}]}
    >>> r = convert_record(rec)
    >>> [(t.idx, t.tool, t.args) for t in r.plan.tasks]
    [(1, 'a', ('hi',)), (2, 'b', (None, ['$1', 'z']))]
    >>> r.catalog["b"].signature(), sorted(nestools_graph(rec).edges)
    ('b(u: int, v: list, w: bool) -> str', [(1, 2)])
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from tinyagent.data.records import Record, gold_plan_error, record_from_plan
from tinyagent.data.text import read_utf8
from tinyagent.plan.refs import escape_literal, find_refs
from tinyagent.plan.render import render_plan
from tinyagent.plan.types import Plan, Task
from tinyagent.tools.catalog import ToolCatalog, ToolParam, ToolSpec
from tinyagent.tools.schema import catalog_schemas


APP = "nestools"  # the app every NesTools tool belongs to
TYPE_MAP = {"str": "str", "int": "int", "float": "float", "bool": "bool", "list": "list", "dict": "dict"}
_PLACEHOLDER = re.compile(r"API_call_\d+")


@dataclass(frozen=True)
class NesToolsRecord:
    """One NesTools test record in our types."""

    id: int  # NesTools `test_id`
    query: str  # the user request (`task`)
    catalog: ToolCatalog  # the tools offered for this record, built from its `api` schemas
    plan: Plan  # the gold calls as a plan, ending with join
    field: str  # NesTools' topic label, e.g. "Library Science/Library Augmented Reality"


def _where(record: dict, extra: str = "") -> str:
    return f"NesTools record {record.get('test_id', '?')}" + (f", {extra}" if extra else "")


def record_catalog(record: dict) -> ToolCatalog:
    """The record's tools: parameters in schema order, NesTools types mapped to ours."""
    specs = []
    for api in record["api"]:
        required = set(api.get("required", []))
        unknown = required - set(api["parameters"])
        if unknown:
            raise ValueError(f"{_where(record, api['api_name'])}: required {sorted(unknown)} are not parameters")
        params = []
        for name, schema in api["parameters"].items():
            kind = schema.get("type")
            if kind not in TYPE_MAP:
                raise ValueError(f"{_where(record, api['api_name'])}: parameter {name!r} has type {kind!r}; "
                                 f"expected one of {sorted(TYPE_MAP)}")
            params.append(ToolParam(name, TYPE_MAP[kind], schema.get("description", ""), name in required))
        specs.append(ToolSpec(api["api_name"], api.get("api_description", ""), tuple(params), APP, False))
    return ToolCatalog(tuple(specs))


def _replace_placeholders(value: Any, producer: dict[str, int], where: str) -> Any:
    """Whole-string placeholders -> "$i", looking inside lists and dict values."""
    if isinstance(value, str) and _PLACEHOLDER.fullmatch(value):
        if value not in producer:
            raise ValueError(f"{where}: placeholder {value!r} is not produced by an earlier call")
        return f"${producer[value]}"
    if isinstance(value, list):
        return [_replace_placeholders(v, producer, where) for v in value]
    if isinstance(value, dict):
        return {escape_literal(k): _replace_placeholders(v, producer, where) for k, v in value.items()}
    return escape_literal(value)


def _call_args(record: dict, call: dict, pos: int, catalog: ToolCatalog, producer: dict[str, int]) -> tuple:
    where = _where(record, f"call {pos} ({call['api_name']})")
    if call["api_name"] not in catalog:
        raise ValueError(f"{where}: the tool is not among the record's api schemas {list(catalog.names)}")
    spec = catalog[call["api_name"]]
    names = [p.name for p in spec.params]
    stray = set(call["parameters"]) - set(names)
    if stray:
        raise ValueError(f"{where}: parameters {sorted(stray)} are not in the schema {names}")
    missing = [p.name for p in spec.params if p.required and p.name not in call["parameters"]]
    if missing:
        raise ValueError(f"{where}: required parameters {missing} are missing")
    args = [_replace_placeholders(call["parameters"][n], producer, where) if n in call["parameters"] else None
            for n in names]
    while args and names[len(args) - 1] not in call["parameters"]:
        args.pop()  # trailing omitted optionals are dropped, inner ones stay as None
    return tuple(args)


def record_plan(record: dict, catalog: ToolCatalog | None = None) -> Plan:
    """The gold calls as a Plan (tasks 1..n, `$i` for placeholders, has_join=True)."""
    catalog = catalog if catalog is not None else record_catalog(record)
    producer: dict[str, int] = {}  # placeholder -> 1-based index of the call that produced it
    tasks = []
    for pos, call in enumerate(record["call"], start=1):
        tasks.append(Task(pos, call["api_name"], _call_args(record, call, pos, catalog, producer)))
        for name in call.get("responses", []):
            if name in producer:
                raise ValueError(f"{_where(record, f'call {pos}')}: placeholder {name!r} produced twice")
            producer[name] = pos
    return Plan(tuple(tasks), has_join=True)


def literal_refs(record: dict) -> list[tuple[int, str, Any]]:
    """(call, parameter, value) for raw values holding `$N` text that would read as a reference if
    not escaped (e.g. "9d$4jF", "Alice - $100")."""
    return [(pos, name, value)
            for pos, call in enumerate(record["call"], start=1)
            for name, value in call["parameters"].items() if find_refs(value)]


def convert_record(record: dict) -> NesToolsRecord:
    """One parsed JSON record -> NesToolsRecord (ValueError naming the record when malformed)."""
    try:
        catalog = record_catalog(record)
        plan = record_plan(record, catalog)
        return NesToolsRecord(int(record["test_id"]), record["task"], catalog, plan, record.get("field", ""))
    except KeyError as err:
        raise ValueError(f"{_where(record)}: missing key {err}") from None


def load_nestools(path: str | Path) -> list[NesToolsRecord]:
    """Read NesTools JSON lines into records; ValueError naming the file and line when a record is
    malformed or its gold plan does not validate against its own tools."""
    records = []
    for line_no, line in enumerate(read_utf8(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = convert_record(json.loads(line))
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}:{line_no}: not valid JSON ({err})") from None
        except (ValueError, TypeError, AttributeError) as err:  # a field of the wrong JSON type, too
            raise ValueError(f"{path}:{line_no}: {err}") from None
        problem = gold_plan_error(record.plan, record.catalog)  # e.g. a tool name our parser cannot read
        if problem:
            raise ValueError(f"{path}:{line_no}: NesTools record {record.id}: {problem}")
        records.append(record)
    return records


def load_nestools_records(path: str | Path) -> list[Record]:
    """NesTools as our `Record`s (ids `nes-<test_id>`), each carrying its own tools as JSON schemas."""
    return [record_from_plan(f"nes-{r.id}", r.query, r.plan, render_plan(r.plan), source="nestools",
                             catalog=tuple(catalog_schemas(r.catalog)), meta={"field": r.field})
            for r in load_nestools(path)]


def nestools_graph(record: dict) -> nx.DiGraph:
    """The dependency DAG read directly off the JSON placeholders (no Plan involved): node = 1-based
    call index with attribute `tool`, edge = producing call -> consuming call."""
    graph = nx.DiGraph()
    producer: dict[str, int] = {}
    for pos, call in enumerate(record["call"], start=1):
        graph.add_node(pos, tool=call["api_name"])
        # A placeholder is a whole JSON string value, wherever it sits in the parameters.
        for name in re.findall(r'"(API_call_\d+)"', json.dumps(list(call["parameters"].values()))):
            if name not in producer:
                raise ValueError(f"{_where(record, f'call {pos}')}: {name!r} is not produced by an earlier call")
            graph.add_edge(producer[name], pos)
        producer.update({name: pos for name in call.get("responses", [])})
    return graph
