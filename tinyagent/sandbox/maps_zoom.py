"""Map links (Apple and Google Maps URLs) and deterministic Zoom meetings recorded in zoom/.

Nothing leaves the machine: maps tools return URLs a UI can open; a Zoom meeting id is a hash of
(seed, topic, start time), so the same request gives the same link. Records never overwrite one
another: the first request for a meeting is zoom/<meeting id>.json; a repeat with other details
(duration, invitees) is kept beside it as zoom/<meeting id>-<stamp>.json, and an identical repeat
writes nothing new.

Example:
    >>> apple_maps_url("Golden Gate Park, SF")
    'https://maps.apple.com/?q=Golden+Gate+Park%2C+SF'
    >>> google_directions_url("", "SFO", "r")
    'https://www.google.com/maps/dir/?api=1&destination=SFO&travelmode=transit'
    >>> zoom_link("Standup", "2024-05-30 09:00:00", seed=0) == zoom_link("Standup", "2024-05-30 09:00:00", seed=0)
    True
"""
from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tinyagent.sandbox.workspace import create_in, files_in, read_bytes, unique_stem
from tinyagent.tools.assistant import DATE_FORMAT, TRANSPORT_MODES
from tinyagent.tools.backend import ToolError

log = logging.getLogger(__name__)

_GOOGLE_MODES = {"d": "driving", "w": "walking", "r": "transit"}  # Apple's dirflg uses d/w/r itself


def check_transport(transport: str | None) -> str:
    """'d', 'w' or 'r' (empty means driving); ToolError otherwise."""
    mode = (transport or "d").strip().lower()
    if mode not in TRANSPORT_MODES:
        raise ToolError(f"transport must be one of {TRANSPORT_MODES} (driving, walking, transit), got {transport!r}")
    return mode


def apple_maps_url(location: str) -> str:
    return "https://maps.apple.com/?" + urlencode({"q": location})


def google_maps_url(location: str) -> str:
    return "https://www.google.com/maps/search/?" + urlencode({"api": 1, "query": location})


def apple_directions_url(start: str, end: str, transport: str) -> str:
    """Empty `start` means the current location (Apple omits saddr)."""
    params = ({"saddr": start} if start else {}) | {"daddr": end, "dirflg": check_transport(transport)}
    return "https://maps.apple.com/?" + urlencode(params)


def google_directions_url(start: str, end: str, transport: str) -> str:
    params = ({"origin": start} if start else {}) | {"destination": end,
                                                     "travelmode": _GOOGLE_MODES[check_transport(transport)]}
    return "https://www.google.com/maps/dir/?" + urlencode({"api": 1} | params)


def zoom_link(topic: str, start_time: str, *, seed: int) -> str:
    """Deterministic join link: an 11-digit meeting id and a passcode from a SHA-256 digest."""
    digest = hashlib.sha256(json.dumps([seed, topic, start_time]).encode("utf-8")).hexdigest()
    meeting_id = 10**10 + int(digest[:16], 16) % (9 * 10**10)  # always 11 digits
    return f"https://zoom.us/j/{meeting_id}?pwd={digest[16:32]}"


def record_meeting(folder: Path, *, topic: str, start: datetime, duration: int, invitees: list[str],
                   link: str, created: datetime) -> Path:
    """Save the meeting as zoom/<meeting id>.json; never replaces an earlier record (see module doc)."""
    if isinstance(duration, bool) or not isinstance(duration, int) or duration <= 0:
        raise ToolError(f"duration must be a positive number of minutes, got {duration!r}")
    meeting_id = link.split("/j/")[1].split("?")[0]
    record = {"topic": topic, "start_time": start.strftime(DATE_FORMAT), "duration": duration,
              "invitees": invitees, "link": link, "created": created.strftime(DATE_FORMAT)}
    same = [m for m in read_meetings(folder) if m["link"] == link
            and all(m.get(k) == record[k] for k in ("topic", "start_time", "duration", "invitees"))]
    if same:
        return Path(same[0]["path"])
    data = json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8")
    path = create_in(folder, folder / f"{meeting_id}.json", data)
    if path is None:  # the meeting exists with other details: keep both records
        path = create_in(folder, folder / f"{meeting_id}-{unique_stem(created)}.json", data)
    if path is None:
        raise ToolError(f"could not record zoom meeting {meeting_id}: the file name is taken")
    log.info("zoom meeting %r recorded at %s", topic, path)
    return path


def read_meetings(folder: Path) -> list[dict[str, Any]]:
    """Every recorded meeting, by start time."""
    meetings = [dict(json.loads(read_bytes(folder, p).decode("utf-8")), path=str(p))
                for p in files_in(folder, folder, "*.json")]
    return sorted(meetings, key=lambda m: m["start_time"])
