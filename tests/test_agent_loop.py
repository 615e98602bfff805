"""Agent loop on the sandbox with a scripted planner: streaming into execution, refusal of unselected
tools, replans, joiner use, approvals, backend errors.

Usage: .venv/bin/python -m pytest tests/test_agent_loop.py -q
"""
import json
import time

import pytest

from tinyagent.agent import Agent, Joiner, ScriptedBackend
from tinyagent.planner.backends.base import GenerationConfig
from tinyagent.sandbox import SandboxBackend
from tinyagent.toolrag.selection import finish_selection
from tinyagent.tools import ASSISTANT_TOOLS

LATE = '''1. get_phone_number("Sid")
2. get_email_address("Lutfi")
3. send_sms(["$1"], "Running 10 minutes late")
4. compose_new_email(["$2"], [], "Late", "Running late", [])
5. join()<END_OF_PLAN>'''


class Only:
    """Selector picking a fixed set of tools (stands in for ToolRAG)."""

    def __init__(self, *names):
        self.names = names

    def select(self, query, enabled):
        return finish_selection(self.names, {n: 1.0 for n in self.names}, enabled)


@pytest.fixture
def sandbox(tmp_path):
    return SandboxBackend(tmp_path / "ws", seed=0)


def fallback_agent(replies, sandbox, **kw):
    backend = ScriptedBackend(replies, delay=kw.pop("delay", 0.0))
    return Agent(backend, tool_backend=sandbox, joiner=Joiner(mode="fallback"), **kw), backend


def test_first_task_runs_before_the_model_finishes_the_plan(sandbox):
    agent, backend = fallback_agent([LATE], sandbox, delay=0.01)  # ~80 pieces: ~0.8 s of "decoding"
    running = []
    result = agent.run("Tell Sid and Lutfi I am late", on_event=lambda e: e.state == "running" and
                       running.append((time.perf_counter(), e.idx)))
    assert result.report.counts == {"done": 4}
    first_start, first_idx = min(running)
    assert first_idx == 1
    assert first_start < backend.finished_at[0], "task 1 should start while the plan is still streaming"
    lat = result.rounds[0].latency
    assert lat["first_task"] < lat["planning"] <= lat["execution"]
    assert result.latency["first_task"] is not None and result.latency["total"] >= result.latency["planning"]
    # The $1 output really flowed into send_sms.
    sms = sandbox.workspace_summary()["sms"]
    assert len(sms) == 1 and result.report.result(1).result in json.dumps(sms)


def test_task_with_an_unselected_tool_is_refused_and_not_run(sandbox):
    agent, _ = fallback_agent([LATE], sandbox, selector=Only("get_phone_number", "get_email_address",
                                                              "compose_new_email"), max_rounds=1)
    events = []
    result = agent.run("Tell Sid and Lutfi I am late", on_event=events.append)
    assert result.selected_tools == ("get_phone_number", "get_email_address", "compose_new_email")
    refused = result.rounds[0].refused
    assert [(r.task.idx, r.task.tool) for r in refused] == [(3, "send_sms")]
    assert "not selected" in refused[0].reason and "send_sms" in refused[0].reason
    assert [r.tool for r in result.report.results] == ["get_phone_number", "get_email_address",
                                                       "compose_new_email"]
    assert sandbox.workspace_summary()["sms"] == []  # nothing was sent
    assert any(e.idx == 3 and e.state == "failed" and e.error.startswith("refused") for e in events)
    assert "refused" in result.answer  # the fallback summary tells the user


def test_tasks_using_a_refused_task_or_bad_arguments_are_refused(sandbox):
    plan = '''1. send_sms(["555"], "hi")
2. create_note("$1", "x", "")
3. get_phone_number("Sid", "extra")
4. get_email_address(5)
5. join()'''
    agent, _ = fallback_agent([plan], sandbox, selector=Only("create_note", "get_phone_number",
                                                             "get_email_address"), max_rounds=1)
    result = agent.run("whatever")
    codes = {r.task.idx: {i.code for i in r.issues} for r in result.rounds[0].refused}
    assert codes == {1: {"unknown_tool"}, 2: {"dangling_ref"}, 3: {"arity"}, 4: {"arg_type"}}
    assert result.report.results == ()


def test_replan_after_a_failing_plan_sees_the_earlier_observations(sandbox):
    bad = '1. summarize_pdf("/nope/missing.pdf")\n2. join()<END_OF_PLAN>'
    good = '1. open_and_get_file_path("quarterly")\n2. summarize_pdf("$1")\n3. join()<END_OF_PLAN>'
    agent, backend = fallback_agent([bad, good], sandbox)
    result = agent.run("Summarise the quarterly report")
    assert result.replans == 1 and len(result.plan_texts) == 2
    assert result.rounds[0].decision.action == "replan" and result.rounds[0].report.counts == {"failed": 1}
    assert result.report.counts == {"done": 2}
    second_prompt = backend.prompts[1][-1]["content"]
    assert "Attempt 1:" in second_prompt and "summarize_pdf -> failed" in second_prompt
    assert "Why a new plan is needed" in second_prompt
    assert backend.prompts[0][0] == backend.prompts[1][0]  # system prompt unchanged: KV cache reuse
    assert result.answer.startswith("Done.")


def test_replans_stop_after_max_rounds(sandbox):
    agent, backend = fallback_agent(["this is not a plan"], sandbox, max_rounds=3)
    result = agent.run("Do something")
    assert backend.calls == 3 and result.replans == 2
    assert result.answer.startswith("I could not complete this after 3 attempts")
    assert {i.code for i in result.rounds[0].issues} >= {"syntax", "empty_plan"}


def test_llm_joiner_answer_is_used_and_garbage_falls_back(sandbox):
    backend = ScriptedBackend([LATE, 'Thought: all sent.\nAction: Finish("Told Sid by SMS and Lutfi by email.")'])
    result = Agent(backend, tool_backend=sandbox).run("Tell Sid and Lutfi I am late")
    assert result.answer == "Told Sid by SMS and Lutfi by email."
    assert result.rounds[0].decision.source == "llm" and backend.calls == 2
    assert "Observations:" in backend.prompts[1][-1]["content"]

    backend = ScriptedBackend([LATE, "Sure! Everything is fine."])
    result = Agent(backend, tool_backend=sandbox).run("Tell Sid and Lutfi I am late")
    assert result.rounds[0].decision.source == "fallback" and result.answer.startswith("Done.")


def test_declined_side_effects_are_not_run_and_not_replanned(sandbox):
    agent, backend = fallback_agent([LATE], sandbox)
    asked = []
    result = agent.run("Tell Sid and Lutfi I am late", approve=lambda t: asked.append(t.tool) or False)
    assert sorted(asked) == ["compose_new_email", "send_sms"]
    assert result.report.counts == {"done": 2, "declined": 2} and backend.calls == 1
    assert sandbox.workspace_summary()["sms"] == []


def test_backend_error_mid_stream_is_reported_not_raised(sandbox):
    class Broken(ScriptedBackend):
        def stream(self, messages, config, stats=None):
            yield '1. get_phone_number("Sid")\n'
            raise RuntimeError("GPU on fire")

    agent = Agent(Broken(["x"]), tool_backend=sandbox, joiner=Joiner(mode="fallback"), max_rounds=1)
    result = agent.run("Call Sid")
    assert result.report.stream_error == "RuntimeError: GPU on fire"
    assert result.report.counts == {"done": 1}
    assert "planner error: RuntimeError: GPU on fire" in result.answer


def test_result_serialises_and_max_tokens_is_passed(sandbox):
    agent, backend = fallback_agent([LATE], sandbox, gen_config=GenerationConfig(max_tokens=12), max_rounds=1)
    result = agent.run("Tell Sid")
    assert result.rounds[0].output_tokens == 12 and result.rounds[0].prompt_tokens > 0
    data = json.loads(json.dumps(result.to_dict()))
    assert data["rounds"][0]["plan_text"] == result.plan_texts[0]
    assert set(data["latency"]) >= {"selection", "first_task", "planning", "execution", "join", "total"}
