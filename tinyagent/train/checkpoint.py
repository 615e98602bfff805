"""Resumable checkpoints (adapter + optimizer + scheduler + RNG + position) and the JSONL loss log.

A checkpoint is a folder `checkpoints/step-NNNNNN/` written under a temporary name and renamed into
place, so a folder that exists is complete. It holds the LoRA adapter (peft `save_pretrained`) and
`state.pt` (optimizer, scheduler, RNG states, step, epoch, the epoch's data order). Only the newest
`keep` checkpoints are kept.

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> append_log(d / "log.jsonl", {"step": 1, "loss": 2.0}); append_log(d / "log.jsonl", {"step": 2, "loss": 1.0})
    >>> truncate_log(d / "log.jsonl", after_step=1); [r["step"] for r in read_log(d / "log.jsonl")]
    [1]
    >>> latest_checkpoint(d) is None
    True
"""
from __future__ import annotations

import json
import logging
import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tinyagent.atomic import atomic_open

log = logging.getLogger(__name__)

STATE_FILE = "state.pt"


def rng_state() -> dict[str, Any]:
    """Python, numpy and torch RNG states (CUDA too when present)."""
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(run_dir: Path, model: Any, optimizer: Any, scheduler: Any, position: dict[str, Any],
                    keep: int = 2) -> Path:
    """Write checkpoint `step-<position['step']>` atomically; return its folder."""
    root = Path(run_dir) / "checkpoints"
    final = root / f"step-{position['step']:06d}"
    tmp = root / f".tmp-{final.name}"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp / "adapter")
    state = {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "rng": rng_state(),
             **position}
    torch.save(state, tmp / STATE_FILE)
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    for old in sorted(root.glob("step-*"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    log.info("checkpoint written: %s", final)
    return final


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest complete checkpoint folder of a run, or None."""
    found = sorted(p for p in (Path(run_dir) / "checkpoints").glob("step-*") if (p / STATE_FILE).is_file())
    return found[-1] if found else None


def load_checkpoint(path: Path, model: Any, optimizer: Any, scheduler: Any) -> dict[str, Any]:
    """Restore adapter weights, optimizer, scheduler and RNG from `path`; return the saved position."""
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    adapter = Path(path) / "adapter" / "adapter_model.safetensors"
    if not adapter.is_file():
        raise FileNotFoundError(f"checkpoint {path} has no adapter weights ({adapter})")
    result = set_peft_model_state_dict(model, load_file(adapter))
    if getattr(result, "unexpected_keys", None):
        raise ValueError(f"checkpoint {path} does not fit this model: unexpected keys {result.unexpected_keys[:5]}")
    state = torch.load(Path(path) / STATE_FILE, weights_only=False)  # our own file: RNG states need pickle
    optimizer.load_state_dict(state.pop("optimizer"))
    scheduler.load_state_dict(state.pop("scheduler"))
    set_rng_state(state.pop("rng"))
    return state


def append_log(path: Path, row: dict[str, Any]) -> None:
    """Append one JSON line (the log grows during training; a crash loses at most the last line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(row) + "\n")


def read_log(path: Path) -> list[dict[str, Any]]:
    """All complete rows of a JSONL log (a torn last line is skipped)."""
    if not Path(path).is_file():
        return []
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            log.warning("skipping a torn line in %s", path)
    return rows


def truncate_log(path: Path, after_step: int) -> None:
    """Drop rows logged after `after_step` (work a resumed run will redo), atomically."""
    rows = [r for r in read_log(path) if r.get("step", 0) <= after_step]
    with atomic_open(path) as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
