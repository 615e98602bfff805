"""`python -m tinyagent ask "query"`: run the agent end to end on the sandbox from a terminal.

    python -m tinyagent ask "Text Sid that I am running late" --workspace outputs/sandbox
    python -m tinyagent ask "Email Lutfi the quarterly report" --yes --joiner fallback
    python -m tinyagent ask --audio request.wav --yes      # speech input, transcribed offline (Whisper)
    python -m tinyagent ask "Dim the kitchen light" --tools tinyagent.examples.home.tools --outputs outputs/custom

Unless --model / --selector say otherwise, the planner is the newest run's served (fine-tuned)
GGUF and its ToolRAG classifier picks the tools (report.json "served" under outputs/, or --outputs);
stderr says which, and what fell back. Without --yes, every tool with side effects (sending, creating, ...) is shown with its real
arguments and runs only after `y` on stdin; with --yes all are approved. Task events are printed as
they happen, then the answer. Exit status: 0 answered with every task done, 1 answered with
problems, 2 bad input.

Example:
    >>> import argparse, io
    >>> p = argparse.ArgumentParser(); add_arguments(p)
    >>> p.parse_args(["Call Sid", "--yes"]).yes
    True
    >>> ask = TerminalApproval(io.StringIO("y\\nnope\\n"), io.StringIO())
    >>> from tinyagent.plan.types import Task
    >>> ask(Task(1, "send_sms", (["+1"], "hi"))), ask(Task(2, "send_sms", (["+1"], "yo")))
    (True, False)
"""
from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path
from typing import TextIO

from tinyagent.execute.results import TaskEvent
from tinyagent.factory import add_planner_options
from tinyagent.plan.render import render_task
from tinyagent.plan.types import Task
from tinyagent.tools.backend import ToolBackend

log = logging.getLogger(__name__)


class TerminalApproval:
    """`approve` callback asking y/N on a terminal; one question at a time (tasks run in parallel)."""

    def __init__(self, stdin: TextIO | None = None, stdout: TextIO | None = None) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self._lock = threading.Lock()  # parallel tasks must not interleave their questions

    def __call__(self, task: Task) -> bool:
        with self._lock:
            self.stdout.write(f"Allow {render_task(task)}? [y/N] ")
            self.stdout.flush()
            answer = self.stdin.readline()  # '' at end of input: no
            return answer.strip().lower() in ("y", "yes")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The `ask` options (kept here so cli.py stays small)."""
    p.add_argument("query", nargs="?", help="what to ask the assistant")
    p.add_argument("--audio", default=None, metavar="FILE",
                   help="speak instead of typing: transcribe this audio file offline (Whisper) as the query")
    p.add_argument("--yes", action="store_true", help="approve every tool with side effects without asking")
    p.add_argument("--workspace", default="outputs/sandbox",
                   help="sandbox workspace folder (with --tools: the folder your functions keep their state in)")
    p.add_argument("--tools", default=None, metavar="MODULE",
                   help="run your own tools instead of the assistant's: a dotted module path or .py file "
                        "(README, 'Bring your own tools'); pair it with a run trained on them (--outputs)")
    add_planner_options(p, served_defaults=True)  # backend, model, selector, grammar, decoding: shared with `eval`
    p.add_argument("--joiner", default="llm", choices=["llm", "fallback"],
                   help="llm: ask the model for Finish/Replan (falls back when unreadable); fallback: summary only")
    p.add_argument("--max-rounds", type=int, default=2, help="plans at most (1 + replans)")
    p.add_argument("--json", action="store_true", help="print the full AgentResult as JSON at the end")


def query_text(args: argparse.Namespace) -> str:
    """The user's question: the query argument, or the transcription of `--audio FILE` (not both)."""
    audio = getattr(args, "audio", None)
    if audio:
        if args.query and args.query.strip():
            raise ValueError("give either a query or --audio FILE, not both")
        from tinyagent.speech import transcribe

        transcript = transcribe(audio, threads=getattr(args, "threads", 2))  # FileNotFoundError names the file
        if not transcript.text.strip():
            raise ValueError(f"no speech recognised in {audio}")
        print(f"heard ({transcript.audio_s:.1f} s of audio, {transcript.seconds:.2f} s): {transcript.text}")
        return transcript.text.strip()
    if not args.query or not args.query.strip():
        raise ValueError('ask needs a query (or --audio FILE), e.g. python -m tinyagent ask "Text Sid that I am late"')
    return args.query.strip()


def print_event(event: TaskEvent, out: TextIO | None = None) -> None:
    """One line per task state change."""
    out = out or sys.stdout
    detail = event.result if event.state == "done" else event.error
    out.write(f"  [{event.time:6.2f}s] {event.idx}. {event.tool}: {event.state}" + (f" - {detail}" if detail else "")
              + "\n")
    out.flush()


def tool_backend(args: argparse.Namespace) -> ToolBackend:
    """What runs the plan's tools: the sandbox assistant, or the user's functions named by --tools.

    A bad --tools value (no such module, JSON schemas without functions) raises ValueError naming it.
    """
    workspace = Path(args.workspace)
    if not getattr(args, "tools", None):
        from tinyagent.sandbox import SandboxBackend
        return SandboxBackend(workspace)
    from tinyagent.execute.python_backend import PythonToolBackend

    return PythonToolBackend.load(args.tools, workspace)


def run(args: argparse.Namespace) -> int:
    """Run `ask`; returns the exit status."""
    from tinyagent import factory
    from tinyagent.agent.joiner import Joiner
    from tinyagent.agent.loop import Agent

    query = query_text(args)
    tools = tool_backend(args)  # before the model loads: a bad --tools fails fast
    for line in factory.apply_served_defaults(args):  # the newest run's planner and classifier, unless given
        print(line, file=sys.stderr)
    planner = factory.planner_from_args(args)
    print(f"planner: {planner.name}; tools chosen by: {factory.describe_selector(planner.selector)}", file=sys.stderr)
    try:
        agent = Agent(planner, tool_backend=tools,
                      joiner=Joiner(planner.backend, mode=args.joiner), max_rounds=args.max_rounds)
        result = agent.run(query, approve=None if args.yes else TerminalApproval(), on_event=print_event)
    finally:
        factory.close_backend(planner.backend)  # before interpreter exit, while llama.cpp is still loaded
    for r in result.rounds:
        for refusal in r.refused:
            print(f"  refused {refusal.task.idx}. {refusal.task.tool}: {refusal.reason}")
    print(f"tools: {', '.join(result.selected_tools)}; plans: {len(result.rounds)}; "
          f"total {result.latency['total']:.2f}s")
    print(f"Answer: {result.answer}")
    if args.json:
        import json
        print(json.dumps(result.to_dict(), indent=2))
    return 0 if result.report.ok and result.rounds[-1].decision.action == "finish" else 1
