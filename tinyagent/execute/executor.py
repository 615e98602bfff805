"""Run plan tasks in parallel as soon as their `$N` dependencies are done.

`run_tasks` (async) consumes tasks as they arrive, e.g. from the streaming plan parser while the LLM
is still writing, and starts each one the moment its last dependency finishes. Scheduling is driven
by completion events: a finishing task starts or skips its dependents itself; nothing polls.
`execute_plan` is the synchronous wrapper for a complete `Plan`.

Tool calls block (AppleScript, subprocesses, HTTP), so each runs in a worker thread of a dedicated
pool of `max_workers` threads; asyncio's default pool has only cpu+4 workers and would serialise a
fan-out on a 2-core machine. The backend must therefore be thread-safe.

Guarantees: every task received ends in exactly one terminal status; a failed, timed-out or declined
task's dependents (transitively) are skipped with a reason naming the dependency; a `$N` whose task
never arrives, or a dependency cycle, skips the task when the stream ends; the run always ends.
A timed-out call's thread cannot be killed: it keeps running and its result is discarded, but its
`CallToken` (tinyagent/tools/cancel.py) is cancelled, so a backend that guards its writes with
`commit` changes nothing afterwards; the timeout message says whether a change was already saved.
String arguments after `$N` substitution and reported outputs are capped at `MAX_TEXT_CHARS`
(tinyagent/tools/limits.py) with a "…[truncated: …]" marker, so `$N` chains cannot grow without bound.

Example:
    >>> from tinyagent.plan import Plan, Task
    >>> from tinyagent.tools.backend import ToolBackend
    >>> class Contacts(ToolBackend):
    ...     def get_email_address(self, name): return name.lower() + "@x.org"
    ...     def get_phone_number(self, name): raise KeyError(name)
    >>> plan = Plan((Task(1, "get_email_address", ("Sid",)), Task(2, "get_phone_number", ("Bo",)),
    ...              Task(3, "send_email", (["$1"], "Hi", "Phone: $2"))))
    >>> report = execute_plan(plan, Contacts())
    >>> [(r.idx, r.status) for r in report.results]
    [(1, 'done'), (2, 'failed'), (3, 'skipped')]
    >>> report.result(3).error
    'dependency $2 (get_phone_number) failed'
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import logging
import time
from collections import defaultdict
from concurrent.futures import Executor, ThreadPoolExecutor
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

import networkx as nx

from tinyagent.execute.critical_path import longest_path
from tinyagent.execute.results import EventState, ExecutionReport, TaskEvent, TaskResult
from tinyagent.plan.refs import substitute
from tinyagent.plan.types import Plan, Task
from tinyagent.tools.backend import ToolBackend
from tinyagent.tools.cancel import CallToken, call_scope
from tinyagent.tools.limits import cap_strings, cap_text

log = logging.getLogger(__name__)

Approve = Callable[[Task], bool]
OnEvent = Callable[[TaskEvent], None]

# How a finished dependency's status reads in a dependent's skip reason.
_PHRASE = {"failed": "failed", "timeout": "timed out", "declined": "was declined", "skipped": "was skipped"}


def _error_text(exc: BaseException) -> str:
    """`Type: message`, or just the type when the message is empty."""
    msg = str(exc)
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


class _Run:
    """State of one run. Lives on the event loop thread; worker threads only run tool calls."""

    def __init__(self, backend: ToolBackend, pool: Executor, timeout: float,
                 approve: Approve | None, on_event: OnEvent | None) -> None:
        self.backend = backend
        self.pool = pool  # worker threads for tool calls and approvals
        self.timeout = timeout  # seconds per tool call
        self.approve = approve
        self.on_event = on_event
        self.t0 = time.perf_counter()  # run start; all reported times are relative to it
        self.tasks: dict[int, Task] = {}  # accepted tasks by index (first arrival wins)
        self.slot: dict[int, int] = {}  # task index -> position in `records`
        self.records: list[TaskResult | None] = []  # arrival order; None until the task settles
        self.values: dict[int, Any] = {}  # raw outputs of done tasks, for `$N` substitution
        self.missing: dict[int, set[int]] = {}  # waiting task -> dependencies not done yet
        self.waiters: defaultdict[int, set[int]] = defaultdict(set)  # dependency -> waiting tasks
        self.root: dict[int, int] = {}  # skipped task -> the failed task that caused it
        self.running: set[asyncio.Task[None]] = set()  # asyncio tasks driving tool calls
        self.stream_error: str | None = None  # the task stream raised this

    def now(self) -> float:
        return time.perf_counter() - self.t0

    def settled(self, idx: int) -> TaskResult | None:
        return self.records[self.slot[idx]] if idx in self.slot else None

    def emit(self, task: Task, state: EventState, result: str | None = None, error: str | None = None) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(TaskEvent(task.idx, task.tool, state, self.now(), result, error))
        except Exception:  # a broken UI callback must not abort tool calls already under way
            log.exception("on_event callback failed for task %d (%s)", task.idx, state)

    # --- arrival -------------------------------------------------------------------------------
    def add(self, task: Task) -> None:
        """Accept a newly arrived task: reject duplicates, then start, skip or park it."""
        if not isinstance(task, Task):
            raise TypeError(f"run_tasks expects Task objects, got {type(task).__name__}: {task!r}")
        if task.idx in self.tasks:
            first = self.tasks[task.idx]
            error = (f"duplicate task index {task.idx}: task {task.idx} ({first.tool}) already arrived; "
                     "this copy was not run")
            self.records.append(TaskResult(task.idx, task.tool, task.args, "failed", error=error))
            self.emit(task, "failed", error=error)
            return
        self.tasks[task.idx] = task
        self.slot[task.idx] = len(self.records)
        self.records.append(None)
        for dep in sorted(task.deps):
            dep_result = self.settled(dep)
            if dep_result is not None and dep_result.status != "done":
                self.settle_skipped(task.idx, dep)
                return
        missing = {d for d in task.deps if d not in self.values}
        if not missing:
            self.start(task.idx)
            return
        self.missing[task.idx] = missing
        for dep in missing:
            self.waiters[dep].add(task.idx)
        self.emit(task, "waiting")

    def start(self, idx: int) -> None:
        self.running.add(asyncio.create_task(self.run_one(idx), name=f"task-{idx}"))

    # --- completion ----------------------------------------------------------------------------
    def settle(self, result: TaskResult, value: Any = None) -> None:
        """Record a terminal result, then start or skip the tasks waiting on it (transitively)."""
        self.records[self.slot[result.idx]] = result
        stack = [(result, value)]
        while stack:  # a worklist, not recursion: long chains of skips must not hit the stack limit
            result, value = stack.pop()
            idx = result.idx
            self.missing.pop(idx, None)
            self.emit(self.tasks[idx], result.status, result.result, result.error)
            if result.status == "done":
                self.values[idx] = value
            for waiter in sorted(self.waiters.pop(idx, ())):
                if self.settled(waiter) is not None:
                    continue  # already skipped because of another dependency
                if result.status == "done":
                    self.missing[waiter].discard(idx)
                    if not self.missing[waiter]:
                        del self.missing[waiter]
                        self.start(waiter)
                else:
                    # Record at once, so a second path through the cascade sees it as settled.
                    skip = self.skipped(waiter, idx)
                    self.records[self.slot[waiter]] = skip
                    stack.append((skip, None))

    def skipped(self, idx: int, dep: int) -> TaskResult:
        """The result for task `idx`, skipped because dependency `dep` did not finish."""
        dep_result = self.settled(dep)
        assert dep_result is not None
        self.root[idx] = self.root.get(dep, dep)
        reason = f"dependency ${dep} ({dep_result.tool}) {_PHRASE[dep_result.status]}"
        root = self.root[idx]
        if root != dep:
            root_result = self.settled(root)
            assert root_result is not None
            reason += f"; root cause: ${root} ({root_result.tool}) {_PHRASE[root_result.status]}"
        task = self.tasks[idx]
        return TaskResult(idx, task.tool, task.args, "skipped", error=reason)

    def settle_skipped(self, idx: int, dep: int) -> None:
        self.settle(self.skipped(idx, dep))

    def skip_with(self, idx: int, reason: str) -> None:
        task = self.tasks[idx]
        self.settle(TaskResult(idx, task.tool, task.args, "skipped", error=reason))

    # --- running one task ----------------------------------------------------------------------
    async def run_one(self, idx: int) -> None:
        task = self.tasks[idx]
        try:
            result, value = await self.call(task)
        except Exception as exc:  # substitution or approve() blew up: still settle, so the run ends
            result, value = TaskResult(idx, task.tool, task.args, "failed", error=_error_text(exc)), None
        self.settle(result, value)

    async def call(self, task: Task) -> tuple[TaskResult, Any]:
        """Substitute `$N`, ask for approval if needed, run the tool in a worker thread."""
        loop = asyncio.get_running_loop()
        args = cap_strings(substitute(task.args, self.values))  # "$1 $1 $1 ..." must not explode
        catalog = self.backend.catalog
        if self.approve is not None and task.tool in catalog and catalog[task.tool].side_effects:
            self.emit(task, "awaiting_approval")
            # The user approves what will really run, so show the substituted arguments.
            if not await loop.run_in_executor(self.pool, self.approve, dataclasses.replace(task, args=args)):
                return TaskResult(task.idx, task.tool, args, "declined", error="declined by the user"), None
        started: list[float] = []  # set by the worker thread when the call really begins
        token = CallToken()  # cancelled on timeout: the abandoned thread then writes nothing

        def work() -> Any:
            started.append(self.now())
            with call_scope(token):
                return self.backend.call(task.tool, list(args))

        self.emit(task, "running")
        future = loop.run_in_executor(self.pool, work)
        try:
            async with asyncio.timeout(self.timeout) as deadline:
                value = await future
        except Exception as exc:
            status, error = "failed", _error_text(exc)
            if isinstance(exc, TimeoutError) and deadline.expired():  # not a tool's own TimeoutError
                saved = token.cancel()
                where = ("it was still waiting for a free worker thread and was cancelled" if not started
                         else "the tool's thread cannot be stopped; its change had already been saved" if saved
                         else "the tool's thread cannot be stopped and may still be running, "
                              "but it saves no change from now on")
                status, error = "timeout", f"timed out after {self.timeout:g} s; {where}"
            begun = started[0] if started else None
            return TaskResult(task.idx, task.tool, args, status, None, error, begun, self.now()), None
        text = value if isinstance(value, str) or value is None else cap_text(str(value))
        return TaskResult(task.idx, task.tool, args, "done", text, None, started[0], self.now()), value

    # --- end of stream -------------------------------------------------------------------------
    def skip_dangling(self) -> None:
        """The stream ended: skip tasks waiting on a `$N` that never arrived."""
        cause = (f"the task stream failed ({self.stream_error})" if self.stream_error
                 else "the plan has no such task")
        for idx in sorted(self.missing):
            if self.settled(idx) is not None or idx not in self.missing:
                continue
            absent = sorted(d for d in self.missing[idx] if d not in self.tasks)
            if absent:
                refs = ", ".join(f"${d}" for d in absent)
                self.skip_with(idx, f"dependency {refs} never arrived ({cause})")

    def skip_cycles(self) -> None:
        """Nothing is running and tasks still wait: they wait on each other. Skip them."""
        graph = nx.DiGraph()
        graph.add_nodes_from(self.missing)
        graph.add_edges_from((d, idx) for idx, deps in self.missing.items() for d in deps)
        reasons: dict[int, str] = {}
        for component in nx.strongly_connected_components(graph):
            members = sorted(component)
            if len(members) > 1:
                reasons.update((m, f"dependency cycle among tasks {members}") for m in members)
            elif graph.has_edge(members[0], members[0]):
                reasons[members[0]] = f"task refers to its own result (${members[0]})"
        # Detach cycle members from each other first, so each is skipped for the cycle itself,
        # not for a fellow member; tasks merely downstream of a cycle are skipped by the cascade.
        for idx in reasons:
            for dep in self.missing[idx]:
                if dep in reasons:
                    self.waiters[dep].discard(idx)
        for idx, reason in sorted(reasons.items()):
            self.skip_with(idx, reason)

    async def drain(self) -> None:
        """Wait until no tool call is running; each completion may start more."""
        while self.running:
            done, _ = await asyncio.wait(self.running, return_when=asyncio.FIRST_COMPLETED)
            self.running -= done
            for finished in done:
                finished.result()  # re-raise a bug in the scheduler itself rather than hide it

    def report(self) -> ExecutionReport:
        results = tuple(r for r in self.records if r is not None)
        assert len(results) == len(self.records), "every task settles before the report"
        ran = {i: self.records[self.slot[i]] for i in self.tasks}  # duplicates excluded: they never ran
        durations = {i: r.duration for i, r in ran.items() if r is not None and r.duration is not None}
        path, length = longest_path(durations, {i: t.deps for i, t in self.tasks.items()})
        return ExecutionReport(results, self.now(), tuple(path), length, self.stream_error)


async def _consume(run: _Run, tasks: AsyncIterator[Task] | Iterable[Task] | Plan) -> None:
    """Feed arriving tasks to the run; an exception from the stream ends it and is recorded."""
    if isinstance(tasks, Plan):
        tasks = tasks.tasks
    if hasattr(tasks, "__aiter__"):
        iterator = aiter(tasks)  # type: ignore[arg-type]
        while True:
            try:
                task = await anext(iterator)
            except StopAsyncIteration:
                return
            except Exception as exc:
                run.stream_error = _error_text(exc)
                log.warning("task stream failed: %s", run.stream_error)
                return
            run.add(task)
    elif isinstance(tasks, Iterable):
        for task in tasks:  # a plain iterable must not block: wrap blocking sources as async generators
            run.add(task)
            await asyncio.sleep(0)  # let ready tasks reach their worker threads before the next one
    else:
        raise TypeError("tasks must be a Plan, an async iterator or an iterable of Task, "
                        f"got {type(tasks).__name__}")


def _check(timeout: float, max_workers: int) -> None:
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if not (isinstance(max_workers, int) and max_workers >= 1):
        raise ValueError(f"max_workers must be a positive integer, got {max_workers!r}")


async def run_tasks(tasks: AsyncIterator[Task] | Iterable[Task] | Plan, backend: ToolBackend, *,
                    timeout: float = 30.0, approve: Approve | None = None, max_workers: int = 32,
                    on_event: OnEvent | None = None, executor: Executor | None = None) -> ExecutionReport:
    """Run tasks as they arrive, each as soon as its dependencies are done; see the module docstring.

    `timeout` bounds each tool call (seconds). `approve(task)` is asked, in a worker thread and with
    substituted arguments, before every tool whose spec has `side_effects=True`. `on_event` is called
    on the event loop thread at every state change, so it must be quick. `executor` lets a caller
    share a thread pool; by default one of `max_workers` threads is made and shut down.
    """
    _check(timeout, max_workers)
    pool = executor or ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="tinyagent-tool")
    run = _Run(backend, pool, timeout, approve, on_event)
    try:
        await _consume(run, tasks)
        run.skip_dangling()
        await run.drain()
        run.skip_cycles()
        return run.report()
    finally:
        for pending in run.running:  # only non-empty when we leave by an exception or cancellation
            pending.cancel()
        if executor is None:
            # Do not wait: a timed-out tool may still hold its thread; queued calls are dropped.
            pool.shutdown(wait=False, cancel_futures=True)


def _run_sync(factory: Callable[[], Any]) -> Any:
    """asyncio.run, also from code already inside an event loop (Jupyter): then in a fresh thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="tinyagent-loop") as helper:
        return helper.submit(lambda: asyncio.run(factory())).result()


def execute_plan(plan: Plan, backend: ToolBackend, *, timeout: float = 30.0,
                 approve: Approve | None = None, max_workers: int = 32,
                 on_event: OnEvent | None = None) -> ExecutionReport:
    """Run a complete plan (synchronously) with the parallel scheduler of `run_tasks`."""
    if not isinstance(plan, Plan):
        raise TypeError(f"execute_plan expects a Plan, got {type(plan).__name__}")
    return _run_sync(lambda: run_tasks(plan.tasks, backend, timeout=timeout, approve=approve,
                                       max_workers=max_workers, on_event=on_event))
