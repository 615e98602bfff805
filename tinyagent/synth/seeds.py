"""Seed examples a user writes for their own tools: a request and the one call that answers it.

A seed is `{"request": "...", "plan": "..."}`, one per line of a JSONL file or an item of a Python
list; `plan` is either a whole one-task plan (`1. set_light("porch light", True)\\n2. join()...`) or
just the call (`set_light("porch light", True)`). Every seed must call one tool of the catalog with
valid arguments and no `$N`; anything else raises `SeedError` naming the seed.

Example:
    >>> from tinyagent.examples.home.tools import tools
    >>> seeds = load_seeds([{"request": "Is the front door locked?", "plan": 'get_device_state("front door")'}],
    ...                    tools.catalog)
    >>> seeds[0].tool, seeds[0].args
    ('get_device_state', ('front door',))
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from tinyagent.plan.parser import parse_plan
from tinyagent.plan.refs import find_refs
from tinyagent.plan.types import PlanError
from tinyagent.plan.validate import validate_plan
from tinyagent.tools.catalog import ToolCatalog


class SeedError(ValueError):
    """A seed example is unusable; the message names the seed and what is wrong."""


@dataclass(frozen=True)
class Seed:
    """One user-written example: `request` is answered by `tool(*args)`."""

    id: str  # "seed-3" (position in the source) unless the seed gives an "id"
    request: str
    tool: str
    args: tuple[Any, ...]


def _plan_text(text: str) -> str:
    text = text.strip()
    return text if text[:1].isdigit() else f"1. {text}\n2. join()<END_OF_PLAN>"


def parse_seed(n: int, item: Mapping[str, Any], catalog: ToolCatalog) -> Seed:
    """The `n`-th seed (1-based) of a source, checked against `catalog`."""
    sid = str(item.get("id") or f"seed-{n}") if isinstance(item, Mapping) else f"seed-{n}"
    if not isinstance(item, Mapping) or not isinstance(item.get("request"), str) \
            or not isinstance(item.get("plan"), str) or not item["request"].strip():
        raise SeedError(f"{sid}: expected an object with a non-empty 'request' and a 'plan' string, got {item!r}")
    unknown = set(item) - {"id", "request", "plan"}
    if unknown:
        raise SeedError(f"{sid}: unknown keys {sorted(unknown)}; a seed has request, plan and optionally id")
    try:
        plan = parse_plan(_plan_text(item["plan"]))
    except PlanError as exc:
        raise SeedError(f"{sid}: bad plan: {exc}") from None
    issues = validate_plan(plan, catalog)
    if issues:
        raise SeedError(f"{sid}: invalid plan: {'; '.join(str(i) for i in issues)}")
    if len(plan.tasks) != 1 or find_refs(plan.tasks[0].args):
        raise SeedError(f"{sid}: a seed is one call without $N references; got {len(plan.tasks)} tasks")
    task = plan.tasks[0]
    return Seed(sid, " ".join(item["request"].split()), task.tool, task.args)


def load_seeds(source: str | Path | Iterable[Mapping[str, Any]], catalog: ToolCatalog) -> list[Seed]:
    """Seeds from a JSONL file or a list of dicts; SeedError naming the file line or item when bad."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise SeedError(f"seeds {str(path)!r}: cannot read: {exc}") from None
        items = []
        for lineno, line in enumerate(lines, 1):
            if line.strip():
                try:
                    items.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise SeedError(f"{path}:{lineno}: not JSON: {exc}") from None
    else:
        items = list(source)
    seeds = [parse_seed(n, item, catalog) for n, item in enumerate(items, 1)]
    if not seeds:
        raise SeedError("no seed examples given")
    return seeds
