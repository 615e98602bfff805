"""Notes as Markdown files: notes/<folder>/<title>.md, the file holding the note body verbatim.

Titles and folders become file names only through `encode_name`, which is injective ('a/b' and
'a_b' are two notes; a title too long for a file name is refused, never cut into another's name).
Titles match case-insensitively after NFC and trimming ("groceries" opens "Groceries"). `create`
never overwrites: an existing title is an error that points to `append`. `append` creates a missing
note and otherwise adds the text on a new line. Both run under one cross-process lock per note
folder (`Workspace.lock`), so concurrent creates and appends, in threads or in separate processes,
never lose a line. Every file is reached through the workspace's path owner (`confine`), so a
symlinked notes/ folder, note folder or note file leading outside the workspace is refused before
anything is read or written.

Example:
    >>> import tempfile, pathlib
    >>> store = NoteStore(Workspace(pathlib.Path(tempfile.mkdtemp())))
    >>> _ = store.create("Groceries", "eggs", "")
    >>> _ = store.append("groceries", "milk", "")
    >>> store.open("GROCERIES", "")
    'eggs\\nmilk'
"""
from __future__ import annotations

import logging
import unicodedata
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

from tinyagent.sandbox.workspace import (Workspace, confine, create_in, decode_name, encode_name, files_in,
                                         read_bytes, write_in)
from tinyagent.tools.backend import ToolError

log = logging.getLogger(__name__)

DEFAULT_FOLDER = "Notes"
SUFFIX = ".md"
FUZZY_THRESHOLD = 75.0  # open_note tolerates small typos: one edit in a 4-letter title scores 75


def title_key(title: str) -> str:
    """What two titles must share to be the same note: NFC, trimmed, case-folded."""
    return unicodedata.normalize("NFC", title).strip().casefold()


def note_title(path: Path) -> str:
    """The title a note file stands for."""
    return decode_name(path.name[: -len(SUFFIX)])


class NoteStore:
    """Notes in the workspace's notes/ folder (looked up, and checked, at every call)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def _root(self) -> Path:
        return self.ws.app_dir("notes")

    def _folder(self, folder: str) -> Path:
        root = self._root()
        return confine(root, root / encode_name(folder or DEFAULT_FOLDER, "note folder"))

    def _path(self, name: str, folder: str) -> Path:
        """Existing note with this title (any case) or the path a new one gets."""
        directory, stem = self._folder(folder), encode_name(name, "note title")
        for p in files_in(self._root(), directory, f"*{SUFFIX}"):
            if title_key(note_title(p)) == title_key(name):
                return p
        return confine(self._root(), directory / f"{stem}{SUFFIX}")

    def create(self, name: str, content: str, folder: str) -> Path:
        """New note; ToolError if the title exists in that folder (use `append`)."""
        data = _text(content, "content").encode("utf-8")
        directory = self._folder(folder)
        with self.ws.lock(directory):  # the same lock as `append`: a racing append cannot lose this
            path = self._path(name, folder)
            if path.exists() or create_in(self._root(), path, data) is None:
                raise ToolError(f"a note titled {name!r} already exists in folder {decode_name(path.parent.name)!r}; "
                                "use append_note_content to add to it")
        log.info("note created at %s", path)
        return path

    def append(self, name: str, content: str, folder: str) -> Path:
        """Add `content` on a new line at the end of the note (created if missing)."""
        content = _text(content, "content")
        directory = self._folder(folder)
        with self.ws.lock(directory):  # read-modify-write, across threads and processes
            path = self._path(name, folder)
            old = read_bytes(self._root(), path).decode("utf-8") if path.exists() else ""
            sep = "\n" if old and not old.endswith("\n") else ""
            write_in(self._root(), path, (old + sep + content).encode("utf-8"))
        return path

    def open(self, name: str, folder: str) -> str:
        """The note's body; an empty `folder` searches every folder."""
        return read_bytes(self._root(), self.find(name, folder)).decode("utf-8")

    def find(self, name: str, folder: str) -> Path:
        """Path of the note: exact title (any case), else the closest title above the threshold."""
        root = self._root()
        if folder:
            candidates = files_in(root, self._folder(folder), f"*{SUFFIX}")
        else:
            candidates = files_in(root, root, f"*/*{SUFFIX}")
        encode_name(name, "note title")  # same errors as create/append for empty or oversized titles
        exact = [p for p in candidates if title_key(note_title(p)) == title_key(name)]
        if len(exact) > 1:
            raise ToolError(f"several notes are titled {name!r}: folders "
                            f"{', '.join(sorted(decode_name(p.parent.name) for p in exact))}; name the folder")
        if exact:
            return exact[0]
        best = process.extractOne(name, {p: note_title(p) for p in candidates}, scorer=fuzz.ratio,
                                  processor=utils.default_process, score_cutoff=FUZZY_THRESHOLD)
        if best is None:
            where = f"folder {folder!r}" if folder else "any folder"
            titles = ", ".join(sorted(note_title(p) for p in candidates)[:10]) or "none"
            raise ToolError(f"no note titled {name!r} in {where}; notes: {titles}")
        return best[2]

    def list(self) -> list[dict[str, Any]]:
        """Every note as plain data (folder, title, size)."""
        root = self._root()
        return [{"folder": decode_name(p.parent.name), "title": note_title(p),
                 "chars": len(read_bytes(root, p).decode("utf-8")), "path": str(p)}
                for p in sorted(files_in(root, root, f"*/*{SUFFIX}"))]


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise ToolError(f"note {field} must be text, got {type(value).__name__} {value!r}")
    return value
