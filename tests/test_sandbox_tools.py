"""Sandbox tools: every tool through `backend.call`, and round trips of the files they write.

Each file format is read back with an independent parser (icalendar, the stdlib email parser,
json, urllib.parse, pypdf) rather than with the sandbox's own readers.

Usage: .venv/bin/python -m pytest tests/test_sandbox_tools.py -q
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from icalendar import Calendar

from tinyagent.sandbox import SandboxBackend, mail
from tinyagent.sandbox.files import extract_pdf_text
from tinyagent.tools.assistant import ASSISTANT_TOOLS
from tinyagent.tools.backend import ToolError

# Quotes, backslash, iCalendar/CSV separators, HTML, newlines and non-Latin scripts.
HOSTILE = 'He said "hi"; it\'s <b>&amp;</b>, a\\b: ok\nline 2 ✓ café 日本語 🎉\n\tindented'
PDF = "Quarterly Report Q2 2024.pdf"


class Clock:
    """A settable clock: the backend must read it at call time."""

    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


@pytest.fixture()
def clock() -> Clock:
    return Clock(datetime(2024, 5, 28, 9, 30, 0))


@pytest.fixture()
def sb(tmp_path: Path, clock: Clock) -> SandboxBackend:
    return SandboxBackend(tmp_path / "ws", seed=0, now=clock)


def only_file(folder: Path, pattern: str) -> Path:
    files = sorted(folder.glob(pattern))
    assert len(files) == 1, files
    return files[0]


def parse_eml(path: Path) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(path.read_bytes())


def parse_ics(path: Path, kind: str):
    return Calendar.from_ical(path.read_bytes()).walk(kind)[0]


# --- all 16 tools once ----------------------------------------------------------------------------
CALLS = {
    "create_calendar_event": ["Design review", "2024-05-30 14:00:00", "", "Room 4", ["Sid", "lutfi.demir@example.com"],
                              "Bring slides", "Work"],
    "get_phone_number": ["Sid"],
    "get_email_address": ["Lutfi"],
    "open_and_get_file_path": ["quarterly report"],
    "summarize_pdf": [PDF],
    "compose_new_email": [["sid.patel@example.com"], ["nina.alvarez@example.org"], "Q2 report", "See attached.", [PDF]],
    "reply_to_email": [[], "Thanks, looks good.", []],
    "forward_email": [["kurt.berger@example.com"], [], "FYI", []],
    "maps_open_location": ["1 Ferry Building, San Francisco"],
    "maps_show_directions": ["Ferry Building", "SFO", "r"],
    "create_note": ["Groceries", "eggs", "Home"],
    "open_note": ["Groceries", "Home"],
    "append_note_content": ["Trip ideas", "Kyoto", ""],
    "create_reminder": ["Call mom", "2024-06-01 10:00:00", "", "Family", 1, False],
    "send_sms": [["+1-415-555-0101"], "Running 5 min late"],
    "get_zoom_meeting_link": ["Sprint planning", "2024-05-30 09:00:00", 45, ["Sid"]],
}
# tool -> (folder under the workspace, glob) of the file it must produce; None for read-only tools
PRODUCES = {"create_calendar_event": ("calendar", "*.ics"), "compose_new_email": ("outbox", "*.eml"),
            "reply_to_email": ("outbox", "*.eml"), "forward_email": ("outbox", "*.eml"),
            "create_note": ("notes/Home", "Groceries.md"), "append_note_content": ("notes/Notes", "Trip ideas.md"),
            "create_reminder": ("reminders", "*.ics"), "send_sms": ("sms", "*.json"),
            "get_zoom_meeting_link": ("zoom", "*.json")}


def test_every_tool_runs_once_and_produces_its_file(sb: SandboxBackend) -> None:
    assert set(CALLS) == set(ASSISTANT_TOOLS.names)
    for tool in ASSISTANT_TOOLS.names:  # catalog order: open_note runs after create_note
        folder, pattern = PRODUCES.get(tool, (None, None))
        before = set((sb.ws.root / folder).glob(pattern)) if folder else set()
        result = sb.call(tool, CALLS[tool])
        assert isinstance(result, str) and result.strip(), tool
        if folder:
            assert len(set((sb.ws.root / folder).glob(pattern)) - before) == 1, tool
    assert sb.call("get_phone_number", ["Sid"]) == "+1-415-555-0101"
    assert sb.call("open_note", ["groceries", ""]) == "eggs"
    summary = sb.workspace_summary()
    json.dumps(summary)  # plain data for UIs
    assert [len(summary[k]) for k in ("events", "notes", "reminders", "outbox", "sms", "zoom")] == [1, 2, 1, 3, 1, 1]
    assert summary["current_email"] == "Quarterly report draft"


def test_optional_arguments_may_be_omitted_or_none(sb: SandboxBackend) -> None:
    assert "2024-05-30 15:00:00" in sb.call("create_calendar_event", ["Lunch", "2024-05-30 14:00:00"])
    assert sb.call("create_reminder", ["Water plants", None, None, None, None, None]).startswith("Created reminder")
    assert sb.call("get_zoom_meeting_link", ["Sync", "2024-05-30 09:00:00"]).startswith("https://zoom.us/j/")
    with pytest.raises(ToolError, match="takes 2 to 7 arguments"):
        sb.call("create_calendar_event", ["Lunch"])


# --- calendar ----------------------------------------------------------------------------------------
def test_calendar_event_round_trip(sb: SandboxBackend, clock: Clock) -> None:
    sb.call("create_calendar_event", CALLS["create_calendar_event"])
    ev = parse_ics(only_file(sb.ws.calendar, "*.ics"), "VEVENT")
    assert str(ev["summary"]) == "Design review"
    assert ev.decoded("dtstart") == datetime(2024, 5, 30, 14)
    assert ev.decoded("dtend") == datetime(2024, 5, 30, 15)  # empty end = start + 1 h
    assert str(ev["location"]) == "Room 4" and str(ev["description"]) == "Bring slides"
    assert [str(a) for a in ev["attendee"]] == ["mailto:sid.patel@example.com", "mailto:lutfi.demir@example.com"]
    assert [str(c) for c in ev["categories"].cats] == ["Work"]
    assert ev.decoded("dtstamp").replace(tzinfo=None) == clock.t


@pytest.mark.parametrize("start,end,match", [
    ("2024-13-01 10:00:00", "", "start_date '2024-13-01 10:00:00' is not a date"),
    ("tomorrow", "", "start_date 'tomorrow'"),
    ("2024-05-30 14:00:00", "2024-05-30", "end_date '2024-05-30'"),
    ("2024-05-30 14:00:00", "2024-05-30 13:00:00", "not after its start"),
])
def test_bad_event_dates_are_refused(sb: SandboxBackend, start: str, end: str, match: str) -> None:
    with pytest.raises(ToolError, match=match):
        sb.call("create_calendar_event", ["x", start, end, "", [], "", ""])
    assert not list(sb.ws.calendar.iterdir())


def test_invalid_invitee_is_refused(sb: SandboxBackend) -> None:
    with pytest.raises(ToolError, match="not a valid email"):
        sb.call("create_calendar_event", ["x", "2024-05-30 14:00:00", "", "", ["bob@"], "", ""])


# --- notes ---------------------------------------------------------------------------------------------
def test_notes_never_overwrite(sb: SandboxBackend) -> None:
    sb.call("create_note", ["Plan", "first", ""])
    with pytest.raises(ToolError, match="already exists.*append_note_content"):
        sb.call("create_note", ["plan", "second", ""])
    assert sb.call("open_note", ["Plan", ""]) == "first"
    sb.call("append_note_content", ["PLAN", "second", ""])
    assert (sb.ws.notes / "Notes" / "Plan.md").read_text(encoding="utf-8") == "first\nsecond"
    with pytest.raises(ToolError, match="no note titled 'Budget' in any folder; notes: Plan"):
        sb.call("open_note", ["Budget", ""])
    assert sb.call("open_note", ["Plna", "Notes"]) == "first\nsecond"  # typo tolerated


# --- reminders ------------------------------------------------------------------------------------------
def test_reminder_round_trip(sb: SandboxBackend, clock: Clock) -> None:
    sb.call("create_reminder", ["Pay rent", "2024-06-01 00:00:00", "by transfer", "Bills", 5, True])
    todo = parse_ics(only_file(sb.ws.reminders, "*.ics"), "VTODO")
    assert str(todo["summary"]) == "Pay rent" and str(todo["description"]) == "by transfer"
    assert todo.decoded("due") == date(2024, 6, 1)  # all-day: a DATE, not a DATE-TIME
    assert int(todo["priority"]) == 5 and [str(c) for c in todo["categories"].cats] == ["Bills"]
    assert todo.decoded("dtstamp").replace(tzinfo=None) == clock.t


@pytest.mark.parametrize("priority", [10, -1, "high", True])
def test_reminder_priority_is_checked(sb: SandboxBackend, priority: object) -> None:
    with pytest.raises(ToolError, match="priority must be an integer from 0 to 9"):
        sb.call("create_reminder", ["x", "", "", "", priority, False])


# --- mail -------------------------------------------------------------------------------------------------
def test_compose_email_round_trip(sb: SandboxBackend) -> None:
    sb.call("compose_new_email", CALLS["compose_new_email"])
    msg = parse_eml(only_file(sb.ws.outbox, "*.eml"))
    assert msg["To"] == "sid.patel@example.com" and msg["Cc"] == "nina.alvarez@example.org"
    assert msg["From"] == "Alex Morgan <alex.morgan@example.com>" and msg["Subject"] == "Q2 report"
    assert msg["Date"] == "Tue, 28 May 2024 09:30:00 -0000" and msg["Message-ID"]
    assert msg.get_body(("plain",)).get_content() == "See attached.\n"
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == PDF and att.get_content_type() == "application/pdf"
    assert att.get_content() == (sb.ws.documents / PDF).read_bytes()


def test_reply_and_forward_act_on_the_current_email(sb: SandboxBackend) -> None:
    original = parse_eml(only_file(sb.ws.inbox, "*.eml"))
    sb.call("reply_to_email", [["kurt"], "Numbers look right.", ["Budget 2024.csv"]])
    reply = parse_eml(only_file(sb.ws.outbox, "*.eml"))
    assert reply["To"] == "Sid Patel <sid.patel@example.com>" and reply["Cc"] == "kurt.berger@example.com"
    assert reply["Subject"] == "Re: Quarterly report draft"
    assert reply["In-Reply-To"] == original["Message-ID"] and original["Message-ID"] in reply["References"]
    body = reply.get_body(("plain",)).get_content()
    assert body.startswith("Numbers look right.\n") and "> Attached is the draft" in body
    assert [a.get_filename() for a in reply.iter_attachments()] == ["Budget 2024.csv"]
    reply_path = only_file(sb.ws.outbox, "*.eml")

    sb.call("forward_email", [["Amir"], [], "FYI", []])
    [fwd_path] = set(sb.ws.outbox.glob("*.eml")) - {reply_path}
    fwd = parse_eml(fwd_path)
    assert fwd["To"] == "amir.haddad@example.net" and fwd["Subject"] == "Fwd: Quarterly report draft"
    assert "---------- Forwarded message ---------" in fwd.get_body(("plain",)).get_content()
    [att] = list(fwd.iter_attachments())  # the original's PDF travels with the forward
    assert att.get_filename() == PDF and att.get_content() == (sb.ws.documents / PDF).read_bytes()


def test_reply_without_current_email_is_a_clear_error(sb: SandboxBackend) -> None:
    (sb.ws.inbox / ".current").unlink()
    with pytest.raises(ToolError, match="no email is open"):
        sb.call("reply_to_email", [[], "hi", []])


def test_missing_attachment_is_refused(sb: SandboxBackend) -> None:
    with pytest.raises(ToolError, match="attachment 'nope.pdf' is not a file"):
        sb.call("compose_new_email", [["sid.patel@example.com"], [], "s", "b", ["nope.pdf"]])


# --- files -----------------------------------------------------------------------------------------------
def test_file_search_and_pdf_summary(sb: SandboxBackend) -> None:
    path = sb.call("open_and_get_file_path", ["flight itinerary"])
    assert path == str(sb.ws.documents / "Travel" / "Flight Itinerary.pdf")
    summary = sb.call("summarize_pdf", [sb.call("open_and_get_file_path", ["Quartely Reprot"])])
    full, pages = extract_pdf_text(sb.ws.documents / PDF)
    lead = summary.split(": ", 1)[1]
    assert summary.startswith(f"{PDF} (1 page): Revenue grew 14 percent")
    assert full.startswith(lead) and len(lead) < len(full)  # extractive: the text's first sentences
    assert lead.count(". ") == 2 and "Churn" not in lead  # three sentences, not the fourth


# --- sms, maps, zoom ----------------------------------------------------------------------------------------
def test_sms_resolves_names_and_rejects_non_numbers(sb: SandboxBackend, clock: Clock) -> None:
    sb.call("send_sms", [["Lutfi", "+1 (212) 555-0199"], "On my way"])
    record = json.loads(only_file(sb.ws.sms, "*.json").read_text(encoding="utf-8"))
    assert record == {"recipients": ["+1-415-555-0102", "+1 (212) 555-0199"], "message": "On my way",
                      "created": "2024-05-28 09:30:00", "status": "draft"}
    with pytest.raises(ToolError, match="no contact named 'not a number!'"):
        sb.call("send_sms", [["not a number!"], "x"])


def test_maps_urls_encode_their_arguments(sb: SandboxBackend) -> None:
    place = 'Café "Zoë" & Co, 5th Ave #2?'
    url = sb.call("maps_open_location", [place]).split(": ", 1)[1].split(" ")[0]
    assert url.startswith("https://maps.apple.com/?") and parse_qs(urlsplit(url).query) == {"q": [place]}
    text = sb.call("maps_show_directions", ["", place, "w"])
    apple, google = [w for w in text.split() if w.startswith("https://")]
    assert parse_qs(urlsplit(apple).query) == {"daddr": [place], "dirflg": ["w"]}
    google = google.rstrip(")")
    assert parse_qs(urlsplit(google).query) == {"api": ["1"], "destination": [place], "travelmode": ["walking"]}
    with pytest.raises(ToolError, match="transport must be one of"):
        sb.call("maps_show_directions", ["a", "b", "bike"])


def test_zoom_links_are_deterministic_and_recorded(tmp_path: Path, sb: SandboxBackend) -> None:
    args = ["Sprint planning", "2024-05-30 09:00:00", 45, ["Sid"]]
    link = sb.call("get_zoom_meeting_link", args)
    assert link == sb.call("get_zoom_meeting_link", args)
    assert link != sb.call("get_zoom_meeting_link", ["Sprint planning", "2024-05-31 09:00:00", 45, []])
    assert link != SandboxBackend(tmp_path / "other", seed=1).call("get_zoom_meeting_link", args)
    meeting_id = urlsplit(link).path.rsplit("/", 1)[1]
    assert len(meeting_id) == 11 and meeting_id.isdigit()
    record = json.loads((sb.ws.zoom / f"{meeting_id}.json").read_text(encoding="utf-8"))
    assert record["invitees"] == ["sid.patel@example.com"] and record["duration"] == 45
    with pytest.raises(ToolError, match="duration must be a positive"):
        sb.call("get_zoom_meeting_link", ["x", "2024-05-30 09:00:00", 0, []])


# --- the clock -----------------------------------------------------------------------------------------------
def test_now_is_read_at_call_time(sb: SandboxBackend, clock: Clock) -> None:
    sb.call("send_sms", [["+1-415-555-0101"], "one"])
    clock.t += timedelta(days=3, hours=2)
    sb.call("send_sms", [["+1-415-555-0101"], "two"])
    created = [r["created"] for r in sb.workspace_summary()["sms"]]
    assert created == ["2024-05-28 09:30:00", "2024-05-31 11:30:00"]


# --- hostile text in every field -----------------------------------------------------------------------------
def test_hostile_strings_survive_into_the_files(sb: SandboxBackend) -> None:
    sb.call("create_calendar_event", [HOSTILE, "2024-05-30 14:00:00", "", HOSTILE, [], HOSTILE, HOSTILE])
    ev = parse_ics(only_file(sb.ws.calendar, "*.ics"), "VEVENT")
    assert [str(ev["summary"]), str(ev["location"]), str(ev["description"]), str(ev["categories"].cats[0])] \
        == [HOSTILE] * 4

    sb.call("create_reminder", [HOSTILE, "", HOSTILE, HOSTILE, 0, False])
    todo = parse_ics(only_file(sb.ws.reminders, "*.ics"), "VTODO")
    assert [str(todo["summary"]), str(todo["description"]), str(todo["categories"].cats[0])] == [HOSTILE] * 3

    sb.call("create_note", [HOSTILE, HOSTILE, HOSTILE])
    assert sb.call("open_note", [HOSTILE, HOSTILE]) == HOSTILE
    sb.call("append_note_content", [HOSTILE, HOSTILE, HOSTILE])
    [note] = list(sb.ws.notes.glob("*/*.md"))
    assert note.read_text(encoding="utf-8") == HOSTILE + "\n" + HOSTILE

    sb.call("compose_new_email", [["sid.patel@example.com"], [], HOSTILE, HOSTILE, []])
    msg = parse_eml(only_file(sb.ws.outbox, "*.eml"))
    assert msg.get_body(("plain",)).get_content() == HOSTILE + "\n"
    assert msg["Subject"] == HOSTILE.replace("\n", " ")  # header: line breaks become spaces, rest intact
    assert set(msg.keys()) == {"From", "To", "Subject", "Date", "Message-ID", "MIME-Version",
                               "Content-Type", "Content-Transfer-Encoding"}  # nothing injected

    sb.call("send_sms", [["+1-415-555-0101"], HOSTILE])
    assert json.loads(only_file(sb.ws.sms, "*.json").read_text(encoding="utf-8"))["message"] == HOSTILE
    sb.call("get_zoom_meeting_link", [HOSTILE, "2024-05-30 09:00:00", 30, []])
    assert json.loads(only_file(sb.ws.zoom, "*.json").read_text(encoding="utf-8"))["topic"] == HOSTILE


def test_subject_header_injection_is_neutralised(sb: SandboxBackend) -> None:
    sb.call("compose_new_email", [["sid.patel@example.com"], [], "Hi\r\nBcc: evil@example.net", "body", []])
    msg = parse_eml(only_file(sb.ws.outbox, "*.eml"))
    assert msg["Bcc"] is None and msg["Subject"] == "Hi Bcc: evil@example.net"


def test_workspace_is_reused_not_reseeded(tmp_path: Path, clock: Clock) -> None:
    first = SandboxBackend(tmp_path / "ws", now=clock)
    first.call("create_note", ["Keep me", "x", ""])
    (first.ws.documents / "Budget 2024.csv").unlink()  # a user's deletion must stick
    second = SandboxBackend(tmp_path / "ws", now=clock)
    assert second.call("open_note", ["Keep me", ""]) == "x"
    assert "Budget 2024.csv" not in second.workspace_summary()["documents"]
    assert len(list(second.ws.inbox.glob("*.eml"))) == 1


def test_concurrent_tool_calls_lose_nothing(sb: SandboxBackend) -> None:
    """The executor calls tools from a thread pool: appends must not lose lines, files not collide."""
    lines = [f"item {i}" for i in range(24)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda s: sb.call("append_note_content", ["Log", s, ""]), lines))
        list(pool.map(lambda i: sb.call("create_calendar_event", [f"e{i}", "2024-05-30 14:00:00"]), range(8)))
    assert sorted(sb.call("open_note", ["Log", ""]).split("\n")) == sorted(lines)
    assert sorted(e["title"] for e in sb.workspace_summary()["events"]) == [f"e{i}" for i in range(8)]


def test_forward_keeps_text_attachments_of_another_current_email(sb: SandboxBackend, clock: Clock) -> None:
    docs = sb.ws.documents
    received = mail.build_message([str(mail.OWNER)], [], "Notes", "see files",
                                  [docs / "Meeting Notes 2024-05-28.txt", docs / "Budget 2024.csv"], clock.t)
    mail.write_eml(sb.ws.inbox, received, clock.t, name="0002-notes.eml")
    mail.set_current_email(sb.ws.inbox, "0002-notes.eml")
    sb.call("forward_email", [["Sid"], [], "fyi", []])
    fwd = parse_eml(only_file(sb.ws.outbox, "*.eml"))
    assert fwd["Subject"] == "Fwd: Notes"
    assert [(a.get_filename(), a.get_content()) for a in fwd.iter_attachments()] == [
        ("Meeting Notes 2024-05-28.txt", (docs / "Meeting Notes 2024-05-28.txt").read_text()),
        ("Budget 2024.csv", (docs / "Budget 2024.csv").read_text())]
