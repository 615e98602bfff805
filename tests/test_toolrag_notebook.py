"""Notebook 02 runs top to bottom under papermill with tiny parameters; then notebook 06 and the
classifier lookup, run standalone in another run folder beside it, find the classifier 02 trained.

Usage: .venv/bin/python -m pytest tests/test_toolrag_notebook.py -q
"""
from __future__ import annotations

import json
from pathlib import Path

from tinyagent.artifacts import ToolRAGResult
from tinyagent.layout import RunLayout
from tinyagent.synth.pipeline import synthesize

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOK = NOTEBOOKS / "02_toolrag.ipynb"


def test_notebook_runs_with_papermill(tmp_path):
    import papermill as pm
    repo = NOTEBOOK.parents[1]
    run = RunLayout(tmp_path / "outputs" / "a")
    synthesize(200, seed=1, out_dir=run.data_dir)
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "02.ipynb"), cwd=str(repo), progress_bar=False,
                        parameters={"run_dir": str(run.run_dir), "epochs": 1, "batch_size": 16,
                                    "max_train_records": 48, "seed": 0, "recall_target": 0.9})
    out = run.toolrag_dir
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["splits"]["train"] == 48 and metrics["steps"] == 3
    rows = {r["selector"].split(" (")[0]: r for r in metrics["table1"]}
    assert set(rows) == {"no RAG", "basic RAG top-3", "basic RAG top-6", "basic RAG: 1 nearest queries",
                         "basic RAG: 3 nearest queries", "classifier"}
    # The paper's basic RAG shows the tools of the nearest training queries: one neighbour, fewer tools.
    assert rows["basic RAG: 1 nearest queries"]["avg_tools"] <= rows["basic RAG: 3 nearest queries"]["avg_tools"]
    assert rows["basic RAG: 3 nearest queries"]["record_recall"] >= rows["basic RAG: 1 nearest queries"]["record_recall"]
    assert rows["no RAG"]["record_recall"] == 1.0 and rows["no RAG"]["avg_tools"] == 16
    assert rows["basic RAG top-3"]["avg_tools"] == 3
    assert rows["basic RAG top-3"]["avg_prompt_tokens"] < rows["no RAG"]["avg_prompt_tokens"]
    assert len(metrics["threshold_curve"]["threshold"]) == 99
    for png in ("loss.png", "table1.png", "threshold.png"):
        assert (out / png).stat().st_size > 1000
    assert (run.classifier_dir / "toolrag.json").is_file()
    result = ToolRAGResult.load(out)
    assert result.classifier_dir == run.classifier_dir and result.threshold == metrics["threshold"]
    assert result.table1 == metrics["table1"]

    # Standalone, in a fresh run folder beside it: the lookup and notebook 06 find 02's classifier.
    other = RunLayout(tmp_path / "outputs" / "b")
    assert other.locate("classifier") == run and RunLayout.newest(tmp_path / "outputs", "classifier") == run
    pm.execute_notebook(str(NOTEBOOKS / "06_live_demo.ipynb"), str(tmp_path / "06.ipynb"), cwd=str(repo),
                        progress_bar=False, parameters={"run_dir": str(other.run_dir), "planner": "scripted",
                                                        "threads": 1})
    demo = json.loads(other.metrics("06_live_demo").read_text())
    assert demo["classifier_dir"] == str(run.classifier_dir) and demo["selector_note"] is None
    assert demo["task_states"] == {"1": "done", "2": "done", "3": "done", "4": "done"}
    assert other.demo_workspace.is_dir()

    # `ask --selector classifier` run from a folder whose outputs/ holds that run: it finds the classifier.
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-m", "tinyagent", "ask", "text sid that im late", "--yes",
                           "--selector", "classifier", "--max-tokens", "8", "--joiner", "fallback"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "PYTHONPATH": str(repo)})
    assert f"tools chosen by: ToolRAG classifier {run.classifier_dir.resolve()}" in done.stderr, done.stderr[-2000:]
