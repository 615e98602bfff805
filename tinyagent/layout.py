"""One run's folder layout: the name of every folder and file a step of the notebook series writes.

A run is one folder (`outputs/<run-id>/`, the main job's `--run-id`, by default the profile name).
Every notebook takes that folder as its single `run_dir` parameter and finds its own outputs and
its inputs here, so no path is wired by hand in profiles or notebooks:

    <run_dir>/data/{train,val,test}.jsonl        01: the splits (+ manifest.json)
    <run_dir>/01_data_synthesis/                  01: result.json, metrics.json, report.md, plots
    <run_dir>/02_toolrag/classifier/              02: the trained ToolRAG classifier (toolrag.json)
    <run_dir>/03_lora_finetune/run/best/          03: best LoRA adapter (run/ also holds checkpoints)
    <run_dir>/03_lora_finetune/gguf/planner-*.gguf        03: merged planner, f16 + quantized
    <run_dir>/04_qat_quantize/gguf/planner-qat-*.gguf     04: QAT planner, f16 + Q4_0 (served)
    <run_dir>/04_qat_quantize/eval/<model>/       04: Table 2 harness eval dirs
    <run_dir>/05_evaluate/{table1,nestools}/      05: planner eval dirs
    <run_dir>/06_live_demo/workspace/             06: the demo's sandbox
    <run_dir>/REPORT.md, REPORT.html, manifest.json       the main job

Each step folder holds `result.json` (the typed hand-over, `tinyagent.artifacts`), `metrics.json`
(for tests and reports), `report.md` and the executed notebook. This module only names paths (no
heavy imports), so the command line can find a run's artifacts quickly.

Relative paths mean the same wherever Python runs: a relative `run_dir` (the notebooks' default
`outputs/default`) is taken from the repository root (`repo_root()`), not from the working
directory, because JupyterLab starts a notebook's kernel in `notebooks/` while papermill and the
command line start in the root. `repo_path()` does the same for any other path (data files).

Example:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> run = RunLayout(root / "default")
    >>> run.classifier_dir.relative_to(root).as_posix(), run.split("test").name
    ('default/02_toolrag/classifier', 'test.jsonl')
    >>> [p.relative_to(run.run_dir).as_posix() for p in run.inputs("04_qat_quantize")]
    ['data', '02_toolrag', '03_lora_finetune']
    >>> RunLayout.newest(root, need="classifier") is None
    True
    >>> run.classifier_dir.mkdir(parents=True); _ = (run.classifier_dir / "toolrag.json").write_text("{}")
    >>> RunLayout.newest(root, need="classifier").run_dir.name
    'default'
    >>> RunLayout(root / "other").locate("classifier").run_dir.name  # a sibling run has one
    'default'
    >>> RunLayout("outputs/default").run_dir == repo_root() / "outputs" / "default"
    True
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

SPLITS = ("train", "val", "test")
STEPS = ("01_data_synthesis", "02_toolrag", "03_lora_finetune", "04_qat_quantize", "05_evaluate", "06_live_demo")
DATA, TOOLRAG, FINETUNE, QUANT, EVALUATE, DEMO = "data", *STEPS[1:]
# What each step reads from earlier steps (folders under run_dir); the main job hashes them to
# decide whether a finished step is still up to date.
STEP_INPUTS: dict[str, tuple[str, ...]] = {
    STEPS[0]: (),
    TOOLRAG: (DATA,),
    FINETUNE: (DATA,),
    QUANT: (DATA, TOOLRAG, FINETUNE),
    EVALUATE: (DATA, TOOLRAG, QUANT),
    DEMO: (TOOLRAG, QUANT),
}
RESULT_FILE = "result.json"  # a step's typed result (tinyagent.artifacts)
METRICS_FILE = "metrics.json"  # a step's metrics for tests and the report
# Files that together mark the repository root (the package alone could be installed elsewhere).
ROOT_MARKERS = ("pyproject.toml", "notebooks", "tinyagent")
ROOT_ENV = "TINYAGENT_ROOT"  # overrides the search, e.g. for a package installed outside its checkout


def _is_root(path: Path) -> bool:
    return all((path / name).exists() for name in ROOT_MARKERS)


@lru_cache(maxsize=None)
def _find_root(start: str, override: str) -> Path:
    if override:
        root = Path(override).expanduser().resolve()
        if not _is_root(root):
            raise FileNotFoundError(f"{ROOT_ENV}={override}: not a TinyAgent checkout (needs {', '.join(ROOT_MARKERS)})")
        return root
    package_parent = Path(__file__).resolve().parents[1]  # an editable install or a checkout on sys.path
    here = Path(start).resolve()
    for candidate in (package_parent, here, *here.parents):
        if _is_root(candidate):
            return candidate
    raise FileNotFoundError(f"cannot find the TinyAgent repository root from {package_parent} or {start}: "
                            f"set {ROOT_ENV} to the checkout (the folder with {', '.join(ROOT_MARKERS)})")


def repo_root() -> Path:
    """The checkout's root folder: where the package lives, else the working directory or a folder
    above it that holds pyproject.toml, notebooks/ and tinyagent/ (env TINYAGENT_ROOT overrides)."""
    return _find_root(os.getcwd(), os.environ.get(ROOT_ENV, ""))


def repo_path(path: str | Path) -> Path:
    """`path` as an absolute path: a relative one is taken from the repository root, not the cwd.

    >>> repo_path("data/fixtures/natural.jsonl") == repo_root() / "data" / "fixtures" / "natural.jsonl"
    True
    """
    p = Path(path).expanduser()
    return p if p.is_absolute() else repo_root() / p


def outputs_root() -> Path:
    """`<repo>/outputs`: where the main job writes run folders and where `ask` and the demo look."""
    return repo_root() / "outputs"


@dataclass(frozen=True)
class RunLayout:
    """Every path of one run, from its folder."""

    run_dir: Path  # outputs/<run-id>; a relative path is taken from the repository root

    def __post_init__(self) -> None:
        object.__setattr__(self, "run_dir", repo_path(self.run_dir))

    # -- per step ---------------------------------------------------------------------------------
    def step_dir(self, step: str) -> Path:
        """The folder of a notebook's outputs, e.g. <run_dir>/02_toolrag."""
        if step not in STEPS:
            raise ValueError(f"unknown step {step!r}; the steps are {STEPS}")
        return self.run_dir / step

    def result(self, step: str) -> Path:
        return self.step_dir(step) / RESULT_FILE

    def metrics(self, step: str) -> Path:
        return self.step_dir(step) / METRICS_FILE

    def step_report(self, step: str) -> Path:
        return self.step_dir(step) / "report.md"

    def executed_notebook(self, step: str) -> Path:
        return self.step_dir(step) / f"{step}.ipynb"

    def inputs(self, step: str) -> list[Path]:
        """The folders `step` reads (STEP_INPUTS), in a fixed order."""
        self.step_dir(step)  # validates the name
        return [self.data_dir if name == DATA else self.step_dir(name) for name in STEP_INPUTS[step]]

    # -- 01 data ----------------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self.run_dir / "data"

    def split(self, name: str) -> Path:
        if name not in SPLITS:
            raise ValueError(f"unknown split {name!r}; the splits are {SPLITS}")
        return self.data_dir / f"{name}.jsonl"

    # -- 02 ToolRAG -------------------------------------------------------------------------------
    @property
    def toolrag_dir(self) -> Path:
        return self.step_dir(TOOLRAG)

    @property
    def classifier_dir(self) -> Path:
        return self.toolrag_dir / "classifier"

    # -- 03 fine-tuning ---------------------------------------------------------------------------
    @property
    def finetune_dir(self) -> Path:
        return self.step_dir(FINETUNE)

    @property
    def train_run_dir(self) -> Path:
        """TrainConfig.out_dir of notebook 03: checkpoints/, best/, log.jsonl, config.json."""
        return self.finetune_dir / "run"

    @property
    def best_adapter(self) -> Path:
        return self.train_run_dir / "best"

    @property
    def finetune_gguf_dir(self) -> Path:
        return self.finetune_dir / "gguf"

    def finetune_gguf(self, kind: str) -> Path:
        """03's merged planner: kind 'f16' or a quantization such as 'q4_0' (export_planner's names)."""
        return self.finetune_gguf_dir / f"planner-{kind}.gguf"

    # -- 04 QAT and quantization ------------------------------------------------------------------
    @property
    def quant_dir(self) -> Path:
        return self.step_dir(QUANT)

    @property
    def qat_run_dir(self) -> Path:
        return self.quant_dir / "qat_run"

    @property
    def quant_gguf_dir(self) -> Path:
        return self.quant_dir / "gguf"

    def quant_gguf(self, kind: str) -> Path:
        """04's QAT planner: 'f16' or 'q4_0' (the served model)."""
        return self.quant_gguf_dir / f"planner-qat-{kind}.gguf"

    @property
    def quant_eval_dir(self) -> Path:
        """Table 2 eval dirs, one per model."""
        return self.quant_dir / "eval"

    # -- 05 evaluation, 06 demo -------------------------------------------------------------------
    @property
    def eval_dir(self) -> Path:
        return self.step_dir(EVALUATE)

    @property
    def table1_eval_dir(self) -> Path:
        return self.eval_dir / "table1"

    @property
    def nestools_eval_dir(self) -> Path:
        return self.eval_dir / "nestools"

    @property
    def demo_dir(self) -> Path:
        return self.step_dir(DEMO)

    @property
    def demo_workspace(self) -> Path:
        return self.demo_dir / "workspace"

    # -- the main job -----------------------------------------------------------------------------
    @property
    def report_md(self) -> Path:
        return self.run_dir / "REPORT.md"

    @property
    def report_html(self) -> Path:
        return self.run_dir / "REPORT.html"

    @property
    def report_json(self) -> Path:
        """The main job's numbers, with `served`: the planner and classifier `ask` and the demo use."""
        return self.run_dir / "report.json"

    @property
    def manifest(self) -> Path:
        return self.run_dir / "manifest.json"

    # -- finding artifacts ------------------------------------------------------------------------
    def marker(self, need: str) -> Path:
        """The file whose presence shows this run has artifact `need` (one of ARTIFACTS)."""
        if need not in ARTIFACTS:
            raise ValueError(f"unknown artifact {need!r}; choose one of {sorted(ARTIFACTS)}")
        return ARTIFACTS[need](self)

    def has(self, need: str) -> bool:
        return self.marker(need).is_file()

    @classmethod
    def runs(cls, outputs_root: str | Path) -> list[RunLayout]:
        """Every run folder directly under `outputs_root` (none when it does not exist)."""
        root = Path(outputs_root)
        return [cls(p) for p in sorted(root.iterdir()) if p.is_dir()] if root.is_dir() else []

    @property
    def catalog(self) -> str:
        """The tools this run's data is over: notebook 01's `catalog` as given ('' = the 16 assistant
        tools), from the data manifest; '' when there is no data yet."""
        try:
            manifest = json.loads((self.data_dir / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return ""
        return str(manifest.get("catalog") or "") if isinstance(manifest, dict) else ""

    @classmethod
    def newest(cls, outputs_root: str | Path, need: str, catalog: str | None = None) -> RunLayout | None:
        """The run under `outputs_root` whose `need` artifact was written last; None if no run has it.
        With `catalog`, only runs over that catalog count ('' = the assistant's tools): a classifier or
        planner trained on other tools must not be served for these."""
        found = [run for run in cls.runs(outputs_root) if run.has(need) and (catalog is None or run.catalog == catalog)]
        return max(found, key=lambda run: run.marker(need).stat().st_mtime) if found else None

    def locate(self, need: str, catalog: str | None = None) -> RunLayout | None:
        """This run if it has `need`, else the newest run beside it (same outputs folder, over `catalog`
        when given) that has it."""
        return self if self.has(need) else RunLayout.newest(self.run_dir.parent, need, catalog)


# artifact name -> the file that proves a run has it (written last by the step that makes it)
ARTIFACTS: dict[str, Callable[[RunLayout], Path]] = {
    "data": lambda run: run.split("test"),
    "synthesis": lambda run: run.result(STEPS[0]),
    "classifier": lambda run: run.classifier_dir / "toolrag.json",
    "toolrag": lambda run: run.result(TOOLRAG),
    "adapter": lambda run: run.best_adapter / "adapter_config.json",
    "finetune": lambda run: run.result(FINETUNE),
    "quant": lambda run: run.result(QUANT),
    "evaluation": lambda run: run.result(EVALUATE),
}
