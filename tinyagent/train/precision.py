"""Base-weight precision chosen by measurement: time real LoRA training steps in float32 and bfloat16.

CPUs differ: on a Xeon with AMX / AVX512-BF16 a bf16 step measured 1.5-1.6x faster than fp32, on an
AMD EPYC 5-15x slower (RESEARCH.md section 8). So `base_dtype="auto"` never looks at the CPU name:
it times a few forward+backward passes of the actual LoRA model on a real training example in each
precision and keeps the faster. LoRA weights stay float32 either way. A clearly slower bf16 (its
first step above `give_up` x the fp32 median) is not timed further, which keeps the probe to seconds.

Example:
    >>> import torch
    >>> m = torch.nn.Linear(4, 4)
    >>> _ = m.weight.requires_grad_(False)
    >>> saved = cast_frozen(m, torch.bfloat16)
    >>> m.weight.dtype, m.bias.dtype
    (torch.bfloat16, torch.float32)
    >>> restore(m, saved); m.weight.dtype
    torch.float32
"""
from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

log = logging.getLogger(__name__)

CANDIDATES = ("float32", "bfloat16")


@dataclass(frozen=True)
class DtypeChoice:
    """The precision picked for the frozen base weights and the step times that decided it."""

    dtype: str  # "float32" or "bfloat16"
    seconds: dict[str, list[float]] = field(default_factory=dict)  # dtype -> timed step seconds (warm-up first)
    median_s: dict[str, float] = field(default_factory=dict)  # dtype -> median of the steps after warm-up
    probe_tokens: int = 0  # tokens of the example the steps ran on

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def cast_frozen(model: torch.nn.Module, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """Cast frozen floating parameters to `dtype`; return the previous tensors (for `restore`)."""
    saved = {}
    for name, p in model.named_parameters():
        if not p.requires_grad and p.is_floating_point() and p.dtype != dtype:
            saved[name] = p.data
            p.data = p.data.to(dtype)
    return saved


def restore(model: torch.nn.Module, saved: dict[str, torch.Tensor]) -> None:
    """Put back the tensors `cast_frozen` replaced (bit-exact: no round trip through the lower precision)."""
    for name, p in model.named_parameters():
        if name in saved:
            p.data = saved[name]


def time_steps(step: Callable[[], None], n: int) -> list[float]:
    """Seconds of `n` calls of `step` (a forward + backward)."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        step()
        out.append(time.perf_counter() - t0)
    return out


def choose_base_dtype(model: torch.nn.Module, step: Callable[[], None], *, repeats: int = 2,
                      give_up: float = 4.0, probe_tokens: int = 0) -> DtypeChoice:
    """Time `step` (forward + backward on `model`) in each candidate dtype; leave `model` in the faster one.

    Each dtype gets one warm-up step plus `repeats` timed ones; the medians after warm-up decide.
    The model must come in float32 (its frozen weights are cast and, if fp32 wins, put back exactly).
    """
    seconds: dict[str, list[float]] = {}
    medians: dict[str, float] = {}
    saved: dict[str, torch.Tensor] = {}
    for name in CANDIDATES:
        saved = cast_frozen(model, getattr(torch, name))  # float32: nothing to cast (the model comes in fp32)
        warm = time_steps(step, 1)
        if name != "float32" and warm[0] > give_up * medians["float32"]:
            seconds[name], medians[name] = warm, warm[0]  # far slower: more steps would only cost time
        else:
            seconds[name] = warm + time_steps(step, repeats)
            medians[name] = statistics.median(seconds[name][1:])
        model.zero_grad(set_to_none=True)
    best = min(CANDIDATES, key=lambda n: medians[n])
    if best == "float32":
        restore(model, saved)
    choice = DtypeChoice(best, {k: [round(s, 4) for s in v] for k, v in seconds.items()},
                         {k: round(v, 4) for k, v in medians.items()}, probe_tokens)
    log.info("base_dtype auto: %s (median step float32 %.3f s, bfloat16 %.3f s, %d tokens)", best,
             medians["float32"], medians["bfloat16"], probe_tokens)
    return choice
