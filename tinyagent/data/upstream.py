"""Upstream TinyAgent JSON mapped to our `Record` (NesTools: `tinyagent.data.nestools`).

Upstream TinyAgent dataset format (squeeze-ai-lab/TinyAgent-dataset):
`{key: {"input": query, "output": [{"type": "plan", "raw_input", "raw_output", "parsed_output":
[{"tool_name", "tool_args"}]}, {"type": "join", ...}]}}`. The plan text is `raw_output` when
present (normalised through our parser and renderer), else built from `parsed_output`, where
`tool_args` is a list of positional arguments or a dict in the tool's parameter order.

Usage: `records = load_upstream("tests/fixtures/upstream_tinyagent.json")`.

Example:
    >>> data = {"k1": {"input": "Text Sid hi", "output": [{"type": "plan", "parsed_output": [
    ...     {"tool_name": "get_phone_number", "tool_args": ["Sid"]},
    ...     {"tool_name": "send_sms", "tool_args": [["$1"], "hi"]}]}, {"type": "join"}]}}
    >>> [r.plan.splitlines()[1] for r in upstream_records(data)]
    ['2. send_sms(["$1"], "hi")']
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from tinyagent.data.records import Record, record_from_plan
from tinyagent.plan.parser import parse_plan
from tinyagent.plan.render import render_plan
from tinyagent.plan.types import Plan, PlanError, Task
from tinyagent.plan.validate import validate_plan
from tinyagent.tools.assistant import ASSISTANT_TOOLS
from tinyagent.tools.catalog import ToolCatalog

log = logging.getLogger(__name__)


class UpstreamFormatError(ValueError):
    """A record does not follow the upstream TinyAgent format; the message names the key and field."""


def _plan_step(key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("input"), str):
        raise UpstreamFormatError(f"record {key!r}: expected an object with a string 'input'")
    steps = value.get("output")
    if not isinstance(steps, list):
        raise UpstreamFormatError(f"record {key!r}: 'output' must be a list of steps")
    plans = [s for s in steps if isinstance(s, dict) and s.get("type") == "plan"]
    if not plans:
        raise UpstreamFormatError(f"record {key!r}: no step with type 'plan' in 'output'")
    return plans[0]  # later plan steps are replans after a failed join; the first is the gold plan


def _args_from(key: str, tool: str, tool_args: Any, catalog: ToolCatalog) -> tuple[Any, ...]:
    if isinstance(tool_args, (list, tuple)):
        return tuple(tool_args)
    if isinstance(tool_args, dict):
        if tool not in catalog:
            raise UpstreamFormatError(f"record {key!r}: named arguments for unknown tool {tool!r}")
        names = [p.name for p in catalog[tool].params]
        extra = set(tool_args) - set(names)
        if extra:
            raise UpstreamFormatError(f"record {key!r}: {tool} has no parameters {sorted(extra)}")
        args = [tool_args.get(n) for n in names]
        while args and args[-1] is None and names[len(args) - 1] not in tool_args:
            args.pop()  # trailing omitted optionals
        return tuple(args)
    raise UpstreamFormatError(f"record {key!r}: tool_args of {tool} must be a list or object")


def _plan_from_parsed(key: str, parsed: Any, catalog: ToolCatalog) -> Plan:
    if not isinstance(parsed, list) or not parsed:
        raise UpstreamFormatError(f"record {key!r}: 'parsed_output' must be a non-empty list")
    tasks = []
    for i, call in enumerate(parsed, 1):
        if not isinstance(call, dict) or not isinstance(call.get("tool_name"), str):
            raise UpstreamFormatError(f"record {key!r}: parsed_output[{i - 1}] lacks a string 'tool_name'")
        if call["tool_name"] == "join":
            break
        tasks.append(Task(i, call["tool_name"], _args_from(key, call["tool_name"], call.get("tool_args", []), catalog)))
    return Plan(tuple(tasks))


def upstream_records(data: dict[str, Any], catalog: ToolCatalog = ASSISTANT_TOOLS,
                     strict: bool = False) -> list[Record]:
    """Map upstream records to ours. Invalid plans are skipped with a warning (raise if `strict`)."""
    if not isinstance(data, dict):
        raise UpstreamFormatError(f"expected a JSON object keyed by record id, got {type(data).__name__}")
    out = []
    for key, value in data.items():
        step = _plan_step(key, value)
        try:
            raw = step.get("raw_output")
            plan = parse_plan(raw) if isinstance(raw, str) and raw.strip() else \
                _plan_from_parsed(key, step.get("parsed_output"), catalog)
            issues = validate_plan(plan, catalog)
            if issues:
                raise PlanError(issues)
        except PlanError as exc:
            if strict:
                raise UpstreamFormatError(f"record {key!r}: invalid plan: {exc}") from exc
            log.warning("skipping upstream record %r: %s", key, exc)
            continue
        out.append(record_from_plan(f"up-{key}", value["input"].strip(), plan, render_plan(plan),
                                    source="upstream", meta={"upstream_key": key}))
    return out


def load_upstream(path: str | Path, catalog: ToolCatalog = ASSISTANT_TOOLS, strict: bool = False) -> list[Record]:
    """Read an upstream TinyAgent dataset JSON file into records."""
    with open(path, encoding="utf-8") as fh:
        try:
            data = json.load(fh)
        except json.JSONDecodeError as exc:
            raise UpstreamFormatError(f"{path}: not valid JSON: {exc}") from exc
    return upstream_records(data, catalog, strict)

