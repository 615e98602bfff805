"""Notebook 01 runs top to bottom under papermill with a tiny size.

Usage: .venv/bin/python -m pytest tests/test_synth_notebook.py -q
"""
from __future__ import annotations

import json
from pathlib import Path

from tinyagent.artifacts import SynthResult
from tinyagent.layout import RunLayout


NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "01_data_synthesis.ipynb"


def test_notebook_runs_with_papermill(tmp_path):
    import papermill as pm
    repo = NOTEBOOK.parents[1]
    run = RunLayout(tmp_path / "run")
    out = run.step_dir("01_data_synthesis")
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "01.ipynb"), cwd=str(repo), progress_bar=False,
                        parameters={"size": 120, "execute_sample": 20, "run_dir": str(run.run_dir)})
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["size"] == 120 and metrics["validation"]["valid"] == 120
    assert metrics["validation"]["executed"] == 20 and metrics["validation"]["execution_failed"] == 0
    assert sum(metrics["splits"].values()) == 120 and (out / "histograms.png").stat().st_size > 1000
    assert run.split("train").exists()
    result = SynthResult.load(out)
    assert result.counts == metrics["splits"] and result.splits["val"] == run.split("val")
