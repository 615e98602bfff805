"""`python -m tinyagent ask` in-process, with the planner replaced by a scripted one: terminal
approval (y/N on stdin) versus --yes, events and answer printed, bad input.

Usage: .venv/bin/python -m pytest tests/test_agent_ask.py -q
"""
import io
import json

import pytest

from tinyagent import cli
from tinyagent.agent.scripted import ScriptedBackend
from tinyagent.sandbox import SandboxBackend

PLAN = '1. get_phone_number("Sid")\n2. send_sms(["$1"], "Running late")\n3. join()<END_OF_PLAN>'


@pytest.fixture
def scripted(monkeypatch):
    backend = ScriptedBackend([PLAN, 'Action: Finish("Texted Sid.")'])
    monkeypatch.setattr("tinyagent.factory.backend_from_args", lambda args: backend)
    return backend


def test_ask_without_yes_asks_on_stdin_and_respects_no(tmp_path, scripted, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    code = cli.main(["ask", "Text Sid that I am late", "--workspace", str(tmp_path / "ws"),
                     "--outputs", str(tmp_path / "runs"), "--joiner", "fallback"])
    out = capsys.readouterr().out
    assert code == 1  # answered, but a task was declined
    assert 'Allow 2. send_sms(["+1-' in out  # the question shows the substituted phone number
    assert "2. send_sms: declined" in out and "Answer: Finished with problems." in out
    assert SandboxBackend(tmp_path / "ws").workspace_summary()["sms"] == []  # nothing was sent


def test_ask_with_yes_runs_everything_and_prints_the_llm_answer(tmp_path, scripted, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # nothing to read: --yes must not ask
    code = cli.main(["ask", "Text Sid that I am late", "--workspace", str(tmp_path / "ws"),
                     "--outputs", str(tmp_path / "runs"), "--yes", "--json"])
    out = capsys.readouterr().out
    assert code == 0 and "Allow" not in out
    assert "1. get_phone_number: running" in out and "2. send_sms: done" in out
    assert "Answer: Texted Sid." in out
    result = json.loads(out[out.index("{"):])
    assert result["answer"] == "Texted Sid." and result["rounds"][0]["report"]["counts"] == {"done": 2}


def test_ask_without_a_query_is_bad_input(tmp_path, scripted, capsys):
    assert cli.main(["ask", "--workspace", str(tmp_path / "ws")]) == 2
    assert "ask needs a query" in capsys.readouterr().err
