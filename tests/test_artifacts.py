"""The run layout (tinyagent.layout) and the typed step results (tinyagent.artifacts): paths, inputs per
step, finding the newest run with an artifact, save/load round trips, contract errors, find_served.

Usage: .venv/bin/python -m pytest tests/test_artifacts.py -q
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest

from tinyagent.artifacts import (TABLE1_KEYS, TABLE2_KEYS, EvalResult, FinetuneResult, QuantResult, ResultError,
                                 StepSkipped, SynthResult, ToolRAGResult, find_served, skip_step)
from tinyagent.layout import STEP_INPUTS, STEPS, RunLayout
from tinyagent.train.config import TrainConfig

ROW1 = {"selector": "no RAG", "records": 3, "record_recall": 1.0, "mean_recall": 1.0, "avg_tools": 16.0,
        "avg_prompt_tokens": 900.0, "fallbacks": 0, "ms_per_query": 0.1}


def row2(name: str, gguf: Path) -> dict:
    return {"name": name, "label": name, "gguf": str(gguf), "quant": "Q4_0", "qat": True, "size_bytes": 4, "n": 2,
            "successes": 1, "success_rate": 0.5, "ci95": [0.1, 0.9], "latency_p50_s": 1.0, "latency_p95_s": 2.0,
            "eval_dir": "x"}


def touch(path: Path, mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"GGUF")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def save_classifier(run: RunLayout, mtime: float | None = None) -> None:
    touch(run.classifier_dir / "toolrag.json", mtime)


def save_finetune(run: RunLayout, kinds=("f16", "q4_0"), mtime: float | None = None) -> FinetuneResult:
    gguf = {k: touch(run.finetune_gguf(k), mtime) for k in kinds}
    result = FinetuneResult(TrainConfig(out_dir=str(run.train_run_dir)), 2, 2, 0.5, run.best_adapter, gguf)
    result.save(run.finetune_dir)
    return result


def test_layout_names_every_step_folder_and_its_inputs(tmp_path: Path):
    run = RunLayout(tmp_path / "r")
    assert [run.step_dir(s).name for s in STEPS] == list(STEPS) and set(STEP_INPUTS) == set(STEPS)
    assert run.best_adapter == tmp_path / "r/03_lora_finetune/run/best"
    assert run.finetune_gguf("q4_0").name == "planner-q4_0.gguf"
    assert run.quant_gguf("q4_0") == tmp_path / "r/04_qat_quantize/gguf/planner-qat-q4_0.gguf"
    assert run.inputs("05_evaluate") == [run.data_dir, run.toolrag_dir, run.quant_dir] and run.inputs(STEPS[0]) == []
    assert run.result("02_toolrag").name == "result.json" and run.metrics("02_toolrag").name == "metrics.json"
    with pytest.raises(ValueError, match="unknown step '07_x'"):
        run.step_dir("07_x")
    with pytest.raises(ValueError, match="unknown split 'dev'"):
        run.split("dev")
    with pytest.raises(ValueError, match="unknown artifact 'gguf'"):
        run.has("gguf")


def test_newest_and_locate_pick_the_run_written_last(tmp_path: Path):
    old, new, bare = (RunLayout(tmp_path / n) for n in ("old", "new", "bare"))
    bare.run_dir.mkdir()
    save_classifier(old, mtime=1_000)
    save_classifier(new, mtime=2_000)
    assert RunLayout.newest(tmp_path, "classifier") == new and RunLayout.newest(tmp_path, "adapter") is None
    assert old.locate("classifier") == old and bare.locate("classifier") == new
    assert RunLayout.newest(tmp_path / "nowhere", "classifier") is None


def test_results_round_trip_and_survive_moving_the_run(tmp_path: Path):
    run = RunLayout(tmp_path / "a")
    results = [
        (SynthResult(run.data_dir, {"test": run.split("test")}, {"test": 3}, "offline", 0), STEPS[0]),
        (ToolRAGResult(run.classifier_dir, 0.25, "all-MiniLM-L6-v2", [ROW1]), "02_toolrag"),
        (FinetuneResult(TrainConfig(lora_r=4), 3, None, None, run.best_adapter, {"f16": run.finetune_gguf("f16")}),
         "03_lora_finetune"),
        (QuantResult({"q4_0_qat": run.quant_gguf("q4_0")}, run.quant_gguf("q4_0"),
                     [row2("q4_0_qat", run.quant_gguf("q4_0"))], selector="classifier (t=0.25)"), "04_qat_quantize"),
        (EvalResult(Path("/models/p.gguf"), "the planner_gguf parameter", {"no_rag": {"n": 1}}, {}), "05_evaluate"),
    ]
    for result, step in results:
        result.save(run.step_dir(step))
        assert type(result).load(run.step_dir(step)) == result
    stored = json.loads(run.result("03_lora_finetune").read_text())
    assert stored["adapter_dir"] == "03_lora_finetune/run/best" and stored["config"]["lora_r"] == 4
    assert json.loads(run.result("05_evaluate").read_text())["planner_gguf"] == "/models/p.gguf"  # outside: absolute
    moved = RunLayout(shutil.move(run.run_dir, tmp_path / "b"))
    back = FinetuneResult.load(moved.finetune_dir)
    assert back.adapter_dir == moved.best_adapter and back.gguf["f16"] == moved.finetune_gguf("f16")
    assert isinstance(back.config, TrainConfig) and back.config.lora_r == 4


def test_results_fail_loudly_on_broken_files(tmp_path: Path):
    run = RunLayout(tmp_path)
    with pytest.raises(FileNotFoundError, match="run notebooks/02_toolrag.ipynb first"):
        ToolRAGResult.load(run.toolrag_dir)
    with pytest.raises(ResultError, match=r"table1 row 0: missing key\(s\) \['avg_tools'\]"):
        ToolRAGResult(run.classifier_dir, 0.5, "e", [{k: v for k, v in ROW1.items() if k != "avg_tools"}])
    with pytest.raises(ResultError, match=r"table2 \(model, split\) pairs repeat"):
        QuantResult({}, None, [row2("a", tmp_path), row2("a", tmp_path)])
    ToolRAGResult(run.classifier_dir, 0.5, "e", [ROW1]).save(run.toolrag_dir)
    data = json.loads(run.result("02_toolrag").read_text())
    run.result("02_toolrag").write_text(json.dumps({**data, "thresh": 1}))
    with pytest.raises(ResultError, match=r"unknown key\(s\) \['thresh'\]"):
        ToolRAGResult.load(run.toolrag_dir)
    del data["threshold"]
    run.result("02_toolrag").write_text(json.dumps(data))
    with pytest.raises(ResultError, match=r"missing key\(s\) \['threshold'\]"):
        ToolRAGResult.load(run.toolrag_dir)
    run.result("03_lora_finetune").parent.mkdir()
    run.result("03_lora_finetune").write_text(json.dumps({"step": "03_lora_finetune", "config": {"lora_rank": 8},
                                                          "steps": 1, "best_step": None, "best_val_success": None,
                                                          "adapter_dir": "x"}))
    with pytest.raises(ResultError, match="unknown TrainConfig keys"):
        FinetuneResult.load(run.finetune_dir)


def test_skip_step_saves_its_result_then_raises(tmp_path: Path):
    with pytest.raises(StepSkipped, match="nothing to quantize"):
        skip_step("nothing to quantize", save=QuantResult({}, None, [], skipped="nothing to quantize"),
                  step_dir=tmp_path / "04_qat_quantize")
    assert QuantResult.load(tmp_path / "04_qat_quantize").skipped == "nothing to quantize"


def test_row_keys_match_their_producers(tmp_path: Path):
    from tinyagent.study.quantization import Candidate, table2_row
    from tinyagent.toolrag.table import SelectorRow

    assert set(TABLE1_KEYS) <= {f.name for f in dataclasses.fields(SelectorRow)}
    summary = {"paper": {"n": 1, "successes": 1, "success_rate": 1.0, "ci95": [0.2, 1.0]},
               "strict": {"success_rate": 1.0}, "output_tokens": {"mean": 9.0},
               "latency_s": {"plan": {"p50": 1.0, "p95": 1.0}, "first_task": {"p50": 0.5}}}
    row = table2_row(Candidate("q", "q", touch(tmp_path / "q.gguf"), "Q4_0", True), summary, tmp_path)
    assert set(TABLE2_KEYS) <= set(row)


def test_find_served_prefers_04s_planner_then_03s_export(tmp_path: Path):
    assert find_served(tmp_path) is None
    a, b = RunLayout(tmp_path / "a"), RunLayout(tmp_path / "b")
    save_finetune(a, mtime=1_000)
    save_classifier(a)
    served = find_served(tmp_path)
    assert served.planner_gguf == a.finetune_gguf("q4_0") and served.classifier_dir == a.classifier_dir
    save_finetune(b, kinds=("f16",), mtime=2_000)  # newer, no classifier of its own: the newest one is used
    served = find_served(tmp_path)
    assert (served.run_dir, served.planner_gguf, served.classifier_dir) == (b.run_dir, b.finetune_gguf("f16"),
                                                                          a.classifier_dir)
    assert find_served(tmp_path, prefer=a).planner_gguf == a.finetune_gguf("q4_0")
    qat = touch(a.quant_gguf("q4_0"), mtime=3_000)
    QuantResult({"q4_0_qat": qat}, qat, [row2("q4_0_qat", qat)]).save(a.quant_dir)
    assert find_served(tmp_path).planner_gguf == qat
    QuantResult({}, None, [], skipped="no GGUF").save(b.quant_dir)  # a skipped 04 falls back to 03's export
    assert find_served(tmp_path, prefer=b).planner_gguf == b.finetune_gguf("f16")


def test_served_decoding_is_04s_choice_for_its_own_planner_only(tmp_path: Path):
    a = RunLayout(tmp_path / "a")
    save_finetune(a, mtime=1_000)
    assert find_served(tmp_path).grammar is False  # 03's export: no decoding was chosen
    qat = touch(a.quant_gguf("q4_0"), mtime=3_000)
    QuantResult({"q4_0_qat": qat}, qat, [row2("q4_0_qat", qat)], grammar=True).save(a.quant_dir)
    served = find_served(tmp_path)
    assert served.planner_gguf == qat and served.grammar is True
    old = json.loads((a.quant_dir / "result.json").read_text())
    del old["grammar"]  # a result.json written before the choice existed loads as free decoding
    (a.quant_dir / "result.json").write_text(json.dumps(old))
    assert QuantResult.load(a.quant_dir).grammar is False and find_served(tmp_path).grammar is False
