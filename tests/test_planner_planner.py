"""`tinyagent.planner.Planner`: the one planning path of the agent, the eval harness and validation.

Usage: .venv/bin/python -m pytest tests/test_planner_planner.py -q
"""
from __future__ import annotations

import asyncio
import json
from datetime import datetime

import pytest

from tinyagent.agent import Agent, Joiner
from tinyagent.agent.scripted import ScriptedBackend
from tinyagent.data.records import Record
from tinyagent.evaluate import run_eval
from tinyagent.evaluate.datasets import reference_time
from tinyagent.planner import GenerationConfig, Planner, generate
from tinyagent.planner.grammar import plan_grammar
from tinyagent.sandbox import SandboxBackend
from tinyagent.tools import ASSISTANT_TOOLS, ToolCatalog
from tinyagent.train.validation import validate_planner

NOW = datetime(2024, 5, 30, 9, 0)
SMS_PLAN = '1. get_phone_number("Sid")\n2. send_sms(["$1"], "Running late")\n3. join()<END_OF_PLAN>'


class Recording(ScriptedBackend):
    """A scripted backend that also keeps the GenerationConfig of every call."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.configs: list[GenerationConfig] = []

    def stream(self, messages, config, stats=None):
        self.configs.append(config)
        yield from super().stream(messages, config, stats)


def test_stats_belong_to_their_call_even_with_a_joiner_call_in_between():
    backend = ScriptedBackend([SMS_PLAN, 'Action: Finish("Sent.")', '1. get_phone_number("Ann")\n2. join()'])
    planner = Planner(backend)
    first = planner.plan("Text Sid that I am late", enabled=ASSISTANT_TOOLS, now=NOW)
    before = (first.stats.text, first.stats.output_tokens, first.stats.stopped, first.stats.planning_s)
    reply = generate(backend, [{"role": "user", "content": "join?"}], GenerationConfig(max_tokens=3))
    second = planner.plan("Call Ann", enabled=ASSISTANT_TOOLS, now=NOW)
    assert reply.startswith("Action:") and backend.last_stats.text == second.stats.text  # the backend moved on
    assert (first.stats.text, first.stats.output_tokens, first.stats.stopped, first.stats.planning_s) == before
    assert first.stats.text == SMS_PLAN.removesuffix("<END_OF_PLAN>") and first.stats.stopped == "stop"
    assert first.stats.output_tokens != second.stats.output_tokens
    assert first.stats.prompt_tokens > 0 and first.stats.first_token_s <= first.stats.first_task_s
    assert first.stats.first_task_s <= first.stats.planning_s


def test_tools_that_were_not_selected_are_refused_not_yielded():
    planner = Planner(ScriptedBackend([SMS_PLAN]))
    selection = planner.select("q", ASSISTANT_TOOLS.subset(["get_phone_number"]))
    run = planner.start("Text Sid", selection=selection, enabled=ASSISTANT_TOOLS, now=NOW)
    assert [t.tool for t in run] == ["get_phone_number"]
    assert [r.task.tool for r in run.refused] == ["send_sms"]
    assert "was not selected for this query" in run.refused[0].reason
    assert run.text == SMS_PLAN.removesuffix("<END_OF_PLAN>")  # the text is kept whole for scoring


def test_grammar_of_the_selected_tools_is_applied_when_switched_on():
    backend = Recording([SMS_PLAN])
    tools = ASSISTANT_TOOLS.subset(["get_phone_number", "send_sms"])
    Planner(backend, grammar=True).plan("Text Sid", enabled=tools, now=NOW)
    Planner(backend).plan("Text Sid", enabled=tools, now=NOW)
    assert backend.configs[0].grammar == plan_grammar(tools) and backend.configs[1].grammar is None
    assert backend.configs[0].max_tokens == GenerationConfig().max_tokens


def test_async_tasks_fill_the_same_stats_and_keep_a_backend_error():
    class Broken(ScriptedBackend):
        def stream(self, messages, config, stats=None):
            yield from super().stream(messages, config, stats)
            raise RuntimeError("server down")

    run = Planner(Broken(['1. get_phone_number("Sid")\n'])).start("Call Sid", enabled=ASSISTANT_TOOLS, now=NOW)

    async def collect():
        return [t.tool async for t in run.tasks()]

    with pytest.raises(RuntimeError, match="server down"):
        asyncio.run(collect())
    assert run.stats.error == "RuntimeError: server down" and [t.tool for t in run.accepted] == ["get_phone_number"]
    with pytest.raises(RuntimeError, match="streams once"):
        run.finish()


def test_agent_and_eval_send_the_same_prompt_for_the_same_inputs(tmp_path):
    record = Record("r1", "Text Sid that I am running late", SMS_PLAN, ("get_phone_number", "send_sms"), "chain")
    in_agent, in_eval = ScriptedBackend([SMS_PLAN]), ScriptedBackend([SMS_PLAN])
    Agent(in_agent, tool_backend=SandboxBackend(tmp_path / "ws"), joiner=Joiner(mode="fallback"),
          now=lambda: reference_time(record)).run(record.query)
    summary = run_eval([record], in_eval, out_dir=tmp_path / "eval", settings={"x": 1}, progress=False)
    assert summary["paper"]["successes"] == 1
    assert in_agent.prompts[0] == in_eval.prompts[0]
    row = json.loads((tmp_path / "eval" / "predictions.jsonl").read_text())
    assert row["output_tokens"] > 0 and row["stopped"] == "stop" and row["first_task_s"] is not None


def test_validation_plans_through_the_planner():
    gold = '1. get_phone_number("Sid")\n2. join()<END_OF_PLAN>'
    recs = [Record("r1", "What is Sid's number?", gold, ("get_phone_number",), "single"),
            Record("r2", "Text Sid hi", SMS_PLAN, ("get_phone_number", "send_sms"), "chain")]
    out = validate_planner(Planner(ScriptedBackend([gold])), recs)
    assert out["success"] == 0.5 and out["n"] == 2 and out["samples"][0]["pred"] == gold.removesuffix("<END_OF_PLAN>")
    with pytest.raises(ValueError, match="at least one record"):
        validate_planner(Planner(ScriptedBackend([gold])), [])


def test_a_planner_needs_enabled_tools_or_a_selection():
    planner = Planner(ScriptedBackend([SMS_PLAN]))
    with pytest.raises(ValueError, match="enabled="):
        planner.start("Call Sid")
    with pytest.raises(ValueError, match="no tools are enabled"):
        planner.start("Call Sid", enabled=ToolCatalog(()))
