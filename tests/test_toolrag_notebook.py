"""Notebook 02 runs top to bottom under papermill with tiny parameters.

Usage: .venv/bin/python -m pytest tests/test_toolrag_notebook.py -q
"""
from __future__ import annotations

import json
from pathlib import Path

from tinyagent.synth.pipeline import synthesize

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "02_toolrag.ipynb"


def test_notebook_runs_with_papermill(tmp_path):
    import papermill as pm
    repo = NOTEBOOK.parents[1]
    data, out = tmp_path / "data", tmp_path / "out"
    synthesize(200, seed=1, out_dir=data)
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "02.ipynb"), cwd=str(repo), progress_bar=False,
                        parameters={"data_dir": str(data), "output_dir": str(out), "epochs": 1, "batch_size": 16,
                                    "max_train_records": 48, "seed": 0, "recall_target": 0.9})
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["splits"]["train"] == 48 and metrics["steps"] == 3
    rows = {r["selector"].split(" (")[0]: r for r in metrics["table1"]}
    assert set(rows) == {"no RAG", "basic RAG top-3", "basic RAG top-6", "classifier"}
    assert rows["no RAG"]["record_recall"] == 1.0 and rows["no RAG"]["avg_tools"] == 16
    assert rows["basic RAG top-3"]["avg_tools"] == 3
    assert rows["basic RAG top-3"]["avg_prompt_tokens"] < rows["no RAG"]["avg_prompt_tokens"]
    assert len(metrics["threshold_curve"]["threshold"]) == 99
    for png in ("loss.png", "table1.png", "threshold.png"):
        assert (out / png).stat().st_size > 1000
    assert (out / "classifier" / "toolrag.json").is_file()
