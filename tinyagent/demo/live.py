"""What one demo run has shown so far: selected tools, streamed plan text, task states, latencies.

`LiveRun` is filled from the agent's hooks (possibly from several threads) and read by the view.
`TeeBackend` wraps a planner backend so every streamed piece also reaches the UI, and
`ObservedSelector` wraps a tool selector so the ToolRAG choice is shown before planning starts.

Example:
    >>> from tinyagent.agent.scripted import ScriptedBackend
    >>> from tinyagent.planner.backends.base import GenerationConfig
    >>> live = LiveRun("Call Sid")
    >>> b = TeeBackend(ScriptedBackend(['1. get_phone_number("Sid")\\n2. join()']), live.add_piece)
    >>> _ = "".join(b.stream([], GenerationConfig()))
    >>> live.plan_text
    '1. get_phone_number("Sid")\\n2. join()'
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterator

from tinyagent.execute.results import TaskEvent
from tinyagent.plan.parser import StreamingPlanParser
from tinyagent.plan.types import Task
from tinyagent.planner.backends.base import GenerationConfig, GenerationStats, Messages, PlannerBackend
from tinyagent.tools.catalog import ToolCatalog
from tinyagent.toolrag.selection import ToolSelection, ToolSelector


@dataclass
class TaskView:
    """One task as the DAG shows it."""

    idx: int  # task number
    tool: str  # tool name
    deps: frozenset[int]  # `$N` dependencies
    state: str = "planned"  # planned, or an executor event state (waiting, running, done, ...)
    detail: str = ""  # result when done, reason otherwise


class LiveRun:
    """Thread-safe record of one run, for the live view (see the module docstring)."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.t0 = time.perf_counter()
        self.selection: ToolSelection | None = None
        self.rounds: list[list[str]] = []  # streamed plan pieces, one list per planner call
        self.tasks: dict[int, TaskView] = {}  # tasks of the current round, by index
        self.events: list[TaskEvent] = []  # every executor event, in order
        self.latency: dict[str, float | None] = {}  # stage -> seconds
        self.answer: str | None = None
        self.error: str | None = None  # the run raised this
        self.problems: list[str] = []  # plan problems and refusals, in words
        self._parser = StreamingPlanParser()  # parses the streamed text so tasks appear as planned
        self._lock = threading.RLock()

    # --- writers (agent hooks) -----------------------------------------------------------------
    def start_round(self) -> None:
        with self._lock:
            self.rounds.append([])
            self.tasks = {}
            self._parser = StreamingPlanParser()
            self.latency.setdefault("first_token", None)

    def add_piece(self, piece: str) -> None:
        with self._lock:
            if not self.rounds:
                self.start_round()
            if self.latency.get("first_token") is None:
                self.latency["first_token"] = time.perf_counter() - self.t0
            self.rounds[-1].append(piece)
            for task in self._parser.feed(piece):
                self._plan_task(task)

    def _plan_task(self, task: Task) -> None:
        if task.tool != "join" and task.idx not in self.tasks:
            self.tasks[task.idx] = TaskView(task.idx, task.tool, frozenset(task.deps))

    def end_round(self) -> None:
        with self._lock:
            for task in self._parser.close():
                self._plan_task(task)

    def on_select(self, selection: ToolSelection, seconds: float) -> None:
        with self._lock:
            self.selection = selection
            self.latency["selection"] = seconds

    def on_event(self, event: TaskEvent) -> None:
        with self._lock:
            self.events.append(event)
            view = self.tasks.setdefault(event.idx, TaskView(event.idx, event.tool, frozenset()))
            view.state = event.state
            view.detail = (event.result if event.state == "done" else event.error) or ""

    # --- readers (view) ------------------------------------------------------------------------
    @property
    def plan_text(self) -> str:
        with self._lock:
            return "".join(self.rounds[-1]) if self.rounds else ""

    def plan_texts(self) -> list[str]:
        with self._lock:
            return ["".join(r) for r in self.rounds]

    def task_views(self) -> list[TaskView]:
        with self._lock:
            return [TaskView(t.idx, t.tool, t.deps, t.state, t.detail) for t in sorted(self.tasks.values(),
                                                                                       key=lambda t: t.idx)]

    def states(self) -> dict[int, str]:
        with self._lock:
            return {i: t.state for i, t in sorted(self.tasks.items())}


class TeeBackend:
    """A planner backend that also hands every streamed piece to `on_piece` (and new calls to `on_start`)."""

    def __init__(self, inner: PlannerBackend, on_piece: Callable[[str], None],
                 on_start: Callable[[], None] | None = None, on_end: Callable[[], None] | None = None) -> None:
        self.inner = inner
        self.on_piece = on_piece
        self.on_start = on_start
        self.on_end = on_end
        self.name = getattr(inner, "name", type(inner).__name__)
        self.model_size_bytes = getattr(inner, "model_size_bytes", None)

    @property
    def last_stats(self) -> GenerationStats | None:
        return getattr(self.inner, "last_stats", None)

    def count_tokens(self, messages: Messages) -> int:
        return self.inner.count_tokens(messages)

    def stream(self, messages: Messages, config: GenerationConfig,
               stats: GenerationStats | None = None) -> Iterator[str]:
        if self.on_start is not None:
            self.on_start()
        try:
            for piece in self.inner.stream(messages, config, stats):
                self.on_piece(piece)
                yield piece
        finally:
            if self.on_end is not None:
                self.on_end()


class ObservedSelector:
    """A tool selector that reports its selection and how long it took."""

    def __init__(self, inner: ToolSelector, on_select: Callable[[ToolSelection, float], None]) -> None:
        self.inner = inner
        self.on_select = on_select
        self.name = getattr(inner, "name", type(inner).__name__)

    def select(self, query: str, enabled: ToolCatalog) -> ToolSelection:
        t0 = time.perf_counter()
        selection = self.inner.select(query, enabled)
        self.on_select(selection, time.perf_counter() - t0)
        return selection
