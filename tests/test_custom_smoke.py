"""The `custom-smoke` profile end to end on the example catalog (tinyagent/examples/home): the data, the
classifier, the fine-tune, the report, the demo notebook and the agent running a plan on the example's
functions.

scripts/test.sh runs the profile (run id `ci-custom`) before pytest; when that run is missing (pytest
alone) the fixture makes it (~3 min on 2 cores).
Usage: .venv/bin/python -m pytest tests/test_custom_smoke.py -q
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinyagent.artifacts import served_planner
from tinyagent.data.records import read_jsonl
from tinyagent.layout import RunLayout, repo_root
from tinyagent.tools.loader import load_tools

REPO = repo_root()
RUN = REPO / "outputs" / "ci-custom"  # scripts/test.sh's custom smoke run
CATALOG = "tinyagent.examples.home.tools"
ENV = {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.fixture(scope="module")
def custom_run() -> RunLayout:
    run = RunLayout(RUN)
    if not run.report_json.is_file() or served_planner(run) is None or not (run.demo_dir / "metrics.json").is_file():
        subprocess.run([sys.executable, "-m", "tinyagent.reproduce", "--profile", "custom-smoke", "--run-id",
                        RUN.name, "--force"], cwd=REPO, check=True, env=ENV)
    return run


def home_names() -> set[str]:
    return set(load_tools(CATALOG).catalog.names)


def test_every_split_is_over_the_home_tools(custom_run: RunLayout) -> None:
    names = home_names()
    for split in ("train", "val", "test"):
        records = read_jsonl(custom_run.split(split))
        assert records, f"{split} split is empty"
        for r in records:
            assert r.catalog is not None, f"{split} record without its catalog: {r.query!r}"
            assert {s["function"]["name"] for s in r.catalog} == names
            assert set(r.tools) <= names, (r.query, r.tools)


def test_classifier_labels_are_the_home_tools(custom_run: RunLayout) -> None:
    meta = json.loads((custom_run.classifier_dir / "toolrag.json").read_text())
    assert set(meta["labels"]) == home_names()


def test_report_names_the_profile_and_a_served_planner(custom_run: RunLayout) -> None:
    report = json.loads(custom_run.report_json.read_text())
    assert report["profile"] == "custom-smoke"
    assert report["served"] is not None and Path(report["served"]["model"]).is_file()
    assert {r["split"] for r in report["table2"]} == {"test"}  # the natural set is the assistant's: not scored here


def test_ask_runs_a_plan_on_the_home_functions(custom_run: RunLayout, tmp_path: Path) -> None:
    """The run's own planner plans a request and the example's functions run it (state on disk)."""
    served = json.loads(custom_run.report_json.read_text())["served"]
    assert served["classifier_dir"] and RUN.name in served["classifier_dir"], served  # this run's, not another's
    cmd = [sys.executable, "-m", "tinyagent", "ask", "Turn on the kitchen light", "--tools", CATALOG,
           "--model", served["model"], "--selector", "classifier", "--classifier-dir", served["classifier_dir"],
           "--workspace", str(tmp_path / "home"), "--yes",
           "--joiner", "fallback", "--max-rounds", "1", "--max-tokens", "96", "--threads", "1", "--json"]
    out = subprocess.run(cmd, cwd=REPO, env=ENV, capture_output=True, text=True, timeout=600)
    assert out.returncode in (0, 1), out.stderr[-2000:]  # 1: planned and ran, but a task failed (2 steps!)
    assert RUN.name in out.stderr, out.stderr  # stderr names the classifier it used
    result = json.loads(out.stdout[out.stdout.index("\n{") + 1:])
    tools = set(result["selected_tools"])
    assert tools and tools <= home_names(), tools  # the classifier chose among the home tools only


def test_the_demo_step_ran_on_the_home_functions(custom_run: RunLayout) -> None:
    metrics = json.loads((custom_run.demo_dir / "metrics.json").read_text())
    assert metrics["query"] == "Turn on the kitchen light"
    assert metrics["selected_tools"] and set(metrics["selected_tools"]) <= home_names(), metrics
    assert metrics["classifier_dir"] and RUN.name in metrics["classifier_dir"]


def test_bad_tools_module_exits_2(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "tinyagent", "ask", "Turn on the light", "--tools",
                          "no_such_module_xyz", "--workspace", str(tmp_path)], cwd=REPO, env=ENV,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "no_such_module_xyz" in out.stderr and "Traceback" not in out.stderr
