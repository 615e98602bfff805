"""tinyagent.study.evaluation: Table 1 and NesTools planner runs through the real harness.

A scripted planner stands in for llama.cpp; the selectors (classifier, basic RAG) and NesTools are real.

Usage: .venv/bin/python -m pytest tests/test_study_eval.py -q
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.test_study import GOLD, WRONG, write_test_data
from tinyagent.agent.scripted import ScriptedBackend
from tinyagent.evaluate import ConfigMismatch, load_eval_records
from tinyagent.study.evaluation import EvalRun, base_settings, nestools_runs, run_suite, table1_runs
from tinyagent.toolrag.selection import AllTools

NESTOOLS = Path(os.environ.get("NESTOOLS_PATH", Path(__file__).resolve().parents[2]
                               / "shared/data/external/nestools/test_data.jsonl"))


def question(messages) -> str:
    return messages[-1]["content"].removeprefix("Question: ")


def test_suite_resumes_and_restarts_when_settings_change(tmp_path: Path):
    data = write_test_data(tmp_path)
    model = tmp_path / "m.gguf"
    model.write_bytes(b"weights v1")
    records = load_eval_records(data)
    backend = ScriptedBackend(lambda m: GOLD[question(m)] if "Sid" in question(m) else WRONG)
    runs = [EvalRun("all", "all tools", AllTools())]
    s = run_suite(runs, records[:2], backend, out_dir=tmp_path / "out", base=base_settings(data, model, 256),
                  progress=False)
    assert s["all"]["paper"]["successes"] == 1 and s["all"]["n"] == 2 and backend.calls == 2
    s = run_suite(runs, records, backend, out_dir=tmp_path / "out", base=base_settings(data, model, 256),
                  progress=False)  # two more records: only those are planned
    assert backend.calls == 4 and s["all"]["n"] == 4 and s["all"]["paper"]["successes"] == 2
    model.write_bytes(b"weights v2")  # a new planner: every record is planned again
    s = run_suite(runs, records, backend, out_dir=tmp_path / "out", base=base_settings(data, model, 256),
                  progress=False)
    assert backend.calls == 8 and s["all"]["n"] == 4
    config = json.loads((tmp_path / "out/all/config.json").read_text())
    assert config["model_sha256"] == base_settings(data, model, 256)["model_sha256"]
    assert config["selector"] == "all tools"


def test_suite_never_deletes_a_folder_holding_other_files(tmp_path: Path):
    data = write_test_data(tmp_path)
    records = load_eval_records(data)
    runs = [EvalRun("all", "all tools", AllTools())]
    run_suite(runs, records[:1], ScriptedBackend([WRONG]), out_dir=tmp_path, base=base_settings(data, data, 64),
              progress=False)
    (tmp_path / "all" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigMismatch, match=r"holds other files \['notes.txt'\]"):
        run_suite(runs, records[:1], ScriptedBackend([WRONG]), out_dir=tmp_path, base=base_settings(data, data, 8),
                  progress=False)
    assert (tmp_path / "all" / "notes.txt").exists()
    with pytest.raises(ValueError, match="no records"):
        run_suite(runs, [], ScriptedBackend([WRONG]), out_dir=tmp_path, base={}, progress=False)


@pytest.mark.skipif(not NESTOOLS.exists(), reason=f"NesTools data not found at {NESTOOLS}")
def test_nestools_runs_plan_with_each_records_own_tools(tmp_path: Path):
    records = load_eval_records(NESTOOLS)[:3]
    gold = {r.query: r.plan for r in records}
    backend = ScriptedBackend(lambda m: gold[question(m)])
    s = run_suite(nestools_runs(), records, backend, out_dir=tmp_path, base=base_settings(NESTOOLS, NESTOOLS, 256),
                  progress=False)
    assert set(s) == {"no_grammar", "grammar"}
    assert all(x["paper"]["successes"] == 3 and x["backend_errors"] == 0 for x in s.values())
    assert s["grammar"]["settings"]["grammar"] is True and s["no_grammar"]["settings"]["grammar"] is False
    for record, messages in zip(records * 2, backend.prompts, strict=True):
        prompt = "\n".join(m["content"] for m in messages)
        assert all(tool in prompt for tool in record.tools) and "send_sms" not in prompt
    rows = [json.loads(x) for x in (tmp_path / "grammar/predictions.jsonl").read_text().splitlines()]
    assert [r["selected"] for r in rows] == [[t["function"]["name"] for t in r.catalog] for r in records]


def test_table1_runs_load_the_saved_classifier(tmp_path: Path):
    from tinyagent.toolrag.classifier import ClassifierConfig, ToolClassifier
    clf = ToolClassifier.fresh(ClassifierConfig(threshold=0.3))
    clf.save(tmp_path / "classifier")
    runs = table1_runs(tmp_path / "classifier")
    assert [r.key for r in runs] == ["no_rag", "classifier", "basic_rag"]
    assert [r.label for r in runs] == ["no RAG", "classifier (t=0.30)", "basic RAG top-3"]
    assert dict(runs[1].extra)["threshold"] == 0.3 and dict(runs[2].extra) == {"k": 3}
    records = load_eval_records(write_test_data(tmp_path))[:1]
    s = run_suite(runs, records, ScriptedBackend([WRONG]), out_dir=tmp_path / "out",
                  base=base_settings(tmp_path / "test.jsonl", tmp_path / "test.jsonl", 32), progress=False)
    assert s["no_rag"]["selection"]["tools_per_query"] == 16 and s["basic_rag"]["selection"]["tools_per_query"] == 3
