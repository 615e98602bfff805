"""Error taxonomy for scored plans: one category per failed plan, checked in a fixed priority order.

A failed plan gets the first category that applies, so counts over a test set add up to the number
of failures and say what to fix first (a plan that does not parse cannot have wrong dependencies).

Example:
    >>> tool_set_error(("a", "b"), ("a", "b", "c"))
    'missing_call'
    >>> tool_set_error(("a", "b", "b"), ("b", "a")), tool_set_error(("a",), ("b",))
    ('extra_call', 'wrong_tool_set')
    >>> tool_set_error(("b", "a"), ("a", "b")) is None
    True
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

# Category -> meaning, in priority order (dicts keep insertion order; ERROR_ORDER is the same order).
ERROR_CATEGORIES: dict[str, str] = {
    "parse_error": "the plan text does not parse, or its `$N` references are not a valid DAG",
    "missing_join": "the plan does not end with `join()` (truncated or never closed)",
    "hallucinated_tool": "the plan calls a tool that is not in the catalog",
    "missing_call": "the plan's tools are a strict sub-multiset of the gold tools",
    "extra_call": "the plan's tools are a strict super-multiset of the gold tools",
    "wrong_tool_set": "the plan's tool multiset differs from gold otherwise (some missing and some extra)",
    "wrong_dependencies": "same tools as gold, but the dependency DAGs are not isomorphic",
    "wrong_arguments": "strict mode only: isomorphic DAG, but no isomorphism also matches the arguments",
}
ERROR_ORDER: tuple[str, ...] = tuple(ERROR_CATEGORIES)


def tool_set_error(pred_tools: Iterable[str], gold_tools: Iterable[str]) -> str | None:
    """`None` when the tool multisets are equal, else `missing_call`, `extra_call` or `wrong_tool_set`."""
    pred, gold = Counter(pred_tools), Counter(gold_tools)
    if pred == gold:
        return None
    # Counter subtraction drops non-positive counts: empty means "nothing left over".
    if not pred - gold:
        return "missing_call"
    if not gold - pred:
        return "extra_call"
    return "wrong_tool_set"


def describe_tool_diff(pred_tools: Iterable[str], gold_tools: Iterable[str]) -> str:
    """Human-readable difference between two tool multisets, e.g. `missing ['a']; extra ['b', 'b']`."""
    pred, gold = Counter(pred_tools), Counter(gold_tools)
    parts = []
    missing, extra = sorted((gold - pred).elements()), sorted((pred - gold).elements())
    if missing:
        parts.append(f"missing {missing}")
    if extra:
        parts.append(f"extra {extra}")
    return "; ".join(parts) or "same tools"
