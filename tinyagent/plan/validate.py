"""Check a parsed plan against a tool catalog: every problem becomes a `PlanIssue`, nothing raises.

Example:
    >>> from tinyagent.plan.parser import parse_plan
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> plan = parse_plan('1. get_phone_number("Sid")\\n2. send_sms(["$3"], "hi")\\n3. join()')
    >>> [i.code for i in validate_plan(plan, ASSISTANT_TOOLS)]
    ['dangling_ref']
    >>> [i.code for i in check_plan('1. get_phone_number("Sid", 2)', ASSISTANT_TOOLS)]
    ['arity', 'missing_join']
"""
from __future__ import annotations

import difflib
from typing import Any

import networkx as nx

from tinyagent.plan.parser import parse_plan
from tinyagent.plan.refs import find_refs, ref_label, whole_ref
from tinyagent.plan.types import Plan, PlanError, PlanIssue, Task
from tinyagent.tools.catalog import ToolCatalog, ToolParam


def validate_plan(plan: Plan, catalog: ToolCatalog | None = None) -> list[PlanIssue]:
    """Every structural and (with a catalog) type problem of `plan`, ordered by line."""
    issues = _structure_issues(plan) + _reference_issues(plan)
    if catalog is not None:
        for task in plan.tasks:
            issues += _call_issues(task, catalog)
    return sorted(issues, key=lambda i: (i.line or 10**9, i.task or 0))


def check_plan(text: str, catalog: ToolCatalog | None = None) -> list[PlanIssue]:
    """Parse and validate plan text; returns all issues (empty list = valid). Never raises."""
    try:
        plan = parse_plan(text)
    except PlanError as e:
        return list(e.issues)
    return validate_plan(plan, catalog)


def load_plan(text: str, catalog: ToolCatalog | None = None) -> Plan:
    """Parse and validate; raises PlanError listing every issue."""
    plan = parse_plan(text)
    issues = validate_plan(plan, catalog)
    if issues:
        raise PlanError(issues)
    return plan


def _structure_issues(plan: Plan) -> list[PlanIssue]:
    issues: list[PlanIssue] = []
    if not plan.tasks:
        issues.append(PlanIssue("empty_plan", "the plan has no tool calls"))
    seen: set[int] = set()
    for expected, task in enumerate(plan.tasks, start=1):
        if task.idx in seen:
            issues.append(PlanIssue("duplicate_index", f"task number {task.idx} is used twice", task.line, task.idx))
        elif task.idx != expected:
            issues.append(PlanIssue("skipped_index", f"task number {task.idx} should be {expected}",
                                    task.line, task.idx))
        seen.add(task.idx)
        # Plans are positional whatever the tools: named arguments are refused without a catalog too.
        issues += [PlanIssue("named_argument", f"task {task.idx} {task.tool}: argument {k!r} is named; pass it "
                             "positionally", task.line, task.idx) for k, _ in task.kwargs]
    if not plan.has_join:
        issues.append(PlanIssue("missing_join", "the plan does not end with join()"))
    return issues


def _reference_issues(plan: Plan) -> list[PlanIssue]:
    issues: list[PlanIssue] = []
    position = {}
    for pos, task in enumerate(plan.tasks):
        position.setdefault(task.idx, pos)
    graph = nx.DiGraph()
    for pos, task in enumerate(plan.tasks):
        for dep in sorted(task.deps):
            if dep == task.idx:
                issues.append(PlanIssue("self_ref", f"task {task.idx} references its own output ${dep}",
                                        task.line, task.idx))
            elif dep not in position:
                issues.append(PlanIssue("dangling_ref", f"task {task.idx} references {ref_label(dep)}, but there "
                                        "is no such task", task.line, task.idx))
            else:
                graph.add_edge(dep, task.idx)
                if position[dep] > pos:
                    issues.append(PlanIssue("forward_ref", f"task {task.idx} references ${dep}, which comes "
                                            "later", task.line, task.idx))
    if any(i.code == "forward_ref" for i in issues):
        try:
            cycle = nx.find_cycle(graph)
            path = " -> ".join(f"${u}" for u, _ in cycle) + f" -> ${cycle[0][0]}"
            issues.append(PlanIssue("cycle", f"references form a cycle: {path}"))
        except nx.NetworkXNoCycle:
            pass
    return issues


def _call_issues(task: Task, catalog: ToolCatalog) -> list[PlanIssue]:
    def issue(code: str, msg: str) -> PlanIssue:
        return PlanIssue(code, f"task {task.idx} {task.tool}: {msg}", task.line, task.idx)

    if task.tool not in catalog:
        close = difflib.get_close_matches(task.tool, catalog.names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; available: {', '.join(catalog.names)}"
        return [issue("unknown_tool", f"unknown tool{hint}")]
    spec = catalog[task.tool]
    issues = []
    if not spec.min_arity <= len(task.args) <= spec.max_arity:
        want = spec.max_arity if spec.min_arity == spec.max_arity else f"{spec.min_arity} to {spec.max_arity}"
        issues.append(issue("arity", f"takes {want} arguments ({spec.signature()}), got {len(task.args)}"))
    for param, value in zip(spec.params, task.args):
        problem = _type_problem(param, value)
        if problem:
            issues.append(issue(problem[0], f"argument {param.name!r}: {problem[1]}"))
    return issues


def _type_problem(param: ToolParam, value: Any) -> tuple[str, str] | None:
    """(code, message) if `value` does not fit `param`, else None."""
    if whole_ref(value) is not None:
        return None  # an earlier task's output may stand for any argument
    if value is None:
        return None if not param.required else ("arg_type", "is required, got None")
    if not _has_type(value, param.type):
        return "arg_type", f"expected {param.type}, got {type(value).__name__} {_short(value)}"
    if param.type != "str" and isinstance(value, str) and find_refs(value):
        return "arg_type", f"a reference inside text needs a str parameter, got {_short(value)}"
    if param.choices and value not in param.choices and not (value == "" and not param.required):
        return "bad_choice", f"must be one of {list(param.choices)}, got {_short(value)}"
    return None


def _has_type(value: Any, type_name: str) -> bool:
    if type_name == "any":
        return True
    if type_name == "list[str]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if type_name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {"str": str, "bool": bool, "list": list, "dict": dict}[type_name])


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
