"""One planning call: model text -> streaming parser -> tasks checked against the selected tools.

`PlanRun` is what `Planner.start` returns. Iterate it (`for task in run`) in the calling thread, or
`async for task in run.tasks()` from an event loop (the blocking `backend.stream` then runs in a
worker thread); either way each completed line is checked against the *selected* catalog (tool
known, arity, argument types, `$N` only to earlier accepted tasks) before it is yielded. A task that
fails the check is refused (kept in `refused`, never yielded), so the planner cannot call a tool
that ToolRAG did not select. Tasks come out the moment their line is complete, so an executor can
start while the model still writes. `run.stats` (a `PlanStats`) belongs to this call only and is
filled in as it goes.

Example:
    >>> from tinyagent.agent.scripted import ScriptedBackend
    >>> from tinyagent.planner.backends.base import GenerationConfig
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> run = PlanRun(ScriptedBackend(['1. get_phone_number("Sid")\\n2. send_sms(["$1"], "hi")\\n3. join()']),
    ...               [], GenerationConfig(), ASSISTANT_TOOLS.subset(["get_phone_number"]))
    >>> [t.tool for t in run], [r.task.tool for r in run.refused], run.stats.stopped
    (['get_phone_number'], ['send_sms'], 'stop')
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, AsyncIterator, Callable, Iterator

from tinyagent.plan.parser import StreamingPlanParser
from tinyagent.plan.types import Plan, PlanIssue, Task
from tinyagent.plan.validate import validate_plan
from tinyagent.planner.backends.base import GenerationConfig, GenerationStats, Messages, PlannerBackend
from tinyagent.tools.catalog import ToolCatalog

log = logging.getLogger(__name__)

_DONE = object()  # end-of-stream marker on the queue
_IGNORED_PER_TASK = {"skipped_index"}  # odd numbering does not stop a task from running correctly


@dataclass(frozen=True)
class Refusal:
    """A planned task that was refused before execution (unselected tool, bad arguments, bad `$N`)."""

    task: Task  # the task as parsed
    issues: tuple[PlanIssue, ...]  # why it was refused

    @property
    def reason(self) -> str:
        return "; ".join(i.message for i in self.issues)


@dataclass
class PlanStats:
    """Measurements of one planning call (its own record: later model calls never overwrite it)."""

    prompt_tokens: int | None = None  # prompt tokens after the chat template (None: counting failed)
    output_tokens: int | None = None  # tokens generated, as the backend reports them
    prompt_s: float = 0.0  # seconds to build the prompt (selection excluded) and count its tokens
    first_token_s: float | None = None  # seconds from the stream's start to the first text
    first_task_s: float | None = None  # ... to the first accepted task
    planning_s: float | None = None  # ... to the end of generation
    stopped: str | None = None  # "stop" (stop string / end of sequence), "length" (max_tokens); None: not done
    text: str = ""  # the generated text so far (stop string excluded)
    error: str | None = None  # the backend raised this ("Type: message")
    generation: GenerationStats = field(default_factory=GenerationStats, repr=False)  # the backend's own record

    def to_dict(self) -> dict[str, Any]:
        return {"prompt_tokens": self.prompt_tokens, "output_tokens": self.output_tokens, "prompt_s": self.prompt_s,
                "first_token_s": self.first_token_s, "first_task_s": self.first_task_s,
                "planning_s": self.planning_s, "stopped": self.stopped, "error": self.error}


class PlanRun:
    """One planning call: streams, parses and checks tasks; records text, timings and refusals."""

    def __init__(self, backend: PlannerBackend, messages: Messages, config: GenerationConfig, selected: ToolCatalog,
                 known: ToolCatalog | None = None, on_refuse: Callable[[Refusal], None] | None = None,
                 stats: PlanStats | None = None) -> None:
        self.backend = backend
        self.messages = messages
        self.config = config
        self.selected = selected  # the only tools the plan may call
        self.known = known  # all enabled tools: lets the refusal say "not selected" rather than "unknown"
        self.on_refuse = on_refuse
        self.stats = stats if stats is not None else PlanStats()
        self.parser = StreamingPlanParser()
        self.accepted: list[Task] = []  # tasks passed on to the executor
        self.refused: list[Refusal] = []  # tasks refused before execution
        self.t0 = time.perf_counter()  # reset when streaming starts; stats times are relative to it
        self._started = False

    @property
    def text(self) -> str:
        return self.stats.text

    @property
    def error(self) -> str | None:
        return self.stats.error

    def plan(self) -> Plan:
        """Everything parsed (accepted and refused tasks), in plan order."""
        return self.parser.plan()

    def plan_issues(self) -> list[PlanIssue]:
        """Problems of the plan as a whole: syntax lines, missing join, no tasks (not per-task ones)."""
        whole = [i for i in validate_plan(self.plan(), self.selected) if i.task is None]
        return list(self.parser.issues) + whole

    # --- checking one task ---------------------------------------------------------------------
    def check(self, task: Task) -> list[PlanIssue]:
        """Why `task` must not run (empty = accept), judged on the plan so far plus the task."""
        pos = next((i for i, t in enumerate(self.parser.tasks) if t is task), len(self.parser.tasks))
        prefix = Plan(tuple(self.parser.tasks[:pos]) + (task,))  # later lines of the same chunk not yet seen
        issues = [i for i in validate_plan(prefix, self.selected)
                  if i.task == task.idx and i.code not in _IGNORED_PER_TASK]
        if task.tool not in self.selected and self.known is not None and task.tool in self.known:
            issues = [replace(i, message=f"task {task.idx}: tool {task.tool!r} was not selected for this query "
                              f"(selected: {', '.join(self.selected.names)}); refused, not executed")
                      if i.code == "unknown_tool" else i for i in issues]
        refused = {r.task.idx for r in self.refused}
        for dep in sorted(task.deps & refused):
            issues.append(PlanIssue("dangling_ref", f"task {task.idx} uses ${dep}, but task {dep} was refused",
                                    task.line, task.idx))
        return issues

    def _admit(self, task: Task) -> bool:
        issues = self.check(task)
        if not issues:
            self.accepted.append(task)
            if self.stats.first_task_s is None:
                self.stats.first_task_s = time.perf_counter() - self.t0
            return True
        refusal = Refusal(task, tuple(issues))
        self.refused.append(refusal)
        log.info("refused task %d (%s): %s", task.idx, task.tool, refusal.reason)
        if self.on_refuse is not None:
            self.on_refuse(refusal)
        return False

    # --- the stream, one event at a time (shared by the sync and async paths) ------------------------
    def _begin(self) -> Iterator[str]:
        if self._started:
            raise RuntimeError("a PlanRun streams once; call Planner.start again for a new plan")
        self._started = True
        self.t0 = time.perf_counter()
        return self.backend.stream(self.messages, self.config, self.stats.generation)

    def _on_piece(self, piece: str) -> list[Task]:
        if self.stats.first_token_s is None and piece:
            self.stats.first_token_s = time.perf_counter() - self.t0
        self.stats.text += piece
        return [t for t in self.parser.feed(piece) if self._admit(t)]

    def _on_end(self, error: BaseException | None) -> list[Task]:
        """Close the parser (the stop string is not yielded: the last line ends here) and the stats."""
        s, gen = self.stats, self.stats.generation
        s.planning_s = time.perf_counter() - self.t0
        s.output_tokens = gen.completion_tokens
        s.stopped = gen.stopped or None
        if s.prompt_tokens is None and gen.prompt_tokens:
            s.prompt_tokens = gen.prompt_tokens
        if error is not None:
            s.error = f"{type(error).__name__}: {error}"
        return [t for t in self.parser.close() if self._admit(t)]

    def __iter__(self) -> Iterator[Task]:
        """Accepted tasks in the calling thread; the backend's error is raised at the end."""
        error: Exception | None = None
        try:
            for piece in self._begin():
                yield from self._on_piece(piece)
        except Exception as exc:  # kept in stats.error, then raised after the last task
            error = exc
        yield from self._on_end(error)
        if error is not None:
            raise error

    def finish(self) -> "PlanRun":
        """Run the whole plan (tasks are kept in `accepted`); the backend's error propagates."""
        for _ in self:
            pass
        return self

    def _produce(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue, stop: threading.Event) -> None:
        """Worker thread: pull pieces from the (blocking) backend and post them to the event loop."""
        item: object = _DONE
        try:
            for piece in self._begin():
                if stop.is_set():  # the consumer went away: stop generating
                    break
                loop.call_soon_threadsafe(queue.put_nowait, piece)
        except Exception as exc:  # reported to the executor as a stream error, and kept in stats
            item = exc
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, item)

    async def tasks(self) -> AsyncIterator[Task]:
        """Accepted tasks, each as soon as its line is complete; raises the backend's error at the end."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        stop = threading.Event()
        worker = threading.Thread(target=self._produce, args=(loop, queue, stop), daemon=True,
                                  name="tinyagent-planner")
        worker.start()
        try:
            while True:
                item = await queue.get()
                if item is _DONE or isinstance(item, Exception):
                    break
                for task in self._on_piece(item):  # type: ignore[arg-type]
                    yield task
            error = item if isinstance(item, Exception) else None
            for task in self._on_end(error):
                yield task
            if error is not None:
                raise error
        finally:
            stop.set()
