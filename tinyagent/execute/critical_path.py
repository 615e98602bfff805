"""Critical path of a task DAG: the dependency chain with the largest total duration.

No schedule can finish a plan faster than its critical path, so it is the ideal against which the
executor's wall time is measured. Durations sit on nodes; networkx's `dag_longest_path` wants edge
weights, so each node's weight goes on its out-edges and on an extra edge into a common sink.

Example:
    >>> path, length = longest_path({1: 0.2, 2: 0.3, 3: 0.1}, {3: [1, 2]})
    >>> path, round(length, 6)
    ([2, 3], 0.4)
"""
from __future__ import annotations

from typing import Iterable, Mapping

import networkx as nx

_SINK = object()  # extra node after every task; unique so it can never clash with a task index


def longest_path(durations: Mapping[int, float],
                 deps: Mapping[int, Iterable[int]]) -> tuple[list[int], float]:
    """Heaviest path through the tasks in `durations`, following `deps` (task -> its dependencies).

    Dependencies not in `durations` (tasks that never ran) are ignored. Returns the task indices in
    execution order and the summed duration; `([], 0.0)` for no tasks. ValueError on a negative
    duration or a dependency cycle.
    """
    graph = nx.DiGraph()
    for node, weight in durations.items():
        if weight < 0:
            raise ValueError(f"task {node}: negative duration {weight}")
        graph.add_edge(node, _SINK, weight=weight)
    for node, node_deps in deps.items():
        if node not in durations:
            continue
        for dep in node_deps:
            if dep in durations:
                graph.add_edge(dep, node, weight=durations[dep])
    if graph.number_of_nodes() == 0:
        return [], 0.0
    try:
        path = nx.dag_longest_path(graph, weight="weight")
    except nx.NetworkXUnfeasible:
        cycle = nx.find_cycle(graph)
        raise ValueError(f"dependency cycle: {[u for u, _ in cycle]}") from None
    tasks = [n for n in path if n is not _SINK]
    return tasks, float(sum(durations[n] for n in tasks))
