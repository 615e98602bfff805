"""The main-job runner: profile validation, papermill execution, skipping up-to-date steps, failure
messages and the report.

Usage: .venv/bin/python -m pytest tests/test_reproduce.py -q
"""
import json

import pytest
import yaml

from tinyagent.reproduce.__main__ import main
from tinyagent.reproduce.profile import PROFILES_DIR, ProfileError, load_profile, parse_profile

STEP = {"notebook": "01_data_synthesis", "parameters": {"size": 60, "execute_sample": 5,
                                                        "out_dir": "{run_dir}/data"}}


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
                                                  "parameters": {"output_dir": "x"}}]}, "set by the runner"),
    ({"name": "x", "description": "d", "steps": [STEP, STEP]}, "appears twice"),
])
def test_bad_profiles_fail_loudly(raw, message):
    with pytest.raises(ProfileError, match=message):
        parse_profile(raw, source="p.yaml")


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(ProfileError, match="known profiles: .*smoke"):
        load_profile("nonexistent")
    assert main(["--profile", "nonexistent"]) == 2


def test_run_skip_rerun_and_report(tmp_path):
    path = profile_file(tmp_path, [STEP])
    outputs = tmp_path / "outputs"
    assert main(["--profile", path, "--outputs", str(outputs)]) == 0
    run = outputs / "t"
    assert (run / "01_data_synthesis" / "01_data_synthesis.ipynb").exists()
    assert json.loads((run / "01_data_synthesis" / "metrics.json").read_text())["size"] == 60
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
