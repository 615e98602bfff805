"""`Planner`: the one way a query becomes a plan (agent, demo, evaluation and training validation).

A Planner holds a backend, a tool selector, an optional example retriever, the grammar switch, the
decoding settings and custom instructions. `start(query, enabled=... | selection=..., now=...,
history=...)` selects tools (unless a selection is given), builds the prompt (`build_messages`),
counts its tokens and returns a `PlanRun` that streams checked tasks and keeps its own `PlanStats`.
`plan(...)` runs it to the end (evaluation, validation).

The selector and retriever implementations live in `tinyagent.toolrag`, a layer above this one, so
the planner only names the small protocols it needs (`ToolSelector`, `ExampleRetriever`).

Example:
    >>> from datetime import datetime
    >>> from tinyagent.agent.scripted import ScriptedBackend
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> planner = Planner(ScriptedBackend(['1. get_phone_number("Sid")\\n2. join()<END_OF_PLAN>']))
    >>> run = planner.plan("Call Sid", enabled=ASSISTANT_TOOLS.for_apps(["contacts"]), now=datetime(2024, 5, 30))
    >>> [t.tool for t in run.accepted], run.stats.stopped, run.stats.output_tokens
    (['get_phone_number'], 'stop', 19)
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Protocol, Sequence, runtime_checkable

from tinyagent.planner.backends.base import GenerationConfig, PlannerBackend
from tinyagent.planner.prompt import Example, build_messages
from tinyagent.planner.run import PlanRun, PlanStats, Refusal
from tinyagent.tools.catalog import ToolCatalog

log = logging.getLogger(__name__)

History = Sequence[tuple[str, Sequence[str], str]]  # per earlier round: (plan text, observations, replan reason)


class Selection(Protocol):
    """What a tool selector returns (`tinyagent.toolrag.ToolSelection` is one)."""

    tools: ToolCatalog  # the tools shown to the planner; never empty
    scores: dict[str, float]  # selector score per enabled tool
    fallback: str | None  # why the selection fell back to all enabled tools, else None


@runtime_checkable
class ToolSelector(Protocol):
    """Picks the tools relevant to a query among the enabled ones (see tinyagent.toolrag)."""

    def select(self, query: str, enabled: ToolCatalog) -> Selection:
        ...


@runtime_checkable
class ExampleRetriever(Protocol):
    """k in-context examples similar to a query that use only `tools` (see tinyagent.toolrag.examples)."""

    def retrieve(self, query: str, tools: ToolCatalog, k: int) -> Sequence[Example]:
        ...


@dataclass(frozen=True)
class EveryTool:
    """The selection used without a selector: every enabled tool."""

    tools: ToolCatalog
    scores: dict[str, float] = field(default_factory=dict)
    fallback: str | None = None


def replan_context(history: History) -> str:
    """Text appended to the question after a replan: earlier plans, their observations, the reason."""
    parts = []
    for n, (plan_text, obs, reason) in enumerate(history, start=1):
        parts.append(f"Attempt {n}:\n{plan_text.strip() or '(empty plan)'}\nObservations:\n"
                     + ("\n".join(obs) or "(none)") + f"\nWhy a new plan is needed: {reason}")
    return ("\n\n".join(parts) + "\n\nWrite a new, complete plan that avoids these problems, "
            "using only the listed functions.")


class Planner:
    """Backend + tool selector + example retriever + grammar + decoding settings + instructions."""

    def __init__(self, backend: PlannerBackend, selector: ToolSelector | None = None,
                 retriever: ExampleRetriever | None = None, *, n_examples: int = 3, grammar: bool = False,
                 config: GenerationConfig | None = None, instructions: str = "") -> None:
        if n_examples < 0:
            raise ValueError(f"n_examples must be >= 0, got {n_examples}")
        self.backend = backend
        self.selector = selector  # None: every enabled tool is shown
        self.retriever = retriever  # None: no in-context examples
        self.n_examples = n_examples  # retrieved examples per prompt (with a retriever)
        self.grammar = grammar  # constrain decoding with the selected tools' GBNF
        self.config = config or GenerationConfig()
        self.instructions = instructions  # custom text added to the static part of the prompt

    @property
    def name(self) -> str:
        return getattr(self.backend, "name", type(self.backend).__name__)

    def select(self, query: str, enabled: ToolCatalog) -> Selection:
        """The tools to show for `query` among `enabled`."""
        if len(enabled) == 0:
            raise ValueError("no tools are enabled: enable at least one app before asking the agent")
        if self.selector is None:
            return EveryTool(enabled, {n: 1.0 for n in enabled.names})
        return self.selector.select(query, enabled)

    def examples(self, query: str, tools: ToolCatalog) -> Sequence[Example]:
        if self.retriever is None or not self.n_examples:
            return ()
        return self.retriever.retrieve(query, tools, self.n_examples)

    def messages(self, query: str, tools: ToolCatalog, *, now: datetime | None = None, history: History = (),
                 examples: Sequence[Example] | None = None) -> list[dict[str, str]]:
        """Planner messages; after a replan the user turn also carries the earlier attempts."""
        shown = self.examples(query, tools) if examples is None else examples
        messages = build_messages(tools, query, now=now, examples=shown, instructions=self.instructions)
        if history:  # appended to the question, after the static prefix, so its KV cache stays reusable
            messages[-1] = {"role": "user", "content": messages[-1]["content"] + "\n\n" + replan_context(history)}
        return messages

    def config_for(self, tools: ToolCatalog) -> GenerationConfig:
        """The decoding settings, with the plan grammar of `tools` when grammar is on."""
        if not self.grammar:
            return self.config
        from tinyagent.planner.grammar import plan_grammar
        cfg = self.config
        return GenerationConfig(cfg.max_tokens, cfg.temperature, cfg.stop, plan_grammar(tools), cfg.seed)

    def start(self, query: str, *, enabled: ToolCatalog | None = None, selection: Selection | None = None,
              now: datetime | None = None, history: History = (), examples: Sequence[Example] | None = None,
              on_refuse: Callable[[Refusal], None] | None = None) -> PlanRun:
        """A PlanRun for `query`, not yet streaming: iterate it, `await`-iterate `.tasks()` or `.finish()`.

        Give `enabled` (the selector picks among them) or a prebuilt `selection` (then `enabled`, if
        given, only words refusals: "not selected" instead of "unknown"). `examples` overrides the
        retriever. Token counting errors leave `stats.prompt_tokens` None (reports only).
        """
        if selection is None:
            if enabled is None:
                raise ValueError("Planner.start needs enabled=<ToolCatalog> or selection=<a tool selection>")
            selection = self.select(query, enabled)
        t0 = time.perf_counter()
        messages = self.messages(query, selection.tools, now=now, history=history, examples=examples)
        stats = PlanStats(prompt_tokens=_count(self.backend, messages))
        stats.prompt_s = time.perf_counter() - t0
        return PlanRun(self.backend, messages, self.config_for(selection.tools), selection.tools,
                       enabled, on_refuse, stats)

    def start_messages(self, messages: list[dict[str, str]], tools: ToolCatalog, *, config: GenerationConfig | None
                       = None, on_refuse: Callable[[Refusal], None] | None = None) -> PlanRun:
        """A PlanRun on prebuilt `messages` (e.g. a record's training prompt) that may call `tools`."""
        t0 = time.perf_counter()
        stats = PlanStats(prompt_tokens=_count(self.backend, messages))
        stats.prompt_s = time.perf_counter() - t0
        return PlanRun(self.backend, messages, config or self.config_for(tools), tools, None, on_refuse, stats)

    def plan(self, query: str, **kw: object) -> PlanRun:
        """`start(...)` run to the end in this thread (the backend's error propagates)."""
        return self.start(query, **kw).finish()  # type: ignore[arg-type]

    def plan_text(self, query: str, **kw: object) -> str:
        """Just the generated plan text of `plan(...)`."""
        return self.plan(query, **kw).text


def _count(backend: PlannerBackend, messages: list[dict[str, str]]) -> int | None:
    try:
        return backend.count_tokens(messages)
    except Exception:  # token counts are for reports only; never fail a query over them
        log.warning("count_tokens failed", exc_info=True)
        return None
