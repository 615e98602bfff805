"""Reminders as RFC 5545 VTODO .ics files (one per reminder), written atomically with `icalendar`.

All-day reminders get a DATE due value, others a DATE-TIME. The list name is kept in CATEGORIES.
Priorities follow RFC 5545 (0 undefined, 1 highest ... 9 lowest), as Apple Reminders does.

Example:
    >>> import tempfile, pathlib
    >>> from datetime import datetime
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_reminder(folder, name="Buy milk", due=datetime(2024, 6, 1, 9), notes="2%",
    ...                    list_name="", priority=1, all_day=True, stamp=datetime(2024, 5, 1))
    >>> r = read_reminders(folder)[0]
    >>> r["name"], r["due"], r["list"], r["priority"], r["all_day"]
    ('Buy milk', '2024-06-01', 'Reminders', 1, True)
"""
from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from icalendar import Calendar, Todo

from tinyagent.sandbox.calendar import new_calendar
from tinyagent.sandbox.workspace import files_in, oldest_first, read_bytes, unique_stem, write_in
from tinyagent.tools.assistant import DATE_FORMAT
from tinyagent.tools.backend import ToolError

log = logging.getLogger(__name__)

DEFAULT_LIST = "Reminders"


def write_reminder(folder: Path, *, name: str, due: datetime | None, notes: str, list_name: str,
                   priority: int, all_day: bool, stamp: datetime) -> Path:
    """Write one VTODO to `folder/<stem>.ics`; ToolError on a priority outside 0..9."""
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 9:
        raise ToolError(f"priority must be an integer from 0 to 9 (1 high, 5 medium, 9 low), got {priority!r}")
    list_name = list_name or DEFAULT_LIST
    todo = Todo()
    todo.add("uid", f"{uuid.uuid4()}@tinyagent.sandbox")
    todo.add("dtstamp", stamp)
    todo.add("created", stamp)
    todo.add("summary", name)
    todo.add("status", "NEEDS-ACTION")
    if due is not None:
        todo.add("due", due.date() if all_day else due)
    if notes:
        todo.add("description", notes)
    if priority:
        todo.add("priority", priority)
    todo.add("categories", [list_name])
    cal = new_calendar(list_name)
    cal.add_component(todo)
    path = write_in(folder, folder / f"{unique_stem(stamp)}.ics", cal.to_ical())
    log.info("reminder %r written to %s", name, path)
    return path


def _due_text(todo: Todo) -> str:
    if "due" not in todo:
        return ""
    due = todo.decoded("due")
    return due.strftime(DATE_FORMAT) if isinstance(due, datetime) else due.isoformat()


def read_reminders(folder: Path) -> list[dict[str, Any]]:
    """Every reminder under `folder` as plain data, in creation order."""
    out = []
    for path in oldest_first(files_in(folder, folder, "*.ics")):
        for todo in Calendar.from_ical(read_bytes(folder, path)).walk("VTODO"):
            cats = todo.get("categories")
            due = todo.decoded("due") if "due" in todo else None
            out.append({
                "name": str(todo.get("summary", "")),
                "due": _due_text(todo),
                "notes": str(todo.get("description", "")),
                "list": str(cats.cats[0]) if cats else DEFAULT_LIST,
                "priority": int(todo.get("priority", 0)),
                "all_day": isinstance(due, date) and not isinstance(due, datetime),
                "path": str(path),
            })
    return out
