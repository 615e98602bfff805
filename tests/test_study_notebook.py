"""Notebook 05 runs top to bottom under papermill on tiny inputs, with the real llama.cpp planner.

Inputs are built in a run layout as notebooks 01/02/04 would leave them: a test split, 02's result
and a saved (untrained) classifier, 04's result whose eval dirs come from the real harness and whose
planner_gguf is the offline SmolLM2. One record per run and 4 tokens per plan keep it short.

Usage: .venv/bin/python -m pytest tests/test_study_notebook.py -q
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.test_study import quant_row, scripted_eval, toolrag_dir
from tests.test_study_eval import NESTOOLS
from tinyagent.artifacts import EvalResult, QuantResult
from tinyagent.layout import RunLayout
from tinyagent.planner.models import default_planner_gguf

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "05_evaluate.ipynb"


@pytest.mark.skipif(not NESTOOLS.exists(), reason=f"NesTools data not found at {NESTOOLS}")
def test_notebook_runs_with_papermill(tmp_path: Path):
    import papermill as pm

    from tinyagent.toolrag.classifier import ClassifierConfig, ToolClassifier

    run = RunLayout(tmp_path / "run")
    toolrag = toolrag_dir(tmp_path, run.toolrag_dir)  # also writes tmp_path/test.jsonl
    run.data_dir.mkdir(parents=True)
    shutil.copy(tmp_path / "test.jsonl", run.split("test"))
    # An untrained head selects nothing at 0.99, so the classifier run falls back to all 16 tools: the same
    # prompt as no RAG, which llama.cpp's prompt cache makes cheap (the test stays well under a minute idle).
    ToolClassifier.fresh(ClassifierConfig(threshold=0.99)).save(toolrag / "classifier")
    base = scripted_eval(tmp_path, "base", {"Show Paris on the map"})
    QuantResult({"base": default_planner_gguf()}, default_planner_gguf(),
                [quant_row(base, "base", "Q4_1", False, 98_000_000)]).save(run.quant_dir)
    out = run.eval_dir
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "05.ipynb"), cwd=str(NOTEBOOK.parents[1]), progress_bar=False,
                        parameters={"run_dir": str(run.run_dir), "nestools_path": str(NESTOOLS),
                                    "table1_records": 1, "nestools_records": 1, "max_tokens": 4, "threads": 2})
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["planner_gguf"] == str(default_planner_gguf())
    assert "04_qat_quantize/result.json" in metrics["planner_chosen_by"]
    assert set(metrics["table1"]["success"]) == {"no_rag", "basic_rag", "classifier"}
    assert set(metrics["nestools"]) == {"no_grammar", "grammar"}
    assert all(b["n"] == 1 for b in [*metrics["table1"]["success"].values(), *metrics["nestools"].values()])
    assert [r["name"] for r in metrics["table2"]] == ["base"] and "f16, q4_0, q4_0_qat" in metrics["notes"][0]
    report = (out / "report.md").read_text()
    assert "paper (TinyLlama-1.1B)" in report and "### Notes" in report and "| model base | test | Q4_1 |" in report
    for png in ("success_latency_size", "error_taxonomy", "success_by_shape", "nestools"):
        assert (out / f"{png}.png").stat().st_size > 1000
    assert json.loads((run.nestools_eval_dir / "grammar/config.json").read_text())["grammar"] is True
    result = EvalResult.load(out)
    assert result.planner_gguf == default_planner_gguf() and set(result.nestools) == {"no_grammar", "grammar"}
    classifier = json.loads((run.table1_eval_dir / "classifier/summary.json").read_text())
    assert classifier["selection"]["tools_per_query"] == 16 and classifier["settings"]["threshold"] == 0.99
