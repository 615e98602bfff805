"""The joiner: after a plan ran, answer the user (`Finish`) or ask for a new plan (`Replan`).

`Joiner.decide` asks the planner model once, with the question, the plan and what each task
returned, for `Finish(answer)` or `Replan(reason)`, and parses the reply leniently
(`parse_decision`). When the reply cannot be parsed, or with `mode="fallback"`, the deterministic
`fallback_decision` is used instead: it summarises the tool outputs and errors, and replans only
when nothing at all succeeded for a reason a new plan could fix. Small untuned models write poor
joiner replies, so the agent never depends on the model here.

Example:
    >>> parse_decision('Thought: done.\\nAction: Finish("Sent the text to Sid.")')
    JoinDecision(action='finish', text='Sent the text to Sid.', source='llm')
    >>> parse_decision("replan(the contact was not found") .action
    'replan'
    >>> parse_decision("I think it went well") is None
    True
"""
from __future__ import annotations

import ast
import logging
import re
from dataclasses import dataclass, field
from typing import Literal, Sequence

from tinyagent.execute.results import ExecutionReport, TaskResult
from tinyagent.plan.types import PlanIssue
from tinyagent.planner.backends.base import PlannerBackend
from tinyagent.planner.run import Refusal  # noqa: F401  (re-exported: it used to live here)

log = logging.getLogger(__name__)

Action = Literal["finish", "replan"]
_DECISION = re.compile(r"\b(finish|replan)\s*\(", re.IGNORECASE)
MAX_OBSERVATION_CHARS = 600  # one tool output shown to the joiner; longer outputs are cut

JOIN_SYSTEM = (
    "You are the final step of a personal assistant. You are given the user's question, the plan "
    "that was run and what each step returned. Decide:\n"
    "- If the results answer the question or the actions were done, reply `Action: Finish(<answer>)`, "
    "where <answer> tells the user, in one or two sentences, what was done or found.\n"
    "- If a step failed in a way a different plan could fix, reply `Action: Replan(<reason>)`.\n"
    "You may write one `Thought: ...` line first. Write nothing after the Action line."
)


@dataclass(frozen=True)
class JoinDecision:
    """What the joiner decided: the answer to show (finish) or why to plan again (replan)."""

    action: Action  # "finish" or "replan"
    text: str  # the answer, or the replan reason
    source: str = "llm"  # "llm" (parsed model reply) or "fallback" (deterministic summary)
    raw: str | None = field(default=None, compare=False, repr=False)  # the model's reply, if any


def _closing_paren(text: str, start: int) -> int | None:
    """Index of the `)` closing the `(` just before `start`, skipping quoted text; None if absent."""
    depth, quote, i = 1, None, start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'" and (i == start or text[i - 1] in " (,\n"):
            quote = ch  # only a quote that opens a literal; apostrophes inside words are text
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _unquote(text: str) -> str:
    """`"a"` -> `a` when the whole argument is one string literal; otherwise the text as written."""
    text = text.strip()
    if len(text) >= 2 and text[0] in "\"'" and text[-1] == text[0]:
        try:
            value = ast.literal_eval(text)
            if isinstance(value, str):
                return value.strip()
        except (ValueError, SyntaxError):
            return text[1:-1].strip()
    return text


def parse_decision(reply: str) -> JoinDecision | None:
    """`Finish(...)` / `Replan(...)` from a model reply, or None when neither can be read.

    Case-insensitive, with or without `Action:`, quoted or bare arguments, nested parentheses, and
    a truncated reply (no closing parenthesis: the rest of the text is taken). An empty `Finish()`
    is unreadable (there is no answer to show); an empty `Replan()` gets a generic reason.
    """
    if not isinstance(reply, str):
        return None
    m = _DECISION.search(reply)
    if m is None:
        return None
    end = _closing_paren(reply, m.end())
    if end is None:  # unbalanced: take up to the last ')' if any, else everything (cut by max_tokens)
        last = reply.rfind(")")
        end = last if last >= m.end() else len(reply)
    text = _unquote(reply[m.end():end])
    action: Action = "finish" if m.group(1).lower() == "finish" else "replan"
    if action == "finish" and not text:
        return None
    return JoinDecision(action, text or "the joiner asked for a new plan without a reason", "llm", reply)


def describe_result(r: TaskResult) -> str:
    """One observation line: `2. send_sms -> done: Sent ...` (outputs cut to MAX_OBSERVATION_CHARS)."""
    body = r.result if r.status == "done" else r.error
    body = (body or "").strip()
    if len(body) > MAX_OBSERVATION_CHARS:
        body = body[:MAX_OBSERVATION_CHARS] + " ..."
    return f"{r.idx}. {r.tool} -> {r.status}: {body}" if body else f"{r.idx}. {r.tool} -> {r.status}"


def observations(report: ExecutionReport | None, refused: Sequence[Refusal] = (),
                 issues: Sequence[PlanIssue] = ()) -> list[str]:
    """Every observation line of a round: task results, refused tasks, then plan problems."""
    lines = [describe_result(r) for r in report.results] if report is not None else []
    lines += [f"{x.task.idx}. {x.task.tool} -> refused: {x.reason}" for x in refused]
    lines += [f"plan problem: {i}" for i in issues]
    if report is not None and report.stream_error:
        lines.append(f"planner error: {report.stream_error}")
    return lines


def fallback_decision(report: ExecutionReport | None, refused: Sequence[Refusal] = (),
                      issues: Sequence[PlanIssue] = ()) -> JoinDecision:
    """Deterministic join: finish with a summary of what happened, or replan when nothing worked.

    Replans only when no task finished and something a new plan could fix went wrong (no tasks, a
    refused task, a failure or timeout); a task the user declined is never retried.

    >>> fallback_decision(None, issues=[PlanIssue("empty_plan", "the plan has no tool calls")]).action
    'replan'
    """
    results = report.results if report is not None else ()
    done = [r for r in results if r.status == "done"]
    declined = [r for r in results if r.status == "declined"]
    fixable = (not results) or refused or any(r.status in ("failed", "timeout") for r in results)
    lines = observations(report, refused, issues)
    if not done and fixable and not declined:
        reason = "; ".join(lines) if lines else "the planner produced no tasks"
        return JoinDecision("replan", f"nothing succeeded: {reason}", "fallback")
    if not lines:
        return JoinDecision("finish", "Nothing was done.", "fallback")
    head = "Done." if len(done) == len(results) and not refused else "Finished with problems."
    return JoinDecision("finish", head + "\n" + "\n".join(lines), "fallback")


def join_messages(query: str, rounds: Sequence[tuple[str, Sequence[str]]]) -> list[dict[str, str]]:
    """Chat messages for the joiner: the question, then each round's plan and observations."""
    parts = [f"Question: {query.strip()}"]
    for n, (plan_text, obs) in enumerate(rounds, start=1):
        label = "Plan" if len(rounds) == 1 else f"Plan (attempt {n})"
        parts.append(f"{label}:\n{plan_text.strip() or '(empty)'}")
        parts.append("Observations:\n" + ("\n".join(obs) if obs else "(none)"))
    return [{"role": "system", "content": JOIN_SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]


class Joiner:
    """Decides finish/replan with one model call (`mode="llm"`) or deterministically (`"fallback"`).

    `backend` is any PlannerBackend (usually the planner's own model); an unparseable reply or a
    backend error falls back to `fallback_decision`, keeping the model's reply in `raw`. When no task
    ran at all the model is not asked: the deterministic decision is all there is to say.
    """

    MODES = ("llm", "fallback")

    def __init__(self, backend: PlannerBackend | None = None, *, mode: str = "llm", max_tokens: int = 128) -> None:
        if mode not in self.MODES:
            raise ValueError(f"joiner mode must be one of {self.MODES}, got {mode!r}")
        self.backend = backend  # None forces the fallback
        self.mode = mode
        self.max_tokens = max_tokens  # a Finish line is short; cut rambling replies early

    def decide(self, query: str, history: Sequence[tuple[str, Sequence[str]]], report: ExecutionReport | None,
               refused: Sequence[Refusal] = (), issues: Sequence[PlanIssue] = ()) -> JoinDecision:
        """The decision for the latest round; `history` is (plan text, observations) per round so far."""
        fallback = fallback_decision(report, refused, issues)
        if self.mode == "fallback" or self.backend is None or report is None or not report.results:
            return fallback  # with no tool output there is nothing for the model to judge
        from tinyagent.planner.backends.base import GenerationConfig, generate

        config = GenerationConfig(max_tokens=self.max_tokens, stop=("\nQuestion:", "<END_OF_PLAN>"))
        try:
            reply = generate(self.backend, join_messages(query, history), config)
        except Exception:  # the answer must still reach the user: log and summarise instead
            log.exception("joiner model call failed; using the deterministic summary")
            return fallback
        decision = parse_decision(reply)
        if decision is None:
            log.info("joiner reply not parseable, using the fallback: %r", reply[:200])
            return JoinDecision(fallback.action, fallback.text, "fallback", reply)
        return decision
