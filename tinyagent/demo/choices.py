"""What the demo offers to plan with: the backend kinds (from the registry), GGUF models found under
outputs/, the offline default, and notebook 06's choice (`demo_setup`: the newest run's served
planner and classifier). Backends and selectors are built by `tinyagent.factory`.

Example:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> (root / "run1" / "04_qat_quantize" / "gguf").mkdir(parents=True)
    >>> _ = (root / "run1" / "04_qat_quantize" / "gguf" / "planner.Q4_0.gguf").write_bytes(b"GGUF")
    >>> [label for label, _ in gguf_choices(root)]
    ['SmolLM2-135M-Instruct Q4_1 (offline, not fine-tuned)', 'run1/04_qat_quantize/gguf/planner.Q4_0.gguf']
    >>> newest_finetuned_gguf(root).name
    'planner.Q4_0.gguf'
    >>> BACKEND_KINDS
    ('llamacpp', 'transformers', 'openai')
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from tinyagent.layout import RunLayout, repo_path
from tinyagent.planner import PlannerBackend
from tinyagent.planner.backends import BACKENDS
from tinyagent.planner.models import default_planner_gguf

log = logging.getLogger(__name__)

BACKEND_KINDS = tuple(BACKENDS)  # the planner backends the UI offers: every registered one
DEFAULT_LABEL = "SmolLM2-135M-Instruct Q4_1 (offline, not fine-tuned)"


def gguf_choices(outputs: str | Path = "outputs") -> list[tuple[str, str]]:
    """(label, path): the offline default model first, then every *.gguf under `outputs`, newest first."""
    root = Path(outputs)
    found = sorted(root.glob("**/*.gguf"), key=lambda p: p.stat().st_mtime, reverse=True) if root.is_dir() else []
    choices = [(str(p.relative_to(root)), str(p)) for p in found]
    try:
        choices.insert(0, (DEFAULT_LABEL, str(default_planner_gguf())))
    except FileNotFoundError as e:  # the UI still works with other models; say why the default is absent
        log.warning("%s", e)
    return choices


def newest_finetuned_gguf(outputs: str | Path = "outputs") -> Path | None:
    """The newest GGUF written by the quantization notebook (outputs/<run>/04_*/gguf/*.gguf), if any."""
    root = Path(outputs)
    found = [p for p in root.glob("*/04_*/gguf/*.gguf")] if root.is_dir() else []
    return max(found, key=lambda p: p.stat().st_mtime) if found else None


@dataclass(frozen=True)
class DemoSetup:
    """What notebook 06 hands `DemoApp`: the planner (a GGUF or an injected replay), the classifier,
    and the words the app shows about them (`notes`: every fallback, said on screen)."""

    model: str | None  # GGUF for the llamacpp backend; None: the offline SmolLM2 (or `planner` below)
    planner: PlannerBackend | None  # an injected backend (the scripted replay); None: build from `model`
    label: str  # which planner, in words
    classifier_dir: Path | None  # the ToolRAG classifier; None: all enabled tools are shown to the planner
    notes: tuple[str, ...] = ()  # fallbacks and choices the user should know about
    grammar: bool = False  # grammar-constrained decoding: what the served run chose on validation

    def app_kwargs(self) -> dict[str, object]:
        """Keyword arguments for `DemoApp` (model, planner, planner_label, classifier_dir, notes, joiner, grammar)."""
        return {"model": self.model, "planner": self.planner, "planner_label": self.label,
                "classifier_dir": self.classifier_dir, "notes": self.notes,
                "joiner": "fallback" if self.planner is not None else "llm", "grammar": self.grammar}


def demo_setup(run: RunLayout, planner: str = "auto", model: str = "", scripted_plan: str = "",
               catalog: str = "") -> DemoSetup:
    """The demo's planner and classifier for notebook 06's parameters.

    "auto": the served (fine-tuned) planner and classifier of `run`, else of the newest run beside it
    (`tinyagent.artifacts.newest_served`), else the offline SmolLM2-135M, which is not fine-tuned;
    "llamacpp": the GGUF `model` ('' = offline SmolLM2); "scripted": a replay of `scripted_plan`
    whatever is typed (tests and offline screenshots only: it is said on screen). Runs trained on another
    tool catalog than `catalog` ('' = the assistant's; notebook 06's `catalog`) are never served.

    >>> import tempfile
    >>> s = demo_setup(RunLayout(Path(tempfile.mkdtemp()) / "r"))
    >>> s.model, s.classifier_dir, s.notes[0][:40]
    (None, None, 'no run has a fine-tuned planner yet: pla')
    """
    from tinyagent.agent.scripted import ScriptedBackend
    from tinyagent.artifacts import newest_served

    if planner not in ("auto", "llamacpp", "scripted"):
        raise ValueError(f"planner must be 'auto', 'llamacpp' or 'scripted', got {planner!r}")
    located = run.locate("classifier", catalog=catalog)  # this run's classifier, else the newest beside it over `catalog`
    classifier, notes = (located.classifier_dir if located else None), []
    served = newest_served(run.run_dir.parent, prefer=run, catalog=catalog) if planner == "auto" else None
    if served is not None:
        classifier = served.classifier_dir or classifier
        where = "this run" if served.run_dir == run.run_dir else f"run {served.run_dir.name}"
        setup = (str(served.planner_gguf), None, f"fine-tuned planner {served.planner_gguf.name} ({where})")
    elif planner == "scripted":
        if not scripted_plan.strip():
            raise ValueError("the scripted planner needs scripted_plan (a plan in the plan language)")
        setup = (None, ScriptedBackend([scripted_plan], delay=0.01), "scripted replay of a fixed plan")
        notes.append("planner='scripted': every request replays the same fixed plan; what you type is not planned")
    else:
        gguf = str(repo_path(model)) if model else None
        setup = (gguf, None, f"llamacpp: {Path(gguf).name if gguf else DEFAULT_LABEL}")
        if planner == "auto":
            notes.append(f"no run has a fine-tuned planner yet: planning with {DEFAULT_LABEL}; "
                         "run python -m tinyagent.reproduce for the fine-tuned one")
    grammar = served is not None and served.grammar
    if grammar:
        notes.append("grammar-constrained decoding is on: the run chose it on validation records (untick to compare)")
    return DemoSetup(*setup, classifier_dir=classifier, notes=tuple(notes), grammar=grammar)
