"""What the demo offers to plan with: the backend kinds (from the registry), GGUF models found under
outputs/ and the offline default. Backends and selectors are built by `tinyagent.factory`.

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
from pathlib import Path
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


def notebook_planner(kind: str, model: str = "", scripted_plan: str = "", outputs: str | Path = "outputs"
                     ) -> tuple[PlannerBackend | None, str | None, str]:
    """(injected planner or None, GGUF path or None, label) for the notebook's `planner` parameter.

    "auto": the newest fine-tuned GGUF under `outputs` if there is one, else a replay of
    `scripted_plan`; "llamacpp": the GGUF `model` ('' = offline SmolLM2); "scripted": the replay.
    """
    from tinyagent.agent.scripted import ScriptedBackend

    if kind not in ("auto", "llamacpp", "scripted"):
        raise ValueError(f"planner must be 'auto', 'llamacpp' or 'scripted', got {kind!r}")
    tuned = newest_finetuned_gguf(outputs) if kind == "auto" else None
    if tuned is not None:
        return None, str(tuned), f"llamacpp: {tuned} (fine-tuned)"
    if kind == "llamacpp":
        return None, model or None, f"llamacpp: {model or DEFAULT_LABEL}"
    if not scripted_plan.strip():
        raise ValueError("the scripted planner needs scripted_plan (a plan in the plan language)")
    why = "no fine-tuned GGUF under outputs/" if kind == "auto" else "chosen"
    return ScriptedBackend([scripted_plan], delay=0.01), None, f"scripted replay of a fixed plan ({why})"
