"""Fixtures of the browser tier: Debian's Chromium driven by playwright (sync API), JupyterLab
started as a user starts it (`bash scripts/lab.sh`: repo root, localhost, a token), a fine-tuned
planner from the smoke run, and a screenshot of every page when its test ends (failures included)
under outputs/browser/.

Usage: .venv/bin/python -m pytest tests/browser -q -p no:cacheprovider
(scripts/test.sh installs chromium first and runs the smoke profile, which these tests reuse.)
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import pytest

from tests.browser.lab_ui import REPO, SHOTS
from tests.conftest import _free_port  # one helper for every server a test starts

SMOKE_RUN = REPO / "outputs" / "ci-smoke"  # scripts/test.sh's smoke run (built here when missing)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: its base URL and token."""

    url: str
    token: str

    def lab_url(self) -> str:
        return f"{self.url}/lab?token={self.token}"


def _wait_http(url: str, proc: subprocess.Popen, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer {url.split('?')[0]} within {seconds:.0f} s; see {log}")
            time.sleep(0.3)


def _quiet_settings(settings: Path) -> None:
    """No news/update toast over the notebook (it would cover the app in screenshots), and no autosave:
    the tests run the repository's own notebooks, which must stay stripped of outputs (a run past
    JupyterLab's 2-minute autosave wrote them back with outputs)."""
    for plugin, values in (("apputils-extension/notification", {"fetchNews": "false", "checkForUpdates": False}),
                           ("docmanager-extension/plugin", {"autosave": False})):
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium (scripts/test.sh installs it); the tier is skipped without it or playwright."""
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -r requirements.txt)")
    if not Path(CHROMIUM).is_file():
        pytest.skip("chromium is not installed (apt-get install -y chromium; scripts/test.sh does)")
    return CHROMIUM


@pytest.fixture(scope="session")
def smoke_run() -> Path:
    """A run folder with a fine-tuned GGUF planner: scripts/test.sh's smoke run, else one made now (~3 min)."""
    from tinyagent.artifacts import served_planner
    from tinyagent.layout import RunLayout

    if served_planner(RunLayout(SMOKE_RUN)) is None:
        subprocess.run([sys.executable, "-m", "tinyagent.reproduce", "--profile", "smoke", "--run-id",
                        SMOKE_RUN.name], cwd=REPO, check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    gguf = served_planner(RunLayout(SMOKE_RUN))
    assert gguf is not None, f"the smoke run in {SMOKE_RUN} exported no planner GGUF"
    return SMOKE_RUN


@pytest.fixture(scope="session")
def lab(tmp_path_factory) -> Iterator[Lab]:
    """JupyterLab on a free 127.0.0.1 port with a random token, root at the repo, stopped at the end."""
    port, token, state = _free_port(), secrets.token_hex(16), tmp_path_factory.mktemp("jupyter")
    _quiet_settings(state / "settings")
    SHOTS.mkdir(parents=True, exist_ok=True)
    log = SHOTS / "jupyterlab.log"
    env = {**os.environ, "TINYAGENT_PYTHON": sys.executable, "TINYAGENT_LAB_PORT": str(port),
           "TINYAGENT_LAB_TOKEN": token,
           "PYTHONPATH": str(REPO),  # the kernel imports this checkout (the venv's editable install may be another)
           "JUPYTER_RUNTIME_DIR": str(state / "runtime"), "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
           "JUPYTERLAB_SETTINGS_DIR": str(state / "settings")}  # no open tabs or settings from earlier sessions
    with log.open("w") as out:
        proc = subprocess.Popen(["bash", str(REPO / "scripts" / "lab.sh")], cwd=REPO, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/status?token={token}", proc, log, 90)
        yield Lab(f"http://127.0.0.1:{port}", token)
    finally:
        proc.terminate()  # lab.sh execs jupyter: this is the server, which shuts its kernels down
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


OPEN_PAGES: dict[str, object] = {}  # name -> playwright Page: each is screenshotted when a test ends


@pytest.fixture(scope="module")  # not session: the sync API keeps an asyncio loop running in this thread
def playwright_session(chromium_path):  # until it stops, and later tests call asyncio.run()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def open_page(playwright_session, chromium_path):
    """Factory: `open_page(name, args=[...])` -> a page in a fresh headless Chromium (1400x1800) with
    those extra switches; every browser is closed when the test module ends."""
    browsers = []

    def make(name: str, args: Sequence[str] = ()):
        browser = playwright_session.chromium.launch(executable_path=chromium_path, headless=True,
                                                     args=["--no-sandbox", "--disable-gpu", *args])
        browsers.append(browser)
        page = browser.new_context(viewport={"width": 1400, "height": 1800}).new_page()
        OPEN_PAGES[name] = page
        return page

    yield make
    OPEN_PAGES.clear()
    for browser in browsers:
        browser.close()


@pytest.fixture(autouse=True)
def screenshot_at_end(request) -> Iterator[None]:
    """outputs/browser/<test>-<page>-end.png of every open page, whether the test passed or not."""
    yield
    for name, page in list(OPEN_PAGES.items()):
        try:
            page.screenshot(path=str(SHOTS / f"{request.node.name}-{name}-end.png"), full_page=True)
        except Exception as e:  # a crashed page: say so, do not hide the test's own outcome
            print(f"no end screenshot of {name}: {e}")
