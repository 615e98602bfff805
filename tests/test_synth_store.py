"""Tests for the crash-safe JSONL logs and the run store of the LLM generator.

Usage: .venv/bin/python -m pytest tests/test_synth_store.py -q
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tinyagent.synth.store import JsonlLog, SynthStore


def test_torn_tail_is_dropped_and_appends_continue_cleanly(tmp_path):
    path = tmp_path / "a.jsonl"
    log = JsonlLog(path)
    for i in range(3):
        log.append({"i": i})
    log.close()
    with open(path, "a") as fh:
        fh.write('{"i": 3, "tex')  # killed mid-write
    log = JsonlLog(path)
    assert [r["i"] for r in log.rows] == [0, 1, 2]
    log.append({"i": 3})
    log.close()
    assert [json.loads(x)["i"] for x in path.read_text().splitlines()] == [0, 1, 2, 3]


def test_only_line_torn(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"half')
    assert JsonlLog(path).rows == [] and path.read_text() == ""


def test_corrupt_middle_line_is_an_error(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"i": 0}\nnot json\n{"i": 2}\n')
    with pytest.raises(ValueError, match=r"a.jsonl:2: corrupt line"):
        JsonlLog(path)


def test_lines_survive_sigkill(tmp_path):
    """A writer killed at a random moment leaves only whole lines (after repair), in order."""
    path = tmp_path / "k.jsonl"
    code = textwrap.dedent(f"""
        from tinyagent.synth.store import JsonlLog
        log = JsonlLog({str(path)!r})
        i = 0
        while True:
            log.append({{"i": i, "pad": "x" * 5000}})
            i += 1
            if i == 20:
                print("ready", flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            cwd=os.getcwd(), env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    rows = JsonlLog(path).rows
    assert len(rows) >= 20 and [r["i"] for r in rows] == list(range(len(rows)))


def test_store_refuses_duplicate_attempts_and_changed_config(tmp_path):
    store = SynthStore(tmp_path, {"model": "m", "seed": 0})
    store.add_rejected({"attempt": "000001-0", "job": 1, "reason": "format"})
    with pytest.raises(ValueError, match="recorded twice"):
        store.add_accepted({"meta": {"attempt": "000001-0", "job": 1}})
    store.finish_job({"job": 1, "attempts": 1, "prompt_tokens": 10, "completion_tokens": 5, "cost": 0.01})
    store.close()
    again = SynthStore(tmp_path, {"model": "m", "seed": 0})
    assert again.done_jobs == {1} and again.attempt_ids == {"000001-0"}
    assert again.totals()["rejected_by_reason"] == {"format": 1} and again.totals()["prompt_tokens"] == 10
    again.close()
    with pytest.raises(ValueError, match="other settings"):
        SynthStore(tmp_path, {"model": "other", "seed": 0})
