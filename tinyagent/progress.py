"""Progress bars that suit where the code runs.

On a terminal: tqdm's text bar on stderr, as usual. In a Jupyter kernel (JupyterLab, or papermill
running the notebook series): the same plain-text bar on stdout, redrawn at most once a second.
Not stderr, which notebooks show as a pink error block, and not tqdm's widget bar, which a notebook
executed by papermill stores as a widget without state (an empty box in the saved copy).

Example:
    >>> import io
    >>> out = io.StringIO()
    >>> for _ in progress(range(3), desc="eval", file=out):
    ...     pass
    >>> "eval: 100%" in out.getvalue()
    True
"""
from __future__ import annotations

import sys
from typing import Any, Iterable

from tqdm import tqdm


def in_kernel() -> bool:
    """True inside a Jupyter kernel (ipykernel replaces sys.stdout with its own stream)."""
    return "ipykernel" in sys.modules and type(sys.stdout).__module__.startswith("ipykernel")


def progress(iterable: Iterable[Any] | None = None, **kwargs: Any) -> tqdm:
    """A tqdm bar (same arguments as `tqdm.tqdm`) that renders well on a terminal and in notebooks."""
    if in_kernel():
        kwargs.setdefault("file", sys.stdout)
        kwargs.setdefault("mininterval", 1.0)  # each redraw is kept in the saved notebook's output
        kwargs.setdefault("ncols", 100)  # a kernel has no terminal width to measure
    else:
        kwargs.setdefault("file", sys.stderr)
    return tqdm(iterable, **kwargs)
