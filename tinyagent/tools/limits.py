"""Size caps on what tools return and on `$N`-substituted arguments, with a visible marker.

Without a cap, a chain of `$N` references grows geometrically (a 12-step chain printed ~300 MB).
Every tool output (`ToolBackend.call`) and every string argument after `$N` substitution (the
executor) is cut to `MAX_TEXT_CHARS` characters followed by `TRUNCATED_MARKER`, which names how much
was dropped, so neither a user nor the joiner mistakes a cut text for a whole one.

Example:
    >>> cap_text("abcdef", limit=4)
    'abcd …[truncated: 2 of 6 characters dropped]'
    >>> cap_text("short") == "short"
    True
    >>> cap_strings(["abcdef", {"k": "xyzxyz"}, 3], limit=4)[1]["k"]
    'xyzx …[truncated: 2 of 6 characters dropped]'
"""
from __future__ import annotations

from typing import Any

MAX_TEXT_CHARS = 16_000  # about 4k tokens: a long note or summary fits, a runaway chain does not
TRUNCATED_MARKER = " …[truncated: {dropped} of {total} characters dropped]"


def cap_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """`text` itself when short enough, else its first `limit` characters plus the marker."""
    if len(text) <= limit:
        return text
    return text[:limit] + TRUNCATED_MARKER.format(dropped=len(text) - limit, total=len(text))


def cap_strings(value: Any, limit: int = MAX_TEXT_CHARS) -> Any:
    """`value` with every string inside it (lists, tuples, dict values) passed through `cap_text`."""
    if isinstance(value, str):
        return cap_text(value, limit)
    if isinstance(value, list):
        return [cap_strings(v, limit) for v in value]
    if isinstance(value, tuple):
        return tuple(cap_strings(v, limit) for v in value)
    if isinstance(value, dict):
        return {k: cap_strings(v, limit) for k, v in value.items()}
    return value
