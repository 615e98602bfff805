"""Executed notebooks as standalone HTML whose widgets draw without a network.

nbconvert's HTML loads require.js and the widget renderer (@jupyter-widgets/html-manager) from a
CDN, so offline a page shows only static output. Here both come from pinned npm packages fetched
once into `.vendor/js/` (`python -m tinyagent.notebook_html fetch`, run by scripts/setup.sh) and
are inlined as data: URLs, together with the anywidget front end of the installed `anywidget`
package (the demo's record button), so the file works copied anywhere and opened from disk.

    python -m tinyagent.notebook_html fetch                      # once: .vendor/js/<package>@<version>/
    python -m tinyagent.notebook_html outputs/demo/06_live_demo.ipynb outputs/demo/06_live_demo.html

Example:
    >>> data_url("text/javascript", b"x=1")
    'data:text/javascript;base64,eD0x'
"""
from __future__ import annotations

import base64
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Sequence

from tinyagent.atomic import write_text_atomic

# Pinned front ends: html-manager 1.0.x is the renderer of ipywidgets 8 (widget protocol 2).
HTML_MANAGER = ("@jupyter-widgets/html-manager", "1.0.15", "dist/embed-amd.js")
REQUIREJS = ("requirejs", "2.3.7", "require.js")
PACKAGES = (HTML_MANAGER, REQUIREJS)
VENDOR = Path(__file__).resolve().parents[1] / ".vendor" / "js"  # gitignored; filled by `fetch`
_FONT = re.compile(r'\b[a-z]\.p\+"([0-9a-f]{20}\.woff2)"')  # webpack asset URLs of the icon fonts


def data_url(mime: str, payload: bytes) -> str:
    """`payload` as a base64 data: URL (what <script src> and CSS url() accept offline)."""
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def package_dir(package: tuple[str, str, str], vendor: Path = VENDOR) -> Path:
    """Where `fetch` unpacks a package: .vendor/js/<name>@<version>/."""
    name, version, _ = package
    return vendor / f"{name.replace('/', '__')}@{version}"


def vendor_path(package: tuple[str, str, str], vendor: Path = VENDOR) -> Path:
    """The file of a package the pages use (its bundle)."""
    return package_dir(package, vendor) / package[2]


def fetch(vendor: Path = VENDOR) -> list[Path]:
    """Download the pinned packages with `npm pack` (once; present files are kept); their paths."""
    out = []
    for package in PACKAGES:
        target = vendor_path(package, vendor)
        if not target.is_file():
            _unpack(package, package_dir(package, vendor))
        out.append(target)
    return out


def _unpack(package: tuple[str, str, str], root: Path) -> None:
    name, version, file = package
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(["npm", "pack", "--silent", f"{name}@{version}"], cwd=tmp, capture_output=True,
                              text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"npm pack {name}@{version} failed: {proc.stderr.strip()[-300:]}")
        tgz = Path(tmp) / proc.stdout.strip().splitlines()[-1]
        with tarfile.open(tgz) as tar:  # keep the whole dist/ (fonts beside the bundle)
            members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith("package/")]
            for m in members:
                m.name = m.name[len("package/"):]
            tar.extractall(root, members=members, filter="data")
    if not (root / file).is_file():
        raise RuntimeError(f"{name}@{version} has no {file}")


def _vendored(package: tuple[str, str, str]) -> Path:
    path = vendor_path(package)
    if not path.is_file():
        raise FileNotFoundError(f"no {path}: run `python -m tinyagent.notebook_html fetch` (scripts/setup.sh does)")
    return path


def renderer_js() -> bytes:
    """The html-manager bundle with its icon fonts inlined (they load relative to the page otherwise)."""
    path = _vendored(HTML_MANAGER)
    text = path.read_text(encoding="utf-8")
    fonts = {m: data_url("font/woff2", (path.parent / m).read_bytes()) for m in set(_FONT.findall(text))}
    return _FONT.sub(lambda m: f'"{fonts[m.group(1)]}"', text).encode("utf-8")


def loader_js() -> bytes:
    """require.js, then the anywidget front end registered under its module name (the renderer asks
    require.js for "anywidget" first and only falls back to a CDN when that fails)."""
    import anywidget

    amd = (Path(anywidget.__file__).parent / "nbextension" / "index.js").read_text(encoding="utf-8")
    head, sep, tail = amd.rpartition('define(["@jupyter-widgets/base"]')
    if not sep:
        raise RuntimeError("anywidget's nbextension/index.js no longer ends in an AMD define: update loader_js")
    named = head + 'define("anywidget", ["@jupyter-widgets/base"]' + tail
    return _vendored(REQUIREJS).read_bytes() + b"\n;" + named.encode("utf-8")


def to_html(notebook: str | Path) -> str:
    """The notebook as one HTML page; its saved widget state draws offline."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(require_js_url=data_url("text/javascript", loader_js()),
                            widget_renderer_url=data_url("text/javascript", renderer_js()))
    body, _ = exporter.from_notebook_node(nbformat.read(str(notebook), as_version=4))
    return body


def export(notebook: str | Path, html_path: str | Path) -> Path:
    """Write `to_html(notebook)` to `html_path` (atomically); returns the path."""
    return write_text_atomic(html_path, to_html(notebook))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["fetch"]:
        for path in fetch():
            print(path)
        return 0
    if len(args) != 2:
        print("usage: python -m tinyagent.notebook_html fetch | NOTEBOOK.ipynb OUT.html", file=sys.stderr)
        return 2
    try:
        print(export(args[0], args[1]))
    except (FileNotFoundError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
