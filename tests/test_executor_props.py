"""Property tests of the executor and critical path over random small DAGs, networkx as the oracle.

Each random plan has tasks that fail on purpose and arrives as a stream in a random order (forward
`$N` references included), so parked tasks, cascades of skips and substitution are all exercised.

Usage: .venv/bin/python -m pytest tests/test_executor_props.py -q
"""
from __future__ import annotations

import asyncio
import itertools
import threading
import time

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tinyagent.execute import STATUSES, longest_path, run_tasks
from tinyagent.plan import Task
from tinyagent.tools.backend import ToolBackend, ToolError
from tinyagent.tools.catalog import ToolCatalog, ToolParam as P, ToolSpec

pytestmark = pytest.mark.timeout(120)

CATALOG = ToolCatalog((ToolSpec("step", "Combine inputs, or fail.",
                                (P("name", "str", "Node name."), P("inputs", "list", "Outputs of deps."),
                                 P("fail", "bool", "Raise instead.")), app="notes", side_effects=False),))


class Steps(ToolBackend):
    """`step` returns name(inputs...) after a tiny sleep and records its interval."""

    catalog = CATALOG

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.spans: dict[str, tuple[float, float]] = {}  # name -> (start, finish), perf_counter

    def step(self, name, inputs, fail):
        start = time.perf_counter()
        time.sleep(0.001)
        with self.lock:
            self.spans[name] = (start, time.perf_counter())
        if fail:
            raise ToolError(f"{name} failed")
        return f"{name}({','.join(inputs)})"


@st.composite
def dags(draw, max_nodes: int = 7) -> tuple[nx.DiGraph, set[int], list[int]]:
    """A random DAG on tasks 1..n, the tasks that fail, and the order in which tasks arrive."""
    n = draw(st.integers(1, max_nodes))
    graph = nx.DiGraph()
    graph.add_nodes_from(range(1, n + 1))
    for v in range(2, n + 1):
        graph.add_edges_from((u, v) for u in draw(st.sets(st.integers(1, v - 1), max_size=3)))
    # Relabel so task numbers need not follow the dependency order (forward `$N` references).
    labels = draw(st.permutations(range(1, n + 1)))
    graph = nx.relabel_nodes(graph, dict(zip(range(1, n + 1), labels)))
    failing = draw(st.sets(st.integers(1, n), max_size=2))
    order = draw(st.permutations(range(1, n + 1)))
    return graph, failing, order


def to_task(graph: nx.DiGraph, v: int, failing: set[int]) -> Task:
    refs = [f"${u}" for u in sorted(graph.predecessors(v))]
    return Task(v, "step", (f"n{v}", refs, v in failing))


async def arriving(tasks: list[Task]):
    for task in tasks:
        await asyncio.sleep(0)  # arrivals interleave with completions
        yield task


def expected_status(graph: nx.DiGraph, v: int, failing: set[int]) -> str:
    if nx.ancestors(graph, v) & failing:
        return "skipped"
    return "failed" if v in failing else "done"


def expected_output(graph: nx.DiGraph, v: int) -> str:
    return f"n{v}(" + ",".join(expected_output(graph, u) for u in sorted(graph.predecessors(v))) + ")"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dags())
def test_random_dags_respect_dependencies(case):
    graph, failing, order = case
    backend = Steps()
    tasks = [to_task(graph, v, failing) for v in order]
    events = []
    report = asyncio.run(run_tasks(arriving(tasks), backend, timeout=10, on_event=events.append))
    by_idx = {r.idx: r for r in report.results}
    assert sorted(by_idx) == sorted(graph) and len(report.results) == len(graph)
    # Exactly one terminal event per task, agreeing with the report.
    terminal = sorted((e.idx, e.state) for e in events if e.state in STATUSES)
    assert terminal == sorted((r.idx, r.status) for r in report.results)

    for v in graph:
        r = by_idx[v]
        assert r.status in STATUSES and r.status == expected_status(graph, v, failing), (v, r)
        if r.status == "done":
            assert r.result == expected_output(graph, v)
        for u in graph.predecessors(v):  # nothing starts before every dependency has finished
            if r.started is not None:
                assert backend.spans[f"n{v}"][0] >= backend.spans[f"n{u}"][1]
                assert r.started >= by_idx[u].finished

    ran = sorted((v for v in graph if by_idx[v].started is not None), key=lambda v: backend.spans[f"n{v}"][0])
    assert set(ran) == {v for v in graph if by_idx[v].status != "skipped"}
    # The observed start order must be a topological order of the tasks that ran: chaining it onto
    # the dependency edges keeps the graph acyclic exactly when no edge points backwards.
    schedule = nx.DiGraph(graph.subgraph(ran))
    schedule.add_edges_from(zip(ran, ran[1:]))
    assert nx.is_directed_acyclic_graph(schedule)

    sub = graph.subgraph(ran)
    durations = {v: by_idx[v].duration for v in ran}
    path = list(report.critical_path)
    assert all(sub.has_edge(u, v) for u, v in zip(path, path[1:]))
    assert report.critical_path_time == pytest.approx(brute_force_longest(sub, durations))


def brute_force_longest(graph: nx.DiGraph, weights: dict[int, float]) -> float:
    """Heaviest path by enumerating every simple path (small graphs only)."""
    best = max((weights[v] for v in graph), default=0.0)
    for s, t in itertools.permutations(graph, 2):
        for p in nx.all_simple_paths(graph, s, t):
            best = max(best, sum(weights[v] for v in p))
    return best


@settings(max_examples=150, deadline=None)
@given(dags(max_nodes=8), st.data())
def test_longest_path_matches_brute_force(case, data):
    graph = case[0]
    weights = {v: data.draw(st.floats(0, 5, allow_nan=False), label=f"w{v}") for v in graph}
    deps = {v: list(graph.predecessors(v)) for v in graph}
    path, length = longest_path(weights, deps)
    assert length == pytest.approx(brute_force_longest(graph, weights))
    assert length == pytest.approx(sum(weights[v] for v in path))
    assert all(graph.has_edge(u, v) for u, v in zip(path, path[1:]))


def test_longest_path_ignores_tasks_that_never_ran_and_rejects_bad_input():
    assert longest_path({1: 1.0, 3: 2.0}, {3: [2], 2: [1]}) == ([3], 2.0)
    assert longest_path({}, {}) == ([], 0.0)
    with pytest.raises(ValueError, match="negative duration"):
        longest_path({1: -1.0}, {})
    with pytest.raises(ValueError, match="dependency cycle"):
        longest_path({1: 1.0, 2: 1.0}, {1: [2], 2: [1]})
