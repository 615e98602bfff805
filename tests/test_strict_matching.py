"""Strict and structural plan matching (`tinyagent.metrics.matching`): the same verdicts as the exhaustive
search over isomorphisms it replaced, in polynomial time on plans full of interchangeable calls.

Usage: .venv/bin/python -m pytest tests/test_strict_matching.py -q
"""
from __future__ import annotations

import random
import time

import networkx as nx
from hypothesis import given, settings, strategies as st
from networkx.algorithms.isomorphism import DiGraphMatcher, categorical_node_match

from tinyagent.metrics import score_plan
from tinyagent.metrics.dag import plan_graph
from tinyagent.metrics.strict import args_match, masked_node_match
from tinyagent.plan import Plan, Task, parse_plan, render_plan
from tinyagent.plan.refs import rename_refs
from tinyagent.tools import ASSISTANT_TOOLS


# -- the oracle: the exhaustive search that strict scoring used before (factorial in the worst case) ------
def exhaustive_strict(pred: Plan, gold: Plan, catalog=None) -> bool:
    """True when some tool-preserving DAG isomorphism also matches every argument (tries them all)."""
    pred_g, gold_g = plan_graph(pred), plan_graph(gold)
    matcher = DiGraphMatcher(gold_g, pred_g, node_match=masked_node_match(catalog))
    for gold_to_pred in matcher.isomorphisms_iter():
        refmap = {p: g for g, p in gold_to_pred.items()}
        if all(args_match(pred_g.nodes[p]["task"], gold_g.nodes[g]["task"], refmap, catalog)
               for g, p in gold_to_pred.items()):
            return True
    return False


def exhaustive_structural(pred: Plan, gold: Plan) -> bool:
    return nx.is_isomorphic(plan_graph(gold), plan_graph(pred), node_match=categorical_node_match("tool", None))


# -- small plans over two tools and few values, so that interchangeable calls are common ----------------
@st.composite
def small_plans(draw, max_tasks: int = 6) -> Plan:
    tasks = []
    for idx in range(1, draw(st.integers(1, max_tasks)) + 1):
        refs = [f"${r}" for r in range(1, idx)]
        atom = st.sampled_from(["x", "y", "X "] + refs)
        value = st.one_of(atom, st.lists(atom, max_size=3),
                          st.builds(lambda a, b: f"{a} and {b}", atom, atom))
        args = tuple(draw(st.lists(value, max_size=2)))
        tasks.append(Task(idx, draw(st.sampled_from(["look", "send"])), args))
    return Plan(tuple(tasks))


def reorder(plan: Plan, rng: random.Random) -> Plan:
    """The same plan written in another valid order (a random topological order, renumbered)."""
    graph = plan_graph(plan)
    order, ready = [], [v for v in graph if graph.in_degree(v) == 0]
    indeg = dict(graph.in_degree())
    while ready:
        v = ready.pop(rng.randrange(len(ready)))
        order.append(v)
        for w in graph.successors(v):
            indeg[w] -= 1
            if indeg[w] == 0:
                ready.append(w)
    new = {old: pos for pos, old in enumerate(order, 1)}
    return Plan(tuple(Task(new[v], plan.task(v).tool, rename_refs(plan.task(v).args, new)) for v in order))


def mutate(plan: Plan, rng: random.Random) -> Plan:
    """Change one argument of one task (keeping its references, so the DAG stays the same)."""
    tasks = list(plan.tasks)
    i = rng.randrange(len(tasks))
    args = list(tasks[i].args) + ["y"]
    args[rng.randrange(len(args))] = rng.choice(["x", "y", ["x"], "x and y"])
    if tasks[i].deps <= Task(0, "t", tuple(args)).deps:
        tasks[i] = Task(tasks[i].idx, tasks[i].tool, tuple(args))
    return Plan(tuple(tasks))


@settings(max_examples=400, deadline=None)
@given(small_plans(), small_plans(), st.integers(0, 2**32), st.sampled_from(["other", "reordered", "mutated"]))
def test_matches_the_exhaustive_search(gold, other, seed, kind):
    rng = random.Random(seed)
    pred = other if kind == "other" else reorder(gold, rng)
    if kind == "mutated":
        pred = reorder(mutate(gold, rng), rng)
    assert score_plan(pred, gold).success == exhaustive_structural(pred, gold)
    assert score_plan(pred, gold, strict=True).success == (exhaustive_structural(pred, gold)
                                                           and exhaustive_strict(pred, gold))


def lookups_then_mail(n: int, subject: str, names=None) -> str:
    names = names or ["Sid"] * n
    lines = [f'{i}. get_email_address("{name}")' for i, name in enumerate(names, 1)]
    refs = ", ".join(f'"${i}"' for i in range(1, n + 1))
    lines.append(f'{n + 1}. compose_new_email([{refs}], [], "{subject}", "", [])')
    return "\n".join(lines + [f"{n + 2}. join()<END_OF_PLAN>"])


def test_twelve_identical_lookups_score_in_well_under_a_second():
    gold = lookups_then_mail(12, "Hi")
    start = time.perf_counter()
    assert score_plan(gold, gold, strict=True, catalog=ASSISTANT_TOOLS).success
    wrong = score_plan(lookups_then_mail(12, "Bye"), gold, strict=True, catalog=ASSISTANT_TOOLS)
    assert not wrong.success and wrong.error == "wrong_arguments" and "'Bye'" in wrong.detail
    assert time.perf_counter() - start < 2


def test_interchangeable_lookups_each_used_in_its_own_place():
    # 12 lookups of one name; mail i goes to lookup i: any renumbering of the pairs still matches.
    lines = [f'{i}. get_email_address("Sid")' for i in range(1, 13)]
    lines += [f'{12 + i}. compose_new_email(["${i}"], [], "s{i % 3}", "", [])' for i in range(1, 13)]
    gold = parse_plan("\n".join(lines + ["25. join()"]))
    pred = reorder(gold, random.Random(7))
    start = time.perf_counter()
    assert score_plan(pred, gold, strict=True).success
    # Two mails swap subjects across lookups of different mails: still the same multiset, so a match.
    swapped = parse_plan(render_plan(pred).replace('"s1"', '"tmp"').replace('"s2"', '"s1"').replace('"tmp"', '"s2"'))
    assert score_plan(swapped, gold, strict=True).success == exhaustive_strict(swapped, gold)
    mutated = parse_plan(render_plan(pred).replace('"s1"', '"s9"', 1))
    assert not score_plan(mutated, gold, strict=True).success
    assert time.perf_counter() - start < 2


def test_structural_mismatch_among_identical_calls_is_fast():
    # Gold: 12 lookups all feed the mail. Pred: one lookup feeds nothing. VF2 tries 12! orders here.
    gold = lookups_then_mail(12, "Hi")
    pred = gold.replace('"$12"]', '"$11"]').replace(', "$11", "$11"]', ', "$11"]')
    start = time.perf_counter()
    verdict = score_plan(pred, gold)
    assert not verdict.success and verdict.error == "wrong_dependencies"
    assert time.perf_counter() - start < 2
