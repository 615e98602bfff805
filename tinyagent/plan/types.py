"""Plan data types: a `Task` is one numbered tool call, a `Plan` is the tasks plus the closing join.

Errors are values (`PlanIssue`) so that a validator can report every problem at once; `PlanError`
is the one exception type the plan language raises, and it carries those issues.

Example:
    >>> t = Task(2, "create_note", ("Notes", "call $1", ""))
    >>> sorted(t.deps)
    [1]
    >>> Plan((Task(1, "get_phone_number", ("Sid",)), t)).tools
    ('get_phone_number', 'create_note')
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tinyagent.plan.refs import find_refs

JOIN = "join"
END_OF_PLAN = "<END_OF_PLAN>"

# Issue codes, one per kind of problem. Documented here so tools can switch on them.
ISSUE_CODES: dict[str, str] = {
    "syntax": "a line is not `N. tool(args)`, `Thought: ...`, `join()` or `<END_OF_PLAN>`",
    "bad_literal": "an argument is not a Python literal",
    "named_argument": "arguments must be positional (`f(\"a\")`, not `f(x=\"a\")`)",
    "unknown_tool": "the tool is not in the catalog (hallucinated or not selected)",
    "arity": "wrong number of arguments for the tool",
    "arg_type": "an argument has the wrong type for its parameter",
    "bad_choice": "an argument is not one of the parameter's allowed values",
    "forward_ref": "`$N` refers to a task that comes later",
    "self_ref": "`$N` refers to the task itself",
    "dangling_ref": "`$N` refers to a task that does not exist",
    "cycle": "references form a cycle",
    "duplicate_index": "two tasks share a number",
    "skipped_index": "task numbers are not 1, 2, 3, ... in order",
    "missing_join": "the plan does not end with `join()`",
    "join_args": "`join()` takes no arguments",
    "trailing_garbage": "text after `join()` / `<END_OF_PLAN>`",
    "empty_plan": "no tasks",
    "too_long": "input exceeds the parser's size limits",
}


@dataclass(frozen=True)
class PlanIssue:
    """One problem found in a plan. `line` is 1-based in the plan text (0 when not from text)."""

    code: str  # a key of ISSUE_CODES
    message: str  # human-readable, names what was wrong
    line: int = 0  # line number in the source text
    task: int | None = None  # task index the problem belongs to, if any

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}[{self.code}] {self.message}"


class PlanError(ValueError):
    """The single exception type of the plan language; `.issues` lists every problem found."""

    def __init__(self, issues: list[PlanIssue] | tuple[PlanIssue, ...]):
        self.issues = tuple(issues)
        super().__init__("; ".join(str(i) for i in self.issues) or "invalid plan")


@dataclass(frozen=True)
class Task:
    """One tool call. Arguments are Python literals; strings may hold `$N` / `${N}` references."""

    idx: int  # 1-based task number as written in the plan
    tool: str  # tool name
    args: tuple[Any, ...] = ()  # positional arguments
    thought: str | None = None  # the `Thought:` line(s) right before this task, if any
    kwargs: tuple[tuple[str, Any], ...] = field(default=(), compare=False, repr=False)  # named args (invalid, kept for errors)
    line: int = field(default=0, compare=False, repr=False)  # 1-based line in the source text, 0 if built in code

    @property
    def deps(self) -> frozenset[int]:
        """Indices of the tasks whose outputs this task's arguments reference."""
        return frozenset(find_refs(self.args))


@dataclass(frozen=True)
class Plan:
    """An ordered list of tasks; `has_join` says whether the plan closed with `join()`."""

    tasks: tuple[Task, ...]
    has_join: bool = True
    thought: str | None = None  # a `Thought:` right before `join()`, if any

    @property
    def tools(self) -> tuple[str, ...]:
        return tuple(t.tool for t in self.tasks)

    def task(self, idx: int) -> Task:
        """The task numbered `idx` (KeyError naming the index when absent)."""
        for t in self.tasks:
            if t.idx == idx:
                return t
        raise KeyError(f"plan has no task {idx}; tasks are {[t.idx for t in self.tasks]}")

    def __len__(self) -> int:
        return len(self.tasks)
