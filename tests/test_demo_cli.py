"""`python -m tinyagent ask --audio FILE`: speech input transcribed offline (Whisper) becomes the
query of the same pipeline; the planner is replaced by a scripted one so the plan is known.

Usage: .venv/bin/python -m pytest tests/test_demo_cli.py -q
"""
from pathlib import Path

import pytest

from tinyagent import cli
from tinyagent.agent.scripted import ScriptedBackend
from tinyagent.sandbox import SandboxBackend

CLIP = Path(__file__).parent / "fixtures" / "speech_design_review.wav"
PLAN = ('1. get_email_address("Sid")\n'
        '2. create_calendar_event("Design review", "2024-05-30 14:00:00", "2024-05-30 15:00:00", "", ["$1"], "", "")\n'
        '3. join()<END_OF_PLAN>')


@pytest.fixture
def scripted(monkeypatch):
    backend = ScriptedBackend([PLAN])
    monkeypatch.setattr("tinyagent.factory.backend_from_args", lambda args: backend)
    return backend


def test_audio_is_transcribed_and_answered(tmp_path, scripted, capsys):
    ws = tmp_path / "ws"
    code = cli.main(["ask", "--audio", str(CLIP), "--workspace", str(ws), "--outputs", str(tmp_path / "runs"),
                     "--yes", "--joiner", "fallback",
                     "--threads", "1"])
    out = capsys.readouterr().out
    assert code == 0, out
    heard = out.split("heard (", 1)[1].splitlines()[0]
    assert "design review" in heard.lower() and "s of audio" in heard
    assert "design review tomorrow" in scripted.prompts[0][-1]["content"].lower()  # the planner got the words
    events = SandboxBackend(ws).workspace_summary()["events"]
    assert [e["title"] for e in events] == ["Design review"]


def test_audio_and_query_together_or_a_missing_file_are_bad_input(tmp_path, scripted, capsys):
    assert cli.main(["ask", "Text Sid", "--audio", str(CLIP), "--workspace", str(tmp_path / "ws")]) == 2
    assert "either a query or --audio" in capsys.readouterr().err
    assert cli.main(["ask", "--audio", str(tmp_path / "nope.wav"), "--workspace", str(tmp_path / "ws")]) == 2
    assert "audio file not found" in capsys.readouterr().err
    assert scripted.calls == 0
