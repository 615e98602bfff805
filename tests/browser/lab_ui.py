"""What a user does in JupyterLab and the demo app, as playwright steps (sync API).

Usage (in a browser test):
    open_notebook(page, lab, "notebooks/06_live_demo.ipynb"); run_all(page)
    app = DemoView(page); app.query.fill("Email Sid"); app.run.click()
"""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # playwright is imported by the fixtures, which skip the tier without it
    from playwright.sync_api import Locator, Page

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "outputs" / "browser"  # screenshots and the server log of the last run
LONG_MS = 600_000  # a cell that plans with an LLM on a busy 2-core machine


def shot(page: Page, test: str, step: str) -> Path:
    """Screenshot of the page now: outputs/browser/<test>-<step>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{test}-{step}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def open_notebook(page: Page, lab_url: str, path: str) -> None:
    """Open the lab and double-click through the file browser to `path` (folders, then the file)."""
    # A fresh workspace: the lab otherwise restores the last one, file browser folder included, and
    # a restore that lands after our first click moves the browser under our feet (seen in CI).
    page.goto(lab_url + ("&" if "?" in lab_url else "?") + "reset")
    page.locator("#filebrowser .jp-BreadCrumbs-home").first.click(timeout=60_000)
    listing = page.locator("#filebrowser .jp-DirListing-content")
    *folders, name = path.split("/")
    for depth, part in enumerate(folders, start=1):
        _open_folder(page, listing, part, "/".join(folders[:depth]))
    _item(listing, name).first.dblclick(timeout=60_000)
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=60_000)
    # JupyterLab 4.6 may ask which kernel to start (the notebook's own is preselected): confirm it,
    # as a user would; the status bar then names the kernel that started.
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    try:
        dialog.wait_for(timeout=5_000)
    except Exception:  # no dialog: the notebook's kernel starts by itself
        return
    dialog.locator("button", has_text=re.compile("^Select$")).click()


def _item(listing: Locator, name: str) -> Locator:
    return listing.locator(".jp-DirListing-itemText", has_text=re.compile(rf"^{re.escape(name)}$"))


def _open_folder(page: Page, listing: Locator, name: str, want: str, tries: int = 3) -> None:
    """Double-click folder `name` until the breadcrumbs' last folder is `name` (`want`: its path from the root).

    A double-click that lands while the listing re-renders opens nothing: look, and try again.
    """
    for _ in range(tries):
        _item(listing, name).first.dblclick(timeout=60_000)
        try:
            page.wait_for_function(_LAST_CRUMB_IS, arg=name, timeout=15_000)
            return
        except Exception:  # still in the parent folder: the click fell between two renders
            continue
    crumbs = page.locator("#filebrowser .jp-BreadCrumbs").first.text_content()
    raise AssertionError(f"the file browser did not open folder {want!r} after {tries} double-clicks; "
                         f"it shows {crumbs!r}")


# The breadcrumbs read "/ outputs / browser /": their last non-empty part is the open folder.
_LAST_CRUMB_IS = """name => {
    const parts = (document.querySelector('#filebrowser .jp-BreadCrumbs')?.textContent || '')
        .split('/').map(s => s.trim()).filter(Boolean);
    return parts[parts.length - 1] === name; }"""

def run_all(page: Page) -> None:
    """Run > Run All, from the menu bar."""
    page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()


def wait_kernel_idle(page: Page, timeout_ms: int = LONG_MS) -> None:
    """Until no cell shows [*] (queued or running) and the kernel is idle."""
    page.wait_for_function(
        """() => { const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-InputPrompt')];
                   return prompts.length > 0 && prompts.every(p => !p.textContent.includes('*')); }""",
        timeout=timeout_ms, polling=500)


@dataclass
class Sample:
    """What the app showed at one moment of a run."""

    t: float
    status: str
    plan: str
    tools: str
    dag: str  # hash of the DAG picture's bytes ("" when none is drawn)
    allow: int  # Allow buttons on screen


@dataclass
class DemoView:
    """The demo app's widgets in the page (the cell output that holds the query box)."""

    page: Page
    samples: list[Sample] = field(default_factory=list)

    @property
    def root(self) -> Locator:
        return self.page.locator(".jp-OutputArea-output").filter(
            has=self.page.get_by_placeholder(re.compile("^Ask, e.g."))).last

    @property
    def query(self) -> Locator:
        return self.root.get_by_placeholder(re.compile("^Ask, e.g."))

    def button(self, name: str) -> Locator:
        return self.root.locator("button", has_text=re.compile(rf"^\W*{re.escape(name)}\s*$"))

    def sample(self) -> Sample:
        """Read status, plan text, ToolRAG panel, DAG picture and approval buttons in one go."""
        raw = self.root.evaluate(
            """(el) => { const img = el.querySelector('img');
                 const status = [...el.querySelectorAll('.widget-html-content')].map(h => h.innerText.trim())
                   .find(t => /^(idle|done|failed|planning|loading|waiting|transcribing|heard)/i.test(t)) || '';
                 let dag = '';
                 if (img && img.complete && img.naturalWidth) {  // the pixels, not the blob URL
                   const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
                   c.getContext('2d').drawImage(img, 0, 0); dag = c.toDataURL(); }
                 const ta = [...el.querySelectorAll('textarea')].find(t => t.disabled);
                 return { text: el.innerText, status, plan: ta ? ta.value : '', dag,
                          allow: [...el.querySelectorAll('button')].filter(b => b.innerText.trim() === 'Allow').length }; }""")
        text = raw["text"]
        tools = text[text.find("ToolRAG"):text.find("Latency")] if "ToolRAG" in text else ""
        s = Sample(time.monotonic(), raw["status"], raw["plan"], tools,
                   hashlib.sha1(raw["dag"].encode()).hexdigest() if raw["dag"] else "", raw["allow"])
        self.samples.append(s)
        return s

    def watch_until(self, done, timeout_s: float = 600, every_s: float = 0.15) -> Sample:
        """Sample the app until `done(sample)` is true; the last sample."""
        deadline = time.monotonic() + timeout_s
        while True:
            s = self.sample()
            if done(s):
                return s
            if time.monotonic() > deadline:
                raise AssertionError(f"the app did not get there in {timeout_s:.0f} s; last status {s.status!r}, "
                                     f"plan {s.plan[-200:]!r}")
            time.sleep(every_s)
