"""Offline HTML: the exported demo (tinyagent.demo.export) and the executed notebooks the report
links to draw their widgets from the file alone. Chromium opens them with every non-file request
aborted, and the widgets (not only the static copy) are on the page.

Usage: .venv/bin/python -m pytest tests/browser/test_offline_html.py -q -p no:cacheprovider
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.lab_ui import shot
from tinyagent.demo import export

DEMO_QUERY = "Invite Sid and Lutfi to a design review"  # the start of notebook 06's default demo_query


def _offline(page) -> list[str]:
    """Abort every request that does not read a file; the aborted URLs (to assert on)."""
    blocked: list[str] = []

    def handle(route) -> None:
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    page.context.route("**/*", handle)
    return blocked


@pytest.fixture(scope="module")
def exported_demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export")
    code = export.main(["--out", str(out), "-p", "planner", "scripted", "-p", "threads", "1", "--timeout", "300"])
    assert code == 0
    return out / "06_live_demo.html"


def test_exported_demo_draws_its_widgets_offline(exported_demo, open_page):
    page = open_page("offline")
    blocked = _offline(page)
    page.goto(exported_demo.as_uri())
    query = page.get_by_placeholder(re.compile("^Ask, e.g."))
    query.wait_for(timeout=60_000)  # a widget view: the static copy has no text box
    assert query.input_value().startswith(DEMO_QUERY)
    assert page.locator("button.widget-button", has_text="Run").is_visible()
    assert page.locator("button.tinyagent-mic", has_text="Record").is_visible()  # the anywidget, bundled too
    dag = page.locator(".widget-image").first
    assert dag.evaluate("img => img.complete && img.naturalWidth > 100")  # the DAG picture from the saved state
    assert "create_calendar_event" in page.locator(".widget-textarea textarea[disabled]").input_value()
    shot(page, "offline", "exported-demo")
    assert not [u for u in blocked if re.search(r"html-manager|require|anywidget", u)], blocked


def test_report_links_executed_notebooks_that_draw_offline(smoke_run, open_page):
    report = (smoke_run / "REPORT.md").read_text()
    pages = [smoke_run / p for p in re.findall(r"\[as HTML\]\(([^)]+)\)", report)]
    assert pages and len(pages) == report.count("Executed notebook:"), "a step without its HTML copy"
    assert all(p.is_file() for p in pages), pages
    with_widgets = [p for p in pages if export.WIDGET_STATE_MIME in p.read_text()]
    assert with_widgets, "no executed notebook of the smoke run saved widget state (tqdm progress bars)"
    page = open_page("report")
    blocked = _offline(page)
    page.goto(with_widgets[0].as_uri())
    bars = page.locator(".widget-hprogress .progress-bar")  # FloatProgress views (tqdm)
    bars.first.wait_for(timeout=60_000)
    shot(page, "offline", with_widgets[0].stem)
    assert bars.count() >= 1 and not [u for u in blocked if "html-manager" in u]
