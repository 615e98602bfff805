"""The demo's record button in JupyterLab: Chromium's fake microphone plays a spoken request (a WAV
made with espeak-ng), the browser's MediaRecorder records it, the kernel transcribes the clip with
the offline Whisper model, and the words land in the query box.

The app runs in a small notebook written under outputs/browser/ (a scripted planner: no model to
load, the point here is speech). Screenshots: outputs/browser/test_record_*.png.

Usage: .venv/bin/python -m pytest tests/browser/test_mic.py -q -p no:cacheprovider
"""
from __future__ import annotations

import re
import wave

import nbformat
import pytest

from tests.browser.lab_ui import REPO, SHOTS, DemoView, open_notebook, run_all, shot, wait_kernel_idle

CLIP = REPO / "tests" / "fixtures" / "speech_design_review.wav"  # espeak-ng: "...design review tomorrow at 2pm"
APP_CELL = """from tinyagent.agent.scripted import ScriptedBackend
from tinyagent.demo import DemoApp
app = DemoApp(planner=ScriptedBackend(['1. join()<END_OF_PLAN>']), planner_label="scripted", threads=1)
app"""


@pytest.fixture(scope="module")
def mic_notebook() -> str:
    """A notebook that only shows the app, under the lab's root; its path from the root."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(APP_CELL)])
    nb.metadata["kernelspec"] = nbformat.read(REPO / "notebooks" / "06_live_demo.ipynb", 4).metadata["kernelspec"]
    path = SHOTS / "mic_demo.ipynb"
    nbformat.write(nb, path)
    return path.relative_to(REPO).as_posix()


def test_record_button_transcribes_speech_into_the_query_box(lab, open_page, mic_notebook):
    with wave.open(str(CLIP)) as w:
        seconds = w.getnframes() / w.getframerate()
    page = open_page("mic", ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                             f"--use-file-for-fake-audio-capture={CLIP}%noloop"])
    open_notebook(page, lab.lab_url(), mic_notebook)
    run_all(page)
    wait_kernel_idle(page, 180_000)
    view = DemoView(page)
    record = view.root.locator("button.tinyagent-mic")
    record.wait_for(timeout=60_000)
    assert view.query.input_value() == ""
    record.click()
    page.wait_for_function("() => document.querySelector('button.tinyagent-mic').innerText.includes('Stop')",
                           timeout=10_000)
    shot(page, "test_record", "recording")
    page.wait_for_timeout(int((seconds + 1.0) * 1000))  # the whole clip, then a moment of silence
    record.click()  # Stop: the clip goes to the kernel
    page.wait_for_function(
        "() => document.querySelector('textarea[placeholder^=\"Ask\"]').value.length > 0", timeout=120_000)
    words = view.query.input_value().lower()
    shot(page, "test_record", "transcribed")
    assert "design review" in words and "tomorrow" in words, words
    assert re.search(r"\b(2|two) ?(pm|p\.? ?m)", words), words
    assert "heard" in view.sample().status  # the status line says how much audio was transcribed
