"""Markdown tables for reports (notebook summaries and REPORT.md).

Example:
    >>> print(markdown_table(["name", "value"], [["a", 1], ["b|c", 2.5]]))
    | name | value |
    | --- | --- |
    | a | 1 |
    | b\\|c | 2.5 |
"""
from __future__ import annotations

from typing import Any, Sequence


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped, newlines flattened)."""
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(map(cell, header)) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in rows]
    return "\n".join(lines)
