"""notebooks/06_live_demo.ipynb executed unattended (papermill, scripted planner, no classifier):
it runs one query through the app, records metrics.json, and its HTML export carries the widget
state. A screenshot with headless Chromium is checked where Chromium is installed.

Usage: .venv/bin/python -m pytest tests/test_demo_export.py -q
"""
import json

import pytest

from tinyagent.demo import export


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    params = {"run_dir": str(out / "run"), "planner": "scripted",  # no classifier in this outputs folder
              "threads": 1}
    return out, export.execute(export.NOTEBOOK, out / "06_live_demo.ipynb", params, timeout=300)


def test_notebook_runs_the_query_and_records_metrics(executed):
    out, _ = executed
    metrics = json.loads((out / "run" / "06_live_demo" / "metrics.json").read_text())
    assert metrics["task_states"] == {"1": "done", "2": "done", "3": "done", "4": "done"}
    assert metrics["approvals"] == {"3": "auto-approved", "4": "auto-approved"}
    assert sorted(f.split("/")[0] for f in metrics["new_files"]) == ["calendar", "outbox"]
    assert metrics["planner"].startswith("scripted") and metrics["latency"]["total"] > 0
    assert metrics["classifier_dir"] is None and "all enabled tools" in metrics["selector_note"]
    assert (out / "run" / "06_live_demo" / "dag.png").read_bytes()[:4] == b"\x89PNG"


def test_html_export_carries_the_widget_state(executed):
    out, notebook = executed
    state = export.widget_state(notebook)["state"]
    images = [m for m in state.values() if m["model_name"] == "ImageModel"]
    pngs = [b["data"] for m in images for b in m.get("buffers", ()) if b["path"] == ["value"]]
    assert pngs and all(p.startswith("iVBORw0KGgo") for p in pngs)  # the DAG picture (base64 PNG) is saved
    html_path = export.export_html(notebook, out / "06_live_demo.html")
    page = html_path.read_text()
    assert export.WIDGET_STATE_MIME in page
    some_id = next(iter(state))
    assert some_id in page  # the saved models themselves, not just the marker
    assert "create_calendar_event" in page and "Sandbox workspace" in page  # the static copy


def test_export_refuses_a_notebook_without_widget_state(tmp_path):
    import nbformat

    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "plain.ipynb")
    with pytest.raises(ValueError, match="no widget state"):
        export.export_html(tmp_path / "plain.ipynb", tmp_path / "plain.html")


@pytest.mark.skipif(export.find_chromium() is None, reason="chromium is not installed (apt-get install chromium)")
def test_screenshot_with_headless_chromium(executed):
    out, notebook = executed
    html_path = export.export_html(notebook, out / "shot.html")
    png = export.screenshot(html_path, out / "shot.png", size=(1000, 1400))
    from matplotlib.image import imread
    assert imread(png).shape[:2] == (1400, 1000)
