"""Workspace layout and the two safety checks every sandbox tool goes through.

`inside_workspace` is the only place that turns a user-supplied path into a filesystem path;
`safe_filename` is the only place that turns a user string (note title, folder) into a file name.
Writes go through `atomic_write_bytes` / `atomic_create_bytes` (temporary file + rename/link), so a
crash never leaves a half-written file behind.

Example:
    >>> import tempfile
    >>> ws = Workspace(Path(tempfile.mkdtemp()))
    >>> inside_workspace(ws.root, "report.pdf", base=ws.documents) == ws.documents / "report.pdf"
    True
    >>> safe_filename("../../etc/passwd")
    '_._etc_passwd'
"""
from __future__ import annotations

import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tinyagent.tools.assistant import DATE_FORMAT
from tinyagent.atomic import create_bytes_atomic, write_bytes_atomic
from tinyagent.tools.backend import ToolError

MAX_NAME_BYTES = 200  # file systems cap names at 255 bytes; leave room for suffixes like ".md"
_UNSAFE_CHARS = re.compile(r"[/\\\x00-\x1f\x7f]")  # separators and control characters (incl. NUL, newline)
_DOT_RUNS = re.compile(r"\.{2,}")  # '..' anywhere could read as a parent directory


@dataclass(frozen=True)
class Workspace:
    """Directory layout of one sandbox; `ensure()` creates the folders (idempotent)."""

    root: Path  # everything the sandbox writes lives below this (resolved, absolute)

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).expanduser().resolve())

    contacts_db = property(lambda self: self.root / "contacts.sqlite")  # SQLite address book
    calendar = property(lambda self: self.root / "calendar")  # one VEVENT .ics per event
    notes = property(lambda self: self.root / "notes")  # notes/<folder>/<title>.md
    reminders = property(lambda self: self.root / "reminders")  # one VTODO .ics per reminder
    inbox = property(lambda self: self.root / "inbox")  # received .eml; `.current` names the open one
    outbox = property(lambda self: self.root / "outbox")  # drafted/sent .eml
    sms = property(lambda self: self.root / "sms")  # one JSON per text message
    zoom = property(lambda self: self.root / "zoom")  # one JSON per meeting
    documents = property(lambda self: self.root / "documents")  # the files root for file tools

    def ensure(self) -> "Workspace":
        for d in (self.calendar, self.notes, self.reminders, self.inbox, self.outbox, self.sms,
                  self.zoom, self.documents):
            d.mkdir(parents=True, exist_ok=True)
        return self


def inside_workspace(root: Path, user_path: str, *, base: Path | None = None) -> Path:
    """Resolve `user_path` (relative to `base`, default `root`) and refuse anything outside `root`.

    Symlinks are resolved first, so a link pointing out of the workspace is refused too.

    >>> inside_workspace(Path("/tmp/ws"), "/etc/passwd")
    Traceback (most recent call last):
    ...
    tinyagent.tools.backend.ToolError: path '/etc/passwd' is outside the workspace /tmp/ws
    """
    if not isinstance(user_path, (str, os.PathLike)) or not str(user_path).strip():
        raise ToolError(f"expected a file path, got {user_path!r}")
    if "\x00" in str(user_path):
        raise ToolError(f"path {user_path!r} contains a NUL byte")
    root = Path(root).resolve()
    candidate = Path(os.path.expanduser(str(user_path)))
    if not candidate.is_absolute():
        candidate = Path(base or root) / candidate
    resolved = candidate.resolve()  # follows symlinks and '..'
    if not resolved.is_relative_to(root):
        raise ToolError(f"path {str(user_path)!r} is outside the workspace {root}")
    return resolved


def safe_filename(text: str, *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A single path component made from user text: no separators, no '..', no control chars.

    Unicode and quotes are kept (they are legal in file names); NFC-normalised; at most `max_bytes`
    UTF-8 bytes. Empty results raise ToolError.

    >>> safe_filename('Mom\\'s "list" ✓')
    'Mom\\'s "list" ✓'
    """
    if not isinstance(text, str):
        raise ToolError(f"expected a name, got {type(text).__name__} {text!r}")
    name = unicodedata.normalize("NFC", text)
    name = _UNSAFE_CHARS.sub("_", name)
    name = _DOT_RUNS.sub(".", name).strip().lstrip(".").strip()  # no hidden files, no '..'
    encoded = name.encode("utf-8")[:max_bytes]
    name = encoded.decode("utf-8", errors="ignore").rstrip()  # never cut a character in half
    if not name or name in {"_", "."}:
        raise ToolError(f"name {text!r} is empty once unsafe characters are removed")
    return name


def parse_date(value: str, field: str) -> datetime:
    """Parse a 'YYYY-MM-DD HH:MM:SS' argument; ToolError naming the field otherwise.

    >>> parse_date("2024-05-30 14:00:00", "start_date")
    datetime.datetime(2024, 5, 30, 14, 0)
    """
    if not isinstance(value, str):
        raise ToolError(f"{field} must be a string 'YYYY-MM-DD HH:MM:SS', got {value!r}")
    try:
        return datetime.strptime(value.strip(), DATE_FORMAT)
    except ValueError:
        raise ToolError(f"{field} {value!r} is not a date in the format 'YYYY-MM-DD HH:MM:SS'") from None


def unique_stem(when: datetime) -> str:
    """Sortable, collision-free file stem: timestamp plus a random suffix (safe across threads)."""
    return f"{when:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def oldest_first(paths) -> list[Path]:
    """Paths in the order they were written (mtime, then name): stems within one second tie."""
    return sorted(paths, key=lambda p: (p.stat().st_mtime_ns, p.name))


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path` via a temporary file in the same folder and an atomic rename."""
    return write_bytes_atomic(path, data)


def atomic_create_bytes(path: Path, data: bytes) -> bool:
    """Like `atomic_write_bytes` but never replaces an existing file; False if `path` exists."""
    return create_bytes_atomic(path, data)
