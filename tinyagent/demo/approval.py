"""Confirmation of side-effect tools from a UI: the executor's `approve(task)` blocks its worker
thread until someone answers `answer(idx, yes)` (a button click) or the timeout passes (= deny).

`ApprovalGate` is the `approve` callback the executor calls (in a worker thread, with the
substituted arguments) before every tool with side effects. It records the request, tells the UI
through `on_request`, and waits. With `auto=True` it approves at once (the `--yes` of the UI).

Example:
    >>> import threading
    >>> from tinyagent.plan.types import Task
    >>> gate = ApprovalGate(timeout=5)
    >>> t = threading.Timer(0.05, lambda: gate.answer(2, False)); t.start()
    >>> gate(Task(2, "send_sms", (["+1"], "hi"))), gate.decisions[2].outcome
    (False, 'denied')
    >>> ApprovalGate(timeout=0.01)(Task(3, "send_sms", (["+1"], "yo")))  # nobody answers: deny
    False
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Literal

from tinyagent.plan.render import render_task
from tinyagent.plan.types import Task

log = logging.getLogger(__name__)

Outcome = Literal["pending", "allowed", "denied", "timed out", "auto-approved", "cancelled"]


@dataclass
class Request:
    """One question put to the user."""

    task: Task  # the task as it would run (arguments substituted)
    asked: float = field(default_factory=time.monotonic)  # when the executor asked
    outcome: Outcome = "pending"  # how it was settled
    shown: bool = False  # the UI has put the question on screen (buttons exist)
    event: threading.Event = field(default_factory=threading.Event, repr=False)  # set when settled

    @property
    def text(self) -> str:
        return render_task(self.task)


class ApprovalGate:
    """Blocking `approve` callback answered from another thread (see the module docstring)."""

    def __init__(self, timeout: float = 120.0, *, auto: bool = False,
                 on_request: Callable[[Request], None] | None = None,
                 on_settle: Callable[[Request], None] | None = None) -> None:
        if not timeout > 0:
            raise ValueError(f"approval timeout must be a positive number of seconds, got {timeout!r}")
        self.timeout = timeout  # seconds to wait for an answer; then the task is denied
        self.auto = auto  # approve everything without asking
        self.on_request = on_request  # UI hook: show the question (called in the executor's thread)
        self.on_settle = on_settle  # UI hook: hide it again
        self.decisions: dict[int, Request] = {}  # task index -> its request, settled or not
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # notified on every new request

    def __call__(self, task: Task) -> bool:
        req = Request(task)
        with self._lock:
            self.decisions[task.idx] = req
        if self.auto:
            self._settle(req, "auto-approved")
            return True
        if self.on_request is not None:
            self.on_request(req)
        with self._changed:  # only now is it "pending" to waiters: the buttons exist
            req.shown = True
            self._changed.notify_all()
        if not req.event.wait(self.timeout):
            self._settle(req, "timed out")  # no-op if an answer raced in just now
        return req.outcome in ("allowed", "auto-approved")

    def _settle(self, req: Request, outcome: Outcome) -> bool:
        with self._lock:
            if req.outcome != "pending":
                return False
            req.outcome = outcome
        req.event.set()
        log.info("task %d (%s): %s", req.task.idx, req.task.tool, outcome)
        if self.on_settle is not None:
            self.on_settle(req)
        return True

    def answer(self, idx: int, yes: bool) -> None:
        """The user's answer for task `idx`; ValueError if that task is not waiting for one."""
        req = self.decisions.get(idx)
        if req is None or req.outcome != "pending":
            waiting = [i for i, r in self.decisions.items() if r.outcome == "pending"]
            raise ValueError(f"task {idx} is not waiting for approval (waiting: {waiting or 'none'})")
        self._settle(req, "allowed" if yes else "denied")

    def cancel_all(self) -> None:
        """Deny every open question (the run is being abandoned)."""
        for req in list(self.decisions.values()):
            self._settle(req, "cancelled")

    def pending(self) -> list[int]:
        """Indices of the tasks waiting for an answer, in order."""
        with self._lock:
            return self._waiting()

    def _waiting(self) -> list[int]:
        return sorted(i for i, r in self.decisions.items() if r.outcome == "pending" and r.shown)

    def wait_pending(self, timeout: float) -> list[int]:
        """Block until some task waits for an answer (or `timeout` seconds); returns `pending()`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                waiting = self._waiting()
                left = deadline - time.monotonic()
                if waiting or left <= 0:
                    return waiting
                self._changed.wait(left)
