"""Cooperative cancellation of one tool call, so a timed-out call changes nothing afterwards.

A worker thread cannot be killed, so the executor hands each call a `CallToken` (via `call_scope`)
and cancels it when the call times out. Backends wrap every side effect in `commit(what)`: it
refuses once the token is cancelled, and the token's lock makes "cancelled" and "written" exclusive,
so after `cancel()` returns the executor knows whether the change had already been saved. Outside a
call scope (seeding, direct use) `commit` does nothing special.

Example:
    >>> token = CallToken()
    >>> with call_scope(token):
    ...     with commit("note 'x'"):
    ...         pass  # the write
    >>> token.cancel()  # True: the write had already happened
    True
    >>> with call_scope(token):
    ...     with commit("note 'y'"):
    ...         pass
    Traceback (most recent call last):
    ...
    tinyagent.tools.backend.ToolError: the call was cancelled (it ran past its time limit); note 'y' was not written
"""
from __future__ import annotations

import contextlib
import threading
from contextvars import ContextVar
from typing import Iterator

from tinyagent.tools.backend import ToolError

_CURRENT: ContextVar["CallToken | None"] = ContextVar("tinyagent_call_token", default=None)


class CallToken:
    """The cancellation state of one tool call (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # held while a side effect is written
        self.cancelled = False
        self.committed = False  # some side effect of this call was written

    def cancel(self) -> bool:
        """Cancel the call (waits for a write in progress); True if a side effect was already written."""
        with self._lock:
            self.cancelled = True
            return self.committed


@contextlib.contextmanager
def call_scope(token: CallToken) -> Iterator[CallToken]:
    """Make `token` the current call's token in this thread for the duration of the block."""
    reset = _CURRENT.set(token)
    try:
        yield token
    finally:
        _CURRENT.reset(reset)


def check_cancelled(what: str) -> None:
    """ToolError if the current call was cancelled (use before starting a slow external action)."""
    token = _CURRENT.get()
    if token is not None and token.cancelled:
        raise ToolError(f"the call was cancelled (it ran past its time limit); {what} was not started")


@contextlib.contextmanager
def commit(what: str) -> Iterator[None]:
    """Guard one side effect: refuse if the call was cancelled, else hold off cancellation until done."""
    token = _CURRENT.get()
    if token is None:
        yield
        return
    with token._lock:
        if token.cancelled:
            raise ToolError(f"the call was cancelled (it ran past its time limit); {what} was not written")
        yield
        token.committed = True
