"""Every command-line input error ends with exit 2 and one line on stderr naming the input; `check-plan`
never raises, whatever bytes it is fed; `$N` with thousands of digits is an ordinary dangling reference.

Usage: .venv/bin/python -m pytest tests/test_cli_errors.py -q
"""
from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tinyagent import cli as tinyagent_cli
from tinyagent.metrics import score_plan
from tinyagent.plan import check_plan, parse_plan
from tinyagent.plan.refs import find_refs, substitute
from tinyagent.tools import ASSISTANT_TOOLS

PLAN = '1. get_phone_number("Sid")\n2. join()<END_OF_PLAN>'
HUGE = "9" * 5000  # beyond Python's 4300-digit limit for int()


def cli(*args, stdin: bytes | None = None):
    return subprocess.run([sys.executable, "-m", "tinyagent", *map(str, args)], capture_output=True,
                          input=stdin, timeout=120)


def one_error_line(run, *names) -> str:
    err = run.stderr.decode("utf-8", "replace").strip()
    assert run.returncode == 2, err
    assert "Traceback" not in err and "\n" not in err, err
    assert err.startswith("error: ") and all(str(n) in err for n in names), err
    return err


@pytest.fixture()
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.txt"
    path.write_text(PLAN)
    return path


def test_backend_auto_runs_on_the_sandbox_here(tmp_path, plan_file):
    run = cli("run-plan", plan_file, "--backend", "auto", "--workspace", tmp_path / "ws", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["ok"] and (tmp_path / "ws" / "outbox").is_dir()


@pytest.mark.parametrize("timeout", ["0", "nan", "-1"])
def test_a_timeout_that_is_not_positive_is_bad_input(tmp_path, plan_file, timeout):
    one_error_line(cli("run-plan", plan_file, "--timeout", timeout, "--workspace", tmp_path / "ws"), "--timeout")


def test_a_file_as_workspace_is_bad_input(tmp_path, plan_file):
    one_error_line(cli("run-plan", plan_file, "--workspace", plan_file), "--workspace", plan_file)
    one_error_line(cli("run-plan", plan_file, "--workspace", plan_file / "sub"), "--workspace")


def test_score_out_a_folder_is_bad_input_and_writes_nothing(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "a", "plan": PLAN}) + "\n")
    one_error_line(cli("score", "--gold", gold, "--pred", gold, "--out", "/"), "--out /", "folder")
    one_error_line(cli("score", "--gold", gold, "--pred", gold, "--out", tmp_path), "--out", "folder")
    one_error_line(cli("score", "--gold", gold, "--pred", gold, "--catalog", tmp_path / "none.json"), "none.json")


def test_non_utf8_input_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(json.dumps({"id": "a", "plan": PLAN}).encode() + b'\n{"id": "b", "plan": "\xff"}\n')
    for args in (("check-plan", bad), ("score", "--gold", bad, "--pred", bad)):
        err = one_error_line(cli(*args), bad, "line 2", "0xff")
        assert "UnicodeDecodeError" not in err
    one_error_line(cli("check-plan", "-", stdin=b"1. f(\"\xfe\")"), "<stdin>", "line 1")
    one_error_line(cli("score", "--gold", tmp_path, "--pred", bad), "cannot read", tmp_path)


@pytest.mark.parametrize("text", [f'1. get_phone_number("${HUGE}")\n2. join()',
                                  f'1. get_phone_number("${{{HUGE}}}")\n2. join()',
                                  f'1. get_phone_number("Sid")\n2. send_sms(["$1"], "x ${HUGE} y")\n3. join()'])
def test_thousands_of_digits_in_a_reference_are_a_dangling_reference(text):
    for catalog in (None, ASSISTANT_TOOLS):
        assert [i.code for i in check_plan(text, catalog)] == ["dangling_ref"]
    assert score_plan(text, PLAN).error == "parse_error"
    plan = parse_plan(text)
    assert all(i >= 10**9 for t in plan.tasks for i in find_refs(t.args) if i != 1)
    with pytest.raises(KeyError):
        substitute(plan.tasks[-1].args, {1: "+1 555"})


def test_leading_zeros_still_name_the_task():
    assert find_refs("$" + "0" * 5000 + "1") == {1}


def _check_plan_in_process(path: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = tinyagent_cli.main(["check-plan", path])
    return code, err.getvalue()


PLANISH = st.sampled_from([b"1. ", b"join()", b"<END_OF_PLAN>", b"$", b"${", b"}", b"(", b")", b"[", b'"',
                           b"\n", b"\r", b"Thought: ", b"9" * 50, b"\xff", b"\xc3", b"\x00", b",", b"x=",
                           b"get_phone_number", b"send_sms"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300), st.lists(PLANISH, max_size=40).map(b"".join)))
def test_check_plan_never_raises_on_random_bytes(data):
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as fh:
        fh.write(data)
    try:
        code, err = _check_plan_in_process(fh.name)
    finally:
        Path(fh.name).unlink()
    assert code in (0, 1, 2)
    if code == 2:  # only undecodable bytes are bad input; the message names the file and line
        assert fh.name in err and "line" in err and err.count("\n") == 1
