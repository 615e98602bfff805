"""`$N` / `${N}` references to earlier task outputs: find, rename and substitute them.

`$$` is a literal dollar sign, so text such as a password "9d$4jF" or "Alice - $100" is written
"9d$$4jF" / "Alice - $$100" in a plan (`escape_literal` does it); a `$` followed by neither a digit,
`{` nor `$` is plain text too ("costs $ 5").

Example:
    >>> sorted(find_refs(["$1", "mail ${2} now", "pay $$3", 3]))
    [1, 2]
    >>> substitute(["$1", "to: ${2}!", "$$5 fee"], {1: "a@x.org", 2: "bo"})
    ['a@x.org', 'to: bo!', '$5 fee']
    >>> rename_refs("$1 and ${2} but $$3", {1: 7, 2: 8})
    '$7 and $8 but $$3'
    >>> escape_literal(["Alice - $100"])
    ['Alice - $$100']
"""
from __future__ import annotations

import re
from typing import Any, Callable, Mapping

# One alternation so that `$$` is consumed before it can start a reference: "$$1" is the text "$1".
REF_PATTERN = re.compile(r"\$\$|\$\{(\d+)\}|\$(\d+)")
WHOLE_REF_PATTERN = re.compile(r"^(?:\$\{(\d+)\}|\$(\d+))$")
MAX_INDEX_DIGITS = 9  # task numbers have at most 9 digits (the parser's `N.`), so longer refs dangle
OUT_OF_RANGE = 10 ** MAX_INDEX_DIGITS  # stands for any reference with more digits: no task has it


def ref_number(digits: str) -> int:
    """The task index written as `digits`; OUT_OF_RANGE when longer than any task number.

    Python refuses to convert strings of more than 4300 digits (ValueError), and such a number can
    never name a task, so it is not converted at all.

    >>> ref_number("007"), ref_number("9" * 5000) == OUT_OF_RANGE
    (7, True)
    """
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= MAX_INDEX_DIGITS else OUT_OF_RANGE


def _ref_index(match: re.Match) -> int | None:
    """The referenced index, or None for the `$$` escape."""
    digits = match.group(1) or match.group(2)
    return ref_number(digits) if digits else None


def ref_label(idx: int) -> str:
    """How messages name a reference: `$7`, or a phrase for OUT_OF_RANGE (its digits are not kept).

    >>> ref_label(3), ref_label(OUT_OF_RANGE)
    ('$3', '$N with more than 9 digits')
    """
    return f"${idx}" if idx != OUT_OF_RANGE else f"$N with more than {MAX_INDEX_DIGITS} digits"


def _map_strings(value: Any, fn: Callable[[str], Any]) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [_map_strings(v, fn) for v in value]
    if isinstance(value, tuple):
        return tuple(_map_strings(v, fn) for v in value)
    if isinstance(value, dict):
        return {_map_strings(k, fn): _map_strings(v, fn) for k, v in value.items()}
    return value


def find_refs(value: Any) -> set[int]:
    """Every task index referenced anywhere inside `value` (strings, lists, tuples, dicts)."""
    refs: set[int] = set()

    def collect(text: str) -> str:
        refs.update(i for i in map(_ref_index, REF_PATTERN.finditer(text)) if i is not None)
        return text

    _map_strings(value, collect)
    return refs


def whole_ref(value: Any) -> int | None:
    """The index if `value` is exactly one reference string like "$3" or "${3}", else None."""
    if isinstance(value, str):
        m = WHOLE_REF_PATTERN.match(value)
        if m:
            return ref_number(m.group(1) or m.group(2))
    return None


def rename_refs(value: Any, mapping: Mapping[int, int] | Callable[[int], str]) -> Any:
    """Rewrite every reference: a mapping renumbers (`$1` -> `$7`, unmapped kept), a callable gives
    the replacement text. `$$` escapes are kept as they are."""
    def replace(m: re.Match) -> str:
        idx = _ref_index(m)
        if idx is None or idx == OUT_OF_RANGE:  # no task has that number: nothing to rename it to
            return m.group(0)
        return mapping(idx) if callable(mapping) else f"${mapping.get(idx, idx)}"

    return _map_strings(value, lambda text: REF_PATTERN.sub(replace, text))


def escape_literal(value: Any) -> Any:
    """Make text literal in a plan: every `$` becomes `$$` (recursively in lists and dicts)."""
    return _map_strings(value, lambda text: text.replace("$", "$$"))


def substitute(value: Any, results: Mapping[int, Any]) -> Any:
    """Replace references with results and `$$` with `$`. A whole-reference string becomes the
    result itself (any type); a reference inside longer text becomes `str(result)`.
    Unknown indices raise KeyError."""
    idx = whole_ref(value)
    if idx is not None:
        return results[idx]
    if isinstance(value, str):
        return REF_PATTERN.sub(lambda m: "$" if _ref_index(m) is None else str(results[_ref_index(m)]), value)
    if isinstance(value, (list, tuple, dict)):
        return _map_strings(value, lambda text: substitute(text, results))
    return value
