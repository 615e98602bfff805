"""`SandboxBackend`: the 16 assistant tools acting on a real on-disk workspace (the default backend).

Everything lives under `root` (see `Workspace` for the layout): contacts in SQLite, events and
reminders as .ics, notes as .md, mail as .eml, SMS and Zoom meetings as JSON, documents as files.
Nothing is sent anywhere. "Now" comes from the injected `now` callable at each call, so tests and
demos can pin the clock. Methods are safe to call from executor worker threads and from several
processes sharing one workspace (note writes take a cross-process lock).

Guarantees (see tinyagent/sandbox/workspace.py): every file a tool reads or writes is reached through
`Workspace.app_dir` / `confine`, which resolve symlinks at every level and refuse a real path outside
the root before any access; writes are atomic and skipped once the executor has cancelled a call
that ran past its time limit; outputs are capped (tinyagent/tools/limits.py).

Example:
    >>> import tempfile
    >>> from datetime import datetime
    >>> sb = SandboxBackend(Path(tempfile.mkdtemp()), now=lambda: datetime(2024, 5, 28, 9))
    >>> sb.call("get_email_address", ["Sid"])
    'sid.patel@example.com'
    >>> sb.call("create_note", ["Ideas", "Ship it", ""]).startswith("Created note 'Ideas'")
    True
    >>> sb.workspace_summary()["notes"][0]["title"]
    'Ideas'
"""
from __future__ import annotations

import json
import logging
from datetime import datetime
from email.headerregistry import Address
from pathlib import Path
from typing import Any, Callable

from tinyagent.sandbox import calendar as events, files, mail, maps_zoom, messages, reminders
from tinyagent.sandbox.contacts import ContactBook
from tinyagent.sandbox.notes import NoteStore
from tinyagent.sandbox.workspace import Workspace, decode_name, inside_workspace, parse_date, write_in
from tinyagent.tools.assistant import DATE_FORMAT
from tinyagent.tools.backend import ToolBackend, ToolError

log = logging.getLogger(__name__)

SEED_MARKER = ".seeded"  # written once the documents and inbox have been seeded


def _text(value: Any, field: str) -> str:
    """Optional str arguments arrive as None when omitted; anything but str is an error."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ToolError(f"{field} must be a string, got {type(value).__name__} {value!r}")
    return value


def _strings(value: Any, field: str) -> list[str]:
    """A list[str] argument; a lone string is accepted as a one-item list (small models do that)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ToolError(f"{field} must be a list of strings, got {value!r}")
    return [v for v in value if v.strip()]


class SandboxBackend(ToolBackend):
    """All 16 tools of ASSISTANT_TOOLS on a workspace under `root` (created or reused)."""

    name = "sandbox"

    def __init__(self, root: Path, *, seed: int = 0, now: Callable[[], datetime] | None = None) -> None:
        self.ws = Workspace(Path(root)).ensure()
        self.seed = seed
        self._clock = now or datetime.now
        self.contacts = ContactBook(self.ws.contacts_db, seed=seed, root=self.ws.root)
        self.notes = NoteStore(self.ws)
        if not (self.ws.root / SEED_MARKER).exists():
            self._seed_files()

    def now(self) -> datetime:
        """The current time, read from the injected clock at every call."""
        return self._clock()

    def _seed_files(self) -> None:
        docs = files.seed_documents(self.ws.app_dir("documents"))
        sid = self.contacts.find("Sid")
        sender = Address(sid.full_name, addr_spec=sid.email)
        mail.seed_inbox(self.ws.app_dir("inbox"), sender, [p for p in docs if p.name.startswith("Quarterly")], self.now())
        marker = {"seed": self.seed, "created": self.now().strftime(DATE_FORMAT)}
        write_in(self.ws.root, self.ws.root / SEED_MARKER, json.dumps(marker).encode("utf-8"))

    # --- argument helpers -------------------------------------------------------------------
    def _emails(self, values: Any, field: str) -> list[str]:
        """Email addresses; a contact name instead of an address is looked up."""
        out = []
        for v in _strings(values, field):
            if "@" in v:
                out.append(mail.parse_recipient(v, field).addr_spec)  # strict: one address, or ToolError
            else:
                contact = self.contacts.find(v)
                if not contact.email:
                    raise ToolError(f"{field}: contact {contact.full_name!r} has no email address")
                out.append(contact.email)
        return out

    def _phones(self, values: Any, field: str) -> list[str]:
        """Phone numbers; a contact name instead of a number is looked up."""
        return [v if messages.is_phone_number(v) else self.contacts.find(v).phone
                for v in _strings(values, field)]

    def _attachments(self, values: Any) -> list[Path]:
        """Existing files inside the workspace (relative paths start at documents/)."""
        paths = []
        for v in _strings(values, "attachments"):
            path = inside_workspace(self.ws.root, v, base=self.ws.app_dir("documents"))
            if not path.is_file():
                raise ToolError(f"attachment {v!r} is not a file in the workspace")
            paths.append(path)
        return paths

    def _rel(self, path: Path) -> str:
        return str(path.relative_to(self.ws.root))

    # --- contacts ---------------------------------------------------------------------------
    def get_phone_number(self, name: str) -> str:
        contact = self.contacts.find(name)
        if not contact.phone:
            raise ToolError(f"contact {contact.full_name!r} has no phone number")
        return contact.phone

    def get_email_address(self, name: str) -> str:
        contact = self.contacts.find(name)
        if not contact.email:
            raise ToolError(f"contact {contact.full_name!r} has no email address")
        return contact.email

    def add_contact(self, first_name: str, last_name: str = "", email: str = "", phone: str = "") -> None:
        """Add a person to the address book (persists across restarts)."""
        self.contacts.add_contact(first_name, last_name, email, phone)

    # --- calendar, reminders ----------------------------------------------------------------
    def create_calendar_event(self, title: str, start_date: str, end_date: str = "", location: str = "",
                              invitees: list[str] | None = None, notes: str = "", calendar: str = "") -> str:
        title = _text(title, "title")
        start = parse_date(start_date, "start_date")
        end = parse_date(end_date, "end_date") if _text(end_date, "end_date").strip() else None
        emails = self._emails(invitees, "invitees")
        path = events.write_event(self.ws.app_dir("calendar"), title=title, start=start, end=end,
                                    location=_text(location, "location"), invitees=emails,
                                    notes=_text(notes, "notes"), calendar=_text(calendar, "calendar"),
                                    stamp=self.now())
        ev = events.read_events_file(path)
        who = f" with {', '.join(emails)}" if emails else ""
        return (f"Created event {title!r} from {ev['start']} to {ev['end']} in calendar {ev['calendar']!r}"
                f"{who} ({self._rel(path)})")

    def create_reminder(self, name: str, due_date: str = "", notes: str = "", list_name: str = "",
                        priority: int | None = 0, all_day: bool | None = False) -> str:
        due = parse_date(due_date, "due_date") if _text(due_date, "due_date").strip() else None
        if all_day is not None and not isinstance(all_day, bool):
            raise ToolError(f"all_day must be true or false, got {all_day!r}")
        path = reminders.write_reminder(self.ws.app_dir("reminders"), name=_text(name, "name"), due=due,
                                        notes=_text(notes, "notes"), list_name=_text(list_name, "list_name"),
                                        priority=0 if priority is None else priority,
                                        all_day=bool(all_day), stamp=self.now())
        when = f" due {due:{DATE_FORMAT}}" if due else ""
        return f"Created reminder {name!r}{when} in list {list_name or reminders.DEFAULT_LIST!r} ({self._rel(path)})"

    # --- files ------------------------------------------------------------------------------
    def open_and_get_file_path(self, file_name: str) -> str:
        return str(files.find_file(self.ws.app_dir("documents"), file_name))

    def summarize_pdf(self, pdf_path: str) -> str:
        return files.summarize_pdf(inside_workspace(self.ws.root, pdf_path, base=self.ws.app_dir("documents")))

    # --- mail -------------------------------------------------------------------------------
    def compose_new_email(self, recipients: list[str], cc: list[str] | None = None, subject: str = "",
                          context: str = "", attachments: list[str] | None = None) -> str:
        to = self._emails(recipients, "recipients")
        if not to:
            raise ToolError("compose_new_email needs at least one recipient")
        msg = mail.build_message(to, self._emails(cc, "cc"), _text(subject, "subject"),
                                 _text(context, "context"), self._attachments(attachments), self.now())
        path = mail.write_eml(self.ws.app_dir("outbox"), msg, self.now())
        return f"Drafted email {msg['Subject']!r} to {', '.join(to)} ({self._rel(path)})"

    def reply_to_email(self, cc: list[str] | None = None, context: str = "",
                       attachments: list[str] | None = None) -> str:
        original = mail.current_email(self.ws.app_dir("inbox"))
        msg = mail.reply_message(original, self._emails(cc, "cc"), _text(context, "context"),
                                 self._attachments(attachments), self.now())
        path = mail.write_eml(self.ws.app_dir("outbox"), msg, self.now())
        return f"Drafted reply {msg['Subject']!r} to {msg['To']} ({self._rel(path)})"

    def forward_email(self, recipients: list[str], cc: list[str] | None = None, context: str = "",
                      attachments: list[str] | None = None) -> str:
        to = self._emails(recipients, "recipients")
        if not to:
            raise ToolError("forward_email needs at least one recipient")
        original = mail.current_email(self.ws.app_dir("inbox"))
        msg = mail.forward_message(original, to, self._emails(cc, "cc"), _text(context, "context"),
                                   self._attachments(attachments), self.now())
        path = mail.write_eml(self.ws.app_dir("outbox"), msg, self.now())
        return f"Drafted forward {msg['Subject']!r} to {', '.join(to)} ({self._rel(path)})"

    # --- maps, zoom, sms --------------------------------------------------------------------
    def maps_open_location(self, location: str) -> str:
        location = _text(location, "location").strip()
        if not location:
            raise ToolError("maps_open_location needs a location")
        return (f"Showing {location!r} on the map: {maps_zoom.apple_maps_url(location)} "
                f"(Google Maps: {maps_zoom.google_maps_url(location)})")

    def maps_show_directions(self, start_location: str, end_location: str, transport: str = "d") -> str:
        start, end = _text(start_location, "start_location").strip(), _text(end_location, "end_location").strip()
        if not end:
            raise ToolError("maps_show_directions needs an end_location")
        mode = maps_zoom.check_transport(_text(transport, "transport"))
        return (f"Directions from {start or 'the current location'!r} to {end!r}: "
                f"{maps_zoom.apple_directions_url(start, end, mode)} "
                f"(Google Maps: {maps_zoom.google_directions_url(start, end, mode)})")

    def get_zoom_meeting_link(self, topic: str, start_time: str, duration: int | None = 60,
                              meeting_invitees: list[str] | None = None) -> str:
        topic, start = _text(topic, "topic"), parse_date(start_time, "start_time")
        link = maps_zoom.zoom_link(topic, start.strftime(DATE_FORMAT), seed=self.seed)
        maps_zoom.record_meeting(self.ws.app_dir("zoom"), topic=topic, start=start, duration=60 if duration is None else duration,
                                 invitees=self._emails(meeting_invitees, "meeting_invitees"), link=link,
                                 created=self.now())
        return link

    def send_sms(self, recipients: list[str], message: str) -> str:
        numbers = self._phones(recipients, "recipients")
        path = messages.save_sms(self.ws.app_dir("sms"), numbers, _text(message, "message"), self.now())
        return f"Text message to {', '.join(numbers)} saved ({self._rel(path)})"

    # --- notes ------------------------------------------------------------------------------
    def create_note(self, name: str, content: str, folder: str = "") -> str:
        path = self.notes.create(_text(name, "name"), content, _text(folder, "folder"))
        return f"Created note {name!r} in folder {decode_name(path.parent.name)!r} ({self._rel(path)})"

    def open_note(self, name: str, folder: str = "") -> str:
        return self.notes.open(_text(name, "name"), _text(folder, "folder"))

    def append_note_content(self, name: str, content: str, folder: str = "") -> str:
        path = self.notes.append(_text(name, "name"), content, _text(folder, "folder"))
        return f"Appended to note {name!r} in folder {decode_name(path.parent.name)!r} ({self._rel(path)})"

    # --- state for UIs ----------------------------------------------------------------------
    def _contact_count(self) -> int:
        try:
            return len(self.contacts.all())
        except ToolError as exc:  # contacts.sqlite leads outside the workspace
            log.warning("workspace summary skips contacts: %s", exc)
            return 0

    def workspace_summary(self) -> dict[str, Any]:
        """Plain-data snapshot (JSON-serialisable) of what the tools have produced so far.

        A folder that leads outside the workspace (a hostile symlink) shows as empty."""
        def section(app: str, read: Callable[[Path], Any]) -> Any:
            try:
                return read(self.ws.app_dir(app))
            except ToolError as exc:
                log.warning("workspace summary skips %s/: %s", app, exc)
                return []

        def current(inbox: Path) -> str:
            try:
                return str(mail.current_email(inbox).get("Subject", ""))
            except ToolError:
                return ""

        return {
            "root": str(self.ws.root),
            "events": section("calendar", events.read_events),
            "notes": section("notes", lambda _: self.notes.list()),
            "reminders": section("reminders", reminders.read_reminders),
            "outbox": section("outbox", mail.read_outbox),
            "sms": section("sms", messages.read_sms),
            "zoom": section("zoom", maps_zoom.read_meetings),
            "current_email": section("inbox", current) or "",
            "contacts": self._contact_count(),
            "documents": section("documents", lambda docs: [str(p.relative_to(docs)) for p in files.list_files(docs)]),
        }
