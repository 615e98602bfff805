"""Step fingerprints and the run manifest: re-run a step only when what it depends on changed.

A step's fingerprint hashes its notebook, its parameters (run_dir included), the content of its
inputs (the run-layout folders it reads, `tinyagent.layout.STEP_INPUTS`) and the `tinyagent`
package source (a code change re-runs everything downstream).

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); (d / "a.txt").write_text("x")
    1
    >>> tree_hash(d) == tree_hash(d), len(tree_hash(d))
    (True, 64)
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tinyagent.atomic import write_json_atomic

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def tree_hash(path: Path) -> str:
    """sha256 over a file, or over every file below a folder (relative names and contents)."""
    digest = hashlib.sha256()
    if not path.exists():
        digest.update(b"<missing>")
    elif path.is_file():
        digest.update(path.read_bytes())
    else:
        for file in sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(file.relative_to(path)).encode() + b"\0")
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def step_fingerprint(notebook: Path, parameters: dict[str, Any], inputs: list[Path]) -> str:
    """What decides whether a finished step is still up to date."""
    parts = {
        "notebook": tree_hash(notebook),
        "parameters": json.dumps(parameters, sort_keys=True, default=str),
        "inputs": {str(p): tree_hash(p) for p in inputs},
        "package": tree_hash(PACKAGE_DIR),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


class Manifest:
    """outputs/<run-id>/manifest.json: one entry per step (fingerprint, status, timings)."""

    def __init__(self, path: Path):
        self.path = path
        self.steps: dict[str, dict[str, Any]] = {}
        if path.exists():
            self.steps = json.loads(path.read_text(encoding="utf-8")).get("steps", {})

    def is_current(self, step: str, fingerprint: str, output_notebook: Path) -> bool:
        entry = self.steps.get(step, {})
        return entry.get("status") == "ok" and entry.get("fingerprint") == fingerprint and output_notebook.exists()

    def record(self, step: str, **entry: Any) -> None:
        self.steps[step] = entry
        write_json_atomic(self.path, {"steps": self.steps})
