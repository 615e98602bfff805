"""Prompt building and answer checking for the LLM generator (no network here).

`sample_job` picks, deterministically from (seed, job), a tool subset and few-shot examples from a
pool of records (the offline generator's, or those composed from a custom catalog's seeds): the
union of one or two pool records' tools plus random extra tools of the `catalog` (default: the 16
assistant tools).
`check_answer` turns one model answer into an accepted (query, plan) or a rejection reason: a
plan-issue code from the validator, `format` or `bad_query` (the generator adds `duplicate`,
`copied_example`, `transport` and `api_error`).

Example:
    >>> q, plan, reason, codes = check_answer('Query: Text Sid hi\\nPlan:\\n1. get_phone_number("Sid")\\n'
    ...     '2. send_sms(["$1"], "hi")\\n3. join()<END_OF_PLAN>', ASSISTANT_TOOLS)
    >>> q, reason, len(plan.tasks)
    ('Text Sid hi', None, 2)
    >>> check_answer("I can't help with that.", ASSISTANT_TOOLS)[2]
    'format'
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Sequence

from tinyagent.data.records import Record
from tinyagent.plan.parser import parse_plan
from tinyagent.plan.types import END_OF_PLAN, Plan
from tinyagent.plan.validate import check_plan
from tinyagent.tools.assistant import ASSISTANT_TOOLS
from tinyagent.tools.catalog import ToolCatalog

SYSTEM = (
    "You write training data for an assistant that plans tool calls. Given the tools, invent ONE "
    "new, realistic request a user might say, and the plan that fulfils it. Use only the listed tools, "
    "positional arguments as Python literals, \"$N\" to use the output of call N, dates as "
    "'YYYY-MM-DD HH:MM:SS', and end with join()<END_OF_PLAN>. Answer exactly in this format:\n"
    "Query: <the user's request>\nPlan:\n1. tool(args)\n...\nN. join()<END_OF_PLAN>"
)
_ANSWER = re.compile(r"Query:\s*(?P<query>.+?)\s*\n\s*Plan:\s*\n(?P<plan>.*)", re.DOTALL | re.IGNORECASE)
_JOIN_LINE = re.compile(r"^\s*\d+\.\s*join\(\s*\)", re.MULTILINE)


@dataclass(frozen=True)
class Job:
    """One request to the model: which tools it may use and which examples it is shown."""

    job: int  # request number, 0-based; decides everything below together with the seed
    tools: tuple[str, ...]  # the sampled function subset, catalog order
    examples: tuple[Record, ...]  # few-shot examples (offline records using only `tools`)


def sample_job(job: int, seed: int, pool: Sequence[Record], extra_tools: tuple[int, int] = (0, 2),
               shots: int = 2, catalog: ToolCatalog = ASSISTANT_TOOLS) -> Job:
    """Deterministic subset of `catalog` + few-shot examples for request `job`."""
    rng = random.Random(f"{seed}:llm:{job}")
    base = rng.sample(list(pool), min(len(pool), rng.randint(1, shots)))
    names = {t for r in base for t in r.tools}
    others = [t for t in catalog.names if t not in names]
    names.update(rng.sample(others, min(len(others), rng.randint(*extra_tools))))
    subset = catalog.subset(names).names
    return Job(job, subset, tuple(base))


def build_messages(job: Job, reference_time: str, catalog: ToolCatalog = ASSISTANT_TOOLS) -> list[dict[str, str]]:
    """Chat messages: instructions and the signatures of `job`'s tools (from `catalog`), then each
    example as an earlier exchange (small models copy the format of their own previous turns far
    better than of quoted text)."""
    catalog = catalog.subset(job.tools)
    tools = "\n".join(f"- {s.signature()}: {s.description}" for s in catalog)
    system = f"{SYSTEM}\n\nTools:\n{tools}\n\nThe current time is {reference_time}."
    ask = "Write a new request and its plan."
    messages = [{"role": "system", "content": system}]
    for r in job.examples:
        messages += [{"role": "user", "content": ask}, {"role": "assistant", "content": f"Query: {r.query}\nPlan:\n{r.plan}"}]
    messages.append({"role": "user", "content": ask + " Make it different from the previous ones."})
    return messages


def extract(answer: str) -> tuple[str, str] | None:
    """(query, plan text) from a model answer, or None when it does not follow the format."""
    m = _ANSWER.search(answer or "")
    if not m:
        return None
    query = m.group("query").strip().strip('"').strip()
    plan = m.group("plan")
    if END_OF_PLAN in plan:
        plan = plan[: plan.index(END_OF_PLAN) + len(END_OF_PLAN)]
    else:  # the stop string may have cut the marker: keep up to the join() line
        join = _JOIN_LINE.search(plan)
        if join:
            plan = plan[: plan.index("\n", join.end()) if "\n" in plan[join.end():] else len(plan)]
    return query, plan.strip()


def check_answer(answer: str, catalog: ToolCatalog) -> tuple[str, Plan | None, str | None, list[str]]:
    """(query, plan, rejection reason or None, all issue codes) for one answer."""
    found = extract(answer)
    if found is None:
        return "", None, "format", ["format"]
    query, plan_text = found
    if not query or "\n" in query:
        return query, None, "bad_query", ["bad_query"]
    issues = check_plan(plan_text, catalog)
    if issues:
        codes = [i.code for i in issues]
        return query, None, codes[0], codes
    return query, parse_plan(plan_text), None, []
