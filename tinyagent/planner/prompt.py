"""Planner prompt: the plan-language rules, then the selected tools, examples, date and question.

`build_messages` returns OpenAI-style chat messages ``[system, user]``; each backend applies its own
chat template. The text that never changes (intro, rules, join, custom instructions:
`static_prompt`) comes first, then what depends on the query (the tools ToolRAG selected, the
retrieved examples), then the current date/time and the question, so every prompt shares the same
prefix and llama.cpp can reuse its KV cache between queries, whatever tools were selected. The
date is read at call time (`now` overrides it), never at import time. Given the same inputs the
output is identical, so training prompts (issue 6, `tinyagent.train.data.record_messages`) and
serving prompts match.

Example:
    >>> from datetime import datetime
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> msgs = build_messages(ASSISTANT_TOOLS.subset(["get_phone_number"]), "Call Sid",
    ...                       now=datetime(2024, 5, 30, 9, 0))
    >>> [m["role"] for m in msgs], msgs[1]["content"]
    (['system', 'user'], 'Question: Call Sid')
    >>> system = msgs[0]["content"]
    >>> system.startswith(static_prompt()), "Functions:\\n1. get_phone_number(name: str)" in system
    (True, True)
    >>> msgs[0]["content"].splitlines()[-1]
    'Current date and time: Thursday, 2024-05-30 09:00:00'
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from tinyagent.plan.types import END_OF_PLAN
from tinyagent.tools.assistant import DATE_FORMAT
from tinyagent.tools.catalog import ToolCatalog, ToolSpec

INTRO = ("You are a planner for a personal assistant. Given a question, write a plan: the function calls "
         "that answer it, numbered in order, using only join and the functions listed below.")

JOIN_DESCRIPTION = "join() -> None: Collects the results of all calls; always the last call of a plan."

RULES = (
    "Rules:",
    "- One call per line, `N. function(arguments)`, numbered 1, 2, 3, ...",
    "- Arguments are positional Python literals in signature order (\"text\", 3, True, [\"a\", \"b\"]), "
    "never name=value. Optional arguments (marked ?) may be left out at the end, or passed as \"\" or [].",
    "- \"$N\" (alone or inside a string or list) is the output of earlier call N. Write $$ for a literal dollar.",
    "- Dates are 'YYYY-MM-DD HH:MM:SS'. A `Thought: ...` line may come before a call.",
    f"- Call only the functions listed below. End with `N. join()` immediately followed by {END_OF_PLAN}.",
)

FUNCTIONS_HEADER = "Functions:"  # starts the per-query part: everything before it is the same for every query


@dataclass(frozen=True)
class Example:
    """An in-context example: a question and its plan text (ending with join()<END_OF_PLAN>)."""

    query: str  # the user's question
    plan: str  # plan text exactly as the planner should write it


def describe_tool(i: int, spec: ToolSpec) -> str:
    """One numbered tool entry on one line: signature (optional arguments marked ?), description, choices.

    One line per tool keeps prompts short: a 135M planner trains and runs ~2x faster on them than on
    the per-argument form, and argument meaning lives in the names, the description and the rules.

    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> print(describe_tool(1, ASSISTANT_TOOLS["get_email_address"]))
    1. get_email_address(name: str) -> str: Look up a contact's email address by name.
    >>> print(describe_tool(2, ASSISTANT_TOOLS["maps_show_directions"]))  # doctest: +ELLIPSIS
    2. maps_show_directions(start_location: str, end_location: str, transport?: str) -> str: ... transport: one of 'd'/'w'/'r'.
    """
    args = ", ".join(f"{p.name}{'' if p.required else '?'}: {p.type}" for p in spec.params)
    line = f"{i}. {spec.name}({args}) -> {spec.returns}: {spec.description}"
    choices = [f"{p.name}: one of {'/'.join(repr(c) for c in p.choices)}." for p in spec.params if p.choices]
    return " ".join([line, *choices])


def static_prompt(instructions: str = "") -> str:
    """The part of the system message that is the same for every query: intro, rules, join, instructions.

    It comes first so every prompt shares it as a prefix (llama.cpp keeps its KV cache between queries).

    >>> static_prompt("Be brief.").splitlines()[-1]
    'Be brief.'
    """
    parts = [INTRO, "\n".join(RULES), JOIN_DESCRIPTION]
    if instructions.strip():
        parts.append(instructions.strip())
    return "\n\n".join(parts)


def system_prompt(tools: ToolCatalog, *, now: datetime | None = None, examples: Sequence[Example] = (),
                  instructions: str = "") -> str:
    """The system message text (see `build_messages`): static part, tools, examples, date."""
    if not isinstance(tools, ToolCatalog):
        raise TypeError(f"tools must be a ToolCatalog, got {type(tools).__name__}")
    if len(tools) == 0:
        raise ValueError("cannot build a planner prompt with no tools: the tool selection is empty "
                         "(fall back to all enabled tools, or enable at least one app)")
    entries = [describe_tool(i, s) for i, s in enumerate(tools, start=1)]
    parts = [static_prompt(instructions), FUNCTIONS_HEADER + "\n" + "\n".join(entries)]
    if examples:
        shown = [f"Question: {ex.query}\n{ex.plan.strip()}" for ex in examples]
        parts.append("Examples:\n" + "\n###\n".join(shown) + "\n###")
    when = now if now is not None else datetime.now()
    parts.append(f"Current date and time: {when.strftime('%A')}, {when.strftime(DATE_FORMAT)}")
    return "\n\n".join(parts)


def build_messages(tools: ToolCatalog, query: str, *, now: datetime | None = None,
                   examples: Sequence[Example] = (), instructions: str = "") -> list[dict[str, str]]:
    """Chat messages [system, user] asking the planner for a plan for `query` using only `tools`.

    `now` defaults to the time of this call. Raises ValueError for an empty catalog or query.
    """
    if not isinstance(query, str) or not query.strip():
        raise ValueError(f"query must be a non-empty string, got {query!r}")
    for ex in examples:
        if not isinstance(ex, Example):
            raise TypeError(f"examples must be Example objects, got {type(ex).__name__}")
    system = system_prompt(tools, now=now, examples=examples, instructions=instructions)
    return [{"role": "system", "content": system}, {"role": "user", "content": f"Question: {query.strip()}"}]
