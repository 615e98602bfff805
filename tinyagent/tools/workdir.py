"""The state folder of the current tool call, for function tools that keep state on disk.

`PythonToolBackend` (tinyagent/execute/python_backend.py) makes its folder current around every call
(`use_workdir`), in the worker thread that runs the tool, so a tool reads it with `workdir()`
instead of taking a path argument the planner would have to invent.

Example:
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> with use_workdir(root):
    ...     workdir() == Path(root)
    True
    >>> workdir()
    Traceback (most recent call last):
    ...
    tinyagent.tools.backend.ToolError: no tool state folder: run the tool through PythonToolBackend(..., workdir=...) or inside use_workdir(folder)
"""
from __future__ import annotations

import contextlib
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator

from tinyagent.tools.backend import ToolError

_WORKDIR: ContextVar[Path | None] = ContextVar("tinyagent_workdir", default=None)


def workdir() -> Path:
    """The current call's state folder; ToolError outside a call."""
    path = _WORKDIR.get()
    if path is None:
        raise ToolError("no tool state folder: run the tool through PythonToolBackend(..., workdir=...) "
                        "or inside use_workdir(folder)")
    return path


@contextlib.contextmanager
def use_workdir(path: str | Path) -> Iterator[Path]:
    """Make `path` (created if missing) the state folder for the duration of the block."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    reset = _WORKDIR.set(folder)
    try:
        yield folder
    finally:
        _WORKDIR.reset(reset)
