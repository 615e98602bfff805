"""Figures: importing the plotting modules never switches matplotlib's backend; PNGs are written atomically.

Usage: .venv/bin/python -m pytest tests/test_figures.py -q
"""
import os
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import pytest
from matplotlib.figure import Figure

from tinyagent.figures import new_figure, save_figure

REPO = Path(__file__).resolve().parents[1]


def test_importing_plot_modules_keeps_the_users_backend():
    code = ("import tinyagent.figures, tinyagent.toolrag.plots, tinyagent.study.plots, tinyagent.train.curves, "
            "tinyagent.synth.report; import matplotlib, sys; "
            "assert matplotlib.get_backend() == 'svg', matplotlib.get_backend(); "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'")
    env = {**os.environ, "MPLBACKEND": "svg", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def test_save_figure_writes_a_png_and_leaves_no_temporary_file(tmp_path):
    fig = new_figure(figsize=(2, 1))
    fig.subplots().plot([1, 2, 3])
    path = save_figure(fig, tmp_path / "sub" / "line.png", dpi=50, bbox_inches=None)
    assert isinstance(fig, Figure) and path == tmp_path / "sub" / "line.png"
    assert mpimg.imread(path).shape[:2] == (50, 100)
    assert [p.name for p in path.parent.iterdir()] == ["line.png"]


def test_a_failed_save_keeps_the_old_png(tmp_path):
    path = tmp_path / "line.png"
    path.write_bytes(b"old")
    fig = new_figure()
    fig.subplots().plot([1, 2])
    with pytest.raises(ValueError):
        save_figure(fig, path, dpi=-1)  # matplotlib refuses before anything is written
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["line.png"]
