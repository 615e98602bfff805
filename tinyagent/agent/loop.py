"""The agent loop: select tools, stream a plan into the executor, join, and replan if needed.

One round = build the prompt from the selected tools (plus retrieved examples and, after the
first round, the earlier plans and what they returned) -> stream the `Planner`'s `PlanRun` into
`run_tasks` (tasks start while the model still writes) -> ask the `Joiner` for
`Finish(answer)` or `Replan(reason)`. At most `max_rounds` rounds; the last round always finishes.

Example (a scripted planner on the sandbox):
    >>> import tempfile
    >>> from pathlib import Path
    >>> from tinyagent.agent.scripted import ScriptedBackend
    >>> from tinyagent.sandbox import SandboxBackend
    >>> plan = '1. get_phone_number("Sid")\\n2. send_sms(["$1"], "Running late")\\n3. join()<END_OF_PLAN>'
    >>> agent = Agent(ScriptedBackend([plan]), tool_backend=SandboxBackend(Path(tempfile.mkdtemp())),
    ...               joiner=Joiner(mode="fallback"))
    >>> result = agent.run("Text Sid that I am running late")
    >>> result.report.counts, result.replans, result.answer.splitlines()[0]
    ({'done': 2}, 0, 'Done.')
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence

from tinyagent.agent.joiner import JoinDecision, Joiner, observations
from tinyagent.execute import ExecutionReport, TaskEvent, run_tasks
from tinyagent.execute.results import jsonable
from tinyagent.plan.types import Plan, PlanIssue, Task
from tinyagent.planner.backends.base import GenerationConfig, PlannerBackend
from tinyagent.planner.planner import (ExampleRetriever, History, Planner, Selection, ToolSelector,  # noqa: F401
                                       replan_context)  # replan_context: re-exported, it used to live here
from tinyagent.planner.run import Refusal
from tinyagent.tools.backend import ToolBackend
from tinyagent.tools.catalog import ToolCatalog
from tinyagent.toolrag.selection import AllTools

log = logging.getLogger(__name__)

Approve = Callable[[Task], bool]
OnEvent = Callable[[TaskEvent], None]


@dataclass(frozen=True)
class RoundResult:
    """One plan -> execute -> join round."""

    index: int  # 1 for the first plan, 2 for the first replan, ...
    plan_text: str  # exactly what the model generated (stop string excluded)
    plan: Plan  # everything parsed, refused tasks included
    issues: tuple[PlanIssue, ...]  # plan-level problems (syntax lines, missing join, no tasks)
    refused: tuple[Refusal, ...]  # tasks checked and refused before execution
    report: ExecutionReport  # what the executor did with the accepted tasks
    decision: JoinDecision  # the joiner's verdict on this round
    prompt_tokens: int | None  # planner prompt tokens (backend's tokenizer)
    output_tokens: int | None  # planner output tokens
    latency: dict[str, float | None]  # seconds: prompt (build + count), then from the stream's start:
    # first_token, first_task, planning (generation done), execution (executor done, overlaps planning); join

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "plan_text": self.plan_text, "tasks": [
                    {"idx": t.idx, "tool": t.tool, "args": jsonable(t.args)} for t in self.plan.tasks],
                "issues": [str(i) for i in self.issues],
                "refused": [{"idx": r.task.idx, "tool": r.task.tool, "reason": r.reason} for r in self.refused],
                "report": self.report.to_dict(), "decision": {"action": self.decision.action,
                                                              "text": self.decision.text,
                                                              "source": self.decision.source,
                                                              "raw": self.decision.raw},
                "prompt_tokens": self.prompt_tokens, "output_tokens": self.output_tokens, "latency": self.latency}


@dataclass(frozen=True)
class AgentResult:
    """Everything one `Agent.run` did, for the UI, logs and evaluation."""

    query: str
    selection: Selection  # the tools the planner could use (+ selector scores)
    rounds: tuple[RoundResult, ...]  # one per plan, in order
    answer: str  # the final answer shown to the user
    latency: dict[str, float | None] = field(default_factory=dict)  # selection, first_task, planning, ...

    @property
    def selected_tools(self) -> tuple[str, ...]:
        return self.selection.tools.names

    @property
    def plan_texts(self) -> list[str]:
        return [r.plan_text for r in self.rounds]

    @property
    def plan(self) -> Plan:
        """The last round's parsed plan."""
        return self.rounds[-1].plan

    @property
    def report(self) -> ExecutionReport:
        """The last round's execution report."""
        return self.rounds[-1].report

    @property
    def replans(self) -> int:
        return len(self.rounds) - 1

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (`json.dumps(result.to_dict())` always works)."""
        return {"query": self.query, "selected_tools": list(self.selected_tools),
                "scores": self.selection.scores, "selection_fallback": self.selection.fallback,
                "answer": self.answer, "replans": self.replans, "latency": self.latency,
                "rounds": [r.to_dict() for r in self.rounds]}


class Agent:
    """Plans with a `Planner`, runs tasks on `tool_backend`, joins with `joiner` (see module docstring).

    The first argument is a `Planner`, or a PlannerBackend from which one is built with `selector`,
    `retriever`, `n_examples`, `gen_config`, `grammar` and `instructions` (give those only then).
    """

    def __init__(self, planner: Planner | PlannerBackend, selector: ToolSelector | None = None,
                 retriever: ExampleRetriever | None = None, tool_backend: ToolBackend | None = None, *,
                 enabled: ToolCatalog | None = None, joiner: Joiner | None = None, max_rounds: int = 2,
                 n_examples: int = 3, gen_config: GenerationConfig | None = None, grammar: bool = False,
                 timeout: float = 30.0, now: Callable[[], datetime] | None = None, instructions: str = "") -> None:
        if max_rounds < 1:
            raise ValueError(f"max_rounds must be >= 1, got {max_rounds}")
        if tool_backend is None:
            from tinyagent.sandbox import SandboxBackend
            root = Path(tempfile.mkdtemp(prefix="tinyagent-sandbox-"))
            log.info("no tool backend given: using a fresh sandbox in %s", root)
            tool_backend = SandboxBackend(root)
        if isinstance(planner, Planner):
            if selector is not None or retriever is not None or gen_config is not None or grammar or instructions:
                raise ValueError("Agent(planner=Planner(...)): give selector, retriever, gen_config, grammar and "
                                 "instructions to the Planner, not to the Agent")
            if planner.selector is None:
                planner.selector = AllTools()
            self.planner = planner
        else:
            self.planner = Planner(planner, selector or AllTools(), retriever, n_examples=n_examples,
                                   grammar=grammar, config=gen_config, instructions=instructions)
        self.tool_backend = tool_backend
        self.enabled = enabled if enabled is not None else tool_backend.catalog  # tools the user switched on
        self.joiner = joiner if joiner is not None else Joiner(self.planner.backend)
        self.max_rounds = max_rounds  # plans at most: 1 + replans
        self.timeout = timeout  # seconds per tool call
        self.now = now or datetime.now  # the prompt's current date, read at every run

    @property
    def backend(self) -> PlannerBackend:
        return self.planner.backend

    @property
    def selector(self) -> ToolSelector:
        return self.planner.selector  # type: ignore[return-value]

    def messages(self, query: str, tools: ToolCatalog, history: History = ()) -> list[dict[str, str]]:
        """Planner messages for `query` now (see `Planner.messages`)."""
        return self.planner.messages(query, tools, now=self.now(), history=history)

    # --- running -------------------------------------------------------------------------------
    async def arun(self, query: str, *, approve: Approve | None = None, on_event: OnEvent | None = None
                   ) -> AgentResult:
        """Async version of `run`."""
        t0 = time.perf_counter()
        selection = self.planner.select(query, self.enabled)
        selection_s = time.perf_counter() - t0
        rounds: list[RoundResult] = []
        history: list[tuple[str, Sequence[str], str]] = []  # (plan, observations, replan reason)
        first_task: float | None = None  # seconds from the start of run() to the first accepted task
        for index in range(1, self.max_rounds + 1):
            start = time.perf_counter() - t0
            rnd = await self._round(index, query, selection, history, approve, on_event)
            rounds.append(rnd)
            if first_task is None and rnd.latency["first_task"] is not None:
                first_task = start + (rnd.latency["prompt"] or 0.0) + rnd.latency["first_task"]
            if rnd.decision.action == "finish":
                break
            history.append((rnd.plan_text, observations(rnd.report, rnd.refused, rnd.issues), rnd.decision.text))
        answer = rounds[-1].decision
        if answer.action == "replan":  # out of rounds: tell the user what happened instead
            attempts = "1 attempt" if len(rounds) == 1 else f"{len(rounds)} attempts"
            answer = JoinDecision("finish", f"I could not complete this after {attempts} ({answer.text}).",
                                  answer.source)
        latency = {"selection": selection_s, "first_task": first_task,
                   **{k: sum(r.latency[k] or 0.0 for r in rounds) for k in ("planning", "execution", "join")},
                   "total": time.perf_counter() - t0}
        return AgentResult(query, selection, tuple(rounds), answer.text, latency)

    def run(self, query: str, *, approve: Approve | None = None, on_event: OnEvent | None = None) -> AgentResult:
        """Answer `query`: select, plan (streamed into execution), join, replan; see the module docstring.

        `approve(task)` is asked before each tool with side effects (None = approve all); `on_event`
        gets every TaskEvent (refused tasks arrive as state "failed" with an error starting "refused").
        """
        factory = lambda: self.arun(query, approve=approve, on_event=on_event)  # noqa: E731
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(factory())
        with concurrent.futures.ThreadPoolExecutor(1) as helper:  # already in a loop (Jupyter)
            return helper.submit(lambda: asyncio.run(factory())).result()

    async def _round(self, index: int, query: str, selection: Selection, history: History,
                     approve: Approve | None, on_event: OnEvent | None) -> RoundResult:
        def refused(r: Refusal) -> None:
            if on_event is not None:
                on_event(TaskEvent(r.task.idx, r.task.tool, "failed", time.perf_counter() - run.t0,
                                   error=f"refused: {r.reason}"))

        run = self.planner.start(query, selection=selection, enabled=self.enabled, now=self.now(),
                                 history=history, on_refuse=refused)
        report = await run_tasks(run.tasks(), self.tool_backend, timeout=self.timeout, approve=approve,
                                 on_event=on_event)
        stats = run.stats  # this round's own record: the joiner's model call below cannot replace it
        done_s = time.perf_counter() - run.t0
        issues = tuple(run.plan_issues())
        obs = observations(report, run.refused, issues)
        t_join = time.perf_counter()
        # In a worker thread: a model call must not freeze the event loop (and a live UI on it).
        decision = await asyncio.to_thread(self.joiner.decide, query,
                                           [(p, o) for p, o, _ in history] + [(run.text, obs)], report,
                                           run.refused, issues)
        join_s = time.perf_counter() - t_join
        latency = {"prompt": stats.prompt_s, "first_token": stats.first_token_s, "first_task": stats.first_task_s,
                   "planning": stats.planning_s, "execution": done_s, "join": join_s}
        return RoundResult(index, run.text, run.plan(), issues, tuple(run.refused), report, decision,
                           stats.prompt_tokens, stats.output_tokens, latency)
