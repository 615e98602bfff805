"""Plan execution: a parallel, event-driven scheduler over `$N` dependencies, and its reports.

Usage: `report = execute_plan(plan, backend)`; `await run_tasks(stream_of_tasks, backend)`;
`PythonToolBackend(registry, workdir=...)` runs a user's function tools.
"""
from tinyagent.execute.critical_path import longest_path
from tinyagent.execute.executor import execute_plan, run_tasks
from tinyagent.execute.python_backend import PythonToolBackend
from tinyagent.execute.results import (EVENT_STATES, STATUSES, ExecutionReport, TaskEvent,
                                       TaskResult)

__all__ = ["EVENT_STATES", "STATUSES", "ExecutionReport", "PythonToolBackend", "TaskEvent", "TaskResult",
           "execute_plan", "longest_path", "run_tasks"]
