"""Joiner: lenient parsing of Finish/Replan replies, the deterministic fallback, the LLM path.

Usage: .venv/bin/python -m pytest tests/test_agent_joiner.py -q
"""
import pytest

from tinyagent.agent.joiner import (Joiner, Refusal, fallback_decision, join_messages, observations,
                                    parse_decision)
from tinyagent.agent.scripted import ScriptedBackend
from tinyagent.execute.results import ExecutionReport, TaskResult
from tinyagent.plan.types import PlanIssue, Task


@pytest.mark.parametrize("reply,action,text", [
    ('Action: Finish("Sent the SMS.")', "finish", "Sent the SMS."),
    ("Thought: ok\nAction: Finish(Sent the SMS.)", "finish", "Sent the SMS."),
    ("finish('It\\'s done')", "finish", "It's done"),
    ("FINISH(Meeting at 3pm (room 2) is booked)", "finish", "Meeting at 3pm (room 2) is booked"),
    ('Finish("Use f(x) then")', "finish", "Use f(x) then"),
    ("Action: Finish(The email was sent to sid@x.org", "finish", "The email was sent to sid@x.org"),
    ("Replan(contact not found)", "replan", "contact not found"),
    ("Action: Replan()", "replan", "the joiner asked for a new plan without a reason"),
    ("Thought: hmm\nAction:   replan ( 'missing file' )\nignored", "replan", "missing file"),
    ('Finish("a") Replan("b")', "finish", "a"),  # the first decision wins
    ("I'll finish (it): done", "finish", "it"),
])
def test_parse_decision_reads_many_forms(reply, action, text):
    d = parse_decision(reply)
    assert d is not None and (d.action, d.text, d.source) == (action, text, "llm")


@pytest.mark.parametrize("reply", ["", "All good!", "Finish()", 'Finish("")', "Finished the job", None])
def test_parse_decision_returns_none_when_unreadable(reply):
    assert parse_decision(reply) is None


def result(idx, tool, status, out=None, err=None):
    return TaskResult(idx, tool, (), status, out, err)


def report(*results):
    return ExecutionReport(tuple(results), 0.1, (), 0.0)


def test_fallback_finishes_with_a_summary_of_outputs_and_errors():
    rep = report(result(1, "get_phone_number", "done", "+1-555"), result(2, "send_sms", "failed", err="ToolError: x"))
    d = fallback_decision(rep)
    assert d.action == "finish" and d.source == "fallback"
    assert d.text.splitlines() == ["Finished with problems.", "1. get_phone_number -> done: +1-555",
                                   "2. send_sms -> failed: ToolError: x"]


def test_fallback_replans_only_when_nothing_worked_and_a_new_plan_could_help():
    assert fallback_decision(report(result(1, "send_sms", "failed", err="boom"))).action == "replan"
    assert fallback_decision(report()).action == "replan"  # no tasks at all
    refusal = Refusal(Task(1, "rm", ()), (PlanIssue("unknown_tool", "task 1 rm: unknown tool"),))
    d = fallback_decision(report(), refused=[refusal])
    assert d.action == "replan" and "rm -> refused: task 1 rm: unknown tool" in d.text
    # The user said no: do not ask again with another plan.
    assert fallback_decision(report(result(1, "send_sms", "declined", err="declined by the user"))).action == "finish"
    assert fallback_decision(report(result(1, "a", "done", "ok"))).text == "Done.\n1. a -> done: ok"


def test_observations_cut_long_outputs_and_list_plan_problems():
    long = "x" * 5000
    lines = observations(report(result(1, "summarize_pdf", "done", long)),
                         issues=[PlanIssue("missing_join", "the plan does not end with join()")])
    assert len(lines[0]) < 700 and lines[0].endswith(" ...")
    assert lines[1] == "plan problem: [missing_join] the plan does not end with join()"


def test_llm_joiner_prompt_and_fallback_on_error():
    backend = ScriptedBackend(['Action: Finish("Sid\'s number is +1-555.")'])
    rep = report(result(1, "get_phone_number", "done", "+1-555"))
    d = Joiner(backend).decide("What is Sid's number?", [("1. get_phone_number(\"Sid\")", observations(rep))], rep)
    assert (d.action, d.text) == ("finish", "Sid's number is +1-555.")
    user = backend.prompts[0][1]["content"]
    assert user.startswith("Question: What is Sid's number?") and "1. get_phone_number -> done: +1-555" in user

    class Failing(ScriptedBackend):
        def stream(self, messages, config, stats=None):
            raise ConnectionError("server down")
            yield  # pragma: no cover

    d = Joiner(Failing(["x"])).decide("q", [("", [])], rep)
    assert d.source == "fallback" and d.action == "finish"
    assert Joiner(backend, mode="fallback").decide("q", [], rep).source == "fallback"
    silent = ScriptedBackend(['Finish("made up")'])
    d = Joiner(silent).decide("q", [("garbage", [])], report(), issues=[PlanIssue("empty_plan", "no calls")])
    assert (d.action, d.source, silent.calls) == ("replan", "fallback", 0)  # nothing ran: model not asked
    with pytest.raises(ValueError, match="joiner mode"):
        Joiner(mode="magic")


def test_join_messages_number_attempts():
    msgs = join_messages("q", [("p1", ["a"]), ("p2", [])])
    assert "Plan (attempt 1):\np1" in msgs[1]["content"] and "Observations:\n(none)" in msgs[1]["content"]
