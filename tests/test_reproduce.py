"""The main-job runner: profile validation, papermill execution, skipping up-to-date steps (inputs
derived from the run layout), failure messages, not-applicable steps and the report; the paper
profile's notebook list end to end at smoke sizes with the offline models.

Usage: .venv/bin/python -m pytest tests/test_reproduce.py -q
"""
import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from tinyagent.artifacts import FinetuneResult, QuantResult, SynthResult, ToolRAGResult
from tinyagent.layout import RunLayout
from tinyagent.reproduce.__main__ import main
from tinyagent.reproduce.profile import PROFILES_DIR, ProfileError, load_profile, parse_profile
from tinyagent.reproduce.report import write_report
from tinyagent.reproduce.runner import NOT_APPLICABLE, run_profile

STEP = {"notebook": "01_data_synthesis", "parameters": {"size": 60, "execute_sample": 5}}


def profile_file(tmp_path, steps, name="t"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, "description": "test profile", "steps": steps}))
    return str(path)


@pytest.mark.parametrize("name", sorted(p.stem for p in PROFILES_DIR.glob("*.yaml")))
def test_shipped_profiles_are_valid(name):
    assert load_profile(name).steps


@pytest.mark.parametrize("raw,message", [
    ({"name": "x", "description": "d", "steps": [STEP], "epochs": 3}, r"unknown key\(s\) \['epochs'\]"),
    ({"name": "x", "steps": [STEP]}, r"missing key\(s\) \['description'\]"),
    ({"name": "x", "description": "d", "steps": []}, "non-empty list"),
    ({"name": "x", "description": "d", "steps": [{"notebook": "99_nope"}]}, "does not exist"),
    ({"name": "x", "description": "d", "steps": [{"notebook": "01_data_synthesis", "parameters": {"sise": 1}}]},
     "has no parameter 'sise'"),
    ({"name": "x", "description": "d", "steps": [{"notebook": "01_data_synthesis", "parameters": {"size": "1"}}]},
     "should be int"),
    ({"name": "x", "description": "d", "steps": [{"notebook": "01_data_synthesis",
                                                  "parameters": {"run_dir": "x"}}]}, "set by the runner"),
    ({"name": "x", "description": "d", "steps": [{"notebook": "02_toolrag", "inputs": ["{run_dir}/data"]}]},
     r"unknown key\(s\) \['inputs'\]"),
    ({"name": "x", "description": "d", "steps": [{"notebook": "03_lora_finetune",
                                                  "parameters": {"lora_rank": 8}}]}, "has no parameter 'lora_rank'"),
    ({"name": "x", "description": "d", "steps": [{"notebook": "03_lora_finetune",
                                                  "parameters": {"out_dir": "x"}}]}, "has no parameter 'out_dir'"),
    ({"name": "x", "description": "d", "steps": [{"notebook": "03_lora_finetune",
                                                  "parameters": {"prompt_grad": 1}}]}, "should be bool"),
    ({"name": "x", "description": "d", "steps": [STEP, STEP]}, "appears twice"),
])
def test_bad_profiles_fail_loudly(raw, message):
    with pytest.raises(ProfileError, match=message):
        parse_profile(raw, source="p.yaml")


def test_notebook_03_takes_trainconfig_fields():
    step = parse_profile({"name": "x", "description": "d", "steps": [{"notebook": "03_lora_finetune", "parameters": {
        "max_steps": 3, "target_modules": ["q_proj"], "export": False}}]}, source="p.yaml").steps[0]
    assert step.parameters == {"max_steps": 3, "target_modules": ["q_proj"], "export": False}


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(ProfileError, match="known profiles: .*smoke"):
        load_profile("nonexistent")
    assert main(["--profile", "nonexistent"]) == 2


def test_run_skip_rerun_and_report(tmp_path):
    path = profile_file(tmp_path, [STEP])
    outputs = tmp_path / "outputs"
    assert main(["--profile", path, "--outputs", str(outputs)]) == 0
    run = outputs / "t"
    layout = RunLayout(run)
    assert layout.executed_notebook("01_data_synthesis").exists()
    assert json.loads(layout.metrics("01_data_synthesis").read_text())["size"] == 60
    synth = SynthResult.load(layout.step_dir("01_data_synthesis"))
    assert synth.splits["test"] == layout.split("test") and sum(synth.counts.values()) == 60
    report = (run / "REPORT.md").read_text()
    assert "| 01_data_synthesis | ok |" in report and "git commit" in report and "cores" in report
    assert "histograms.png" in report and (run / "REPORT.html").read_text().startswith("<!doctype html>")
    first = json.loads((run / "manifest.json").read_text())["steps"]["01_data_synthesis"]

    assert main(["--profile", path, "--outputs", str(outputs)]) == 0  # nothing changed: skipped
    assert "| 01_data_synthesis | skipped (up to date) |" in (run / "REPORT.md").read_text()
    assert json.loads((run / "manifest.json").read_text())["steps"]["01_data_synthesis"] == first

    changed = profile_file(tmp_path, [{**STEP, "parameters": {**STEP["parameters"], "size": 61}}])
    assert main(["--profile", changed, "--outputs", str(outputs)]) == 0  # a parameter changed: re-run
    assert json.loads((run / "01_data_synthesis" / "metrics.json").read_text())["size"] == 61


def test_failing_notebook_stops_the_run_with_a_clear_message(tmp_path, capsys):
    path = profile_file(tmp_path, [{**STEP, "parameters": {**STEP["parameters"], "generator": "nope"}}])
    assert main(["--profile", path, "--outputs", str(tmp_path / "outputs")]) == 1
    err = capsys.readouterr().err
    assert "01_data_synthesis failed in cell" in err and "01_data_synthesis.ipynb" in err
    assert "FAILED" in (tmp_path / "outputs" / "t" / "REPORT.md").read_text()


PAPER_AT_SMOKE_SIZE = {  # the paper profile's steps with tiny sizes and the offline models (no hub)
    "01_data_synthesis": {"size": 60, "execute_sample": 0},
    "02_toolrag": {"encoder": "all-MiniLM-L6-v2", "allow_download": False, "epochs": 1, "batch_size": 16,
                   "max_train_records": 32},
    "03_lora_finetune": {"model": "", "epochs": 1, "max_steps": 1, "grad_accum": 1, "micro_batch_size": 1,
                         "eval_every": 0, "save_every": 0, "eval_examples": 1, "eval_max_new_tokens": 4},
}


def test_paper_profile_runs_every_listed_notebook_at_smoke_size(tmp_path: Path):
    paper = load_profile("paper")
    assert set(PAPER_AT_SMOKE_SIZE) <= {s.notebook for s in paper.steps}
    steps = tuple(dataclasses.replace(s, parameters={**s.parameters, **PAPER_AT_SMOKE_SIZE.get(s.notebook, {})})
                  for s in paper.steps)
    runs = run_profile(dataclasses.replace(paper, steps=steps), tmp_path / "paper")
    layout = RunLayout(tmp_path / "paper")
    status = {r.notebook: r.status for r in runs}
    assert status == {"01_data_synthesis": "ok", "02_toolrag": "ok", "03_lora_finetune": "ok",
                      "04_qat_quantize": NOT_APPLICABLE, "05_evaluate": NOT_APPLICABLE}
    finetuned = FinetuneResult.load(layout.finetune_dir)
    assert finetuned.gguf == {} and finetuned.config.target_modules == ("q_proj", "k_proj", "v_proj", "o_proj")
    assert finetuned.config.learning_rate == 7e-5 and finetuned.config.prompt_grad is True
    assert ToolRAGResult.load(layout.toolrag_dir).classifier_dir == layout.classifier_dir
    quant = QuantResult.load(layout.quant_dir)
    assert quant.planner_gguf is None and "exported no f16/q4_0 GGUF" in quant.skipped
    notes = {r.notebook: r.note for r in runs}
    assert "convert_hf_to_gguf.py" in notes["04_qat_quantize"] and "notebook 04 was skipped" in notes["05_evaluate"]
    report = write_report(paper, runs, layout.run_dir, command="test", wall_s=0.0, manifest={}).read_text()
    assert "| 04_qat_quantize | not applicable |" in report and "Not applicable to this run: notebook 03" in report


def test_step_inputs_come_from_the_layout_and_decide_rerunning(tmp_path: Path):
    from tinyagent.reproduce.manifest import step_fingerprint
    from tinyagent.reproduce.profile import NOTEBOOKS_DIR

    layout = RunLayout(tmp_path)
    notebook = NOTEBOOKS_DIR / "02_toolrag.ipynb"

    def fingerprint() -> str:
        return step_fingerprint(notebook, {"run_dir": str(tmp_path)}, layout.inputs("02_toolrag"))

    layout.data_dir.mkdir()
    layout.split("test").write_text("a\n")
    before = fingerprint()
    layout.finetune_dir.mkdir()
    (layout.finetune_dir / "x").write_text("not an input of 02")
    assert fingerprint() == before
    layout.split("test").write_text("b\n")
    assert fingerprint() != before
