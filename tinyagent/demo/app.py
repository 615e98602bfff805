"""`DemoApp`: the live TinyAgent demo as an ipywidgets app (notebooks/06_live_demo.ipynb shows it).

Every button calls a method, so the app is driven the same way by a user, a notebook or a test:

    app = DemoApp(workspace="outputs/demo/workspace")
    app.query.value = "Email Sid the quarterly report"; app.run_button.click()   # or app.run(query)
    app.wait_for_approval(60)                          # [2]: task 2 waits for Allow/Deny
    app.approval_buttons[2][0].click()                 # Allow (or app.approve(2, True))
    result = app.wait(120)                             # the AgentResult; widgets show plan, DAG, workspace

The agent runs in a background thread; the hooks only record into a `LiveRun` and a UI thread
redraws the widgets a few times a second, so neither the executor nor the kernel is held up.
"""
from __future__ import annotations

import base64
import html
import logging
import tempfile
import threading
from pathlib import Path
from typing import Any, Sequence

import ipywidgets as W

from tinyagent import factory
from tinyagent.agent.joiner import Joiner
from tinyagent.agent.loop import Agent, AgentResult
from tinyagent.demo import choices, panels
from tinyagent.demo.approval import ApprovalGate, Request
from tinyagent.demo.dag_view import render_png
from tinyagent.demo.live import LiveRun, ObservedSelector, TeeBackend
from tinyagent.demo.widgets import Widgets
from tinyagent.layout import repo_path
from tinyagent.demo.workspace_view import folder_summary, new_paths, workspace_html
from tinyagent.planner.backends.base import GenerationConfig, PlannerBackend
from tinyagent.sandbox import SandboxBackend
from tinyagent.tools import ASSISTANT_TOOLS
from tinyagent.tools.backend import ToolBackend, ToolError
from tinyagent.tools.catalog import ToolCatalog

log = logging.getLogger(__name__)

REDRAW_S = 0.2  # seconds between UI redraws while a run is live


class DemoApp(Widgets):
    """The demo (see the module docstring). `planner` overrides the backend/model widgets (tests, replays);
    `notes` are shown under the query box (e.g. why the planner is not a fine-tuned one)."""

    def __init__(self, *, workspace: str | Path | None = None, outputs: str | Path = "outputs",
                 model: str | Path | None = None, planner: PlannerBackend | None = None, planner_label: str = "",
                 classifier_dir: str | Path | None = None, notes: Sequence[str] = (),
                 threads: int = 2, n_ctx: int = 4096, max_tokens: int = 384, max_rounds: int = 2,
                 joiner: str = "llm", approval_timeout: float = 300.0, tool_timeout: float = 30.0,
                 grammar: bool = False, tools: str = "") -> None:
        models = choices.gguf_choices(repo_path(outputs))
        if model is not None and str(model) not in [path for _, path in models]:
            models.insert(0, (Path(model).name, str(model)))  # an explicit GGUF path is offered first
        root = Path(workspace) if workspace else Path(tempfile.mkdtemp(prefix="tinyagent-demo-"))
        self.root = root
        # the assistant's sandbox, or the user's own functions (`tools`: a module path, README "Bring your own tools")
        self.tool_backend, self.catalog = _tool_backend(root, tools, tool_timeout)
        self.sandbox = self.tool_backend if isinstance(self.tool_backend, SandboxBackend) else None
        super().__init__(models, tuple(dict.fromkeys(s.app for s in self.catalog)))
        if model is not None:
            self.model.value = str(model)
        self.grammar.value = grammar  # the served run's decoding choice (DemoSetup.grammar); the user may untick it
        self.selector, self.selector_note = factory.classifier_or_all(classifier_dir)
        self.notes = list(notes)
        self.planner = planner  # injected planner; None = build from the widgets
        self.planner_label = planner_label or (getattr(planner, "name", "") if planner is not None else "")
        self._given_model = str(model) if model is not None else None  # planner_label describes this one
        self.contacts = self._contacts()
        self.threads, self.n_ctx, self.max_tokens = threads, n_ctx, max_tokens
        self.max_rounds, self.joiner_mode = max_rounds, joiner
        self.approval_timeout, self.tool_timeout = approval_timeout, tool_timeout
        self.live: LiveRun | None = None  # the current (or last) run
        self.result: AgentResult | None = None  # the last finished run's result
        self.gate: ApprovalGate | None = None
        self.approval_buttons: dict[int, tuple[W.Button, W.Button]] = {}  # task -> (Allow, Deny)
        self.new_files: list[str] = []  # sandbox files the last run created
        self._planners: dict[tuple[str, str, str], PlannerBackend] = {}  # loaded models, by (kind, model, url)
        self._thread: threading.Thread | None = None
        self._dirty = threading.Event()  # something changed: redraw
        self._ui_lock = threading.Lock()  # one redraw at a time
        self._drawn: tuple | None = None  # what the DAG picture shows now
        self._transcription_s: float | None = None
        self.run_planner_label = ""  # the planner the last run used
        self._phase = ""  # what the run is doing, for the status line between confirmations
        self.run_button.on_click(lambda _: self._guard(self.run))
        self.transcribe_button.on_click(lambda _: self._guard(self.transcribe))
        for widget in (self.backend, self.model, self.model_custom):  # the header follows the settings
            widget.observe(lambda _: self._show_source(), names="value")
        self._show_source()
        self.mic.on_clip(lambda clip: self._guard(lambda: self.transcribe(clip)))  # a recorded clip -> query
        self.ui = self.layout()
        self.workspace_html.value = self._workspace_html()

    def summary(self) -> dict[str, Any]:
        """What the tools have written: the sandbox's workspace summary, or the files of the state folder."""
        return self.sandbox.workspace_summary() if self.sandbox is not None else folder_summary(self.root)

    def _workspace_html(self) -> str:
        title = "Sandbox workspace" if self.sandbox is not None else "State folder of your tools"
        return workspace_html(self.summary(), self.new_files, contacts=self.contacts if self.sandbox else None,
                              title=title)

    def _contacts(self) -> list:
        if self.sandbox is None:
            return []  # the user's tools have no address book the demo knows of
        try:
            return self.sandbox.contacts.all()
        except ToolError as exc:  # contacts.sqlite refused (a symlink out of the workspace)
            log.warning("cannot list the sandbox's contacts: %s", exc)
            return []

    def planner_description(self) -> str:
        """The planner the next run uses, in words (the injected one, or the backend/model widgets)."""
        if self.planner is not None:
            return self.planner_label
        kind, model = self.backend.value, self.model_custom.value.strip() or self.model.value or ""
        if kind == "llamacpp" and model == (self._given_model or "") and self.planner_label:
            return self.planner_label
        if kind == "llamacpp":
            return f"llamacpp: {Path(model).name if model else choices.DEFAULT_LABEL}"
        return f"{kind}: {model or '(no model set)'}"

    def _show_source(self) -> None:
        tools = factory.describe_selector(self.selector)
        notes = [*self.notes, *([self.selector_note] if self.selector_note else [])]
        warn = "".join(f"<div style='color:#b45f06'>&#9888; {html.escape(n)}</div>" for n in notes)
        self.source_html.value = (f"<div style='font-size:12px'><b>Planner:</b> {html.escape(self.planner_description())}"
                                  f" &middot; <b>Tools chosen by:</b> {html.escape(tools)}{warn}</div>")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.ui._repr_mimebundle_(**kwargs)  # `app` as the last line of a cell shows the UI

    def _guard(self, action: Any) -> None:
        """Run a button's action; a bad-input error goes to the status line (a callback's exception
        would otherwise vanish into the widget log)."""
        try:
            action()
        except (ValueError, RuntimeError, FileNotFoundError) as exc:
            self.status.value = f"<b style='color:#c00000'>{html.escape(str(exc))}</b>"

    # --- choices from the widgets ---------------------------------------------------------------
    def enabled_tools(self) -> ToolCatalog:
        """The tools of the apps switched on; ValueError when none is."""
        apps = [a for a, box in self.app_toggles.items() if box.value]
        if not apps:
            raise ValueError("no app is enabled: switch on at least one app")
        return self.catalog.for_apps(apps)

    def current_planner(self) -> tuple[PlannerBackend, str]:
        """(backend, label) from the injected planner or the backend/model widgets (loaded once each)."""
        if self.planner is not None:
            return self.planner, self.planner_label
        kind, url = self.backend.value, self.base_url.value.strip()
        model = self.model_custom.value.strip() or self.model.value or ""  # typed text wins over the list
        key = (kind, model, url)
        if key not in self._planners:
            self._planners[key] = factory.build_backend(kind, model or None, base_url=url, n_threads=self.threads,
                                                        n_ctx=self.n_ctx)
        return self._planners[key], self.planner_description()

    # --- actions ---------------------------------------------------------------------------------
    def transcribe(self, audio: str | Path | None = None) -> str:
        """Transcribe `audio` (default: the uploaded file) offline with Whisper into the query box."""
        from tinyagent.speech import transcribe

        if audio is None:
            if not self.audio_upload.value:
                raise ValueError("no audio: upload a recording first (or pass a file path)")
            item = self.audio_upload.value[0]
            with tempfile.TemporaryDirectory() as tmp:  # faster-whisper reads a file; the name keeps the format
                path = Path(tmp) / ("upload" + (Path(item["name"]).suffix or ".wav"))
                path.write_bytes(bytes(item["content"]))
                return self.transcribe(path)
        self.status.value = "<i>transcribing...</i>"
        transcript = transcribe(audio, threads=self.threads)
        self._transcription_s = transcript.seconds
        self.query.value = transcript.text
        self.status.value = f"<i>heard {transcript.audio_s:.1f} s of audio in {transcript.seconds:.2f} s</i>"
        return transcript.text

    def run(self, query: str | None = None) -> None:
        """Start answering `query` (default: the query box) in a background thread; see `wait`."""
        if self.running:
            raise RuntimeError("a query is already running; wait for it (app.wait) first")
        text = (query if query is not None else self.query.value).strip()
        if not text:
            self.status.value = "<b style='color:#c00000'>Type a question (or transcribe audio) first.</b>"
            return
        self.query.value = text
        self.live, self.result, self.new_files = LiveRun(text), None, []
        self.approval_box.children, self.approval_buttons = (), {}
        self._clear_output()
        self.gate = ApprovalGate(self.approval_timeout, auto=self.auto_approve.value,
                                 on_request=self._ask, on_settle=self._asked)
        self._thread = threading.Thread(target=self._work, args=(self.live, self.gate), daemon=True,
                                        name="tinyagent-demo-run")
        self._thread.start()
        threading.Thread(target=self._redraw_loop, args=(self._thread,), daemon=True, name="tinyagent-demo-ui").start()

    def _clear_output(self) -> None:
        """Forget the previous run on screen: its plan, outcomes, answer, latencies and DAG."""
        with self._ui_lock:
            for widget in (self.tools_html, self.latency_html, self.outcomes_html, self.answer_html):
                widget.value = ""
            self.plan_box.value = ""
            self.dag_image.layout.display, self.dag_image.value, self._drawn = "none", b"", None
            self._phase = "starting..."
            self.status.value = "<i>starting...</i>"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> AgentResult | None:
        """Block until the run ends; its AgentResult (None if it failed: see `live.error`)."""
        if self._thread is None:
            raise RuntimeError("nothing is running: call run() first")
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"the run did not finish within {timeout} s")
        self.refresh()
        return self.result

    def approve(self, task_id: int, yes: bool) -> None:
        """Answer the confirmation of task `task_id` (what the Allow/Deny buttons call)."""
        if self.gate is None:
            raise ValueError("no run is waiting for approval")
        self.gate.answer(task_id, yes)

    def wait_for_approval(self, timeout: float) -> list[int]:
        """Block until some task waits for Allow/Deny (or `timeout` s); the waiting task indices."""
        if self.gate is None:
            raise RuntimeError("nothing is running: call run() first")
        return self.gate.wait_pending(timeout)

    # --- the run (background thread) ------------------------------------------------------------
    def _work(self, live: LiveRun, gate: ApprovalGate) -> None:
        before = self.summary()
        try:
            self._set_status(live, "loading the planner...")
            planner, label = self.current_planner()
            self.run_planner_label = label
            agent = Agent(TeeBackend(planner, self._piece(live), live.start_round, live.end_round),
                          ObservedSelector(self.selector, self._selected(live)), tool_backend=self.tool_backend,
                          enabled=self.enabled_tools(), joiner=Joiner(planner, mode=self.joiner_mode),
                          max_rounds=self.max_rounds, gen_config=GenerationConfig(max_tokens=self.max_tokens),
                          timeout=self.tool_timeout, instructions=self.instructions.value.strip(),
                          grammar=self.grammar.value)
            self._set_status(live, f"planning and running with {label}...")
            result = agent.run(live.query, approve=gate, on_event=self._event(live))
            live.latency.update({k: v for k, v in result.latency.items() if v is not None})
            live.answer, live.problems = result.answer, _problems(result)
            self.result = result
        except Exception as exc:  # shown in the UI; the app stays usable for the next query
            log.exception("demo run failed")
            live.error = f"{type(exc).__name__}: {exc}"
        finally:
            gate.cancel_all()
            if self._transcription_s is not None:
                live.latency["transcription"], self._transcription_s = self._transcription_s, None
            self.new_files = new_paths(before, self.summary())
            self._dirty.set()

    def _piece(self, live: LiveRun):
        def on_piece(piece: str) -> None:
            live.add_piece(piece)
            self._dirty.set()
        return on_piece

    def _selected(self, live: LiveRun):
        def on_select(selection, seconds: float) -> None:
            live.on_select(selection, seconds)
            self._dirty.set()
        return on_select

    def _event(self, live: LiveRun):
        def on_event(event) -> None:  # on the executor's event loop: record only, redraw elsewhere
            live.on_event(event)
            self._dirty.set()
        return on_event

    def _set_status(self, live: LiveRun, text: str) -> None:
        if live is self.live:
            self._phase = text
            self.status.value = f"<i>{html.escape(text)}</i>"

    # --- approval prompts -----------------------------------------------------------------------
    def _ask(self, req: Request) -> None:
        allow = W.Button(description="Allow", button_style="success")
        deny = W.Button(description="Deny", button_style="danger")
        idx = req.task.idx
        allow.on_click(lambda _: self.approve(idx, True))
        deny.on_click(lambda _: self.approve(idx, False))
        self.approval_buttons[idx] = (allow, deny)
        row = W.HBox([W.HTML(f"<b>Allow?</b> <code>{html.escape(req.text)}</code>"), allow, deny])
        row.task_idx = idx  # type: ignore[attr-defined]  # found again when the answer comes
        self.approval_box.children = tuple(self.approval_box.children) + (row,)
        self._dirty.set()

    def _asked(self, req: Request) -> None:
        kept = [r for r in self.approval_box.children if getattr(r, "task_idx", None) != req.task.idx]
        self.approval_box.children = tuple(kept)
        self._dirty.set()

    # --- drawing ----------------------------------------------------------------------------------
    def _redraw_loop(self, worker: threading.Thread) -> None:
        while worker.is_alive():
            if self._dirty.wait(REDRAW_S):
                self._dirty.clear()
                self.refresh()
        self.refresh()

    def refresh(self) -> None:
        """Redraw every live widget from the current run's record."""
        live = self.live
        if live is None:
            return
        with self._ui_lock:
            self.plan_box.value = "\n\n".join(f"--- plan {n} ---\n{t}" if len(live.rounds) > 1 else t
                                              for n, t in enumerate(live.plan_texts(), start=1))
            if live.selection is not None:
                sel = live.selection
                note = "; ".join(x for x in (self.selector_note, sel.fallback) if x) or None
                self.tools_html.value = panels.tools_html(sel.scores, sel.tools.names, note,
                                                          scored=self.selector_note is None)
            views = live.task_views()
            title = f"plan {len(live.rounds)}" if live.rounds else ""
            key = (title, tuple((v.idx, v.tool, v.deps, v.state, v.detail) for v in views))
            if key != self._drawn:  # drawing costs ~0.1 s of CPU: only when a task changed
                self.dag_image.value, self._drawn = render_png(views, title), key
                self.dag_image.layout.display = ""
            self.latency_html.value = panels.latency_html(live.latency)
            done = self.result is not None or live.error is not None
            if done:
                results = [r.to_dict() for r in self.result.report.results] if self.result else []
                self.outcomes_html.value = panels.outcomes_html(results)
                self.answer_html.value = panels.answer_html(live.answer, live.problems, live.error)
                self.status.value = ("<b style='color:#c00000'>failed</b>" if live.error else
                                     f"<b>done</b> in {live.latency.get('total', 0.0):.2f} s")
                self.workspace_html.value = self._workspace_html()
            elif self.gate is not None and self.gate.pending():
                self.status.value = "<b style='color:#b45f06'>waiting for your confirmation</b>"
            else:  # answered (or nothing to confirm yet): say what the run is doing again
                self.status.value = f"<i>{html.escape(self._phase)}</i>"

    def snapshot_html(self) -> str:
        """The current view as static HTML (plan, DAG image, answer, workspace): readable without
        the widget JavaScript, e.g. in an exported notebook opened offline."""
        img = base64.b64encode(self.dag_image.value).decode("ascii") if self.dag_image.value else ""
        query = html.escape(self.live.query) if self.live else ""
        return (f"<div><b>Query:</b> {query} &mdash; {self.status.value}</div>{self.source_html.value}"
                f"<div style='display:flex;gap:16px'><div style='width:32%'>{self.tools_html.value}"
                f"{self.latency_html.value}</div><div style='width:66%'><b>Plan</b> "
                f"({html.escape(self.run_planner_label)})<pre style='font-size:11px;white-space:pre-wrap'>"
                f"{html.escape(self.plan_box.value)}</pre></div></div>"
                + (f"<img src='data:image/png;base64,{img}' style='max-width:100%'/>" if img else "")
                + self.outcomes_html.value + self.answer_html.value + self.workspace_html.value)

    def metrics(self) -> dict[str, Any]:
        """Plain JSON of the last run: plan, task statuses, approvals, latencies, new files."""
        live, result = self.live, self.result
        if live is None:
            raise RuntimeError("nothing has run yet")
        return {"query": live.query, "planner": self.run_planner_label,
                "selected_tools": list(result.selected_tools) if result else [],
                "selector_note": self.selector_note, "plans": live.plan_texts(),
                "task_states": {str(i): s for i, s in live.states().items()},
                "approvals": {str(i): r.outcome for i, r in (self.gate.decisions.items() if self.gate else ())},
                "latency": live.latency, "answer": live.answer, "problems": live.problems,
                "error": live.error, "new_files": [str(Path(p).relative_to(self.root))
                                                   for p in self.new_files]}


def _tool_backend(root: Path, tools: str, timeout: float) -> tuple[ToolBackend, ToolCatalog]:
    """(backend, catalog): the sandbox assistant in `root`, or the functions of the `tools` module
    keeping their state in `root` (ValueError naming a module that cannot be loaded or run)."""
    if not tools:
        return SandboxBackend(root), ASSISTANT_TOOLS
    from tinyagent.execute.python_backend import PythonToolBackend

    backend = PythonToolBackend.load(tools, root, timeout=timeout)
    return backend, backend.catalog


def _problems(result: AgentResult) -> list[str]:
    """Plan-level problems and refusals of every round, in words (a parse failure says so clearly)."""
    out = []
    for r in result.rounds:
        prefix = f"plan {r.index}: " if len(result.rounds) > 1 else ""
        if not r.plan.tasks:
            out.append(prefix + "the planner's output could not be parsed into any tool call")
        out += [prefix + str(i) for i in r.issues]
        out += [prefix + f"task {x.task.idx} ({x.task.tool}) refused: {x.reason}" for x in r.refused]
        if r.report.stream_error:
            out.append(prefix + f"planner error: {r.report.stream_error}")
    return out
