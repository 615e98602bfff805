"""Planner backends behind one interface (`PlannerBackend`), and `make_backend` to pick one by name.

Example:
    >>> sorted(BACKENDS), set(BACKEND_OPTIONS) == set(BACKENDS)
    (['llamacpp', 'openai', 'transformers'], True)
    >>> make_backend("vllm")
    Traceback (most recent call last):
    ...
    ValueError: unknown backend kind 'vllm'; use one of ['llamacpp', 'openai', 'transformers']
"""
from __future__ import annotations

from typing import Any, Callable

from tinyagent.planner.backends.base import (GenerationConfig, GenerationStats, Messages, PlannerBackend, StopScanner,
                                             cut_at_stop, generate)


def _llamacpp(model: str | None, **kw: Any) -> PlannerBackend:
    from tinyagent.planner.backends.llamacpp import LlamaCppBackend
    return LlamaCppBackend(model, **kw)


def _transformers(model: str | None, **kw: Any) -> PlannerBackend:
    from tinyagent.planner.backends.hf import TransformersBackend
    return TransformersBackend(model, **kw)


def _openai(model: str | None, **kw: Any) -> PlannerBackend:
    from tinyagent.planner.backends.openai_compat import OpenAIBackend
    if "base_url" not in kw:
        raise ValueError("the openai backend needs base_url=..., e.g. http://127.0.0.1:8000/v1")
    return OpenAIBackend(kw.pop("base_url"), model or "smollm2", **kw)


# kind -> constructor(model, **kwargs); model None means the offline SmolLM2 default
BACKENDS: dict[str, Callable[..., PlannerBackend]] = {
    "llamacpp": _llamacpp,
    "transformers": _transformers,
    "openai": _openai,
}


# kind -> the shared options (see tinyagent.factory) its constructor understands
BACKEND_OPTIONS: dict[str, tuple[str, ...]] = {
    "llamacpp": ("n_ctx", "n_threads"),
    "transformers": ("adapter",),
    "openai": ("base_url",),
}


def make_backend(kind: str, model: str | None = None, **kw: Any) -> PlannerBackend:
    """Build a backend: kind in BACKENDS; `model` a GGUF path / model dir / served model name."""
    if kind not in BACKENDS:
        raise ValueError(f"unknown backend kind {kind!r}; use one of {sorted(BACKENDS)}")
    return BACKENDS[kind](model, **kw)


__all__ = ["BACKENDS", "BACKEND_OPTIONS", "GenerationConfig", "GenerationStats", "Messages", "PlannerBackend", "StopScanner",
           "cut_at_stop", "generate", "make_backend"]
