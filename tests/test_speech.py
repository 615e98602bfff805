"""Offline speech input: the shipped Whisper model transcribes a speech clip made with espeak-ng.

The clip (tests/fixtures/speech_design_review.wav, 3.4 s, 16 kHz mono) was made with
`espeak-ng -s 140 -w raw.wav "Invite Sid to a design review tomorrow at two p m."` and
`sox raw.wav -r 16000 -c 1 -b 16 speech_design_review.wav`.
Usage: .venv/bin/python -m pytest tests/test_speech.py -q
"""
import re
from pathlib import Path

import pytest

from tinyagent.speech import default_whisper_dir, transcribe

CLIP = Path(__file__).parent / "fixtures" / "speech_design_review.wav"


def test_model_ships_in_the_package():
    assert (default_whisper_dir() / "model.bin").stat().st_size > 10_000_000


def test_transcribes_the_request():
    t = transcribe(CLIP)
    words = re.sub(r"[^a-z0-9 ]", " ", t.text.lower())
    assert "design review" in words and "tomorrow" in words
    assert re.search(r"\b(2|two) ?(pm|p m)\b", words)
    assert t.language == "en" and 3 < t.audio_s < 4


def test_missing_audio_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="audio file not found"):
        transcribe(tmp_path / "nope.wav")
