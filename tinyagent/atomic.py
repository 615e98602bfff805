"""Atomic file writes: a crash leaves either the old file or the new one, never half of one.

Everything that writes results, datasets or workspace files goes through `atomic_open`. A set of
files that must change together (the train/val/test splits and their manifest) goes through
`write_file_set`: staged in a hidden folder, journalled, renamed into place, rolled forward after a crash.

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
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import IO, Any, Callable, Iterator


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


# --- sets of files written as one unit ------------------------------------------------------------
FILE_SET_JOURNAL = ".fileset-pending.json"  # present only while a staged set is being moved in
_STAGING_GLOB = ".fileset-*.staging"


def write_file_set(folder: str | Path, writers: dict[str, Callable[[Path], Any]]) -> dict[str, Any]:
    """Write several files in `folder` as one unit: all or none of them replace the old set.

    Each `writers[name](path)` writes one file into a staging folder beside the targets; once all are
    written, a journal names the staging folder and the files are renamed into place in the order
    given (so put a manifest last). A crash before the journal leaves the old set untouched; a crash
    after it is rolled forward by `recover_file_set`, which readers call first. Leftovers of earlier
    interrupted runs (staging folders, `.tmp` files) are removed. Returns each writer's result.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = write_file_set(d, {"a.txt": lambda p: p.write_text("1"), "m.json": lambda p: p.write_text("{}")})
    >>> sorted(p.name for p in d.iterdir())
    ['a.txt', 'm.json']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    recover_file_set(folder, names=list(writers))
    staging = folder / f".fileset-{uuid.uuid4().hex[:12]}.staging"
    staging.mkdir()
    results = {name: write(staging / name) for name, write in writers.items()}
    for name in writers:
        _fsync_path(staging / name)
    _fsync_path(staging)
    write_json_atomic(folder / FILE_SET_JOURNAL, {"staging": staging.name, "order": list(writers)})
    _apply(folder, staging.name, list(writers))
    return results


def recover_file_set(folder: str | Path, names: list[str] | None = None) -> bool:
    """Finish a set write that was interrupted after its journal (True if one was), then drop leftovers:
    staging folders of sets that never reached their journal, and atomic-write `.tmp` files of `names`."""
    folder = Path(folder)
    journal = folder / FILE_SET_JOURNAL
    rolled = journal.exists()
    if rolled:
        pending = json.loads(journal.read_text(encoding="utf-8"))
        _apply(folder, pending["staging"], pending["order"])
    for stale in folder.glob(_STAGING_GLOB):  # never journalled: the old set is still whole
        shutil.rmtree(stale, ignore_errors=True)
    for name in names or ():
        for tmp in folder.glob(f".{name}.*.tmp"):  # atomic_open's temporary files
            tmp.unlink(missing_ok=True)
    return rolled


def _apply(folder: Path, staging_name: str, order: list[str]) -> None:
    """Move the staged files into place (idempotent: a file already moved is skipped)."""
    staging = folder / staging_name
    for name in order:
        if (staging / name).exists():
            os.replace(staging / name, folder / name)
    _fsync_path(folder)
    (folder / FILE_SET_JOURNAL).unlink(missing_ok=True)
    if staging.exists():
        for left in staging.iterdir():
            left.unlink()
        staging.rmdir()


def _fsync_path(path: Path) -> None:
    """fsync a file or folder (a folder's fsync makes renames inside it durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
