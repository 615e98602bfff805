"""Notebook 06 as a user meets it: JupyterLab (scripts/lab.sh, root at the repo), the notebook opened
from the file browser, Run > Run All, then a typed request planned by the smoke run's
fine-tuned GGUF: ToolRAG's pick, the plan streaming, the DAG picture redrawn as tasks change
state, Allow (first test) or Deny (second test, dependents skipped) on a side-effecting task, the
answer, and the sandbox files on disk. Screenshots: outputs/browser/test_*.png.

The smoke planner (2 LoRA steps) writes plans a parser rejects unless decoding follows the plan
grammar, so the tests tick the app's grammar box, as a user with a weak model would.

Usage: .venv/bin/python -m pytest tests/browser/test_lab_demo.py -q -p no:cacheprovider
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.lab_ui import REPO, DemoView, open_notebook, run_all, shot, wait_kernel_idle
from tinyagent.artifacts import find_served
from tinyagent.layout import RunLayout
from tinyagent.plan.parser import StreamingPlanParser
from tinyagent.tools import ASSISTANT_TOOLS

# Run All plans notebook 06's own request, then each test plans (and replans after a Deny) with the
# smoke GGUF on CPU: minutes on a busy 2-core machine, more than the suite's 600 s per test.
pytestmark = pytest.mark.timeout(1200)

NOTEBOOK = "notebooks/06_live_demo.ipynb"
REQUEST_ALLOW = "Create a note called Groceries that says milk and eggs"
REQUEST_DENY = "Email Sid the quarterly report"
OUTCOME = re.compile(r"^(done|failed|declined|skipped|timeout|cancelled) (\d+)\. (\w+)", re.M)


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()


@pytest.fixture(scope="module")
def demo(lab, smoke_run, open_page):
    """The lab page with notebook 06 opened from the file browser and every cell run."""
    page = open_page("lab")
    page.expected_planner = _expected_planner()  # before the run: what the notebook should find
    try:
        open_notebook(page, lab.lab_url(), NOTEBOOK)
        run_all(page)
        wait_kernel_idle(page)
    finally:  # also when it failed: module fixtures run before the per-test screenshot
        shot(page, "demo", "run-all")
    return page


def _expected_planner() -> Path:
    # the notebook serves runs over the assistant's tools only (catalog ''): not the custom smoke run
    served = find_served(REPO / "outputs", prefer=RunLayout(REPO / "outputs" / "default"), catalog="")
    assert served is not None, "no run under outputs/ serves a planner (the smoke_run fixture makes one)"
    return served.planner_gguf


def _ask(view: DemoView, request: str):
    """Tick the grammar box, type `request`, press Run; the first sample that asks for confirmation."""
    settings = view.root.get_by_text("Model, apps and instructions").first  # the accordion's title
    grammar = view.root.get_by_label(re.compile("constrain decoding to the plan grammar"))
    if not grammar.is_visible():
        settings.click()
    grammar.check()
    view.samples.clear()
    before = view.sample()
    view.query.fill(request)
    view.button("Run").click()
    asked = view.watch_until(lambda s: s.allow > 0 or (s.status != before.status and
                                                       s.status.startswith(("done", "failed"))))
    assert asked.allow > 0, f"no side-effecting task asked for confirmation; plan:\n{asked.plan}"
    return before, asked


def _answer_all(view: DemoView, allow: bool) -> None:
    """Press Allow (or Deny) on every confirmation until the run is done."""
    name = "Allow" if allow else "Deny"
    while True:
        s = view.watch_until(lambda s: s.allow > 0 or s.status.startswith(("done", "failed")))
        if s.allow == 0:
            return
        view.button(name).first.click()
        view.watch_until(lambda x: x.allow < s.allow or x.status.startswith(("done", "failed")), timeout_s=60)


def _check_live_view(view: DemoView, before) -> None:
    """ToolRAG's pick shown, the plan streamed (growing text), the DAG redrawn as states changed."""
    run = [s for s in view.samples[1:]]
    assert any("tool(s) selected" in s.tools for s in run), run[-1].tools
    texts = [s.plan for s in run if s.plan and s.plan != before.plan]
    first_round = [t for t in dict.fromkeys(texts) if "--- plan 2" not in t]
    assert len(first_round) >= 3, f"the plan did not stream: {len(first_round)} distinct texts"
    grown = sum(b.startswith(a) for a, b in zip(first_round, first_round[1:]))  # each text extends the last
    assert grown >= 2, first_round[:3]
    dags = list(dict.fromkeys(s.dag for s in run if s.dag and s.dag != before.dag))
    assert len(dags) >= 3, f"the DAG was drawn {len(dags)} times (planned, waiting, final expected)"


def _outcomes(view: DemoView) -> dict[int, tuple[str, str]]:
    text = view.root.inner_text()
    return {int(i): (state, tool) for state, i, tool in OUTCOME.findall(text)}


def _last_plan_tasks(view: DemoView) -> list:
    """The tasks of the last plan shown, as the app parsed them while streaming (a plan cut off at
    max_tokens keeps its complete lines)."""
    text = view.samples[-1].plan.split("--- plan ")[-1].split("---\n", 1)[-1]
    parser = StreamingPlanParser()
    return [*parser.feed(text), *parser.close()]


def test_notebook_plans_with_the_runs_fine_tuned_planner(demo):
    gguf = demo.expected_planner
    text = demo.locator(".jp-NotebookPanel").inner_text()
    assert gguf.parent.parent.parent.name in text and gguf.name in text, f"the notebook does not name {gguf}"
    assert "scripted replay" not in text


def test_allow_runs_the_side_effect_and_writes_the_sandbox(demo):
    view = DemoView(demo)
    workspace = RunLayout(REPO / "outputs" / "default").demo_workspace
    files_before = _files(workspace)
    before, asked = _ask(view, REQUEST_ALLOW)
    shot(demo, "allow", "confirmation")
    _answer_all(view, allow=True)
    view.watch_until(lambda s: s.status.startswith(("done", "failed")))
    shot(demo, "allow", "done")
    _check_live_view(view, before)
    assert "Answer:" in view.root.inner_text()
    outcomes = _outcomes(view)
    side = {i: st for i, (st, tool) in outcomes.items()
            if tool in ASSISTANT_TOOLS.names and ASSISTANT_TOOLS[tool].side_effects}
    assert side and "declined" not in side.values(), outcomes  # allowed: each ran (done or failed on its own)
    new = _files(workspace) - files_before
    assert bool(new) == ("done" in side.values()), (outcomes, sorted(new))  # a file for each side effect done


def test_deny_declines_the_task_and_skips_its_dependents(demo):
    view = DemoView(demo)
    workspace = RunLayout(REPO / "outputs" / "default").demo_workspace
    files_before = _files(workspace)
    before, asked = _ask(view, REQUEST_DENY)
    _answer_all(view, allow=False)
    view.watch_until(lambda s: s.status.startswith(("done", "failed")))
    shot(demo, "deny", "done")
    _check_live_view(view, before)
    outcomes = _outcomes(view)
    declined = {i for i, (st, _) in outcomes.items() if st == "declined"}
    assert declined, outcomes
    dependents = {t.idx for t in _last_plan_tasks(view) if set(t.deps) & declined}
    assert dependents, f"no task of the last plan depends on the declined {declined}"
    assert all(outcomes[i][0] == "skipped" for i in dependents), outcomes
    assert _files(workspace) == files_before  # nothing was written
