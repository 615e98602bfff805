"""Atomic file writes: a crash leaves either the old file or the new one, never half of one.

Everything that writes results, datasets or workspace files goes through `atomic_open`.

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.json"
    >>> _ = write_json_atomic(p, {"a": 1}); p.read_text()
    '{\\n  "a": 1\\n}\\n'
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Any, Iterator


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "w", *, replace: bool = True) -> Iterator[IO]:
    """Write to a temporary file beside `path`; on success fsync and rename it into place.

    With `replace=False` an existing `path` is never overwritten: FileExistsError instead
    (os.link is atomic and fails if the target exists, so there is no check-then-write race).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Replace `path` with `data` atomically."""
    with atomic_open(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def create_bytes_atomic(path: str | Path, data: bytes) -> bool:
    """Create `path` with `data` unless it exists; False (and nothing written) if it does."""
    try:
        with atomic_open(path, "wb", replace=False) as fh:
            fh.write(data)
    except FileExistsError:
        return False
    return True


def write_json_atomic(path: str | Path, obj: Any) -> Path:
    """Write `obj` as indented JSON atomically (metrics, summaries, manifests)."""
    with atomic_open(path) as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    return Path(path)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Replace `path` with `text` (UTF-8) atomically."""
    with atomic_open(path) as fh:
        fh.write(text)
    return Path(path)
