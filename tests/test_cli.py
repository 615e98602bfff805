"""`python -m tinyagent` end to end in a subprocess: check-plan, run-plan on the sandbox, score.

Usage: .venv/bin/python -m pytest tests/test_cli.py -q
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = '''1. get_phone_number("Sid")
2. get_email_address("Sid")
3. send_sms(["$1"], "Running 10 minutes late")
4. compose_new_email(["$2"], [], "Late", "Running late, sorry", [])
5. join()<END_OF_PLAN>'''


def cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "tinyagent", *map(str, args)], capture_output=True, text=True,
                          input=stdin, timeout=120)


def test_check_plan_ok_and_bad(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text(GOOD)
    assert cli("check-plan", good).returncode == 0
    out = cli("check-plan", "-", stdin='1. send_sms(["$4"], 5)')
    assert out.returncode == 1
    assert "dangling_ref" in out.stdout and "arg_type" in out.stdout and "missing_join" in out.stdout


def test_missing_file_is_a_clear_error(tmp_path):
    out = cli("check-plan", tmp_path / "nope.txt")
    assert out.returncode == 2 and "cannot read" in out.stderr and "nope.txt" in out.stderr


def test_run_plan_executes_on_the_sandbox(tmp_path):
    plan = tmp_path / "plan.txt"
    plan.write_text(GOOD)
    out = cli("run-plan", plan, "--workspace", tmp_path / "ws", "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["ok"] and [r["status"] for r in report["results"]] == ["done"] * 4
    # The email went to the address the lookup returned, through the $2 substitution.
    email = report["results"][1]["result"]
    assert email in report["results"][3]["args"][0]
    assert any((tmp_path / "ws").rglob("*.eml"))


def test_run_plan_refuses_invalid_plans_before_running(tmp_path):
    plan = tmp_path / "plan.txt"
    plan.write_text('1. rm_rf("/")\n2. join()')
    out = cli("run-plan", plan, "--workspace", tmp_path / "ws")
    assert out.returncode == 2 and "unknown_tool" in out.stderr
    assert not any((tmp_path / "ws").rglob("*.eml"))


def write_jsonl(path: Path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_score_counts_success_and_missing_predictions(tmp_path):
    gold, pred, out_json = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl", tmp_path / "summary.json"
    reordered = '''1. get_email_address("Sid")
2. get_phone_number("Sid")
3. send_sms(["$2"], "x")
4. compose_new_email(["$1"], [], "y", "z", [])
5. join()'''
    write_jsonl(gold, [{"id": "a", "plan": GOOD}, {"id": "b", "plan": GOOD}, {"id": "c", "plan": GOOD}])
    write_jsonl(pred, [{"id": "a", "plan": reordered}, {"id": "b", "plan": "garbage"}])
    out = cli("score", "--gold", gold, "--pred", pred, "--out", out_json)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out_json.read_text())
    assert summary["n"] == 3 and summary["successes"] == 1 and summary["missing_predictions"] == 1


@pytest.mark.parametrize("content,message", [
    ("{not json}\n", "not valid JSON"),
    ('{"id": 1}\n', "expected"),
    ('{"id": 1, "plan": "x"}\n{"id": 1, "plan": "y"}\n', "duplicate id"),
])
def test_score_rejects_malformed_jsonl_naming_the_line(tmp_path, content, message):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    out = cli("score", "--gold", bad, "--pred", bad)
    assert out.returncode == 2 and message in out.stderr and "bad.jsonl:" in out.stderr
