"""Differential and property tests of the DAG metric against a brute-force isomorphism oracle.

Usage: .venv/bin/python -m pytest tests/test_metrics_dag.py -q

Graphs are small labelled DAGs (<= 6 nodes, labels from a tiny alphabet so that symmetric, easily
confused graphs are common) written as (labels, edges) with node i before node j whenever i -> j.
The oracle tries every node permutation; the metric must agree with it.
"""
from itertools import permutations

from hypothesis import given, settings, strategies as st

from tests.plan_strategies import valid_plans
from tinyagent.metrics import plan_graph, score_plan
from tinyagent.plan import Plan, Task, parse_plan, render_plan, validate_plan
from tinyagent.plan.refs import rename_refs
from tinyagent.tools import ASSISTANT_TOOLS

LABELS = ("a", "b", "c")
LITERALS = ("x", " X", "y")  # "x" and " X" normalise to the same value in strict mode
SETTINGS = settings(max_examples=300, deadline=None)


@st.composite
def dags(draw, min_nodes=1, max_nodes=6, n=None):
    """(labels, literals, edges): node i has tool labels[i] and one literal argument literals[i]."""
    n = n if n is not None else draw(st.integers(min_nodes, max_nodes))
    labels = tuple(draw(st.sampled_from(LABELS)) for _ in range(n))
    literals = tuple(draw(st.sampled_from(LITERALS)) for _ in range(n))
    edges = frozenset((i, j) for j in range(n) for i in range(j) if draw(st.booleans()))
    return labels, literals, edges


def oracle_isomorphic(g1, g2, strict=False) -> bool:
    """Brute force: is there a bijection keeping labels (and literals if strict) and edges?"""
    (l1, v1, e1), (l2, v2, e2) = g1, g2
    if len(l1) != len(l2) or len(e1) != len(e2):
        return False
    def same(i, j):
        return l1[i] == l2[j] and (not strict or v1[i].strip().casefold() == v2[j].strip().casefold())
    for perm in permutations(range(len(l2))):
        if all(same(i, perm[i]) for i in range(len(l1))) and {(perm[a], perm[b]) for a, b in e1} == e2:
            return True
    return False


def to_plan(graph, order=None, ref_style=0, text_refs=True) -> Plan:
    """Write a DAG as a plan, tasks in `order` (a topological order), `$N` renumbered to match.
    Dependencies go in a list argument (a multiset in strict mode) and, with `text_refs`, inside
    text in the order of the original nodes; `ref_style` varies `$N` against `${N}`."""
    labels, literals, edges = graph
    order = list(order) if order is not None else list(range(len(labels)))
    new = {node: pos + 1 for pos, node in enumerate(order)}

    def ref(node):
        return f"${new[node]}" if (new[node] + ref_style) % 2 else f"${{{new[node]}}}"
    tasks = []
    for node in order:
        deps = sorted(i for i, j in edges if j == node)
        text = " and ".join(f"use {ref(d)}" for d in deps) if text_refs else ""
        tasks.append(Task(new[node], labels[node], (literals[node], sorted(map(ref, deps)), text)))
    return Plan(tuple(tasks))


@st.composite
def topological_orders(draw, graph):
    """A random topological order of the DAG (repeatedly pick any node whose parents are placed)."""
    labels, _, edges = graph
    placed, order = set(), []
    while len(order) < len(labels):
        ready = [j for j in range(len(labels)) if j not in placed and all(i in placed for i, k in edges if k == j)]
        node = draw(st.sampled_from(ready))
        placed.add(node)
        order.append(node)
    return order


@st.composite
def renumbered(draw):
    graph = draw(dags())
    return graph, draw(topological_orders(graph)), draw(st.integers(0, 1))


@given(renumbered())
@SETTINGS
def test_renumbering_independent_calls_keeps_success(case):
    graph, order, style = case
    gold, pred = to_plan(graph), to_plan(graph, order, style)
    assert score_plan(pred, gold, strict=True).success
    # The same through plan text: render with the new numbers, parse back, score.
    assert score_plan(render_plan(pred), render_plan(gold), strict=True).success


@st.composite
def mutations(draw):
    """A DAG and one single change: add an edge, remove an edge, or relabel a node."""
    labels, literals, edges = graph = draw(dags(min_nodes=2))
    n = len(labels)
    absent = [(i, j) for j in range(n) for i in range(j) if (i, j) not in edges]
    kinds = ["relabel"] + (["add"] if absent else []) + (["remove"] if edges else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "add":
        mutated = (labels, literals, edges | {draw(st.sampled_from(absent))})
    elif kind == "remove":
        mutated = (labels, literals, edges - {draw(st.sampled_from(sorted(edges)))})
    else:
        node = draw(st.integers(0, n - 1))
        label = draw(st.sampled_from([x for x in LABELS if x != labels[node]]))
        mutated = (labels[:node] + (label,) + labels[node + 1:], literals, edges)
    return graph, mutated, kind, draw(topological_orders(mutated))


@given(mutations())
@SETTINGS
def test_single_edge_or_label_change_fails(case):
    graph, mutated, kind, order = case
    assert not oracle_isomorphic(graph, mutated)  # the oracle agrees the change matters
    score = score_plan(to_plan(mutated, order), to_plan(graph))
    assert not score.success
    # Edge changes keep the tools; a relabel changes the multiset (one label swapped for another).
    assert score.error == ("wrong_dependencies" if kind != "relabel" else "wrong_tool_set")


@st.composite
def graph_pairs(draw):
    """Pairs that are often isomorphic: a renumbered copy, a copy with shuffled literals, or fresh."""
    g1 = draw(dags())
    mode = draw(st.sampled_from(["fresh", "same_labels", "renumbered"]))
    if mode == "fresh":
        g2 = draw(dags(n=len(g1[0])))
    elif mode == "same_labels":
        g2 = (g1[0], tuple(draw(st.permutations(g1[1]))), draw(dags(n=len(g1[0])))[2])
    else:
        g2 = g1
    order = draw(topological_orders(g2))
    return g1, g2, order


@given(graph_pairs(), st.booleans())
@settings(max_examples=400, deadline=None)
def test_metric_agrees_with_brute_force_oracle(pair, strict):
    g1, g2, order = pair
    # No references inside text: their order within a string would be one more thing to match.
    score = score_plan(to_plan(g2, order, text_refs=False), to_plan(g1, text_refs=False), strict=strict)
    assert score.success == oracle_isomorphic(g1, g2, strict=strict), score.detail


@given(valid_plans().filter(lambda p: not validate_plan(p, ASSISTANT_TOOLS)), st.data())
@settings(max_examples=50, deadline=None)  # generating these plans dominates the cost
def test_realistic_plans_match_themselves_after_renumbering(plan, data):
    """Plans over the 16 assistant tools (references inside text, lists, `${N}`) renumbered in a random
    topological order still score as strict successes, with the catalog supplying optionality.
    (The filter drops the rare "valid" plan whose random text happens to contain `$0`.)"""
    labels = tuple(t.tool for t in plan.tasks)
    edges = frozenset((d - 1, t.idx - 1) for t in plan.tasks for d in t.deps)
    order = data.draw(topological_orders((labels, labels, edges)))
    new = {old + 1: pos + 1 for pos, old in enumerate(order)}

    def remap(value):
        if isinstance(value, str):
            return rename_refs(value, new)
        if isinstance(value, list):
            return [remap(v) for v in value]
        return value
    moved = Plan(tuple(Task(new[t.idx], t.tool, tuple(remap(a) for a in t.args))
                       for t in sorted(plan.tasks, key=lambda t: new[t.idx])))
    assert score_plan(moved, plan, strict=True, catalog=ASSISTANT_TOOLS).success
    assert score_plan(parse_plan(render_plan(moved)), plan, catalog=ASSISTANT_TOOLS).success


def test_plan_graph_edges_follow_references():
    plan = parse_plan('1. a("x")\n2. b("$1")\n3. c(["${1}", "then $2"])\n4. join()')
    g = plan_graph(plan)
    assert sorted(g.edges) == [(1, 2), (1, 3), (2, 3)]
    assert [g.nodes[i]["tool"] for i in (1, 2, 3)] == ["a", "b", "c"]
    assert "join" not in {g.nodes[i]["tool"] for i in g}  # join is never a node
