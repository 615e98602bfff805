"""Run a profile: each notebook through papermill, in order, skipping steps that are up to date.

Executed notebooks and their artifacts go to outputs/<run-id>/<notebook>/; the run stops at the
first failing notebook with a message naming it, the failing cell and where the executed copy is.

Example (see tinyagent/reproduce/__main__.py for the command line):
    run = run_profile(load_profile("smoke"), Path("outputs/smoke"))
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import papermill
from papermill.exceptions import PapermillExecutionError

from tinyagent.reproduce.manifest import Manifest, step_fingerprint
from tinyagent.reproduce.profile import NOTEBOOKS_DIR, OUTPUT_DIR_PARAM, REPO, Profile, Step, resolve

log = logging.getLogger(__name__)


class StepFailed(RuntimeError):
    """A notebook raised; the message says which cell and where the executed notebook is."""


@dataclass(frozen=True)
class StepRun:
    """What happened to one step."""

    notebook: str  # step name
    status: str  # "ok", "skipped" (up to date) or "failed"
    wall_s: float  # seconds spent executing (0 when skipped; the earlier run's time is in the manifest)
    output_notebook: Path  # the executed copy
    output_dir: Path  # metrics.json, plots


def _run_step(step: Step, run_dir: Path, manifest: Manifest, force: bool) -> StepRun:
    out_dir = run_dir / step.notebook
    executed = out_dir / f"{step.notebook}.ipynb"
    params = {**resolve(step.parameters, run_dir), OUTPUT_DIR_PARAM: str(out_dir)}
    notebook = NOTEBOOKS_DIR / f"{step.notebook}.ipynb"
    fingerprint = step_fingerprint(notebook, params, [Path(resolve(i, run_dir)) for i in step.inputs])
    if not force and manifest.is_current(step.notebook, fingerprint, executed):
        log.info("%s: up to date, skipped", step.notebook)
        return StepRun(step.notebook, "skipped", 0.0, executed, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    try:
        papermill.execute_notebook(str(notebook), str(executed), parameters=params, cwd=str(REPO),
                                   progress_bar=True, log_output=False)
    except PapermillExecutionError as e:
        manifest.record(step.notebook, status="failed", fingerprint=fingerprint, wall_s=time.time() - started)
        raise StepFailed(f"{step.notebook} failed in cell {e.exec_count}: {e.ename}: {e.evalue}\n"
                         f"executed notebook with the traceback: {executed}") from None
    wall = time.time() - started
    manifest.record(step.notebook, status="ok", fingerprint=fingerprint, wall_s=wall, finished=time.time())
    return StepRun(step.notebook, "ok", wall, executed, out_dir)


def run_profile(profile: Profile, run_dir: Path, *, force: bool = False,
                on_step: Callable[[StepRun], None] | None = None) -> list[StepRun]:
    """Run every step in order; raises StepFailed at the first failing notebook. `on_step` sees
    each finished step as it completes (so a caller keeps the steps done before a failure)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(run_dir / "manifest.json")
    runs: list[StepRun] = []
    for step in profile.steps:
        log.info("step %s", step.notebook)
        runs.append(_run_step(step, run_dir, manifest, force))
        if on_step:
            on_step(runs[-1])
    return runs
