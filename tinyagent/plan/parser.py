"""Parse LLMCompiler plan text into a `Plan`, in one go or incrementally as tokens stream in.

One line-oriented state machine serves both: `StreamingPlanParser` is fed arbitrary chunks and
returns each task as soon as its line is complete; `parse_plan` feeds it the whole text. Parsing
never raises anything but `PlanError` and is linear in the input (size limits guard the rest).
Semantic checks (tools, arity, types, `$N`, numbering, join) live in `tinyagent.plan.validate`.

Example:
    >>> plan = parse_plan('1. get_email_address("Sid")\\n2. join()<END_OF_PLAN>')
    >>> plan.tasks[0].tool, plan.tasks[0].args, plan.has_join
    ('get_email_address', ('Sid',), True)
    >>> p = StreamingPlanParser()
    >>> p.feed('1. get_phone_number("Ann'), p.feed('")\\n2. jo')
    ([], [Task(idx=1, tool='get_phone_number', args=('Ann',), thought=None)])
"""
from __future__ import annotations

import ast
import re
import warnings
from typing import Any

from tinyagent.plan.types import END_OF_PLAN, JOIN, Plan, PlanError, PlanIssue, Task

MAX_LINE_CHARS = 20_000  # longer lines are refused: no sane tool call needs more
MAX_PLAN_CHARS = 1_000_000  # input beyond this is ignored with a `too_long` issue

_TASK_LINE = re.compile(r"^\s*(\d{1,9})\s*\.\s*(.*?)\s*$")
_THOUGHT_LINE = re.compile(r"^\s*Thought\s*:\s?(.*?)\s*$")
_LITERAL_TYPES = (str, int, float, bool, type(None), list, tuple, dict)


class _BadLiteral(Exception):
    """Internal: an argument is not an allowed literal."""


def _literal(node: ast.AST) -> Any:
    """Evaluate a literal argument; tuples become lists so that plans compare and render uniformly."""
    value = ast.literal_eval(node)
    return _normalise_literal(value)


def _normalise_literal(value: Any) -> Any:
    if not isinstance(value, _LITERAL_TYPES):
        raise _BadLiteral(f"{type(value).__name__} literals are not allowed")
    if isinstance(value, (list, tuple)):
        return [_normalise_literal(v) for v in value]
    if isinstance(value, dict):
        return {_normalise_literal(k): _normalise_literal(v) for k, v in value.items()}
    return value


def parse_call(text: str) -> tuple[str, tuple[Any, ...], tuple[tuple[str, Any], ...]]:
    """Parse `tool(arg, ...)` into (name, positional args, named args); PlanError when not a call of
    Python literals.

    >>> parse_call('send_sms(["$1"], "On my way")')
    ('send_sms', (['$1'], 'On my way'), ())
    """
    try:
        with warnings.catch_warnings():  # models write invalid escapes like "\-": Python keeps them as text
            warnings.simplefilter("ignore")
            tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as e:
        raise PlanError([PlanIssue("syntax", f"not a function call: {text[:80]!r} ({type(e).__name__})")]) from None
    call = tree.body
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        raise PlanError([PlanIssue("syntax", f"expected `tool(args)`, got {text[:80]!r}")])
    try:
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            raise _BadLiteral("*args / **kwargs are not allowed")
        args = tuple(_literal(a) for a in call.args)
        kwargs = tuple((k.arg, _literal(k.value)) for k in call.keywords)
    except (_BadLiteral, ValueError, TypeError, SyntaxError, RecursionError, MemoryError) as e:
        raise PlanError([PlanIssue("bad_literal", f"{call.func.id}: argument is not a literal ({e})")]) from None
    return call.func.id, args, kwargs


class StreamingPlanParser:
    """Incremental parser: `feed` chunks as they arrive, get back the tasks whose lines completed.

    Problems are collected in `issues` (never raised), so a live agent can keep going and decide.
    `joined` turns true at `join()`, `ended` at `<END_OF_PLAN>`; `plan()` returns what was parsed.
    """

    def __init__(self) -> None:
        self.tasks: list[Task] = []  # every task parsed so far, in order
        self.issues: list[PlanIssue] = []  # syntax-level problems, in order of appearance
        self.joined = False  # saw `join()`
        self.ended = False  # saw `<END_OF_PLAN>`
        self._buf: list[str] = []  # pieces of the current, incomplete line
        self._buf_len = 0
        self._seen = 0  # characters fed so far
        self._line_no = 0  # number of the line being assembled, minus one
        self._thought: list[str] = []  # Thought lines waiting for the next task
        self._plan_thought: str | None = None  # Thought right before join()
        self._garbage_reported = False
        self._overlong = False  # the current line exceeded MAX_LINE_CHARS

    def feed(self, chunk: str) -> list[Task]:
        """Add text; returns the tasks completed by it (possibly none)."""
        if self._seen >= MAX_PLAN_CHARS:
            return []
        if self._seen + len(chunk) > MAX_PLAN_CHARS:
            chunk = chunk[: MAX_PLAN_CHARS - self._seen]
            self._issue("too_long", f"plan text exceeds {MAX_PLAN_CHARS} characters; the rest is ignored")
        self._seen += len(chunk)
        done: list[Task] = []
        pieces = chunk.split("\n")
        for i, piece in enumerate(pieces):
            self._append(piece)
            if i < len(pieces) - 1:
                done.extend(self._finish_line(newline=True))
            elif END_OF_PLAN in self._tail():
                # `<END_OF_PLAN>` is a stop string: the line it ends is complete without a newline.
                done.extend(self._finish_line(newline=False))
        return done

    def close(self) -> list[Task]:
        """End of input: parse the last line; returns the tasks it completed."""
        return self._finish_line(newline=True) if self._buf_len or self._overlong else []

    def plan(self) -> Plan:
        """The plan parsed so far (call `close()` first for the last line)."""
        return Plan(tuple(self.tasks), has_join=self.joined, thought=self._plan_thought)

    # -- internals ---------------------------------------------------------------------------
    def _append(self, piece: str) -> None:
        if self._overlong or not piece:
            return
        if self._buf_len + len(piece) > MAX_LINE_CHARS:
            self._overlong = True
            self._buf, self._buf_len = [], 0
            return
        self._buf.append(piece)
        self._buf_len += len(piece)

    def _tail(self) -> str:
        """The last characters of the current line: enough to spot a split `<END_OF_PLAN>`."""
        tail, need = [], len(END_OF_PLAN) * 2
        for piece in reversed(self._buf):
            tail.append(piece)
            need -= len(piece)
            if need <= 0:
                break
        return "".join(reversed(tail))

    def _issue(self, code: str, message: str, task: int | None = None) -> None:
        self.issues.append(PlanIssue(code, message, self._line_no + 1, task))

    def _finish_line(self, newline: bool) -> list[Task]:
        line = "".join(self._buf).rstrip("\r")
        overlong, self._overlong = self._overlong, False
        self._buf, self._buf_len = [], 0
        try:
            if overlong:
                self._issue("too_long", f"line longer than {MAX_LINE_CHARS} characters")
                return []
            return self._handle_line(line)
        finally:
            self._line_no += newline  # a line cut at `<END_OF_PLAN>` goes on in the next chunk

    def _handle_line(self, line: str) -> list[Task]:
        body, has_end, rest = line, False, ""
        if END_OF_PLAN in line:
            body, _, rest = line.partition(END_OF_PLAN)
            has_end = True
        if self.ended:
            if line.strip():
                self._garbage(line)
            return []
        tasks = self._handle_body(body.strip()) if body.strip() else []
        self.ended = has_end
        if rest.strip():
            self._garbage(rest)
        return tasks

    def _garbage(self, text: str) -> None:
        if not self._garbage_reported:
            self._garbage_reported = True
            self._issue("trailing_garbage", f"unexpected text after the end of the plan: {text.strip()[:80]!r}")

    def _handle_body(self, body: str) -> list[Task]:
        if self.joined:
            self._garbage(body)
            return []
        thought = _THOUGHT_LINE.match(body)
        if thought:
            self._thought.append(thought.group(1))
            return []
        m = _TASK_LINE.match(body)
        if not m:
            self._issue("syntax", f"expected `N. tool(args)`, `Thought: ...` or `join()`, got {body[:80]!r}")
            return []
        return self._handle_task(int(m.group(1)), m.group(2))

    def _handle_task(self, idx: int, call_text: str) -> list[Task]:
        try:
            name, args, kwargs = parse_call(call_text)
        except PlanError as e:
            for issue in e.issues:
                self._issue(issue.code, f"task {idx}: {issue.message}", idx)
            self._thought = []
            return []
        thought = "\n".join(self._thought) if self._thought else None
        self._thought = []
        if name == JOIN:
            if args or kwargs:
                self._issue("join_args", "join() takes no arguments", idx)
            self.joined, self._plan_thought = True, thought
            return []
        task = Task(idx, name, args, thought=thought, kwargs=kwargs, line=self._line_no + 1)
        self.tasks.append(task)
        return [task]


def parse_plan(text: str) -> Plan:
    """Parse a whole plan text; raises PlanError listing every syntax problem.

    Semantic problems (unknown tools, bad `$N`, missing join, ...) are not checked here: use
    `tinyagent.plan.validate.validate_plan`, or `load_plan` for both at once.
    """
    if not isinstance(text, str):
        raise PlanError([PlanIssue("syntax", f"plan must be a string, got {type(text).__name__}")])
    parser = StreamingPlanParser()
    parser.feed(text)
    parser.close()
    if parser.issues:
        raise PlanError(parser.issues)
    return parser.plan()
