"""Calendar events as RFC 5545 .ics files (one VEVENT per file), written and read with `icalendar`.

The calendar name is stored in the event's CATEGORIES (it round-trips exactly through icalendar,
unlike X-WR-CALNAME, which icalendar 7.3 does not unescape on reading) and mirrored in
X-WR-CALNAME for calendar apps.

Example:
    >>> import tempfile, pathlib
    >>> from datetime import datetime
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> path = write_event(folder, title="Design review", start=datetime(2024, 5, 30, 14),
    ...                    end=None, location="", invitees=["sid.patel@example.com"], notes="",
    ...                    calendar="Work", stamp=datetime(2024, 5, 1, 9))
    >>> ev = read_events(folder)[0]
    >>> ev["title"], ev["end"], ev["invitees"], ev["calendar"]
    ('Design review', '2024-05-30 15:00:00', ['sid.patel@example.com'], 'Work')
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from icalendar import Calendar, Event, vCalAddress, vText

from tinyagent.sandbox.workspace import files_in, read_bytes, unique_stem, write_in
from tinyagent.tools.assistant import DATE_FORMAT
from tinyagent.tools.backend import ToolError

log = logging.getLogger(__name__)

PRODID = "-//TinyAgent//Sandbox//EN"
DEFAULT_CALENDAR = "Calendar"
DEFAULT_DURATION = timedelta(hours=1)  # an empty end date means one hour after the start


def new_calendar(name: str) -> Calendar:
    """An empty VCALENDAR with the required PRODID and VERSION."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", vText(name))  # explicit vText: escapes newlines and commas
    return cal


def write_event(folder: Path, *, title: str, start: datetime, end: datetime | None, location: str,
                invitees: list[str], notes: str, calendar: str, stamp: datetime) -> Path:
    """Write one event to `folder/<stem>.ics` and return the path. `stamp` is "now" (DTSTAMP).

    `folder` is the real calendar folder (`Workspace.app_dir`); the file is confined to it."""
    end = end or start + DEFAULT_DURATION
    if end <= start:
        raise ToolError(f"event end {end:{DATE_FORMAT}} is not after its start {start:{DATE_FORMAT}}")
    calendar = calendar or DEFAULT_CALENDAR
    event = Event()
    event.add("uid", f"{uuid.uuid4()}@tinyagent.sandbox")
    event.add("dtstamp", stamp)
    event.add("summary", title)
    event.add("dtstart", start)  # floating local time, as the user gave it
    event.add("dtend", end)
    if location:
        event.add("location", location)
    if notes:
        event.add("description", notes)
    event.add("categories", [calendar])
    for email in invitees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        event.add("attendee", attendee, encode=False)
    cal = new_calendar(calendar)
    cal.add_component(event)
    path = write_in(folder, folder / f"{unique_stem(stamp)}.ics", cal.to_ical())
    log.info("event %r written to %s", title, path)
    return path


def _attendees(event: Event) -> list[str]:
    value = event.get("attendee", [])
    values = value if isinstance(value, list) else [value]
    return [str(v).removeprefix("mailto:").removeprefix("MAILTO:") for v in values]


def read_events_file(path: Path, root: Path | None = None) -> dict[str, Any]:
    """The (first) event of one .ics file as plain data (its real path confined to `root`, default its folder)."""
    ev = Calendar.from_ical(read_bytes(root or path.parent, path)).walk("VEVENT")[0]
    cats = ev.get("categories")
    return {
        "title": str(ev.get("summary", "")),
        "start": ev.decoded("dtstart").strftime(DATE_FORMAT),
        "end": ev.decoded("dtend").strftime(DATE_FORMAT),
        "location": str(ev.get("location", "")),
        "invitees": _attendees(ev),
        "notes": str(ev.get("description", "")),
        "calendar": str(cats.cats[0]) if cats else DEFAULT_CALENDAR,
        "path": str(path),
    }


def read_events(folder: Path) -> list[dict[str, Any]]:
    """Every event under `folder` as plain data, sorted by start."""
    events = (read_events_file(p, folder) for p in files_in(folder, folder, "*.ics"))
    return sorted(events, key=lambda e: (e["start"], e["path"]))
