"""Bounded outputs and policy gaps: capped tool outputs and `$N` arguments, timed-out calls that
write nothing, Zoom records that never overwrite, macOS summarize_pdf limited to its roots.

Usage: .venv/bin/python -m pytest tests/test_output_caps.py -q
"""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from tinyagent.execute import execute_plan
from tinyagent.macos.backend import MacOSBackend
from tinyagent.plan import Plan, Task
from tinyagent.sandbox import SandboxBackend
from tinyagent.tools.backend import ToolBackend, ToolError
from tinyagent.tools.cancel import CallToken, call_scope, commit
from tinyagent.tools.limits import MAX_TEXT_CHARS, cap_text

NOW = datetime(2024, 5, 28, 9, 0, 0)
MARK = "…[truncated:"


def test_cap_text_marks_what_was_dropped() -> None:
    text = "x" * (MAX_TEXT_CHARS + 10)
    capped = cap_text(text)
    assert capped.startswith("x" * MAX_TEXT_CHARS)
    assert capped.endswith(f"{MARK} 10 of {MAX_TEXT_CHARS + 10} characters dropped]")
    assert cap_text("ok") == "ok"


def test_every_backend_output_is_capped() -> None:
    class Loud(ToolBackend):
        def get_phone_number(self, name: str) -> str:
            return name * 100_000

    out = Loud().call("get_phone_number", ["ab"])
    assert len(out) < MAX_TEXT_CHARS + 80 and MARK in out


@pytest.mark.parametrize("steps", [12, 22])
def test_a_doubling_ref_chain_stays_bounded(tmp_path: Path, steps: int) -> None:
    """Each step shows "$N $N $N" on the map (3x its input, twice over): ~300 MB at 12 steps before."""
    sb = SandboxBackend(tmp_path / "ws", seed=0, now=lambda: NOW)
    tasks = [Task(1, "maps_open_location", ("Golden Gate Park",))]
    tasks += [Task(i, "maps_open_location", (f"${i - 1} ${i - 1} ${i - 1}",)) for i in range(2, steps + 1)]
    report = execute_plan(Plan(tuple(tasks)), sb)
    assert report.ok
    sizes = [len(r.result) for r in report.results]
    assert max(sizes) <= MAX_TEXT_CHARS + 80
    assert MARK in report.result(steps).result


def test_substituted_arguments_are_capped() -> None:
    seen: list[int] = []

    class Recorder(ToolBackend):
        def get_email_address(self, name: str) -> str:
            return "y" * 10_000

        def send_sms(self, recipients, message: str) -> str:
            seen.append(len(message))
            return "sent"

    plan = Plan((Task(1, "get_email_address", ("a",)), Task(2, "send_sms", (["1"], "$1" * 50))))
    report = execute_plan(plan, Recorder())
    assert report.ok and seen[0] <= MAX_TEXT_CHARS + 80
    assert MARK in report.result(2).args[1]


# --- timed-out calls write nothing -----------------------------------------------------------------
class SlowSandbox(SandboxBackend):
    """The real sandbox, with a pause before each note or event is written (a slow disk or lock)."""

    pause = 0.6

    def create_note(self, name, content, folder=""):
        time.sleep(self.pause)
        return super().create_note(name, content, folder)


def test_timed_out_note_and_event_are_not_written(tmp_path: Path) -> None:
    slow_clock_calls = threading.Event()

    def slow_clock() -> datetime:  # create_calendar_event reads the clock before it writes
        if slow_clock_calls.is_set():
            time.sleep(0.6)
        return NOW

    sb = SlowSandbox(tmp_path / "ws", seed=0, now=slow_clock)
    slow_clock_calls.set()
    plan = Plan((Task(1, "create_note", ("Late", "x", "")),
                 Task(2, "create_calendar_event", ("Late", "2024-05-30 09:00:00"))))
    report = execute_plan(plan, sb, timeout=0.1)
    assert [r.status for r in report.results] == ["timeout", "timeout"]
    assert "saves no change from now on" in report.result(1).error
    time.sleep(1.5)  # the abandoned threads finish their work now
    assert not list(sb.ws.notes.rglob("*.md"))
    assert not list(sb.ws.calendar.glob("*.ics"))


def test_cancel_reports_a_write_that_already_happened() -> None:
    token, written = CallToken(), []
    with call_scope(token), commit("x"):
        written.append(1)
    assert token.cancel() is True and written == [1]
    with call_scope(token), pytest.raises(ToolError, match="was not written"):
        with commit("y"):
            written.append(2)
    assert written == [1]


# --- zoom records ----------------------------------------------------------------------------------
def test_same_zoom_topic_and_time_keeps_both_records(tmp_path: Path) -> None:
    sb = SandboxBackend(tmp_path / "ws", seed=0, now=lambda: NOW)
    first = sb.call("get_zoom_meeting_link", ["Sync", "2024-05-30 09:00:00", 30, ["Sid"]])
    again = sb.call("get_zoom_meeting_link", ["Sync", "2024-05-30 09:00:00", 30, ["Sid"]])
    other = sb.call("get_zoom_meeting_link", ["Sync", "2024-05-30 09:00:00", 90, []])
    assert first == again == other  # the link is a function of (seed, topic, time)
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(sb.ws.zoom.glob("*.json"))]
    assert sorted((r["duration"], r["invitees"]) for r in records) == [(30, ["sid.patel@example.com"]), (90, [])]


# --- macOS summarize_pdf ---------------------------------------------------------------------------
def test_macos_summarize_pdf_refuses_paths_outside_its_roots(tmp_path: Path) -> None:
    docs, secret = tmp_path / "docs", tmp_path / "private" / "secret.pdf"
    docs.mkdir()
    secret.parent.mkdir()
    secret.write_bytes(b"%PDF-1.4 private")
    backend = MacOSBackend(docs, attachment_roots=[docs])
    for path in (str(secret), str(docs / ".." / "private" / "secret.pdf"), "/etc/passwd", str(docs / ".hidden.pdf")):
        with pytest.raises(ToolError, match="is not a visible file under"):
            backend.call("summarize_pdf", [path])
    (docs / "link.pdf").symlink_to(secret)
    with pytest.raises(ToolError, match="is not a visible file under"):
        backend.call("summarize_pdf", [str(docs / "link.pdf")])
