"""What the plan executor reports: one `TaskResult` per task, `TaskEvent`s for live UIs, and the
`ExecutionReport` of a whole run. Everything converts to plain JSON with `to_dict`.

Times are seconds since the run began (`time.perf_counter` based), so reports from different runs
compare directly and serialise without timezone questions.

Example:
    >>> r = TaskResult(1, "get_email_address", ("Sid",), "done", "sid@x.org", None, 0.01, 0.05)
    >>> round(r.duration, 2), r.to_dict()["args"]
    (0.04, ['Sid'])
    >>> report = ExecutionReport((r,), wall_time=0.06, critical_path=(1,), critical_path_time=0.04)
    >>> report.ok, report.outputs, report.counts
    (True, {1: 'sid@x.org'}, {'done': 1})
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["done", "failed", "skipped", "timeout", "declined"]
STATUSES: tuple[str, ...] = ("done", "failed", "skipped", "timeout", "declined")  # terminal states

# Live states a task passes through before its terminal status.
EventState = Literal["waiting", "awaiting_approval", "running",
                     "done", "failed", "skipped", "timeout", "declined"]
EVENT_STATES: tuple[str, ...] = ("waiting", "awaiting_approval", "running") + STATUSES


def jsonable(value: Any) -> Any:
    """`value` with tuples as lists, dict keys as strings and unknown objects as `repr`.

    >>> jsonable(("a", (1, 2.5), {3: None}, {"b"}))
    ['a', [1, 2.5], {'3': None}, "{'b'}"]
    """
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(k): jsonable(v) for k, v in value.items()}
    return repr(value)


@dataclass(frozen=True)
class TaskResult:
    """The outcome of one task."""

    idx: int  # task number as written in the plan
    tool: str  # tool name
    args: tuple[Any, ...]  # arguments after `$N` substitution (as written if the task never ran)
    status: Status  # one of STATUSES
    result: str | None = None  # the tool's output (str() of it), when status is "done"
    error: str | None = None  # what went wrong / why skipped or declined; None when done
    started: float | None = None  # when the tool began running in its worker thread
    finished: float | None = None  # when the executor saw the call end (or time out)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"task {self.idx}: unknown status {self.status!r}; use one of {STATUSES}")

    @property
    def duration(self) -> float | None:
        """Measured run time of the tool call, None if it never started."""
        if self.started is None or self.finished is None:
            return None
        return self.finished - self.started

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON view (args made JSON-safe)."""
        return {"idx": self.idx, "tool": self.tool, "args": jsonable(self.args), "status": self.status,
                "result": self.result, "error": self.error, "started": self.started,
                "finished": self.finished, "duration": self.duration}


@dataclass(frozen=True)
class TaskEvent:
    """A task changed state; sent to `on_event` as it happens (for live UIs and logs)."""

    idx: int  # task number
    tool: str  # tool name
    state: EventState  # new state: waiting, awaiting_approval, running, or a terminal status
    time: float  # seconds since the run began
    result: str | None = None  # output, with state "done"
    error: str | None = None  # reason, with the other terminal states

    def to_dict(self) -> dict[str, Any]:
        return {"idx": self.idx, "tool": self.tool, "state": self.state, "time": self.time,
                "result": self.result, "error": self.error}


@dataclass(frozen=True)
class ExecutionReport:
    """Results of a run, in the order tasks arrived, plus its timing and critical path."""

    results: tuple[TaskResult, ...]  # one per task received, duplicates included
    wall_time: float  # seconds from the start of the run to its end (stream waiting included)
    critical_path: tuple[int, ...]  # task indices of the longest measured dependency chain
    critical_path_time: float  # sum of measured tool durations along `critical_path`
    stream_error: str | None = None  # the task stream raised this ("Type: message"), if it did

    @property
    def ok(self) -> bool:
        """Every task done and the stream ended cleanly."""
        return self.stream_error is None and all(r.status == "done" for r in self.results)

    @property
    def outputs(self) -> dict[int, str]:
        """Outputs of the tasks that finished, by index."""
        return {r.idx: r.result for r in self.results if r.status == "done" and r.result is not None}

    @property
    def counts(self) -> dict[str, int]:
        """Number of tasks per status (statuses with no task left out)."""
        return dict(Counter(r.status for r in self.results))

    def result(self, idx: int) -> TaskResult:
        """The result of task `idx` (the first to arrive with that index)."""
        for r in self.results:
            if r.idx == idx:
                return r
        raise KeyError(f"no result for task {idx}; tasks are {[r.idx for r in self.results]}")

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON view; `json.dumps(report.to_dict())` always works."""
        return {"ok": self.ok, "wall_time": self.wall_time, "critical_path": list(self.critical_path),
                "critical_path_time": self.critical_path_time, "stream_error": self.stream_error,
                "counts": self.counts, "results": [r.to_dict() for r in self.results]}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)
