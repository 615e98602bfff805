"""What a tool selector returns, the selector protocol, the no-RAG selector and the safety rule.

Every selector ends in `finish_selection`: the chosen tools are intersected with the tools the user
enabled, and an empty result falls back to all enabled tools with `fallback` saying why, so the
prompt builder never sees an empty catalog.

Example:
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> enabled = ASSISTANT_TOOLS.for_apps(["sms", "contacts"])
    >>> sel = finish_selection(["send_sms", "create_note"], {"send_sms": 0.9, "create_note": 0.8}, enabled)
    >>> sel.tools.names, sel.fallback
    (('send_sms',), None)
    >>> finish_selection([], {}, enabled).fallback
    'no tool selected; using all 3 enabled tools'
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterable, Protocol, runtime_checkable

from tinyagent.tools.catalog import ToolCatalog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ToolSelection:
    """The tools to show the planner for one query."""

    tools: ToolCatalog  # selected tools, in the enabled catalog's order; never empty
    scores: dict[str, float]  # selector score per enabled tool (probability, cosine, or 1.0 for no-RAG)
    fallback: str | None  # why the selection fell back to all enabled tools, else None


@runtime_checkable
class ToolSelector(Protocol):
    """Picks the tools relevant to a query among the enabled ones."""

    def select(self, query: str, enabled: ToolCatalog) -> ToolSelection:
        ...


def finish_selection(chosen: Iterable[str], scores: dict[str, float], enabled: ToolCatalog) -> ToolSelection:
    """Intersect `chosen` with `enabled`; if nothing is left, use every enabled tool and say so."""
    if len(enabled) == 0:
        raise ValueError("no tools are enabled: enable at least one app before asking the agent")
    wanted = {name for name in chosen if name in enabled}
    kept = {k: float(v) for k, v in scores.items() if k in enabled}
    if not wanted:
        reason = f"no tool selected; using all {len(enabled)} enabled tools"
        log.info("tool selection fell back: %s", reason)
        return ToolSelection(enabled, kept, reason)
    return ToolSelection(enabled.subset(wanted), kept, None)


class AllTools:
    """No RAG: every enabled tool is shown to the planner.

    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> len(AllTools().select("anything", ASSISTANT_TOOLS).tools)
    16
    """

    name = "no RAG"

    def select(self, query: str, enabled: ToolCatalog) -> ToolSelection:
        return finish_selection(enabled.names, {n: 1.0 for n in enabled.names}, enabled)
