"""The one record type every dataset maps to, the plan-shape classifier, and JSONL helpers.

A `Record` is a user query with its gold plan text; `tools` and `shape` are derived from the plan
so every source (offline generator, LLM generator, upstream TinyAgent JSON, NesTools) agrees on
them. JSONL files are written atomically (temporary file + rename) and read strictly.

Example:
    >>> from tinyagent.plan.types import Plan, Task
    >>> p = Plan((Task(1, "get_email_address", ("Sid",)), Task(2, "get_email_address", ("Bo",)),
    ...           Task(3, "compose_new_email", (["$1", "$2"], [], "Hi", "", []))))
    >>> plan_shape(p)
    'fan_in'
    >>> r = Record("x1", "Email Sid and Bo", "1. ...", ("compose_new_email", "get_email_address"), "fan_in")
    >>> Record.from_dict(r.to_dict()) == r
    True
    >>> r.now()  # no meta["reference_time"]: the default "now"
    datetime.datetime(2024, 5, 27, 9, 0)
"""
from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Iterable

from tinyagent.atomic import atomic_open
from tinyagent.data.text import read_utf8
from tinyagent.plan.types import Plan
from tinyagent.plan.validate import check_plan, validate_plan
from tinyagent.tools.assistant import ASSISTANT_TOOLS, DATE_FORMAT
from tinyagent.tools.catalog import ToolCatalog

log = logging.getLogger(__name__)

SHAPES: tuple[str, ...] = ("single", "chain", "fan_out", "fan_in", "parallel", "mixed")
_SPACES = re.compile(r"\s+")
_PUNCT_END = re.compile(r"[\s.!?]+$")


def plan_shape(plan: Plan) -> str:
    """Classify the dependency DAG of `plan` (join excluded) into one of SHAPES.

    single: one task. parallel: several tasks, no dependencies. chain: one path a -> b -> c.
    fan_in: several tasks each feed one final task (and nothing else). fan_out: one task feeds
    several others (and nothing else). mixed: anything else (a chain plus lookups, a diamond, ...).

    >>> from tinyagent.plan.types import Task
    >>> plan_shape(Plan((Task(1, "open_and_get_file_path", ("a",)), Task(2, "summarize_pdf", ("$1",)))))
    'chain'
    """
    idxs = [t.idx for t in plan.tasks]
    if not idxs:
        raise ValueError("plan_shape: the plan has no tasks")
    if len(idxs) == 1:
        return "single"
    edges = {(d, t.idx) for t in plan.tasks for d in t.deps if d in idxs}
    if not edges:
        return "parallel"
    indeg = {i: 0 for i in idxs}
    outdeg = {i: 0 for i in idxs}
    for a, b in edges:
        outdeg[a] += 1
        indeg[b] += 1
    n = len(idxs)
    connected = _weakly_connected(idxs, edges)
    if connected and len(edges) == n - 1 and max(indeg.values()) <= 1 and max(outdeg.values()) <= 1:
        return "chain"
    # Star shapes: every edge touches one hub, and the hub touches every other task.
    if len(edges) == n - 1 and connected:
        sinks = {b for _, b in edges}
        sources = {a for a, _ in edges}
        if len(sinks) == 1:
            return "fan_in"
        if len(sources) == 1:
            return "fan_out"
    return "mixed"


def _weakly_connected(nodes: list[int], edges: set[tuple[int, int]]) -> bool:
    adj: dict[int, set[int]] = {i: set() for i in nodes}
    for a, b in edges:
        adj[a].add(b)
        adj[b].add(a)
    seen, stack = {nodes[0]}, [nodes[0]]
    while stack:
        for nxt in adj[stack.pop()] - seen:
            seen.add(nxt)
            stack.append(nxt)
    return len(seen) == len(nodes)


def normalize_query(query: str) -> str:
    """Key used to deduplicate queries: NFKC, case-folded, whitespace collapsed, end punctuation dropped.

    >>> normalize_query("  Text  Sid at 5PM! ")
    'text sid at 5pm'
    """
    text = unicodedata.normalize("NFKC", query).casefold()
    return _PUNCT_END.sub("", _SPACES.sub(" ", text).strip())


@dataclass(frozen=True)
class Record:
    """One example: a user query and its gold plan. `tools` is the sorted set of gold tool names."""

    id: str  # unique within a dataset, e.g. "off-000123"
    query: str  # what the user asked
    plan: str  # gold plan text, exactly as rendered by tinyagent.plan.render.render_plan
    tools: tuple[str, ...]  # sorted, distinct tool names the gold plan calls
    shape: str  # one of SHAPES, from plan_shape
    source: str = "offline"  # offline, llm, upstream, nestools
    catalog: tuple[dict[str, Any], ...] | None = None  # tool JSON schemas when not the 16 assistant tools
    meta: dict[str, Any] = field(default_factory=dict, compare=False)  # scenario, template, seed, ...

    # The one reference date: "now" of the offline generator (a Monday morning) and of every record
    # without meta["reference_time"]; prompts, token counts and generated dates all read it from here.
    DEFAULT_NOW: ClassVar[datetime] = datetime(2024, 5, 27, 9, 0)

    def __post_init__(self) -> None:
        if not self.id or not isinstance(self.id, str):
            raise ValueError(f"record id must be a non-empty string, got {self.id!r}")
        if not isinstance(self.query, str) or not self.query.strip():
            raise ValueError(f"record {self.id}: query must be a non-empty string")
        if self.shape not in SHAPES:
            raise ValueError(f"record {self.id}: shape {self.shape!r} is not one of {SHAPES}")
        object.__setattr__(self, "tools", tuple(self.tools))
        if self.catalog is not None:
            object.__setattr__(self, "catalog", tuple(self.catalog))

    def now(self) -> datetime:
        """The "current date" the gold plan was written for: meta["reference_time"], else DEFAULT_NOW.

        A reference time that is not 'YYYY-MM-DD HH:MM:SS' raises ValueError naming the record.
        """
        value = self.meta.get("reference_time")
        if not value:
            return self.DEFAULT_NOW
        try:
            return datetime.strptime(value, DATE_FORMAT)
        except (TypeError, ValueError):
            raise ValueError(f"record {self.id}: meta.reference_time {value!r} is not "
                             f"'YYYY-MM-DD HH:MM:SS'") from None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tools"] = list(self.tools)
        d["catalog"] = None if self.catalog is None else list(self.catalog)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Record":
        """Build from `to_dict` output; unknown or missing keys raise ValueError naming them."""
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown record keys {sorted(unknown)}; known keys: {sorted(known)}")
        missing = {"id", "query", "plan", "tools", "shape"} - set(d)
        if missing:
            raise ValueError(f"record {d.get('id', '?')} lacks keys {sorted(missing)}")
        return cls(**{**d, "tools": tuple(d["tools"]), "meta": dict(d.get("meta") or {})})


def read_jsonl(path: str | Path, *, check_plans: bool = False) -> list[Record]:
    """Read records from a JSONL file; a bad line raises ValueError naming the file and line.

    `check_plans=True` (evaluation data) also refuses a gold plan that does not validate against the
    record's tools (`gold_plan_error`): a broken gold plan would count against every model.
    """
    records = []
    for lineno, line in enumerate(read_utf8(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = Record.from_dict(json.loads(line))
            problem = gold_plan_error(record.plan, record_catalog(record)) if check_plans else None
        except (ValueError, TypeError) as exc:  # SchemaError of a bad `catalog` too
            raise ValueError(f"{path}:{lineno}: bad record: {exc}") from exc
        if problem:
            raise ValueError(f"{path}:{lineno}: record {record.id!r}: {problem}")
        records.append(record)
    return records


def gold_plan_error(plan: str | Plan, catalog: ToolCatalog | None) -> str | None:
    """None when `plan` is a valid gold plan (over `catalog`'s tools, any tools when None), else one
    line naming every issue with its plan line and code, e.g. `invalid gold plan: line 2: [arity] ...`.

    >>> gold_plan_error('1. get_phone_number("Sid")', None)
    'invalid gold plan: [missing_join] the plan does not end with join()'
    """
    issues = check_plan(plan, catalog) if isinstance(plan, str) else validate_plan(plan, catalog)
    return "invalid gold plan: " + "; ".join(str(i) for i in issues) if issues else None


def write_jsonl_atomic(path: str | Path, records: Iterable[Record]) -> int:
    """Write records as JSONL via a temporary file in the same folder and an atomic rename.

    Returns the number of records written. A crash leaves either the old file or the new one.
    """
    n = 0
    with atomic_open(path) as fh:
        for rec in records:
            fh.write(json.dumps(rec.to_dict(), ensure_ascii=False) + "\n")
            n += 1
    return n


def record_from_plan(rec_id: str, query: str, plan: Plan, plan_text: str, **kwargs: Any) -> Record:
    """A Record whose tools and shape are derived from `plan` (the one place they are computed)."""
    return Record(rec_id, query, plan_text, tuple(sorted(set(plan.tools))), plan_shape(plan), **kwargs)


def record_catalog(record: Record, default: ToolCatalog = ASSISTANT_TOOLS) -> ToolCatalog:
    """The tools offered for `record`: its own schemas (NesTools, a custom catalog) or `default`."""
    if record.catalog is None:
        return default
    from tinyagent.tools.schema import catalog_from_json_schemas
    return catalog_from_json_schemas(record.catalog)


def dataset_catalog(records: Iterable[Record], default: ToolCatalog = ASSISTANT_TOOLS) -> ToolCatalog:
    """The one catalog of a training set: `default` when no record carries schemas, else the schemas
    every record carries (a custom catalog's data, tinyagent/synth/seed_data.py); ValueError naming
    a record whose catalog differs (per-record catalogs, as in NesTools, have no single label set).

    >>> dataset_catalog([Record("a", "q", "p", ("send_sms",), "single")]) is ASSISTANT_TOOLS
    True
    """
    first: Record | None = None
    for r in records:
        if first is None:
            first = r
        elif r.catalog != first.catalog:
            raise ValueError(f"records {first.id!r} and {r.id!r} offer different tool catalogs; "
                             "a training set needs one catalog")
    return default if first is None else record_catalog(first, default)
