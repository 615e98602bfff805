"""`MicRecorder`: a record button for the demo (an anywidget). The browser's MediaRecorder captures
the microphone; Stop (or `max_seconds`) sends the clip to the kernel as one binary message, where it
is written to a temporary file and handed to the callbacks (the app transcribes it offline).

    mic = MicRecorder()
    mic.on_clip(lambda path: print(transcribe(path).text))   # in a worker thread; the file is removed after
    mic                                                      # shows "● Record"

Example:
    >>> mic = MicRecorder(max_seconds=5)
    >>> mic.state, suffix_for("audio/webm;codecs=opus"), suffix_for("audio/ogg")
    ('idle', '.webm', '.ogg')
"""
from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

import anywidget
import traitlets

log = logging.getLogger(__name__)

_SUFFIXES = {"audio/webm": ".webm", "audio/ogg": ".ogg", "audio/mp4": ".m4a", "audio/wav": ".wav"}

# Why a message and not a synced Bytes trait: a clip is sent once, and a trait would keep it in the
# widget state (saved into the notebook and every HTML export).
_ESM = r"""
function render({ model, el }) {
  const button = document.createElement("button");
  button.className = "jupyter-widgets jupyter-button widget-button tinyagent-mic";
  button.style.width = "auto";
  let recorder = null;
  const draw = () => {
    const state = model.get("state");
    button.textContent = state === "recording" ? "\u25A0 Stop" : "\u25CF Record";
    button.title = state === "recording" ? "stop and transcribe" : "record a request from the microphone";
    button.classList.toggle("mod-danger", state === "recording");
  };
  const setState = (state, error = "") => {
    model.set("state", state);
    model.set("error", error);
    model.save_changes();
  };
  const start = async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const chunks = [];
    recorder = new MediaRecorder(stream);
    recorder.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
    recorder.onstop = async () => {
      stream.getTracks().forEach((t) => t.stop());
      const mime = recorder.mimeType;
      recorder = null;
      const clip = await new Blob(chunks, { type: mime }).arrayBuffer();
      setState("sent");
      model.send({ event: "clip", mime: mime }, undefined, [clip]);
    };
    recorder.start();
    setState("recording");
    const limit = model.get("max_seconds") * 1000;
    setTimeout(() => { if (recorder && recorder.state === "recording") recorder.stop(); }, limit);
  };
  button.addEventListener("click", () => {
    if (recorder) { recorder.stop(); return; }
    start().catch((err) => setState("error", String(err)));
  });
  model.on("change:state", draw);
  draw();
  el.appendChild(button);
}
export default { render };
"""


def suffix_for(mime: str) -> str:
    """The file suffix for a MediaRecorder MIME type (faster-whisper's decoder goes by content, but a
    right suffix keeps the file readable by other tools)."""
    return _SUFFIXES.get(mime.split(";")[0].strip().lower(), ".webm")


class MicRecorder(anywidget.AnyWidget):
    """A record/stop button; see the module docstring."""

    _esm = _ESM
    state = traitlets.Unicode("idle").tag(sync=True)  # idle, recording, sent (clip with the kernel), error
    error = traitlets.Unicode("").tag(sync=True)  # the browser's reason (no microphone, permission denied)
    max_seconds = traitlets.Float(20.0).tag(sync=True)  # recording stops by itself after this long

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._callbacks: list[Callable[[Path], None]] = []
        self.on_msg(self._on_msg)

    def on_clip(self, callback: Callable[[Path], None]) -> None:
        """Call `callback(path)` for every recorded clip (in a worker thread: the kernel stays free)."""
        self._callbacks.append(callback)

    def _on_msg(self, _widget: Any, content: dict, buffers: list) -> None:
        if content.get("event") != "clip" or not buffers:
            return
        data = bytes(buffers[0])
        threading.Thread(target=self.deliver, args=(data, str(content.get("mime", ""))), daemon=True,
                         name="tinyagent-mic").start()

    def deliver(self, data: bytes, mime: str) -> None:
        """Hand one clip to the callbacks through a temporary file (what a browser message triggers)."""
        if not data:
            self.state, self.error = "error", "the recording is empty"
            return
        with tempfile.TemporaryDirectory(prefix="tinyagent-mic-") as tmp:
            path = Path(tmp) / ("clip" + suffix_for(mime))
            path.write_bytes(data)
            for callback in self._callbacks:
                try:
                    callback(path)
                except Exception:  # one failing callback must not hide the clip from the others
                    log.exception("mic callback failed")
        self.state = "idle"
