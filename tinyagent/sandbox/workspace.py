"""Workspace layout, the one path owner every sandbox module goes through, and safe file names.

Paths: `confine(root, path)` is the only place that turns a workspace path into the real path the
sandbox touches. It resolves every symlink (root folders, app folders, files, dangling links) and
refuses, with a ToolError, anything whose real location is outside `root`, before anything is read
or written. `Workspace.app_dir`, `Workspace.path`, `inside_workspace`, `files_in`, `read_bytes`,
`write_in` and `create_in` are built on it; no sandbox module opens a workspace file any other way.
Writes are atomic (temporary file + rename/link) and each runs inside `commit`, so a tool call that
the executor has abandoned after its time limit writes nothing (tinyagent/tools/cancel.py).
`Workspace.lock(path)` is a cross-process lock (filelock) for read-modify-write of one file.

Names: `encode_name` turns a user string (note title, folder) into one file-name component,
injectively: separators, control characters, '%' and leading or repeated dots are percent-encoded,
so 'a/b' and 'a_b' stay two files; `decode_name` gives the title back. A name that would exceed
`MAX_NAME_BYTES` is refused rather than cut (cutting merged long titles into one file).
`safe_filename` is the older lossy sanitiser, kept for callers that want a harmless name only.

Not guaranteed: a process that swaps a folder for a symlink between the check and the write (a
race with a concurrent attacker) is outside what a path check can stop.

Example:
    >>> import tempfile
    >>> ws = Workspace(Path(tempfile.mkdtemp())).ensure()
    >>> inside_workspace(ws.root, "report.pdf", base=ws.documents) == ws.documents / "report.pdf"
    True
    >>> ws.app_dir("notes") == ws.notes
    True
    >>> encode_name("a/b"), encode_name("a_b"), decode_name(encode_name("../x"))
    ('a%2Fb', 'a_b', '../x')
    >>> safe_filename("../../etc/passwd")
    '_._etc_passwd'
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

from filelock import FileLock

from tinyagent.tools.assistant import DATE_FORMAT
from tinyagent.atomic import create_bytes_atomic, write_bytes_atomic
from tinyagent.tools.backend import ToolError
from tinyagent.tools.cancel import commit

log = logging.getLogger(__name__)

MAX_NAME_BYTES = 200  # file systems cap names at 255 bytes; leave room for suffixes like ".md"
LOCK_DIR = ".locks"  # root/.locks/<hash>.lock: one lock file per locked workspace file
LOCK_TIMEOUT = 30.0  # seconds to wait for another process's lock before a ToolError
APP_DIRS = ("calendar", "notes", "reminders", "inbox", "outbox", "sms", "zoom", "documents")
_UNSAFE_CHARS = re.compile(r"[/\\\x00-\x1f\x7f]")  # separators and control characters (incl. NUL, newline)
_DOT_RUNS = re.compile(r"\.{2,}")  # '..' anywhere could read as a parent directory
_ENCODED = re.compile(r"[%/\\\x00-\x1f\x7f]|^\.|(?<=\.)\.")  # what encode_name escapes
_ESCAPE = re.compile(r"%([0-9A-F]{2})")


def confine(root: Path, path: Path | str) -> Path:
    """The real path of `path` (every symlink resolved, also a dangling one); ToolError if outside `root`.

    >>> confine(Path("/tmp"), "/etc/passwd")
    Traceback (most recent call last):
    ...
    tinyagent.tools.backend.ToolError: path '/etc/passwd' is outside the workspace /tmp
    """
    real_root = Path(root).resolve()
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = real_root / candidate
    try:
        real = candidate.resolve()  # follows symlinks at every level and '..'
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise ToolError(f"path {str(path)!r} cannot be resolved: {exc}") from None
    if not real.is_relative_to(real_root):
        raise ToolError(f"path {str(path)!r} is outside the workspace {real_root}")
    return real


@dataclass(frozen=True)
class Workspace:
    """Directory layout of one sandbox; `ensure()` creates the folders (idempotent).

    The properties name where things live; `app_dir` is what tools use: it re-checks at every call,
    since a folder can be replaced by a symlink while the sandbox runs.
    """

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
        """Create the app folders; one whose real path leads outside is left alone (tools refuse it)."""
        for name in APP_DIRS:
            try:
                self.app_dir(name)
            except ToolError as exc:
                log.warning("workspace folder %s/ is unusable: %s", name, exc)
        return self

    def path(self, rel: Path | str) -> Path:
        """The real path of `rel` (relative to the root, or absolute), confined to the root."""
        return confine(self.root, rel)

    def app_dir(self, name: str) -> Path:
        """The real path of the app folder `name` (created if missing); ToolError if it leads outside."""
        if name not in APP_DIRS:
            raise ValueError(f"unknown workspace folder {name!r}; one of {APP_DIRS}")
        real = confine(self.root, self.root / name)
        if real.exists() and not real.is_dir():
            raise ToolError(f"workspace folder {name}/ is not a folder")
        real.mkdir(parents=True, exist_ok=True)
        return real

    @contextlib.contextmanager
    def lock(self, path: Path | str) -> Iterator[None]:
        """Hold a cross-process lock on one workspace file (threads of one process exclude each other too).

        The lock file lives in root/.locks/, named by a hash of the real path, so it never shows up
        in an app folder and cannot be redirected outside (it is confined like every other path).
        """
        real = confine(self.root, path)
        key = hashlib.sha256(str(real.relative_to(self.root)).casefold().encode("utf-8")).hexdigest()[:32]
        lock_dir = confine(self.root, self.root / LOCK_DIR)
        try:  # exist_ok: the first writes of two processes race to create it
            lock_dir.mkdir(exist_ok=True)
        except OSError as exc:  # a file (or a link to one) sits where the lock folder belongs
            raise ToolError(f"cannot use the lock folder {LOCK_DIR}/: {exc}") from None
        lock_file = confine(self.root, lock_dir / f"{key}.lock")
        try:
            with FileLock(lock_file, timeout=LOCK_TIMEOUT):  # a new object per use: one flock per holder
                yield
        except TimeoutError as exc:  # filelock.Timeout subclasses TimeoutError
            raise ToolError(f"{real.name!r} is locked by another process; try again ({exc})") from None


def inside_workspace(root: Path, user_path: str, *, base: Path | None = None) -> Path:
    """Resolve a user-supplied `user_path` (relative to `base`, default `root`) and refuse anything outside `root`.

    Symlinks are resolved first (by `confine`), so a link pointing out of the workspace is refused too.

    >>> inside_workspace(Path("/tmp/ws"), "/etc/passwd")
    Traceback (most recent call last):
    ...
    tinyagent.tools.backend.ToolError: path '/etc/passwd' is outside the workspace /tmp/ws
    """
    if not isinstance(user_path, (str, os.PathLike)) or not str(user_path).strip():
        raise ToolError(f"expected a file path, got {user_path!r}")
    if "\x00" in str(user_path):
        raise ToolError(f"path {user_path!r} contains a NUL byte")
    candidate = Path(os.path.expanduser(str(user_path)))
    if not candidate.is_absolute():
        candidate = Path(base or root) / candidate
    try:
        return confine(root, candidate)
    except ToolError:
        raise ToolError(f"path {str(user_path)!r} is outside the workspace {Path(root).resolve()}") from None


def files_in(root: Path, folder: Path, pattern: str) -> list[Path]:
    """Regular files in `folder` matching `pattern` whose real path is inside `root` (others skipped).

    The paths are returned as listed (a link inside the workspace keeps its own name); read them
    with `read_bytes`, which checks again at the moment of reading."""
    out = []
    for p in sorted(folder.glob(pattern)):
        try:
            real = confine(root, p)
        except ToolError:
            log.warning("skipping %s: it leads outside the workspace", p)
            continue
        if real.is_file():
            out.append(p)
    return out


def read_bytes(root: Path, path: Path) -> bytes:
    """The bytes of `path`, after checking its real location is inside `root`."""
    return confine(root, path).read_bytes()


def write_in(root: Path, path: Path, data: bytes) -> Path:
    """Atomically write `data` to the real location of `path` (confined to `root`); returns it."""
    real = confine(root, path)
    with commit(f"{real.name!r}"):
        return atomic_write_bytes(real, data)


def create_in(root: Path, path: Path, data: bytes) -> Path | None:
    """Like `write_in` but never replaces an existing file: None (nothing written) if it exists."""
    real = confine(root, path)
    with commit(f"{real.name!r}"):
        return real if atomic_create_bytes(real, data) else None


def encode_name(text: str, what: str = "name") -> str:
    """One file-name component for `text`, injective on NFC, whitespace-trimmed text (see module doc).

    >>> encode_name("100% sure ✓")
    '100%25 sure ✓'
    >>> encode_name("...hidden")
    '%2E%2E%2Ehidden'
    """
    if not isinstance(text, str):
        raise ToolError(f"{what} must be text, got {type(text).__name__} {text!r}")
    name = unicodedata.normalize("NFC", text).strip()
    if not name:
        raise ToolError(f"{what} {text!r} is empty")
    encoded = _ENCODED.sub(lambda m: f"%{ord(m.group()):02X}", name)
    size = len(encoded.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        raise ToolError(f"{what} {text[:40]!r}... is too long: {size} bytes as a file name, "
                        f"at most {MAX_NAME_BYTES}")
    return encoded


def decode_name(stem: str) -> str:
    """The text `encode_name` made `stem` from (names from older versions pass through)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), stem)


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
