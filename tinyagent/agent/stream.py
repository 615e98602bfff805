"""From model tokens to checked tasks, as they are generated: the planning half of the agent loop.

`PlanStream.tasks()` is an async generator for `tinyagent.execute.run_tasks`. The blocking
`backend.stream(...)` runs in a worker thread and hands each text piece to the event loop; pieces go
into a `StreamingPlanParser`, and each completed task is checked against the *selected* catalog (tool
known, arity, argument types, `$N` only to earlier accepted tasks) before it is yielded. A task that
fails the check is refused (kept in `refused`, never executed), so the planner cannot call a tool
that ToolRAG did not select. Tasks are yielded the moment their line is complete, so execution
starts while the model is still writing the rest of the plan.

Example:
    >>> import asyncio
    >>> from tinyagent.agent.scripted import ScriptedBackend
    >>> from tinyagent.planner.backends.base import GenerationConfig
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> ps = PlanStream(ScriptedBackend(['1. get_phone_number("Sid")\\n2. send_sms(["$1"], "hi")\\n3. join()']),
    ...                 [], GenerationConfig(), ASSISTANT_TOOLS.subset(["get_phone_number"]))
    >>> async def collect(): return [t.tool async for t in ps.tasks()]
    >>> asyncio.run(collect()), [r.task.tool for r in ps.refused]
    (['get_phone_number'], ['send_sms'])
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import replace
from typing import AsyncIterator, Callable

from tinyagent.agent.joiner import Refusal
from tinyagent.plan.parser import StreamingPlanParser
from tinyagent.plan.types import Plan, PlanIssue, Task
from tinyagent.plan.validate import validate_plan
from tinyagent.planner.backends.base import GenerationConfig, Messages
from tinyagent.tools.catalog import ToolCatalog

log = logging.getLogger(__name__)

_DONE = object()  # end-of-stream marker on the queue
_IGNORED_PER_TASK = {"skipped_index"}  # odd numbering does not stop a task from running correctly


class PlanStream:
    """One planning call: streams, parses and checks tasks; records text, timings and refusals."""

    def __init__(self, backend: object, messages: Messages, config: GenerationConfig, selected: ToolCatalog,
                 known: ToolCatalog | None = None, on_refuse: Callable[[Refusal], None] | None = None) -> None:
        self.backend = backend  # PlannerBackend
        self.messages = messages
        self.config = config
        self.selected = selected  # the only tools the plan may call
        self.known = known  # all enabled tools: lets the refusal say "not selected" rather than "unknown"
        self.on_refuse = on_refuse
        self.parser = StreamingPlanParser()
        self.pieces: list[str] = []  # generated text, as streamed
        self.accepted: list[Task] = []  # tasks passed on to the executor
        self.refused: list[Refusal] = []  # tasks refused before execution
        self.error: str | None = None  # the backend raised this ("Type: message")
        self.t0 = time.perf_counter()  # reset when streaming starts; times below are relative to it
        self.first_piece: float | None = None  # seconds to the first generated text
        self.first_task: float | None = None  # seconds to the first accepted task
        self.finished: float | None = None  # seconds to the end of generation

    @property
    def text(self) -> str:
        return "".join(self.pieces)

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

    def _admit(self, task: Task) -> Task | None:
        issues = self.check(task)
        if not issues:
            self.accepted.append(task)
            if self.first_task is None:
                self.first_task = time.perf_counter() - self.t0
            return task
        refusal = Refusal(task, tuple(issues))
        self.refused.append(refusal)
        log.info("refused task %d (%s): %s", task.idx, task.tool, refusal.reason)
        if self.on_refuse is not None:
            self.on_refuse(refusal)
        return None

    # --- streaming -----------------------------------------------------------------------------
    def _produce(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue, stop: threading.Event) -> None:
        """Worker thread: pull pieces from the (blocking) backend and post them to the event loop."""
        item: object = _DONE
        try:
            for piece in self.backend.stream(self.messages, self.config):  # type: ignore[attr-defined]
                if stop.is_set():  # the consumer went away: stop generating
                    break
                loop.call_soon_threadsafe(queue.put_nowait, piece)
        except Exception as exc:  # reported to the executor as a stream error, and kept here
            item = exc
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, item)

    async def tasks(self) -> AsyncIterator[Task]:
        """Accepted tasks, each as soon as its line is complete; raises the backend's error at the end."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        stop = threading.Event()
        self.t0 = time.perf_counter()
        worker = threading.Thread(target=self._produce, args=(loop, queue, stop), daemon=True,
                                  name="tinyagent-planner")
        worker.start()
        try:
            while True:
                item = await queue.get()
                if item is _DONE or isinstance(item, Exception):
                    break
                if self.first_piece is None:
                    self.first_piece = time.perf_counter() - self.t0
                self.pieces.append(item)
                for task in self.parser.feed(item):
                    if self._admit(task):
                        yield task
            self.finished = time.perf_counter() - self.t0
            for task in self.parser.close():  # the stop string is not yielded: the last line ends here
                if self._admit(task):
                    yield task
            if isinstance(item, Exception):
                self.error = f"{type(item).__name__}: {item}"
                raise item
        finally:
            stop.set()
