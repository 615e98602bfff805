"""Profiles: which notebooks the main job runs, in order, with which parameters (YAML, validated).

A profile file (profiles/<name>.yaml) maps onto `Profile` / `Step`; unknown keys, unknown notebook
parameters and values whose type differs from the notebook's default fail loudly, naming the file,
the step and the key. A profile names sizes only: every notebook gets the run folder as its one
`run_dir` parameter and finds its inputs and outputs there (`tinyagent.layout.RunLayout`), and the
inputs that decide re-running come from `tinyagent.layout.STEP_INPUTS`. Notebook 03 also takes any
`TrainConfig` field (its defaults live in TrainConfig, not in the notebook).

Example:
    >>> p = parse_profile({"name": "t", "description": "d", "steps": [{"notebook": "01_data_synthesis",
    ...     "parameters": {"size": 50}}]}, source="inline", notebooks_dir=NOTEBOOKS_DIR)
    >>> p.steps[0].notebook, p.steps[0].parameters["size"]
    ('01_data_synthesis', 50)
"""
from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import papermill
import yaml

from tinyagent.layout import FINETUNE, STEPS
from tinyagent.train.config import TrainConfig

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = REPO / "notebooks"
PROFILES_DIR = REPO / "profiles"
RUN_DIR_PARAM = "run_dir"  # every notebook's one path parameter: the run folder; the runner sets it


def _train_config_defaults() -> dict[str, Any]:
    """TrainConfig's fields and defaults, less out_dir (the run layout places the training run)."""
    return {k: v for k, v in TrainConfig().to_dict().items() if k != "out_dir"}


# Parameters a notebook takes beyond its parameters cell (name -> default): notebook 03 collects
# TrainConfig fields itself.
CONFIG_PARAMETERS: dict[str, Callable[[], dict[str, Any]]] = {FINETUNE: _train_config_defaults}


class ProfileError(ValueError):
    """A profile file is wrong; the message names the file, step and key."""


@dataclass(frozen=True)
class Step:
    """One notebook run."""

    notebook: str  # file stem under notebooks/, e.g. "01_data_synthesis"
    parameters: dict[str, Any] = field(default_factory=dict)  # overrides of the notebook's parameters cell
    description: str = ""  # one line for the report


@dataclass(frozen=True)
class Profile:
    """A named, ordered list of steps."""

    name: str  # smoke, default, paper, ...
    description: str  # what the profile is for, shown in the report
    steps: tuple[Step, ...]  # run in this order; the first failure stops the run


def _check_keys(raw: Any, cls: type, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ProfileError(f"{where}: expected a mapping with keys {[f.name for f in dataclasses.fields(cls)]}")
    allowed = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ProfileError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    required = {f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    missing = sorted(required - set(raw))
    if missing:
        raise ProfileError(f"{where}: missing key(s) {missing}")
    return raw


def notebook_defaults(path: Path) -> dict[str, Any]:
    """The defaults of every parameter a notebook takes, by name: its `parameters` cell's literals, plus
    the config fields it collects (CONFIG_PARAMETERS)."""
    cell = {name: ast.literal_eval(info["default"]) for name, info in papermill.inspect_notebook(str(path)).items()}
    extra = CONFIG_PARAMETERS.get(path.stem)
    return {**(extra() if extra else {}), **cell}


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return type(value) is type(default)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and (isinstance(default, float) or isinstance(value, int))
    return isinstance(value, type(default))


def _parse_step(raw: Any, where: str, notebooks_dir: Path) -> Step:
    raw = _check_keys(raw, Step, where)
    path = notebooks_dir / f"{raw['notebook']}.ipynb"
    if not path.exists():
        raise ProfileError(f"{where}: notebook {path} does not exist")
    if raw["notebook"] not in STEPS:
        raise ProfileError(f"{where}: {raw['notebook']!r} is not a step of the run layout {STEPS}")
    defaults = notebook_defaults(path)
    params = raw.get("parameters") or {}
    for key, value in params.items():
        if key == RUN_DIR_PARAM:
            raise ProfileError(f"{where}: {RUN_DIR_PARAM!r} is set by the runner (outputs/<run-id>)")
        if key not in defaults:
            raise ProfileError(f"{where}: {raw['notebook']} has no parameter {key!r}; it has {sorted(defaults)}")
        if not _same_type(value, defaults[key]):
            raise ProfileError(f"{where}: parameter {key!r} should be {type(defaults[key]).__name__} like its "
                               f"default {defaults[key]!r}, got {value!r}")
    if RUN_DIR_PARAM not in defaults:
        raise ProfileError(f"{where}: notebook {raw['notebook']} lacks a {RUN_DIR_PARAM!r} parameter")
    return Step(raw["notebook"], dict(params), raw.get("description", ""))


def parse_profile(raw: Any, *, source: str, notebooks_dir: Path = NOTEBOOKS_DIR) -> Profile:
    """Validate a profile mapping (as loaded from YAML)."""
    raw = _check_keys(raw, Profile, source)
    if not isinstance(raw["steps"], list) or not raw["steps"]:
        raise ProfileError(f"{source}: 'steps' must be a non-empty list")
    steps = tuple(_parse_step(s, f"{source}: step {i + 1}", notebooks_dir) for i, s in enumerate(raw["steps"]))
    names = [s.notebook for s in steps]
    if len(set(names)) != len(names):
        raise ProfileError(f"{source}: a notebook appears twice in 'steps': {names}")
    return Profile(str(raw["name"]), str(raw["description"]), steps)


def load_profile(name_or_path: str, *, profiles_dir: Path = PROFILES_DIR) -> Profile:
    """Load profiles/<name>.yaml (or a path to a YAML file) and validate it."""
    path = Path(name_or_path)
    if not path.suffix:
        path = profiles_dir / f"{name_or_path}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in profiles_dir.glob("*.yaml"))
        raise ProfileError(f"no profile {name_or_path!r} ({path} not found); known profiles: {known}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ProfileError(f"{path}: not valid YAML ({e})") from None
    return parse_profile(raw, source=str(path))
