"""Scenario tests of the plan executor with a fake, instrumented backend.

Concurrency is proven without timing thresholds: tools that must overlap meet at a
`threading.Barrier` (which breaks, failing the task, if they were serialised), and the recorded
start/finish intervals are then compared. Sleeps are a few milliseconds.

Usage: .venv/bin/python -m pytest tests/test_executor.py -q
"""
from __future__ import annotations

import asyncio
import json
import logging
import threading
import time

import pytest

from tinyagent.execute import TaskEvent, execute_plan, run_tasks
from tinyagent.plan import Plan, PlanError, PlanIssue, Task
from tinyagent.tools.backend import ToolBackend, ToolError
from tinyagent.tools.catalog import ToolCatalog, ToolParam as P, ToolSpec

pytestmark = pytest.mark.timeout(30)  # a scheduler bug must fail the test, not hang the suite

_KEY = P("key", "str", "Label of the call, used to record its interval.")
CATALOG = ToolCatalog((
    ToolSpec("lookup", "Return val:<key>.", (_KEY,), app="contacts", side_effects=False),
    ToolSpec("listing", "Return a Python list.", (_KEY,), app="files", side_effects=False),
    ToolSpec("combine", "Join parts.", (_KEY, P("parts", "list", "Values to join."),
                                        P("sep", "str", "Separator.", False)), app="notes", side_effects=False),
    ToolSpec("act", "Change the world.", (_KEY, P("message", "str", "Text.")), app="mail", side_effects=True),
    ToolSpec("fail", "Raise.", (_KEY, P("message", "str", "ToolError message; empty: ValueError.")),
             app="notes", side_effects=False),
    ToolSpec("hang", "Block until the test releases it.", (_KEY,), app="notes", side_effects=False),
))


class Fake(ToolBackend):
    """Records each call's [start, finish] interval (perf_counter) under its key."""

    name = "fake"
    catalog = CATALOG

    def __init__(self, delay: float = 0.002, meet: tuple[str, ...] = (), gates: tuple[str, ...] = ()):
        self.delay = delay  # seconds each call sleeps
        self.lock = threading.Lock()
        self.spans: dict[str, tuple[float, float]] = {}  # key -> (start, finish)
        self.calls: list[tuple[str, tuple]] = []  # (tool, args) in call order
        self.barrier = threading.Barrier(len(meet), timeout=5) if meet else None  # keys that must overlap
        self.meet = set(meet)
        self.gates = {k: threading.Event() for k in gates}  # keys that wait for the test to open them
        self.release = threading.Event()  # ends every `hang`

    def _run(self, tool, key, *args, value=None, exc=None):
        start = time.perf_counter()
        with self.lock:
            self.calls.append((tool, (key, *args)))
        try:
            if key in self.meet:
                self.barrier.wait()  # BrokenBarrierError (task failed) if the others never arrive
            if key in self.gates:
                assert self.gates[key].wait(5), f"gate {key} never opened"
            time.sleep(self.delay)
            if exc is not None:
                raise exc
            return value
        finally:
            with self.lock:
                self.spans[key] = (start, time.perf_counter())

    def lookup(self, key):
        return self._run("lookup", key, value=f"val:{key}")

    def listing(self, key):
        return self._run("listing", key, value=[f"{key}1", f"{key}2"])

    def combine(self, key, parts, sep="+"):
        joined = sep.join(map(str, parts)) if isinstance(parts, list) else f"raw({parts})"
        return self._run("combine", key, parts, sep, value=f"{key}={joined}")

    def act(self, key, message):
        return self._run("act", key, message, value=f"sent {message}")

    def fail(self, key, message):
        return self._run("fail", key, message, exc=ToolError(message) if message else ValueError())

    def hang(self, key):
        self.release.wait(5)
        return self._run("hang", key, value="late")


@pytest.fixture
def fake():
    backend = Fake()
    yield backend
    backend.release.set()  # let timed-out threads end


def plan(*tasks: tuple) -> Plan:
    return Plan(tuple(Task(i, t[0], tuple(t[1:])) for i, t in enumerate(tasks, 1)))


def overlap(spans: list[tuple[float, float]]) -> bool:
    """All intervals share a common instant: every call started before any finished."""
    return max(s for s, _ in spans) < min(f for _, f in spans)


def assert_after_deps(report, p: Plan) -> None:
    for t in p.tasks:
        r = report.result(t.idx)
        for d in t.deps:
            if r.started is not None:
                assert r.started >= report.result(d).finished, (t.idx, d)


def test_fan_out_calls_overlap():
    fake = Fake(meet=("a", "b", "c", "d"))
    p = plan(*[("lookup", k) for k in "abcd"])
    report = execute_plan(p, fake, timeout=10)
    assert report.ok, report.results
    assert overlap([fake.spans[k] for k in "abcd"])
    assert report.outputs == {1: "val:a", 2: "val:b", 3: "val:c", 4: "val:d"}


def test_max_workers_one_serialises():
    fake = Fake()
    report = execute_plan(plan(*[("lookup", k) for k in "abc"]), fake, max_workers=1)
    assert report.ok
    spans = sorted(fake.spans.values())
    assert all(later[0] >= earlier[1] for earlier, later in zip(spans, spans[1:]))


def test_fan_in_waits_for_every_input():
    fake = Fake(meet=("a", "b", "c"))
    p = plan(("lookup", "a"), ("lookup", "b"), ("lookup", "c"), ("combine", "all", ["$1", "$2", "$3"]))
    report = execute_plan(p, fake, timeout=10)
    assert report.result(4).result == "all=val:a+val:b+val:c"
    assert overlap([fake.spans[k] for k in "abc"])
    assert all(fake.spans["all"][0] >= fake.spans[k][1] for k in "abc")
    assert_after_deps(report, p)


def test_chain_runs_in_order_and_nests_results(fake):
    p = plan(("lookup", "a"), ("combine", "b", ["$1"]), ("combine", "c", ["$2"]), ("combine", "d", ["$3"]))
    report = execute_plan(p, fake)
    assert report.result(4).result == "d=c=b=val:a"
    assert [fake.spans[k][0] >= fake.spans[j][1] for j, k in zip("abc", "bcd")] == [True] * 3
    assert report.critical_path == (1, 2, 3, 4)
    assert report.critical_path_time == pytest.approx(sum(r.duration for r in report.results))


def test_diamond_middle_overlaps_and_join_waits():
    fake = Fake(meet=("b", "c"))
    p = plan(("lookup", "a"), ("combine", "b", ["$1"]), ("combine", "c", ["$1", "x"]),
             ("combine", "d", ["$2", "$3"], " & "))
    report = execute_plan(p, fake, timeout=10)
    assert report.result(4).result == "d=b=val:a & c=val:a+x"
    assert overlap([fake.spans["b"], fake.spans["c"]])
    assert fake.spans["b"][0] >= fake.spans["a"][1] and fake.spans["c"][0] >= fake.spans["a"][1]
    assert fake.spans["d"][0] >= max(fake.spans["b"][1], fake.spans["c"][1])
    assert_after_deps(report, p)
    path = report.critical_path
    assert path[0] == 1 and path[-1] == 4 and len(path) == 3


def test_substitution_whole_refs_inside_strings_and_raw_values(fake):
    p = plan(("lookup", "sid"), ("lookup", "bo"), ("combine", "c", ["$1", "${2}"], " & "),
             ("act", "note", "to $1 and ${2}: $3"), ("combine", "raw", "$3"),
             ("listing", "L"), ("combine", "fromlist", "$6"))
    report = execute_plan(p, fake)
    assert report.ok
    assert report.result(3).args == ("c", ["val:sid", "val:bo"], " & ")
    assert report.result(4).args == ("note", "to val:sid and val:bo: c=val:sid & val:bo")
    # A whole-ref string for a list parameter passes the value through; the backend decides.
    assert report.result(5).result == "raw=raw(c=val:sid & val:bo)"
    # A non-string output reaches dependents as itself, and the report shows its str().
    assert report.result(6).result == "['L1', 'L2']"
    assert report.result(7).result == "fromlist=L1+L2"


def test_failure_skips_dependents_transitively(fake):
    p = plan(("lookup", "a"), ("fail", "f", "no contact named Bo"), ("combine", "c", ["$1", "$2"]),
             ("combine", "d", ["$3"]), ("lookup", "z"), ("fail", "v", ""))
    report = execute_plan(p, fake)
    statuses = {r.idx: r.status for r in report.results}
    assert statuses == {1: "done", 2: "failed", 3: "skipped", 4: "skipped", 5: "done", 6: "failed"}
    assert report.result(2).error == "ToolError: no contact named Bo"
    assert report.result(3).error == "dependency $2 (fail) failed"
    assert report.result(4).error == "dependency $3 (combine) was skipped; root cause: $2 (fail) failed"
    assert report.result(6).error == "ValueError"
    assert not report.ok and report.counts == {"done": 2, "failed": 2, "skipped": 2}
    assert [c for c in fake.calls if c[0] == "combine"] == []


def test_wrong_arity_is_a_failed_task_not_a_crash(fake):
    report = execute_plan(Plan((Task(1, "lookup", ("a", "extra")), Task(2, "nope", ()))), fake)
    assert [r.status for r in report.results] == ["failed", "failed"]
    assert "lookup takes 1 to 1 arguments, got 2" in report.result(1).error
    assert report.result(2).error == "ToolError: unknown tool 'nope'"


def test_timeout_reports_and_skips_dependents(fake):
    p = plan(("hang", "h"), ("combine", "c", ["$1"]), ("lookup", "x"))
    report = execute_plan(p, fake, timeout=0.05)
    assert [r.status for r in report.results] == ["timeout", "skipped", "done"]
    assert report.result(1).error.startswith("timed out after 0.05 s; the tool's thread cannot be stopped")
    assert report.result(2).error == "dependency $1 (hang) timed out"


def test_timeout_while_queued_for_a_worker(fake):
    report = execute_plan(plan(("hang", "h"), ("lookup", "x")), fake, timeout=0.05, max_workers=1)
    queued = report.result(2)
    assert queued.status == "timeout" and queued.started is None
    assert "waiting for a free worker thread" in queued.error


def test_decline_and_approval_sees_substituted_args(fake):
    seen: list[tuple[Task, str]] = []

    def approve(task: Task) -> bool:
        seen.append((task, threading.current_thread().name))
        return task.args[0] != "send"

    p = plan(("lookup", "sid"), ("act", "send", "hi $1"), ("combine", "c", ["$2"]), ("act", "ok", "x"))
    report = execute_plan(p, fake, approve=approve)
    assert [r.status for r in report.results] == ["done", "declined", "skipped", "done"]
    assert sorted(t.idx for t, _ in seen) == [2, 4]  # only side-effecting tools are asked about
    assert next(t for t, _ in seen if t.idx == 2).args == ("send", "hi val:sid")
    assert all(name.startswith("tinyagent-tool") for _, name in seen)  # asked off the event loop
    assert report.result(3).error == "dependency $2 (act) was declined"
    assert ("act", ("send", "hi val:sid")) not in fake.calls


def test_approve_raising_fails_only_that_task(fake):
    def approve(task):
        raise RuntimeError("dialog closed")

    report = execute_plan(plan(("act", "a", "x"), ("lookup", "b")), fake, approve=approve)
    assert report.result(1).status == "failed" and report.result(1).error == "RuntimeError: dialog closed"
    assert report.result(2).status == "done"


def test_dangling_ref_is_skipped_with_reason(fake):
    p = plan(("combine", "c", ["$7"]), ("combine", "d", ["$1"]), ("lookup", "x"))
    report = execute_plan(p, fake)
    assert [r.status for r in report.results] == ["skipped", "skipped", "done"]
    assert report.result(1).error == "dependency $7 never arrived (the plan has no such task)"
    assert report.result(2).error.startswith("dependency $1 (combine) was skipped")


def test_cycles_and_self_refs_are_skipped(fake):
    p = plan(("combine", "a", ["$2"]), ("combine", "b", ["$1"]), ("combine", "c", ["$3"]),
             ("combine", "d", ["$1"]), ("lookup", "e"))
    report = execute_plan(p, fake)
    errors = {r.idx: r.error for r in report.results}
    assert errors[1] == errors[2] == "dependency cycle among tasks [1, 2]"
    assert errors[3] == "task refers to its own result ($3)"
    assert errors[4] == "dependency $1 (combine) was skipped"
    assert report.result(5).status == "done"


def test_duplicate_index_is_rejected_not_run(fake):
    p = Plan((Task(1, "lookup", ("a",)), Task(1, "lookup", ("b",)), Task(2, "combine", ("c", ["$1"]))))
    report = execute_plan(p, fake)
    assert [(r.idx, r.status) for r in report.results] == [(1, "done"), (1, "failed"), (2, "done")]
    assert report.results[1].error.startswith("duplicate task index 1")
    assert report.result(2).result == "c=val:a"
    assert ("lookup", ("b",)) not in fake.calls


def test_events_follow_each_task_to_one_terminal_state(fake):
    events: list[TaskEvent] = []
    p = plan(("lookup", "a"), ("combine", "b", ["$1"]), ("fail", "f", "bad"), ("combine", "g", ["$3"]))
    report = execute_plan(p, fake, on_event=events.append)
    for r in report.results:
        states = [e.state for e in events if e.idx == r.idx]
        assert states[-1] == r.status and sum(s == r.status for s in states) == 1
        assert ("running" in states) == (r.started is not None)
    assert [e.state for e in events if e.idx == 2][:2] == ["waiting", "running"]
    assert [e.time for e in events] == sorted(e.time for e in events)
    json.dumps([e.to_dict() for e in events])


def test_broken_event_callback_is_logged_not_fatal(fake, caplog):
    def on_event(event):
        raise RuntimeError("ui gone")

    with caplog.at_level(logging.ERROR, logger="tinyagent.execute.executor"):
        report = execute_plan(plan(("lookup", "a"), ("combine", "b", ["$1"])), fake, on_event=on_event)
    assert report.ok
    assert "on_event callback failed for task 1" in caplog.text


def test_report_is_json_serialisable(fake):
    p = plan(("listing", "L"), ("combine", "c", "$1"), ("fail", "f", "no"))
    data = json.loads(execute_plan(p, fake).to_json())
    assert data["ok"] is False and data["counts"] == {"done": 2, "failed": 1}
    assert [r["status"] for r in data["results"]] == ["done", "done", "failed"]
    assert data["results"][1]["args"] == ["c", ["L1", "L2"]]


async def _stream(items):
    for item in items:
        if callable(item):
            await item()
        else:
            yield item


def test_streaming_starts_before_the_stream_ends(fake):
    first_done = asyncio.Event()
    marks: dict[str, float] = {}

    def on_event(e):
        if e.idx == 1 and e.state == "done":
            first_done.set()

    async def wait_first():
        await asyncio.wait_for(first_done.wait(), 5)  # times out if task 1 waited for the stream

    async def end():
        marks["end"] = time.perf_counter()

    tasks = [Task(1, "lookup", ("a",)), wait_first, Task(2, "combine", ("b", ["$1"])), end]
    report = asyncio.run(run_tasks(_stream(tasks), fake, on_event=on_event))
    assert report.ok and report.result(2).result == "b=val:a"
    assert fake.spans["a"][1] < marks["end"]


def test_streaming_waits_for_deps_that_arrive_later():
    fake = Fake(gates=("a",))
    events: list[TaskEvent] = []
    parked = asyncio.Event()

    def on_event(e):
        events.append(e)
        if e.idx == 3 and e.state == "waiting":
            parked.set()

    async def open_gate():
        await asyncio.wait_for(parked.wait(), 5)
        fake.gates["a"].set()

    # Task 3 refers forward to task 4, which arrives only after task 3 is parked.
    tasks = [Task(1, "lookup", ("a",)), Task(2, "combine", ("b", ["$1"])), Task(3, "combine", ("c", ["$4"])),
             open_gate, Task(4, "lookup", ("d",))]
    report = asyncio.run(run_tasks(_stream(tasks), fake, on_event=on_event))
    assert report.ok, report.results
    assert report.result(3).result == "c=val:d"
    assert fake.spans["b"][0] >= fake.spans["a"][1] and fake.spans["c"][0] >= fake.spans["d"][1]


def test_stream_error_is_recorded_and_waiting_tasks_skipped(fake):
    async def broken():
        yield Task(1, "lookup", ("a",))
        yield Task(2, "combine", ("b", ["$1", "$3"]))
        raise PlanError([PlanIssue("syntax", "line 3 is garbage", 3)])

    report = asyncio.run(run_tasks(broken(), fake))
    assert report.stream_error == "PlanError: line 3: [syntax] line 3 is garbage"
    assert report.result(1).status == "done" and not report.ok
    assert report.result(2).error.startswith("dependency $3 never arrived (the task stream failed (PlanError")


def test_execute_plan_works_inside_a_running_loop(fake):
    async def notebook_cell():
        return execute_plan(plan(("lookup", "a")), fake)

    assert asyncio.run(notebook_cell()).outputs == {1: "val:a"}


def test_bad_input_is_named(fake):
    with pytest.raises(TypeError, match="expects a Plan, got list"):
        execute_plan([Task(1, "lookup", ("a",))], fake)
    with pytest.raises(TypeError, match="expects Task objects, got str"):
        asyncio.run(run_tasks(["1. lookup('a')"], fake))
    with pytest.raises(TypeError, match="must be a Plan, an async iterator or an iterable of Task, got int"):
        asyncio.run(run_tasks(3, fake))
    with pytest.raises(ValueError, match="timeout must be a positive"):
        execute_plan(plan(("lookup", "a")), fake, timeout=0)
    with pytest.raises(ValueError, match="max_workers must be a positive integer"):
        execute_plan(plan(("lookup", "a")), fake, max_workers=0)


def test_empty_plan_and_run_tasks_accepts_a_plan(fake):
    report = execute_plan(Plan(()), fake)
    assert report.ok and report.results == () and report.critical_path == ()
    assert asyncio.run(run_tasks(plan(("lookup", "a")), fake)).outputs == {1: "val:a"}


def test_cascade_settles_each_task_once_with_forward_refs(fake):
    # Task 2 waits on 1 and on 3 (a forward ref), and 3 waits on 1: when 1 fails, both paths of
    # the cascade reach task 2, which must still settle exactly once.
    events: list[TaskEvent] = []
    p = plan(("fail", "b", "down"), ("combine", "w", ["$1", "$3"]), ("combine", "z", ["$1"]))
    report = execute_plan(p, fake, on_event=events.append)
    assert [r.status for r in report.results] == ["failed", "skipped", "skipped"]
    terminal = [(e.idx, e.state) for e in events if e.state == "skipped"]
    assert sorted(terminal) == [(2, "skipped"), (3, "skipped")]


def test_a_tools_own_timeout_error_is_a_failure_not_a_timeout():
    class SocketTimeout(Fake):
        def lookup(self, key):
            raise TimeoutError("socket timed out")

    report = execute_plan(plan(("lookup", "a")), SocketTimeout(), timeout=5)
    assert report.result(1).status == "failed"
    assert report.result(1).error == "TimeoutError: socket timed out"
