"""`python -m tinyagent eval` in-process with a scripted planner (flags, command line recorded,
resume, config mismatch as exit status 2) and once in a subprocess on the real offline SmolLM2
through llama.cpp (2 inline NesTools-format records, few tokens: checks the wiring, not the model).

Usage: .venv/bin/python -m pytest tests/test_eval_cli.py -q
"""
import importlib.util
import json
import subprocess
import sys

import pytest

from tinyagent import cli
from tinyagent.agent.scripted import ScriptedBackend

PLANS = {
    "Text Sid I am late": '1. get_phone_number("Sid")\n2. send_sms(["$1"], "I am late")\n3. join()<END_OF_PLAN>',
    "Show Paris on the map": '1. maps_open_location("Paris")\n2. join()<END_OF_PLAN>',
    "Email Lutfi hi": '1. get_email_address("Lutfi")\n2. compose_new_email(["$1"], [], "Hi", "hi", [])\n'
                      '3. join()<END_OF_PLAN>',
}


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps({"id": f"q{i}", "query": q, "plan": p}) + "\n"
                            for i, (q, p) in enumerate(PLANS.items())))
    return path


@pytest.fixture
def scripted(monkeypatch):
    backend = ScriptedBackend(lambda m: PLANS[m[-1]["content"].removeprefix("Question: ")])
    monkeypatch.setattr("tinyagent.factory.backend_from_args", lambda args: backend)
    return backend


def test_eval_cli_writes_summary_with_command_and_resumes(tmp_path, data, scripted, capsys):
    out = tmp_path / "out"
    argv = ["eval", "--data", str(data), "--out", str(out), "--limit", "2", "--no-progress"]
    assert cli.main(argv) == 0
    assert "paper  success 2/2" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["command"].endswith("tinyagent eval --data " + str(data) + " --out " + str(out)
                                       + " --limit 2 --no-progress")
    assert summary["settings"]["backend"] == "llamacpp" and summary["settings"]["data_sha256"]
    assert summary["n"] == 2 and summary["expected"] == 2
    assert cli.main(argv[:-3] + ["--no-progress"]) == 0  # no limit: only the third record is new
    assert scripted.calls == 3
    assert json.loads((out / "summary.json").read_text())["n"] == 3


def test_eval_cli_config_mismatch_and_bad_limit_exit_2(tmp_path, data, scripted, capsys):
    out = tmp_path / "out"
    assert cli.main(["eval", "--data", str(data), "--out", str(out), "--limit", "1", "--no-progress"]) == 0
    code = cli.main(["eval", "--data", str(data), "--out", str(out), "--grammar", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "other settings" in err and "grammar: was False, now True" in err
    assert cli.main(["eval", "--data", str(data), "--out", str(out), "--limit", "0"]) == 2
    assert "--limit must be >= 1" in capsys.readouterr().err


def nestools_line(test_id, task, city):
    """A NesTools-format record with two small tools (short prompt: the real-model test stays fast)."""
    param = {"city": {"type": "str", "description": "city name"}}
    apis = [{"api_name": "get_weather", "api_description": "Weather of a city.", "parameters": param,
             "required": ["city"], "responses": {"weather": {"type": "str", "description": "forecast"}}},
            {"api_name": "send_note", "api_description": "Write a note.", "parameters": {
                "text": {"type": "str", "description": "note text"}}, "required": ["text"], "responses": {}}]
    calls = [{"api_name": "get_weather", "parameters": {"city": city}, "responses": ["API_call_0"]},
             {"api_name": "send_note", "parameters": {"text": "API_call_0"}, "responses": []}]
    return json.dumps({"test_id": test_id, "task": task, "field": "Test/Weather", "api": apis, "call": calls})


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python not installed")
def test_eval_cli_on_the_real_offline_model(tmp_path):
    """Off the shelf SmolLM2 writes no valid plans; this checks streaming, tokens, sizes, rows, and the
    NesTools path (each record planned with its own two tools)."""
    data, out = tmp_path / "nes.jsonl", tmp_path / "out"
    data.write_text(nestools_line(1, "Note the weather in Paris", "Paris") + "\n"
                    + nestools_line(2, "Note the weather in Oslo", "Oslo") + "\n")
    run = subprocess.run([sys.executable, "-m", "tinyagent", "eval", "--data", str(data), "--out", str(out),
                          "--max-tokens", "24", "--n-ctx", "2048", "--threads", "1", "--no-progress"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    rows = [json.loads(x) for x in (out / "predictions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["nes-1", "nes-2"] and summary["n"] == 2 and summary["backend_errors"] == 0
    assert all(r["selected"] == ["get_weather", "send_note"] and r["source"] == "nestools" for r in rows)
    assert summary["model"]["backend"].startswith("llamacpp:SmolLM2") and summary["model"]["size_bytes"] > 50e6
    assert all(0 < r["output_tokens"] <= 24 and r["prompt_tokens"] > 100 and r["pred"] for r in rows)
    assert summary["latency_s"]["plan"]["n"] == 2
