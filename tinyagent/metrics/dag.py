"""The paper's success metric: a plan succeeds when its DAG is isomorphic to the gold plan's DAG.

Nodes are tasks labelled by tool name; an edge runs from a dependency to its dependent (`Task.deps`,
i.e. the `$N` references in the arguments). Arguments are ignored, so the order of independent calls
and the numbering do not matter. A plan must close with `join()`; the join node itself is left out
of both graphs: it would depend on every task in either plan, so adding it to both could never change
an isomorphism verdict. `strict=True` also asks that some isomorphism matches the arguments
(normalised as in `tinyagent.metrics.strict`). Both searches run in polynomial time, also with
many interchangeable calls (`tinyagent.metrics.matching`). A failed plan gets one category of `ERROR_CATEGORIES`.
Task numbers only name nodes: skipped numbers (1, 2, 4) are accepted, while a repeated number or a
`$N` that is not an earlier task makes the DAG ill-defined and counts as `parse_error`.

Example:
    >>> from tinyagent.plan import Plan, Task
    >>> gold = Plan((Task(1, "get_email_address", ("Sid",)), Task(2, "get_email_address", ("Lutfi",)),
    ...              Task(3, "compose_new_email", (["$1", "$2"], [], "Hi", "", []))))
    >>> pred = Plan((Task(1, "get_email_address", ("Lutfi",)), Task(2, "get_email_address", ("sid",)),
    ...              Task(3, "compose_new_email", (["$2", "$1"], [], "hi ", "", []))))
    >>> score_plan(pred, gold).success, score_plan(pred, gold, strict=True).success
    (True, True)
    >>> score_plan(Plan(pred.tasks[:2] + (Task(3, "send_sms", (["$1"], "hi")),)), gold).error
    'wrong_tool_set'
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import networkx as nx

from tinyagent.metrics.matching import is_isomorphism, match_nodes, structural_label
from tinyagent.metrics.strict import args_match, argument_label, first_arg_diff
from tinyagent.metrics.taxonomy import ERROR_CATEGORIES, describe_tool_diff, tool_set_error
from tinyagent.plan.parser import parse_plan
from tinyagent.plan.refs import ref_label
from tinyagent.plan.types import Plan, PlanError, PlanIssue
from tinyagent.tools.catalog import ToolCatalog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanScore:
    """The verdict on one predicted plan."""

    success: bool  # DAG isomorphic to gold (and, in strict mode, arguments match)
    error: str | None  # a key of ERROR_CATEGORIES when the plan failed, else None
    detail: str  # one line saying why

    def __post_init__(self) -> None:
        if self.success != (self.error is None):
            raise ValueError(f"PlanScore: success={self.success} contradicts error={self.error!r}")
        if self.error is not None and self.error not in ERROR_CATEGORIES:
            raise ValueError(f"unknown error category {self.error!r}; known: {list(ERROR_CATEGORIES)}")


def plan_graph(plan: Plan) -> nx.DiGraph:
    """The plan's dependency DAG: node = task index with attributes `tool` and `task`; edge = dep ->
    dependent. Raises PlanError when a reference is not to an earlier task or indices repeat.

    Example:
        >>> from tinyagent.plan import Plan, Task
        >>> g = plan_graph(Plan((Task(1, "a"), Task(2, "b", ("$1",)), Task(3, "c", ("$1 $2",)))))
        >>> sorted(g.edges), g.nodes[3]["tool"]
        ([(1, 2), (1, 3), (2, 3)], 'c')
    """
    graph = nx.DiGraph()
    issues = []
    for task in plan.tasks:
        if task.idx in graph:
            issues.append(PlanIssue("duplicate_index", f"task number {task.idx} is used twice", task.line, task.idx))
            continue
        graph.add_node(task.idx, tool=task.tool, task=task)
        for dep in sorted(task.deps):
            if dep in graph and dep != task.idx:
                graph.add_edge(dep, task.idx)
            else:
                # Only earlier tasks are allowed, which also rules out cycles.
                code = "self_ref" if dep == task.idx else "forward_ref" if _has_task(plan, dep) else "dangling_ref"
                issues.append(PlanIssue(code, f"task {task.idx} refers to {ref_label(dep)}, which is not an earlier task",
                                        task.line, task.idx))
    if issues:
        raise PlanError(issues)
    return graph


def _has_task(plan: Plan, idx: int) -> bool:
    return any(t.idx == idx for t in plan.tasks)


def _gold_graph(gold: Plan | str) -> tuple[Plan, nx.DiGraph]:
    try:
        plan = parse_plan(gold) if isinstance(gold, str) else gold
        graph = plan_graph(plan)
    except PlanError as err:
        raise ValueError(f"gold plan is invalid: {err}") from err
    if not plan.has_join:
        raise ValueError("gold plan is invalid: it does not end with join()")
    return plan, graph


def score_plan(pred: Plan | str | None, gold: Plan | str, *, strict: bool = False,
               catalog: ToolCatalog | None = None) -> PlanScore:
    """Score `pred` (a Plan, plan text, or None for no output) against `gold`.

    Categories are tried in the order of ERROR_CATEGORIES; `catalog` enables `hallucinated_tool`
    and, in strict mode, tells which parameters are optional. Raises ValueError for a bad gold plan.
    """
    gold_plan, gold_g = _gold_graph(gold)
    if pred is None:
        return PlanScore(False, "parse_error", "no plan was produced")
    try:
        pred_plan = parse_plan(pred) if isinstance(pred, str) else pred
        pred_g = plan_graph(pred_plan)
    except PlanError as err:
        return PlanScore(False, "parse_error", str(err))
    if not pred_plan.has_join:
        return PlanScore(False, "missing_join", "the plan does not end with join()")
    if catalog is not None:
        unknown = sorted({t for t in pred_plan.tools if t not in catalog})
        if unknown:
            return PlanScore(False, "hallucinated_tool", f"tools not in the catalog: {unknown}")
    set_error = tool_set_error(pred_plan.tools, gold_plan.tools)
    if set_error is not None:
        return PlanScore(False, set_error, describe_tool_diff(pred_plan.tools, gold_plan.tools))
    if match_nodes(gold_g, pred_g, structural_label, is_isomorphism) is None:
        return PlanScore(False, "wrong_dependencies",
                         f"same tools, different DAG: gold edges {_named_edges(gold_g)}, "
                         f"predicted {_named_edges(pred_g)}")
    if strict:
        return _score_arguments(pred_g, gold_g, catalog)
    return PlanScore(True, None, f"isomorphic DAGs ({len(gold_g)} calls)")


def _named_edges(graph: nx.DiGraph) -> list[str]:
    return sorted(f"{graph.nodes[a]['tool']}->{graph.nodes[b]['tool']}" for a, b in graph.edges)


def _score_arguments(pred_g: nx.DiGraph, gold_g: nx.DiGraph, catalog: ToolCatalog | None) -> PlanScore:
    """Find a node matching that also matches every argument (polynomial, `metrics.matching`)."""
    def verify(gold: nx.DiGraph, pred: nx.DiGraph, gold_to_pred: dict) -> bool:
        refmap = {p: g for g, p in gold_to_pred.items()}
        return is_isomorphism(gold, pred, gold_to_pred) and all(
            args_match(pred.nodes[p]["task"], gold.nodes[g]["task"], refmap, catalog) for g, p in gold_to_pred.items())

    if match_nodes(gold_g, pred_g, argument_label(catalog), verify) is not None:
        return PlanScore(True, None, f"isomorphic DAGs with matching arguments ({len(gold_g)} calls)")
    # Explain with a structural matching (one exists: the caller checked).
    gold_to_pred = match_nodes(gold_g, pred_g, structural_label, is_isomorphism) or {}
    refmap = {p: g for g, p in gold_to_pred.items()}
    for g, p in gold_to_pred.items():
        pred_task, gold_task = pred_g.nodes[p]["task"], gold_g.nodes[g]["task"]
        if not args_match(pred_task, gold_task, refmap, catalog):
            return PlanScore(False, "wrong_arguments", first_arg_diff(pred_task, gold_task, refmap, catalog))
    return PlanScore(False, "wrong_arguments", "no isomorphism matches every argument")
