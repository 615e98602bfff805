"""Match the nodes of two plan DAGs in polynomial time: colour refinement plus individualisation.

Interchangeable tasks (twelve `get_email_address("Sid")` lookups) make a search over isomorphisms
(networkx VF2) factorial when no isomorphism fits. Instead, every task of both plans gets a colour:
its own label (tool, or tool and normalised arguments) together with the colours of the tasks it
references and of the tasks that reference it, refined until stable (1-dimensional Weisfeiler-Leman
on the two graphs at once). Different colour counts prove that no matching exists. Otherwise one
gold task and one predicted task of the smallest ambiguous colour are paired (given a fresh colour
of their own), colours are refined again, and so on until every colour names one task on each side:
at most n rounds of a polynomial refinement. The mapping found is then checked exactly, so a
reported match is always a real one.

Pairing is greedy: it is exact when tasks of one colour are interchangeable (twins, mirror-image
branches), which covers plan DAGs; a plan pair that colour refinement cannot tell apart (regular
structures of identical tasks, far from real plans) could be missed, never wrongly accepted.

Example:
    >>> import networkx as nx
    >>> g = nx.DiGraph([(1, 3), (2, 3)]); p = nx.DiGraph([(5, 4), (6, 4)])
    >>> for graph in (g, p):
    ...     nx.set_node_attributes(graph, "lookup", "tool")
    >>> g.nodes[3]["tool"] = p.nodes[4]["tool"] = "mail"
    >>> m = match_nodes(g, p, structural_label, is_isomorphism)
    >>> m[3], sorted((m[1], m[2]))
    (4, [5, 6])
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Hashable, Mapping

import networkx as nx

# label(graph, node, colours) -> hashable; colours maps every node of `graph` to its current colour.
Label = Callable[[nx.DiGraph, Any, Mapping[Any, int]], Hashable]
# verify(gold, pred, gold_to_pred) -> whether the complete mapping is acceptable.
Verify = Callable[[nx.DiGraph, nx.DiGraph, dict], bool]


def structural_label(graph: nx.DiGraph, node: Any, colours: Mapping[Any, int]) -> Hashable:
    """Tool name plus the colour multisets of dependencies and dependents (plain DAG isomorphism)."""
    ins = sorted(colours[u] for u in graph.predecessors(node))
    outs = sorted(colours[w] for w in graph.successors(node))
    return graph.nodes[node]["tool"], tuple(ins), tuple(outs)


def is_isomorphism(gold: nx.DiGraph, pred: nx.DiGraph, gold_to_pred: dict) -> bool:
    """True when the bijection keeps tools and maps the edge set onto the edge set."""
    if any(gold.nodes[g]["tool"] != pred.nodes[p]["tool"] for g, p in gold_to_pred.items()):
        return False
    mapped = {(gold_to_pred[a], gold_to_pred[b]) for a, b in gold.edges}
    return len(mapped) == pred.number_of_edges() and mapped == set(pred.edges)


def _refine(graphs: tuple[nx.DiGraph, nx.DiGraph], colours: list[dict], label: Label) -> list[dict]:
    """Refine the joint colouring of both graphs until the number of colours stops growing."""
    count = len({c for cols in colours for c in cols.values()})
    while True:
        sigs = [{v: (cols[v], label(g, v, cols)) for v in g} for g, cols in zip(graphs, colours)]
        # Colour ids are assigned from one sorted list, so both graphs share one numbering.
        ids = {s: i for i, s in enumerate(sorted({s for side in sigs for s in side.values()}, key=repr))}
        colours = [{v: ids[s] for v, s in side.items()} for side in sigs]
        if len(ids) == count:
            return colours
        count = len(ids)


def _classes(cols: Mapping[Any, int]) -> dict[int, list]:
    out: dict[int, list] = {}
    for v in sorted(cols, key=repr):
        out.setdefault(cols[v], []).append(v)
    return out


def match_nodes(gold: nx.DiGraph, pred: nx.DiGraph, label: Label, verify: Verify) -> dict | None:
    """A verified bijection gold node -> pred node under `label`, or None when none was found."""
    if len(gold) != len(pred):
        return None
    colours = [{v: 0 for v in gold}, {v: 0 for v in pred}]
    fresh = len(gold) + len(pred)  # colour ids above any that _refine hands out
    while True:
        colours = _refine((gold, pred), colours, label)
        if Counter(colours[0].values()) != Counter(colours[1].values()):
            return None  # some kind of task occurs a different number of times: no matching exists
        gold_cls, pred_cls = _classes(colours[0]), _classes(colours[1])
        ambiguous = [c for c, members in gold_cls.items() if len(members) > 1]
        if not ambiguous:
            mapping = {members[0]: pred_cls[c][0] for c, members in gold_cls.items()}
            return mapping if verify(gold, pred, mapping) else None
        # Pair one gold and one predicted task of the smallest ambiguous colour; refinement spreads it.
        c = min(ambiguous, key=lambda k: (len(gold_cls[k]), k))
        fresh += 1
        colours[0][gold_cls[c][0]] = colours[1][pred_cls[c][0]] = fresh
