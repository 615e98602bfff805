"""Run a profile: each notebook through papermill, in order, skipping steps that are up to date.

Every notebook gets the run folder as its `run_dir` parameter; its outputs and the executed copy go
to the step's folder of the run layout (`tinyagent.layout.RunLayout`, outputs/<run-id>/<notebook>/).
A step is up to date when its notebook, parameters, inputs (the layout's `STEP_INPUTS` folders) and
the package source are unchanged. A notebook that raises `tinyagent.artifacts.StepSkipped` (nothing
to do with this run's inputs) is reported as not applicable, with its reason, and the run goes on;
any other error stops the run with a message naming the notebook, the failing cell and where the
executed copy is.

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

from tinyagent import notebook_html
from tinyagent.artifacts import StepSkipped
from tinyagent.layout import RunLayout
from tinyagent.reproduce.manifest import Manifest, step_fingerprint
from tinyagent.reproduce.profile import CONFIG_PARAMETERS, NOTEBOOKS_DIR, REPO, RUN_DIR_PARAM, Profile, Step

log = logging.getLogger(__name__)
KERNEL_NAME = "tinyagent"  # the kernel scripts/setup.sh registers and every notebook's kernelspec names
NOT_APPLICABLE = "not applicable"  # StepRun.status of a notebook that raised StepSkipped


class _KnownConfigParameters(logging.Filter):
    """Drop papermill's "Passed unknown parameter" warning for config fields a notebook collects
    itself (notebook 03's TrainConfig fields): the profile check has already validated them."""

    def __init__(self, names: set[str]):
        super().__init__()
        self.names = names

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Passed unknown parameter: ") and message.split(": ", 1)[1] in self.names)


class StepFailed(RuntimeError):
    """A notebook raised; the message says which cell and where the executed notebook is."""


@dataclass(frozen=True)
class StepRun:
    """What happened to one step."""

    notebook: str  # step name
    status: str  # "ok", "skipped" (up to date), NOT_APPLICABLE (the notebook said why) or "failed"
    wall_s: float  # seconds spent executing (0 when skipped; the earlier run's time is in the manifest)
    output_notebook: Path  # the executed copy
    output_dir: Path  # metrics.json, plots
    note: str = ""  # why a step was not applicable


def notebook_kernel() -> str:
    """The Jupyter kernel to run notebooks in: `tinyagent` (scripts/setup.sh registers it), else this
    interpreter's own `python3` kernel, with a warning (e.g. an environment set up by hand)."""
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL_NAME in KernelSpecManager().find_kernel_specs():
        return KERNEL_NAME
    log.warning("no Jupyter kernel %r (bash scripts/setup.sh registers it): running notebooks in python3",
                KERNEL_NAME)
    return "python3"


def _run_step(step: Step, layout: RunLayout, manifest: Manifest, force: bool) -> StepRun:
    out_dir, executed = layout.step_dir(step.notebook), layout.executed_notebook(step.notebook)
    params = {**step.parameters, RUN_DIR_PARAM: str(layout.run_dir)}
    notebook = NOTEBOOKS_DIR / f"{step.notebook}.ipynb"
    fingerprint = step_fingerprint(notebook, params, layout.inputs(step.notebook))
    if not force and manifest.is_current(step.notebook, fingerprint, executed):
        log.info("%s: up to date, skipped", step.notebook)
        _write_html(executed, only_if_stale=True)
        return StepRun(step.notebook, "skipped", 0.0, executed, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    extra = CONFIG_PARAMETERS.get(step.notebook)
    quiet = _KnownConfigParameters(set(extra()) if extra else set())
    papermill_log = logging.getLogger("papermill")
    papermill_log.addFilter(quiet)
    try:
        papermill.execute_notebook(str(notebook), str(executed), parameters=params, cwd=str(REPO),
                                   kernel_name=notebook_kernel(), progress_bar=True, log_output=False)
    except PapermillExecutionError as e:
        wall = time.time() - started
        if e.ename == StepSkipped.__name__:
            log.info("%s: not applicable: %s", step.notebook, e.evalue)
            manifest.record(step.notebook, status=NOT_APPLICABLE, note=e.evalue, fingerprint=fingerprint, wall_s=wall)
            return StepRun(step.notebook, NOT_APPLICABLE, wall, executed, out_dir, e.evalue)
        manifest.record(step.notebook, status="failed", fingerprint=fingerprint, wall_s=wall)
        raise StepFailed(f"{step.notebook} failed in cell {e.exec_count}: {e.ename}: {e.evalue}\n"
                         f"executed notebook with the traceback: {executed}") from None
    finally:
        papermill_log.removeFilter(quiet)
    wall = time.time() - started
    _write_html(executed)
    manifest.record(step.notebook, status="ok", fingerprint=fingerprint, wall_s=wall, finished=time.time())
    return StepRun(step.notebook, "ok", wall, executed, out_dir)


def _write_html(executed: Path, *, only_if_stale: bool = False) -> None:
    """The executed notebook as HTML beside it, widgets drawn offline (the report links to it)."""
    page = executed.with_suffix(".html")
    if only_if_stale and page.is_file() and page.stat().st_mtime >= executed.stat().st_mtime:
        return
    try:
        notebook_html.export(executed, page)
    except FileNotFoundError as e:  # no vendored renderer (setup.sh not run): the .ipynb still stands
        log.warning("%s: no HTML copy: %s", executed.name, e)


def run_profile(profile: Profile, run_dir: Path, *, force: bool = False,
                on_step: Callable[[StepRun], None] | None = None) -> list[StepRun]:
    """Run every step in order; raises StepFailed at the first failing notebook. `on_step` sees
    each finished step as it completes (so a caller keeps the steps done before a failure)."""
    layout = RunLayout(run_dir)
    layout.run_dir.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(layout.manifest)
    runs: list[StepRun] = []
    for step in profile.steps:
        log.info("step %s", step.notebook)
        runs.append(_run_step(step, layout, manifest, force))
        if on_step:
            on_step(runs[-1])
    return runs
