"""Notes as Markdown files: notes/<folder>/<title>.md, the file holding the note body verbatim.

Titles and folders become file names only through `safe_filename`. Titles match case-insensitively
("groceries" opens "Groceries"). `create` never overwrites: an existing title is an error that points
to `append`. `append` creates a missing note and otherwise adds the text on a new line; both writes
are atomic, and a lock serialises read-modify-write between executor threads.

Example:
    >>> import tempfile, pathlib
    >>> store = NoteStore(pathlib.Path(tempfile.mkdtemp()))
    >>> _ = store.create("Groceries", "eggs", "")
    >>> _ = store.append("groceries", "milk", "")
    >>> store.open("GROCERIES", "")
    'eggs\\nmilk'
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

from tinyagent.sandbox.workspace import (atomic_create_bytes, atomic_write_bytes, inside_workspace,
                                         safe_filename)
from tinyagent.tools.backend import ToolError

log = logging.getLogger(__name__)

DEFAULT_FOLDER = "Notes"
SUFFIX = ".md"
FUZZY_THRESHOLD = 75.0  # open_note tolerates small typos: one edit in a 4-letter title scores 75


class NoteStore:
    """Notes below `root` (the workspace's notes/ folder)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()

    def _folder(self, folder: str) -> Path:
        return inside_workspace(self.root, safe_filename(folder or DEFAULT_FOLDER))

    def _path(self, name: str, folder: str) -> Path:
        """Existing note with this title (any case) or the path a new one gets."""
        directory, stem = self._folder(folder), safe_filename(name)
        for p in directory.glob(f"*{SUFFIX}") if directory.is_dir() else ():
            if p.stem.casefold() == stem.casefold():
                return p
        return inside_workspace(self.root, str(directory / f"{stem}{SUFFIX}"))

    def create(self, name: str, content: str, folder: str) -> Path:
        """New note; ToolError if the title exists in that folder (use `append`)."""
        path = self._path(name, folder)
        if path.exists() or not atomic_create_bytes(path, _text(content, "content").encode("utf-8")):
            raise ToolError(f"a note titled {name!r} already exists in folder {path.parent.name!r}; "
                            "use append_note_content to add to it")
        log.info("note created at %s", path)
        return path

    def append(self, name: str, content: str, folder: str) -> Path:
        """Add `content` on a new line at the end of the note (created if missing)."""
        content = _text(content, "content")
        with self._lock:
            path = self._path(name, folder)
            old = path.read_text(encoding="utf-8") if path.exists() else ""
            sep = "\n" if old and not old.endswith("\n") else ""
            atomic_write_bytes(path, (old + sep + content).encode("utf-8"))
        return path

    def open(self, name: str, folder: str) -> str:
        """The note's body; an empty `folder` searches every folder."""
        return self.find(name, folder).read_text(encoding="utf-8")

    def find(self, name: str, folder: str) -> Path:
        """Path of the note: exact title (any case), else the closest title above the threshold."""
        if folder:
            candidates = list(self._folder(folder).glob(f"*{SUFFIX}"))
        else:
            candidates = list(self.root.glob(f"*/*{SUFFIX}"))
        stem = safe_filename(name)
        exact = [p for p in candidates if p.stem.casefold() == stem.casefold()]
        if len(exact) > 1:
            raise ToolError(f"several notes are titled {name!r}: folders "
                            f"{', '.join(sorted(p.parent.name for p in exact))}; name the folder")
        if exact:
            return exact[0]
        best = process.extractOne(stem, {p: p.stem for p in candidates}, scorer=fuzz.ratio,
                                  processor=utils.default_process, score_cutoff=FUZZY_THRESHOLD)
        if best is None:
            where = f"folder {folder!r}" if folder else "any folder"
            titles = ", ".join(sorted(p.stem for p in candidates)[:10]) or "none"
            raise ToolError(f"no note titled {name!r} in {where}; notes: {titles}")
        return best[2]

    def list(self) -> list[dict[str, Any]]:
        """Every note as plain data (folder, title, size)."""
        return [{"folder": p.parent.name, "title": p.stem, "chars": len(p.read_text(encoding="utf-8")),
                 "path": str(p)} for p in sorted(self.root.glob(f"*/*{SUFFIX}"))]


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise ToolError(f"note {field} must be text, got {type(value).__name__} {value!r}")
    return value
