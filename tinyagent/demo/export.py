"""Execute the demo notebook, export it to HTML with its widget state, and screenshot it.

    python -m tinyagent.demo.export                         # outputs/demo/06_live_demo.{ipynb,html}
    python -m tinyagent.demo.export --screenshot            # + outputs/demo/screenshot.png (needs chromium)
    python -m tinyagent.demo.export -p planner scripted -p threads 1

Execution goes through papermill (parameters injected after the `parameters` cell); its nbclient
keeps the widget state (`store_widget_state`), which lands in the notebook metadata as
`application/vnd.jupyter.widget-state+json`, and nbconvert's HTMLExporter embeds it in the page.
The widget renderer (@jupyter-widgets/html-manager, pinned) is inlined by tinyagent.notebook_html,
so the page draws the app's widgets from disk without a network; the static copy of the result
printed by the notebook (plan, DAG image, workspace) is there too, for viewers without JavaScript.

Example:
    >>> parse_params(["threads", "1", "planner", "scripted", "auto_approve", "True"])
    {'threads': 1, 'planner': 'scripted', 'auto_approve': True}
"""
from __future__ import annotations

import argparse
import ast
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

from tinyagent import notebook_html

log = logging.getLogger(__name__)

WIDGET_STATE_MIME = "application/vnd.jupyter.widget-state+json"
NOTEBOOK = Path("notebooks/06_live_demo.ipynb")
CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def parse_params(pairs: Sequence[str]) -> dict[str, Any]:
    """`[name, value, ...]` -> {name: Python literal, or the text itself when it is not a literal}."""
    if len(pairs) % 2:
        raise ValueError(f"parameters come in name/value pairs, got {list(pairs)}")
    out: dict[str, Any] = {}
    for name, text in zip(pairs[::2], pairs[1::2]):
        try:
            out[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            out[name] = text
    return out


def execute(src: str | Path, dst: str | Path, parameters: dict[str, Any] | None = None, *,
            cwd: str | Path = ".", timeout: int = 600) -> Path:
    """Run `src` with papermill into `dst` (widget state kept); returns `dst`."""
    import papermill

    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(str(src), str(dst), parameters=parameters or {}, cwd=str(cwd),
                               execution_timeout=timeout, progress_bar=False, kernel_name="python3")
    return dst


def widget_state(notebook: str | Path) -> dict[str, Any]:
    """The saved widget state of an executed notebook ({} when there is none)."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    return nb.metadata.get("widgets", {}).get(WIDGET_STATE_MIME, {})


def export_html(notebook: str | Path, html_path: str | Path) -> Path:
    """The notebook as standalone HTML (widget state and renderer embedded: draws offline);
    ValueError if it has no widget state."""
    if not widget_state(notebook).get("state"):
        raise ValueError(f"{notebook} carries no widget state: execute it with store_widget_state=True")
    return notebook_html.export(notebook, html_path)


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary, or None."""
    return next((p for p in map(shutil.which, CHROMIUMS) if p), None)


def screenshot(html_path: str | Path, png_path: str | Path, *, size: tuple[int, int] = (1400, 2400),
               timeout: float = 120) -> Path:
    """PNG of the page rendered by headless Chromium; FileNotFoundError when none is installed."""
    browser = find_chromium()
    if browser is None:
        raise FileNotFoundError("no chromium found: apt-get install -y --no-install-recommends chromium")
    png = Path(png_path).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:  # a throwaway profile: no state shared between runs
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}", "--virtual-time-budget=5000",
               f"--screenshot={png}", Path(html_path).resolve().as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not png.is_file():
        raise RuntimeError(f"chromium failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return png


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tinyagent.demo.export", description=__doc__.split("\n")[0])
    p.add_argument("--notebook", default=str(NOTEBOOK), help="the demo notebook")
    p.add_argument("--out", default="outputs/demo", help="folder for the executed notebook, HTML and PNG")
    p.add_argument("-p", "--param", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="notebook parameter (Python literal or text); run_dir (the run folder) defaults to OUT/run")
    p.add_argument("--screenshot", action="store_true", help="also render the HTML with headless chromium")
    p.add_argument("--timeout", type=int, default=600, help="seconds per notebook cell")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    out = Path(args.out)
    params = {"run_dir": str(out / "run"), **parse_params([x for pair in args.param for x in pair])}
    stem = Path(args.notebook).stem
    executed = execute(args.notebook, out / f"{stem}.ipynb", params, timeout=args.timeout)
    html = export_html(executed, out / f"{stem}.html")
    print(f"wrote {executed} and {html} ({len(widget_state(executed)['state'])} widget models saved)")
    if args.screenshot:
        try:
            print(f"wrote {screenshot(html, out / 'screenshot.png')}")
        except FileNotFoundError as e:
            print(f"no screenshot: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
