"""Pick a tool backend by name: the real macOS apps, or the sandbox that works anywhere.

It sits above both backends (`tinyagent.macos`, `tinyagent.sandbox`), which sit above the tool
protocol (`tinyagent.tools`): the tools layer never imports a backend.

Example:
    >>> get_backend("macos").name
    'macos'
    >>> get_backend("siri")
    Traceback (most recent call last):
    ...
    ValueError: unknown backend 'siri'; choose one of auto, macos, sandbox
"""
from __future__ import annotations

import platform
from typing import Any

from tinyagent.tools.backend import ToolBackend

BACKENDS = ("auto", "macos", "sandbox")  # auto: macos on Darwin, sandbox elsewhere


def resolve_backend(name: str) -> str:
    """The backend `name` stands for on this machine: `auto` is macos on a Mac, sandbox elsewhere.

    >>> resolve_backend("sandbox")
    'sandbox'
    """
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    if name == "auto":
        return "macos" if platform.system() == "Darwin" else "sandbox"
    return name


def get_backend(name: str = "auto", **kwargs: Any) -> ToolBackend:
    """Build the backend `name` with `kwargs` (e.g. `root=` for the sandbox; see `resolve_backend`)."""
    name = resolve_backend(name)
    # Imported lazily: each backend pulls in only its own dependencies.
    if name == "macos":
        from tinyagent.macos import MacOSBackend
        return MacOSBackend(**kwargs)
    from tinyagent.sandbox import SandboxBackend
    return SandboxBackend(**kwargs)
