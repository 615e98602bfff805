"""Read a tool's description and its parameter descriptions from a Google-style docstring.

The description is the text before the first section header (`Args:`, `Returns:`, `Raises:`,
`Example:`, ...), collapsed to one line. Parameter descriptions come from the `Args:` (or
`Arguments:` / `Parameters:`) section: `name: text` or `name (type): text`, continued on more-indented
lines.

Example:
    >>> doc = '''Turn a light on or off.
    ...
    ... Args:
    ...     room: Room of the light,
    ...         e.g. 'kitchen'.
    ...     on (bool): True to switch it on.
    ...
    ... Returns:
    ...     The new state.
    ... '''
    >>> parse_docstring(doc)
    ('Turn a light on or off.', {'room': "Room of the light, e.g. 'kitchen'.", 'on': 'True to switch it on.'})
"""
from __future__ import annotations

import re

_SECTION = re.compile(r"^(Args|Arguments|Parameters|Params|Returns?|Yields?|Raises|Examples?|Notes?|"
                      r"See Also|Warnings?|Usage)\s*:\s*$")
_ARGS_SECTIONS = ("Args", "Arguments", "Parameters", "Params")
_ENTRY = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def _collapse(lines: list[str]) -> str:
    return " ".join(" ".join(line.split()) for line in lines if line.strip())


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """(description, {parameter: description}) of a cleaned docstring (`inspect.getdoc`)."""
    lines = doc.expandtabs().splitlines()
    head: list[str] = []
    params: dict[str, list[str]] = {}
    section: str | None = None
    current: str | None = None
    entry_indent = 0
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        header = _SECTION.match(line) if indent == 0 else None
        if header:
            section, current = header.group(1), None
            continue
        if section is None:
            head.append(line)
        elif section in _ARGS_SECTIONS and stripped:
            entry = _ENTRY.match(stripped)
            if entry and (current is None or indent <= entry_indent):
                current, entry_indent = entry.group(1), indent
                params[current] = [entry.group(2)]
            elif current is not None:
                params[current].append(stripped)
    return _collapse(head), {name: _collapse(text) for name, text in params.items()}
