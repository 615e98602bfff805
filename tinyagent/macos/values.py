"""Check and normalise tool arguments before they reach AppleScript, a URL or a file path.

Planner output is loosely typed (`None` for an omitted optional, one address where a list was meant),
so each helper accepts the forgivable forms and raises ToolError, naming the argument, for the rest.

Example:
    >>> texts("sid@example.com", "invitees")
    ['sid@example.com']
    >>> date("2024-05-30 14:00:00", "start_date").hour
    14
    >>> date("30/05/2024", "start_date")
    Traceback (most recent call last):
    ...
    tinyagent.tools.backend.ToolError: start_date must be 'YYYY-MM-DD HH:MM:SS', got '30/05/2024'
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from tinyagent.tools.assistant import DATE_FORMAT
from tinyagent.tools.backend import ToolError

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")  # ASCII digits only
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+?[0-9][0-9 ().\-]{2,30}")


def text(value: Any, what: str) -> str:
    """A string argument; None is "", numbers are written out (a phone number parsed as int)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ToolError(f"{what} must be text, got {type(value).__name__} {value!r}")


def required_text(value: Any, what: str) -> str:
    """A string argument that must not be blank; returned stripped."""
    result = text(value, what).strip()
    if not result:
        raise ToolError(f"{what} must not be empty")
    return result


def texts(value: Any, what: str) -> list[str]:
    """A list of strings; a lone string is a one-item list, blanks are dropped, None is []."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ToolError(f"{what} must be a list of text, got {type(value).__name__} {value!r}")
    items = [text(v, f"an item of {what}").strip() for v in value]
    return [v for v in items if v]


def emails(value: Any, what: str) -> list[str]:
    """A list of email addresses (a name instead of an address is a planner mistake worth naming)."""
    result = texts(value, what)
    for item in result:
        if not _EMAIL.fullmatch(item):
            raise ToolError(f"{what}: {item!r} is not an email address")
    return result


def phones(value: Any, what: str) -> list[str]:
    """A non-empty list of phone numbers or iMessage email addresses."""
    result = texts(value, what)
    if not result:
        raise ToolError(f"{what} must name at least one recipient")
    for item in result:
        if not (_PHONE.fullmatch(item) or _EMAIL.fullmatch(item)):
            raise ToolError(f"{what}: {item!r} is neither a phone number nor an email address")
    return result


def date(value: Any, what: str) -> datetime:
    """A date in DATE_FORMAT, checked strictly (shape, then calendar validity)."""
    raw = text(value, what).strip()
    if not _DATE.fullmatch(raw):
        raise ToolError(f"{what} must be 'YYYY-MM-DD HH:MM:SS', got {raw!r}")
    try:
        return datetime.strptime(raw, DATE_FORMAT)
    except ValueError as e:
        raise ToolError(f"{what} {raw!r} is not a valid date: {e}") from None


def optional_date(value: Any, what: str) -> datetime | None:
    """Like `date`, but None or "" mean no date."""
    return None if text(value, what).strip() == "" else date(value, what)


def integer(value: Any, what: str, low: int, high: int, default: int) -> int:
    """An int in [low, high]; None means `default`; integral floats and digit strings are accepted."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ToolError(f"{what} must be a whole number, got {value!r}")
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise ToolError(f"{what} must be a whole number, got {value!r}")
    if not low <= number <= high:
        raise ToolError(f"{what} must be between {low} and {high}, got {number}")
    return number


def boolean(value: Any, what: str) -> bool:
    """A bool; None is False, 0/1 are accepted."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ToolError(f"{what} must be true or false, got {value!r}")


def under_roots(item: str, what: str, roots: Sequence[Path]) -> Path:
    """The real path of `item` if it is (or would be) a visible path under one of `roots`; ToolError otherwise."""
    path = Path(item).expanduser().resolve()
    root = next((r for r in roots if path.is_relative_to(r.resolve())), None)
    if root is None or any(part.startswith(".") for part in path.relative_to(root.resolve()).parts):
        allowed = ", ".join(str(r) for r in roots)
        raise ToolError(f"{what}: {item!r} is not a visible file under {allowed}")
    return path


def existing_files(value: Any, what: str, roots: Sequence[Path]) -> list[str]:
    """Absolute paths of existing, non-hidden files under one of `roots` (so a plan cannot attach,
    say, ~/.ssh/id_rsa to an email); ToolError naming the first path that fails."""
    paths = []
    for item in texts(value, what):
        if not Path(item).expanduser().resolve().is_file():
            raise ToolError(f"{what}: no file at {item!r}")
        paths.append(str(under_roots(item, what, roots)))
    return paths
