"""What each notebook hands to the next: one small typed result per step, saved as JSON.

Each result is a frozen dataclass with `save(step_dir)` / `load(step_dir)` on `<step_dir>/result.json`
(atomic write). Loading checks the file against the dataclass: a missing file names the notebook
that writes it, a missing or unknown key names the file and key. Paths inside the run folder are
stored relative to it, so a run folder can be moved or copied whole.

The results live together here, not beside the code that produces them, because their readers (the
main job, the `ask` command, the demo) must load them without importing torch: `tinyagent.toolrag`
and `tinyagent.train` load model libraries on import. This module imports only `tinyagent.layout`
and `TrainConfig` (plain dataclasses).

Example:
    >>> import tempfile
    >>> run = RunLayout(Path(tempfile.mkdtemp()) / "r")
    >>> _ = ToolRAGResult(run.classifier_dir, 0.5, "all-MiniLM-L6-v2", []).save(run.toolrag_dir)
    >>> back = ToolRAGResult.load(run.toolrag_dir)
    >>> back.classifier_dir == run.classifier_dir, back.threshold
    (True, 0.5)
    >>> (run.toolrag_dir / "result.json").read_text().count('"02_toolrag/classifier"')
    1
    >>> FinetuneResult.load(run.finetune_dir)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: .../03_lora_finetune/result.json is missing: run notebooks/03_lora_finetune.ipynb first ...
"""
from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from tinyagent.atomic import write_json_atomic
from tinyagent.layout import EVALUATE, FINETUNE, QUANT, RESULT_FILE, STEPS, TOOLRAG, RunLayout
from tinyagent.train.config import TrainConfig

# Keys every Table 1 row (tinyagent.toolrag.table.SelectorRow.to_dict) and Table 2 row
# (tinyagent.study.quantization.table2_row) must carry; tests/test_artifacts.py checks both producers.
TABLE1_KEYS = ("selector", "records", "record_recall", "mean_recall", "avg_tools", "avg_prompt_tokens")
TABLE2_KEYS = ("name", "label", "gguf", "quant", "qat", "size_bytes", "n", "successes", "success_rate", "ci95",
               "latency_p50_s", "latency_p95_s", "eval_dir")

R = TypeVar("R", bound="StepResult")


class ResultError(ValueError):
    """A result.json breaks its contract; the message names the file, row and key."""


class StepSkipped(Exception):
    """A notebook has nothing to do with this run's inputs (e.g. no GGUF to quantize); the message says why.

    The main job reports the step as not applicable and goes on; run by hand, the notebook stops here.
    """


def _encode(value: Any, run_dir: Path) -> Any:
    if isinstance(value, Path):
        try:
            return value.resolve().relative_to(run_dir.resolve()).as_posix()
        except ValueError:
            return str(value)  # outside the run (e.g. the offline base model): kept as given
    if isinstance(value, TrainConfig):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: _encode(v, run_dir) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v, run_dir) for v in value]
    return value


def _path(text: str, run_dir: Path) -> Path:
    p = Path(text)
    return p if p.is_absolute() else run_dir / p


def _decode(hint: Any, value: Any, run_dir: Path) -> Any:
    """`value` from JSON as the field type `hint` says: Path, TrainConfig, dict[str, Path], or optional ones."""
    if value is None:
        return None
    if hint is Path:
        return _path(value, run_dir)
    if hint is TrainConfig:
        return TrainConfig.from_dict(value)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return _decode(next(a for a in args if a is not type(None)), value, run_dir)
    if origin is dict and len(args) == 2 and args[1] is Path:
        return {k: _path(v, run_dir) for k, v in value.items()}
    return value


class StepResult:
    """Mixin for a step's result dataclass: JSON save/load in the step's folder."""

    STEP: ClassVar[str]  # the notebook that writes it, e.g. "02_toolrag"

    def save(self, step_dir: str | Path) -> Path:
        """Write `<step_dir>/result.json` atomically; returns its path."""
        step_dir = Path(step_dir)
        data = {f.name: _encode(getattr(self, f.name), step_dir.parent) for f in dataclasses.fields(self)}
        return write_json_atomic(step_dir / RESULT_FILE, {"step": self.STEP, **data})

    @classmethod
    def load(cls: type[R], step_dir: str | Path) -> R:
        """Read `<step_dir>/result.json`; FileNotFoundError naming the notebook when it is missing."""
        path = Path(step_dir) / RESULT_FILE
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run notebooks/{cls.STEP}.ipynb first "
                                    f"(with the same run_dir)")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ResultError(f"{path}: not valid JSON ({exc})") from None
        if not isinstance(data, dict) or data.pop("step", None) != cls.STEP:
            raise ResultError(f"{path}: not a {cls.STEP} result (expected an object with step={cls.STEP!r})")
        names = {f.name for f in dataclasses.fields(cls)}
        required = {f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING}
        missing, unknown = sorted(required - set(data)), sorted(set(data) - names)
        if missing or unknown:
            raise ResultError(f"{path}: missing key(s) {missing}, unknown key(s) {unknown}")
        hints = typing.get_type_hints(cls)
        try:
            return cls(**{k: _decode(hints[k], v, path.parent.parent) for k, v in data.items()})
        except (TypeError, ValueError) as exc:
            raise ResultError(f"{path}: {exc}") from None


def skip_step(reason: str, *, save: StepResult | None = None, step_dir: str | Path | None = None) -> typing.NoReturn:
    """Stop a notebook that has nothing to do: first save `save` in `step_dir` (if given) for later steps.

    >>> skip_step("no GGUF to quantize")
    Traceback (most recent call last):
    ...
    tinyagent.artifacts.StepSkipped: no GGUF to quantize
    """
    if save is not None:
        if step_dir is None:
            raise ValueError("skip_step: save needs step_dir")
        save.save(step_dir)
    raise StepSkipped(reason)


def check_rows(rows: Any, keys: tuple[str, ...], where: str) -> None:
    """Each row a dict with every key in `keys`; ResultError naming the row and the missing keys."""
    if not isinstance(rows, list):
        raise ResultError(f"{where}: expected a list of rows, got {type(rows).__name__}")
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ResultError(f"{where} row {i}: expected an object, got {row!r}")
        missing = [k for k in keys if k not in row]
        if missing:
            raise ResultError(f"{where} row {i}: missing key(s) {missing}; the row has {sorted(row)}")


@dataclass(frozen=True)
class SynthResult(StepResult):
    """Notebook 01: the splits it wrote."""

    STEP: ClassVar[str] = STEPS[0]
    data_dir: Path  # holds train/val/test.jsonl and manifest.json
    splits: dict[str, Path]  # split name -> JSONL file
    counts: dict[str, int]  # split name -> records
    generator: str  # "offline" or "llm"
    seed: int


@dataclass(frozen=True)
class ToolRAGResult(StepResult):
    """Notebook 02: the trained classifier and Table 1's selector rows."""

    STEP: ClassVar[str] = TOOLRAG
    classifier_dir: Path  # ToolClassifier.load() this
    threshold: float  # tuned selection threshold
    encoder: str  # the encoder the classifier was trained from
    table1: list[dict[str, Any]]  # SelectorRow.to_dict() per selector (TABLE1_KEYS at least)

    def __post_init__(self) -> None:
        check_rows(self.table1, TABLE1_KEYS, "table1")


@dataclass(frozen=True)
class FinetuneResult(StepResult):
    """Notebook 03: the best adapter and the GGUFs exported from it (none when export was off)."""

    STEP: ClassVar[str] = FINETUNE
    config: TrainConfig  # the run's configuration (config.model is the base model)
    steps: int  # optimizer steps done
    best_step: int | None  # step of the best validation score (None: never validated)
    best_val_success: float | None  # that score
    adapter_dir: Path  # the best LoRA adapter
    gguf: dict[str, Path] = field(default_factory=dict)  # "f16", "q4_0", ... -> GGUF; {} when not exported


@dataclass(frozen=True)
class QuantResult(StepResult):
    """Notebook 04: the QAT GGUFs, Table 2's model rows and the planner handed on for serving."""

    STEP: ClassVar[str] = QUANT
    gguf: dict[str, Path]  # Table 2 model name (base, f16, q4_0, f16_qat, q4_0_qat) -> GGUF evaluated
    planner_gguf: Path | None  # the model to serve and evaluate further (QAT Q4_0); None when skipped
    table2: list[dict[str, Any]]  # one row per model (TABLE2_KEYS at least), in gguf order
    selector: str = ""  # the tool selection every Table 2 model planned with
    skipped: str = ""  # why notebook 04 did nothing ('' when it ran)
    grammar: bool = False  # serve planner_gguf with grammar-constrained decoding (chosen on validation)

    def __post_init__(self) -> None:
        check_rows(self.table2, TABLE2_KEYS, "table2")
        names = [(r["name"], r.get("split", "test")) for r in self.table2]
        if len(set(names)) != len(names):
            raise ResultError(f"table2 (model, split) pairs repeat: {names}")


@dataclass(frozen=True)
class EvalResult(StepResult):
    """Notebook 05: which planner was evaluated and its success per selector and NesTools setting."""

    STEP: ClassVar[str] = EVALUATE
    planner_gguf: Path  # the GGUF evaluated
    planner_chosen_by: str  # why that one (parameter, notebook 04, offline default)
    table1_success: dict[str, dict[str, Any]]  # selector kind -> harness summary["paper"]
    nestools: dict[str, dict[str, Any]]  # decoding setting -> harness summary["paper"]
    notes: list[str] = field(default_factory=list)  # what was missing


@dataclass(frozen=True)
class ServedConfig:
    """What `ask` serves from a run: the planner GGUF and the ToolRAG classifier beside it."""

    run_dir: Path  # the run the planner comes from
    planner_gguf: Path  # 04's QAT Q4_0 planner, else 03's Q4_0 (or f16) export
    classifier_dir: Path | None  # the classifier of that run, else the newest one; None: show all tools
    grammar: bool = False  # decode constrained by the plan grammar (notebook 04's choice on validation)


def served_planner(run: RunLayout) -> Path | None:
    """The GGUF a run serves: notebook 04's planner_gguf, else notebook 03's q4_0, else its f16."""
    candidates: list[Path] = []
    if run.has("quant"):
        gguf = QuantResult.load(run.quant_dir).planner_gguf
        candidates += [gguf] if gguf else []
    if run.has("finetune"):
        exported = FinetuneResult.load(run.finetune_dir).gguf
        candidates += [exported[k] for k in ("q4_0", "f16") if k in exported]
    return next((p for p in candidates if p.is_file()), None)


def find_served(outputs_root: str | Path = "outputs", prefer: RunLayout | None = None,
                catalog: str | None = None) -> ServedConfig | None:
    """The served planner GGUF and classifier of the newest run under `outputs_root` that exported one
    (`prefer`'s own, when that run has one). None when no run has: callers then use the offline
    SmolLM2 and say so.

    Usage (the `ask` command): `served = find_served("outputs")`, then plan with `served.planner_gguf`
    and select tools with the classifier in `served.classifier_dir` (None: all tools).
    """
    own = served_planner(prefer) if prefer is not None else None
    if prefer is not None and own is not None:
        run, gguf = prefer, own
    else:
        served = [(run, gguf) for run in RunLayout.runs(outputs_root)
                  if (catalog is None or run.catalog == catalog) and (gguf := served_planner(run))]
        if not served:
            return None
        run, gguf = max(served, key=lambda pair: pair[1].stat().st_mtime)
    located = run.locate("classifier", catalog=run.catalog)  # a classifier over the planner's own tools
    return ServedConfig(run.run_dir, gguf, located.classifier_dir if located else None, served_grammar(run, gguf))


def served_grammar(run: RunLayout, gguf: Path) -> bool:
    """Whether notebook 04 chose grammar-constrained decoding for `gguf` (False for 03's exports)."""
    if not run.has("quant"):
        return False
    quant = QuantResult.load(run.quant_dir)
    return bool(quant.grammar) and quant.planner_gguf == gguf


def served_from_report(run: RunLayout) -> ServedConfig | None:
    """The `served` entry the main job wrote into the run's report.json, if its planner file exists
    (None: no report, no entry, or a planner since deleted)."""
    try:
        served = json.loads(run.report_json.read_text(encoding="utf-8")).get("served")
    except (OSError, ValueError, AttributeError):  # missing, unreadable or not a JSON object
        return None
    if not isinstance(served, dict) or not served.get("model") or not Path(served["model"]).is_file():
        return None
    classifier = served.get("classifier_dir")
    usable = classifier and (Path(classifier) / "toolrag.json").is_file()
    return ServedConfig(run.run_dir, Path(served["model"]), Path(classifier) if usable else None,
                        served.get("grammar") is True)


def newest_served(outputs_root: str | Path, prefer: RunLayout | None = None, catalog: str = "") -> ServedConfig | None:
    """What `ask` and the demo serve: `prefer`'s own planner if it has one, else the `served` entry of
    the newest report.json under `outputs_root` (the main job's record), else `find_served` (runs
    made by hand, without a report). Only runs over `catalog` count ('' = the assistant's tools; a
    user's module path as notebook 01 was given it). None: no such run has a planner.

    >>> import tempfile
    >>> newest_served(tempfile.mkdtemp()) is None
    True
    """
    if prefer is not None and served_planner(prefer) is not None:
        return find_served(outputs_root, prefer=prefer)
    reported = [(run, s) for run in RunLayout.runs(outputs_root)
                if run.catalog == catalog and (s := served_from_report(run))]
    if reported:
        return max(reported, key=lambda pair: pair[0].report_json.stat().st_mtime)[1]
    return find_served(outputs_root, catalog=catalog)
