"""The interface every tool backend implements: one method per tool, plus checked dispatch.

A backend subclasses `ToolBackend` and defines a method named after each tool in its catalog,
taking the tool's parameters positionally and returning a string. `call` checks the tool name and
arity against the catalog before dispatching, so executors never reach `getattr` with bad input.
A string result longer than `tinyagent.tools.limits.MAX_TEXT_CHARS` is cut there, with a
"…[truncated: …]" marker (see tinyagent/tools/limits.py), whatever the backend.

Example:
    >>> class Echo(ToolBackend):
    ...     def get_phone_number(self, name): return f"555-{len(name)}"
    >>> Echo().call("get_phone_number", ["Sid"])
    '555-3'
"""
from __future__ import annotations

from typing import Any, Sequence

from tinyagent.tools.assistant import ASSISTANT_TOOLS
from tinyagent.tools.catalog import ToolCatalog
from tinyagent.tools.limits import cap_text


class ToolError(RuntimeError):
    """A tool could not do what was asked (contact not found, path outside the workspace, ...).
    The message is shown to the user and to the joiner, so it names what was wrong."""


class ToolBackend:
    """Base class: subclasses implement one method per tool of `catalog`."""

    name = "base"  # short name used by CLI flags and reports
    catalog: ToolCatalog = ASSISTANT_TOOLS

    def call(self, tool: str, args: Sequence[Any]) -> str:
        """Run `tool` with positional `args`; ToolError for unknown tools or wrong arity.

        A string result is capped at `MAX_TEXT_CHARS` characters plus a truncation marker."""
        if tool not in self.catalog:
            raise ToolError(f"unknown tool {tool!r}")
        spec = self.catalog[tool]
        if not spec.min_arity <= len(args) <= spec.max_arity:
            raise ToolError(f"{tool} takes {spec.min_arity} to {spec.max_arity} arguments, got {len(args)}")
        method = getattr(self, tool, None)
        if method is None:
            raise ToolError(f"backend {self.name!r} does not implement {tool!r}")
        result = method(*args)
        return cap_text(result) if isinstance(result, str) else result
