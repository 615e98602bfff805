"""Matplotlib figures for notebooks and reports, without pyplot: no backend switch, atomic PNG writes.

`new_figure` makes a `matplotlib.figure.Figure` drawn by its own Agg canvas, never registered with
pyplot: importing or calling this leaves a Jupyter user's backend (and pyplot's figure list) alone,
and it works headless (papermill, CI) and from worker threads. `save_figure` renders the PNG in memory
and writes it with `tinyagent.atomic`, so a crash never leaves half an image.

Example:
    >>> import tempfile
    >>> fig = new_figure(figsize=(3, 2)); _ = fig.subplots().plot([1, 2])
    >>> save_figure(fig, Path(tempfile.mkdtemp()) / "line.png").name
    'line.png'
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from tinyagent.atomic import write_bytes_atomic


def new_figure(**kwargs: Any) -> Figure:
    """A Figure (`figsize=`, `layout=`, ... as for `Figure`) with an Agg canvas and no pyplot state."""
    fig = Figure(**kwargs)
    FigureCanvasAgg(fig)  # attaches itself as fig.canvas
    return fig


def save_figure(fig: Figure, path: str | Path, dpi: int = 110, bbox_inches: str | None = "tight") -> Path:
    """Write `fig` to `path` as PNG atomically (temporary file + rename); returns the path.

    Nothing is closed (there is no pyplot state to clean up): a notebook cell can still return `fig`.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches=bbox_inches)
    return write_bytes_atomic(path, buf.getvalue())
