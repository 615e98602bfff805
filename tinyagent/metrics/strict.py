"""Argument comparison for strict scoring: normalise values, map `$N` through a node matching.

Normalisation (chosen to ignore surface form, not meaning):
- strings are stripped and casefolded; `${N}` is written `$N`, and every `$N` of the predicted plan
  is renamed to the gold task it was matched with;
- lists (and tuples) compare as multisets: every list argument of the reference tools (recipients,
  invitees, cc, attachments) is a set, and a model should not lose credit for listing Lutfi first;
- dicts compare key by key (keys normalised like strings); numbers compare by value (1 == 1.0), but
  booleans stay distinct from numbers (True != 1);
- `None`, `""`, `[]`, `{}` and an omitted trailing argument are the same "empty" value for optional
  parameters (every parameter when no catalog is given, since optionality is then unknown): plans
  write an unused `cc` as `[]`, `None` or not at all, and all three mean the same call.

Example:
    >>> norm_value("  Design Review ") == norm_value("design review")
    True
    >>> norm_value(["$1", "${2}"], {1: 4, 2: 3}) == norm_value(["$3", "$4"])
    True
    >>> norm_value(True) == norm_value(1)
    False
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any, Callable, Mapping

from tinyagent.plan.refs import rename_refs
from tinyagent.plan.types import Task
from tinyagent.tools.catalog import ToolCatalog

EMPTY = ("empty",)  # normal form shared by None, "", [], {} and a missing optional argument
_EMPTY_FORMS = (("none",), ("str", ""), ("list", ()), ("dict", ()))
MASK = "$?"  # stands for any reference when the node matching is not known yet
IDENTITY: Mapping[int, int] = MappingProxyType({})  # keep every `$N` as written


def _rename_refs(text: str, refmap: Mapping[int, int] | None) -> str:
    if refmap is None:
        return rename_refs(text, lambda idx: MASK)
    return rename_refs(text, lambda idx: f"${refmap.get(idx, idx)}")


def norm_value(value: Any, refmap: Mapping[int, int] | None = IDENTITY) -> Any:
    """Hashable normal form of an argument. `refmap` renames `$N`; `None` masks every reference."""
    if isinstance(value, str):
        return ("str", _rename_refs(value.strip().casefold(), refmap))
    if isinstance(value, bool):  # before numbers: bool is a subclass of int
        return ("bool", value)
    if isinstance(value, (int, float)):
        # One spelling per number (1 and 1.0 alike), so that lists sort the same way.
        return ("num", float(value) if float(value) == value else value)
    if value is None:
        return ("none",)
    if isinstance(value, (list, tuple)):
        return ("list", tuple(sorted((norm_value(v, refmap) for v in value), key=repr)))
    if isinstance(value, dict):
        items = ((norm_value(k, refmap), norm_value(v, refmap)) for k, v in value.items())
        return ("dict", tuple(sorted(items, key=repr)))
    return ("other", repr(value))


def _optional(catalog: ToolCatalog | None, tool: str, pos: int) -> bool:
    if catalog is None or tool not in catalog:
        return True
    params = catalog[tool].params
    return pos >= len(params) or not params[pos].required


def norm_args(task: Task, refmap: Mapping[int, int] | None, catalog: ToolCatalog | None,
              width: int) -> tuple[Any, ...]:
    """Normal forms of `task.args`, padded with empties to `width` positions."""
    out = []
    for pos in range(width):
        value = task.args[pos] if pos < len(task.args) else None
        normal = norm_value(value, refmap)
        if normal in _EMPTY_FORMS and _optional(catalog, task.tool, pos):
            normal = EMPTY
        out.append(normal)
    return tuple(out)


def canonical_args(task: Task, refmap: Mapping[int, int] | None, catalog: ToolCatalog | None) -> tuple[Any, ...]:
    """`norm_args` without a width: two tasks of one tool satisfy `args_match` exactly when their
    canonical forms are equal (trailing empties, which `args_match` pads with, are dropped)."""
    params = len(catalog[task.tool].params) if catalog is not None and task.tool in catalog else 0
    out = list(norm_args(task, refmap, catalog, max(len(task.args), params)))
    while out and out[-1] == EMPTY:
        out.pop()
    return tuple(out)


def args_match(pred: Task, gold: Task, refmap: Mapping[int, int] | None,
               catalog: ToolCatalog | None = None) -> bool:
    """True when the arguments agree after normalisation (`refmap`: pred index -> gold index)."""
    width = max(len(pred.args), len(gold.args))
    identity = None if refmap is None else IDENTITY
    return norm_args(pred, refmap, catalog, width) == norm_args(gold, identity, catalog, width)


def first_arg_diff(pred: Task, gold: Task, refmap: Mapping[int, int],
                   catalog: ToolCatalog | None = None) -> str:
    """Describe the first differing argument position (for `PlanScore.detail`)."""
    width = max(len(pred.args), len(gold.args))
    p, g = norm_args(pred, refmap, catalog, width), norm_args(gold, IDENTITY, catalog, width)
    for pos in range(width):
        if p[pos] != g[pos]:
            pv = pred.args[pos] if pos < len(pred.args) else "<omitted>"
            gv = gold.args[pos] if pos < len(gold.args) else "<omitted>"
            return f"{gold.tool} (gold task {gold.idx}) argument {pos + 1}: got {pv!r}, expected {gv!r}"
    return f"{gold.tool} (gold task {gold.idx}): arguments agree"


def argument_label(catalog: ToolCatalog | None) -> Callable[[Any, Any, Mapping[Any, int]], tuple]:
    """Colour-refinement label for strict matching (`tinyagent.metrics.matching`): the tool and its
    arguments with every `$N` written as the colour of task N, plus, for each task that uses this
    one, that task's colour and arguments with this task's references marked `$-1`."""
    def label(graph: Any, node: int, colours: Mapping[Any, int]) -> tuple:
        task = graph.nodes[node]["task"]
        own = canonical_args(task, colours, catalog)
        users = sorted(((colours[w], canonical_args(graph.nodes[w]["task"], {**colours, node: -1}, catalog))
                        for w in graph.successors(node)), key=repr)
        return task.tool, own, tuple(users)
    return label


def masked_node_match(catalog: ToolCatalog | None) -> Callable[[dict, dict], bool]:
    """networkx `node_match`: same tool and same arguments with every reference masked. A necessary
    condition for a full argument match, so it prunes the isomorphisms strict scoring must try."""
    def match(a: dict, b: dict) -> bool:
        return a["tool"] == b["tool"] and args_match(a["task"], b["task"], None, catalog)
    return match
