"""The demo app on the real offline models: the untuned SmolLM2 GGUF through llama.cpp (1 thread)
and Whisper tiny.en for speech, driven through the widgets.

SmolLM2-135M off the shelf does not write valid plans, so the test checks what is really
observable: tokens streamed into the plan box, the tool list shown (and why no ToolRAG
classifier was used), stage latencies recorded, and a parse failure reported in words.
Usage: .venv/bin/python -m pytest tests/test_demo_model.py -q
"""
import re
from datetime import datetime, timezone
from pathlib import Path

from tinyagent.demo import DemoApp

CLIP = Path(__file__).parent / "fixtures" / "speech_design_review.wav"


def test_real_model_run_is_streamed_timed_and_explained(tmp_path):
    app = DemoApp(workspace=tmp_path / "ws", outputs=tmp_path / "outputs", classifier_dir=tmp_path / "no-clf",
                  threads=1, n_ctx=2048, max_tokens=40, max_rounds=1)
    assert app.model.value.endswith("SmolLM2-135M-Instruct.Q4_1.gguf")  # the offline default
    for app_name, box in app.app_toggles.items():
        box.value = app_name in ("sms", "contacts")  # 3 tools: a short prompt on a busy CPU
    app.query.value = "Text Sid that I am running late"
    app.run_button.click()
    result = app.wait(240)
    live = app.live
    assert live.error is None and result is not None
    assert len(live.rounds) == 1 and len(live.rounds[0]) > 5  # many streamed pieces, not one blob
    assert app.plan_box.value == live.plan_text == result.rounds[0].plan_text != ""
    assert result.selected_tools == ("get_phone_number", "get_email_address", "send_sms")
    assert "send_sms" in app.tools_html.value and "no trained ToolRAG classifier" in app.tools_html.value
    for stage in ("selection", "first_token", "planning", "execution", "total"):
        assert live.latency[stage] is not None and live.latency[stage] >= 0, stage
    assert "first plan token" in app.latency_html.value
    assert app.metrics()["planner"].startswith("llamacpp: SmolLM2-135M-Instruct.Q4_1.gguf")
    if not result.rounds[0].plan.tasks:  # the usual outcome for the untuned model
        assert "could not be parsed into any tool call" in app.answer_html.value
        assert "Plan problems" in app.answer_html.value and "done" in app.status.value
    else:  # whatever it managed to plan ran and is shown
        assert app.outcomes_html.value


def test_uploaded_recording_is_transcribed_into_the_query_box(tmp_path):
    app = DemoApp(workspace=tmp_path / "ws", outputs=tmp_path / "outputs", classifier_dir=None, threads=1)
    data = CLIP.read_bytes()
    app.audio_upload.value = ({"name": CLIP.name, "type": "audio/wav", "size": len(data),
                               "content": memoryview(data), "last_modified": datetime.now(timezone.utc)},)
    app.transcribe_button.click()
    words = re.sub(r"[^a-z0-9 ]", " ", app.query.value.lower())
    assert "design review" in words and "tomorrow" in words
    assert "heard 3." in app.status.value
