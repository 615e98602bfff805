"""The demo's widgets and their layout (no behaviour: `DemoApp` in app.py wires them).

Example:
    >>> w = Widgets([("SmolLM2", "/m.gguf")], ["calendar", "mail"])
    >>> w.run_button.description, sorted(w.app_toggles), w.model.value
    ('Run', ['calendar', 'mail'], '/m.gguf')
"""
from __future__ import annotations

from typing import Sequence

import ipywidgets as W

from tinyagent.demo.choices import BACKEND_KINDS
from tinyagent.demo.mic import MicRecorder

_WIDE = W.Layout(width="98%")


class Widgets:
    """Every control and display of the demo, as attributes tests and notebooks can set and read."""

    def __init__(self, models: Sequence[tuple[str, str]], apps: Sequence[str]) -> None:
        # --- input -----------------------------------------------------------------------------
        self.query = W.Textarea(placeholder="Ask, e.g. 'Email Sid the quarterly report'", layout=_WIDE)
        self.run_button = W.Button(description="Run", button_style="primary", icon="play")
        self.audio_upload = W.FileUpload(accept="audio/*,.wav,.mp3,.m4a,.ogg,.webm,.flac", multiple=False,
                                         description="Audio file")
        self.transcribe_button = W.Button(description="Transcribe", icon="microphone")
        self.mic = MicRecorder()  # records in the browser; the app transcribes each clip into `query`
        # --- settings --------------------------------------------------------------------------
        self.backend = W.Dropdown(options=list(BACKEND_KINDS), value="llamacpp", description="Backend")
        self.model = W.Dropdown(options=list(models), value=models[0][1] if models else None,
                                description="Model", layout=W.Layout(width="60%"))
        self.model_custom = W.Text(placeholder="or a model path / served model name", layout=W.Layout(width="35%"))
        self.base_url = W.Text(placeholder="openai backend: http://127.0.0.1:8000/v1", description="Server")
        self.app_toggles = {a: W.Checkbox(value=True, description=a, indent=False, layout=W.Layout(width="95px"))
                            for a in apps}
        self.instructions = W.Textarea(placeholder="Custom instructions for the planner (optional)", layout=_WIDE)
        self.grammar = W.Checkbox(value=False, description="constrain decoding to the plan grammar (weak models)",
                                  indent=False)
        self.auto_approve = W.Checkbox(value=False, description="run side-effect tools without asking",
                                       indent=False)
        # --- live output -----------------------------------------------------------------------
        self.source_html = W.HTML()  # which planner and tool selector the app uses, and every fallback
        self.status = W.HTML("<i>idle</i>")
        self.tools_html = W.HTML()
        self.plan_box = W.Textarea(disabled=True, layout=W.Layout(width="98%", height="170px"))
        # hidden until there is a plan to draw: an Image without data shows a broken-image icon
        self.dag_image = W.Image(format="png", layout=W.Layout(max_width="98%", display="none"))
        self.approval_box = W.VBox()
        self.outcomes_html = W.HTML()
        self.answer_html = W.HTML()
        self.latency_html = W.HTML()
        self.workspace_html = W.HTML()

    def layout(self) -> W.Widget:
        """The whole UI: input and settings on top, live output below."""
        ask = W.VBox([W.HTML("<b>Ask</b>"), self.query,
                      W.HBox([self.run_button, self.mic, self.audio_upload, self.transcribe_button])])
        settings = W.VBox([W.HBox([self.backend, self.base_url]), W.HBox([self.model, self.model_custom]),
                           W.HTML("<b>Apps</b>"), W.HBox(list(self.app_toggles.values()),
                                                         layout=W.Layout(flex_flow="row wrap")),
                           self.instructions, self.grammar, self.auto_approve])
        top = W.Accordion(children=[settings], titles=("Model, apps and instructions",))
        plan = W.VBox([W.HTML("<b>Plan</b> (streamed)"), self.plan_box])
        live = W.HBox([W.VBox([self.tools_html, self.latency_html], layout=W.Layout(width="32%")),
                       W.VBox([plan], layout=W.Layout(width="66%"))])
        return W.VBox([ask, self.source_html, top, self.status, live, W.HTML("<b>Plan DAG</b>"), self.dag_image,
                       self.approval_box, self.outcomes_html, self.answer_html, self.workspace_html])
