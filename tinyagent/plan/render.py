"""Render a `Plan` back to plan text: the exact format the planner is trained to emit.

`parse_plan(render_plan(p)) == p` for every plan the parser can produce.

Example:
    >>> from tinyagent.plan.types import Plan, Task
    >>> print(render_plan(Plan((Task(1, "get_phone_number", ("Sid",)),
    ...                         Task(2, "send_sms", (["$1"], "Running late"))))))
    1. get_phone_number("Sid")
    2. send_sms(["$1"], "Running late")
    3. join()<END_OF_PLAN>
"""
from __future__ import annotations

import json
import math
from typing import Any

from tinyagent.plan.types import END_OF_PLAN, JOIN, Plan, PlanError, PlanIssue, Task


def render_literal(value: Any) -> str:
    """A Python literal for `value`, strings in double quotes (as the reference plans write them)."""
    if isinstance(value, str):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
            return json.dumps(value, ensure_ascii=False)
        except UnicodeEncodeError:  # lone surrogates: escape everything non-ASCII instead
            return json.dumps(value)
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            raise PlanError([PlanIssue("bad_literal", "NaN cannot be written as a plan literal")])
        return repr(value) if math.isfinite(value) else ("1e999" if value > 0 else "-1e999")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{render_literal(k)}: {render_literal(v)}" for k, v in value.items()) + "}"
    raise PlanError([PlanIssue("bad_literal", f"cannot render a {type(value).__name__} as a plan literal")])


def _thought_lines(thought: str | None) -> list[str]:
    return [f"Thought: {line}" for line in thought.split("\n")] if thought is not None else []


def render_task(task: Task) -> str:
    """One `N. tool(args)` line (named arguments, invalid in plans, are rendered too)."""
    parts = [render_literal(a) for a in task.args]
    parts += [f"{k}={render_literal(v)}" for k, v in task.kwargs]
    return f"{task.idx}. {task.tool}({', '.join(parts)})"


def render_plan(plan: Plan, *, end_marker: bool = True) -> str:
    """The plan text: thoughts, numbered calls, then `join()` (numbered after the last task)."""
    lines: list[str] = []
    for task in plan.tasks:
        lines += _thought_lines(task.thought)
        lines.append(render_task(task))
    if plan.has_join:
        lines += _thought_lines(plan.thought)
        join_idx = max((t.idx for t in plan.tasks), default=0) + 1
        lines.append(f"{join_idx}. {JOIN}()" + (END_OF_PLAN if end_marker else ""))
    return "\n".join(lines)
