"""The 16 assistant tools on a real Mac: Contacts, Calendar, Mail, Notes, Reminders, Messages, Maps.

Apps are driven by constant AppleScripts that receive the user's values as osascript argv (see
`tinyagent.macos.applescript`), URLs and files are opened with `open`, files are found with Spotlight,
PDFs are summarised locally. Nothing goes through a shell. Files the tools read (attachments and
`summarize_pdf`) must be visible files under `attachment_roots` (default ~/Documents, ~/Desktop,
~/Downloads), so a plan cannot read, say, ~/.ssh and mail its text. A call the executor abandoned
after its time limit starts no further app action (`check_cancelled`), but an AppleScript already
running is not stopped: it may still create its note or event. Construction works on any OS (so tests and
`get_backend("macos")` can build it); calls that need macOS raise ToolError saying what is missing.

Example (any OS; the Zoom link needs no app):
    >>> b = MacOSBackend(zoom_link="https://zoom.us/j/1234567890")
    >>> b.call("get_zoom_meeting_link", ["Sync", "2024-05-30 14:00:00", 30, []])
    'https://zoom.us/j/1234567890'
"""
from __future__ import annotations

import hashlib
import html
import json
import logging
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import quote, urlencode

from tinyagent.macos import applescript as osa
from tinyagent.macos import files, values as v
from tinyagent.tools.pdf import summarize_pdf as _summarize_pdf
from tinyagent.macos.runner import Runner, run_command
from tinyagent.tools.assistant import DATE_FORMAT, TRANSPORT_MODES
from tinyagent.tools.backend import ToolBackend, ToolError
from tinyagent.tools.cancel import check_cancelled

log = logging.getLogger(__name__)

_RS, _US = "\x1e", "\x1f"  # record and field separators in script output (see scripts.py)
DEFAULT_EVENT_MINUTES = 60  # an event without an end lasts an hour
DEFAULT_MEETING_MINUTES = 60  # a Zoom meeting without a duration


def note_html(title: str, content: str) -> str:
    """Notes stores HTML: escape the text and keep its line breaks.

    >>> note_html("<b>", "a\\nb")
    '<div><h1>&lt;b&gt;</h1></div><div>a<br>b</div>'
    """
    return f"<div><h1>{html.escape(title)}</h1></div>{html_paragraph(content)}"


def html_paragraph(text: str) -> str:
    """One `<div>` holding `text`, HTML-escaped, newlines as `<br>`."""
    return "<div>" + "<br>".join(html.escape(line) for line in text.splitlines()) + "</div>"


class MacOSBackend(ToolBackend):
    """Tools backed by macOS apps through osascript and `open`."""

    name = "macos"

    def __init__(self, documents: str | Path | None = None, *, timeout: float = 30.0, open_files: bool = True,
                 zoom_link: str | None = None, attachment_roots: Sequence[str | Path] | None = None,
                 runner: Runner = run_command) -> None:
        self.documents = (Path(documents).expanduser() if documents else Path.home() / "Documents").absolute()
        # Folders email attachments may come from; anything else (dot-folders, system files) is refused.
        self.attachment_roots = tuple(Path(r).expanduser().absolute() for r in attachment_roots) if attachment_roots \
            else (self.documents, Path.home() / "Desktop", Path.home() / "Downloads")
        self.timeout = timeout  # seconds per external command (apps may prompt for permission first)
        self.open_files = open_files  # False: find files and build URLs without opening them
        if zoom_link is not None and not zoom_link.startswith("https://"):
            raise ValueError(f"zoom_link must be an https:// URL, got {zoom_link!r}")
        self.zoom_link = zoom_link  # e.g. your Personal Meeting Room link; see get_zoom_meeting_link
        self._runner = runner  # (argv, timeout) -> stdout; tests substitute a recorder

    # -- plumbing ---------------------------------------------------------------------------------
    def _osa(self, script: osa.Script) -> str:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("osascript %s:\n%s", script.name, script.standalone())
        check_cancelled(f"AppleScript {script.name!r}")  # a timed-out call must not start app actions
        return self._runner(script.command(), self.timeout)

    def _open(self, target: str) -> None:
        if target.startswith("-"):  # we only open absolute paths and URLs we built; never an option
            raise ToolError(f"refusing to open {target!r}")
        if self.open_files:
            check_cancelled(f"opening {target!r}")
            self._runner(["open", target], self.timeout)

    def _attachments(self, value: Any) -> list[str]:
        return v.existing_files(value, "attachments", self.attachment_roots)

    # -- contacts ---------------------------------------------------------------------------------
    def _lookup(self, field: str, name: Any) -> str:
        query = v.required_text(name, "name")
        out = self._osa(osa.contact_lookup(field, query))  # type: ignore[arg-type]
        pairs = [rec.split(_US, 1) for rec in out.split(_RS) if _US in rec]
        pairs = [(who, value.strip()) for who, value in pairs if value.strip()]
        if not pairs:
            raise ToolError(f"no {field} found for a contact named {query!r}")
        exact = [value for who, value in pairs if who.strip().casefold() == query.casefold()]
        return (exact or [value for _, value in pairs])[0]

    def get_phone_number(self, name: Any) -> str:
        """The first phone number of the best-matching contact."""
        return self._lookup("phone", name)

    def get_email_address(self, name: Any) -> str:
        """The first email address of the best-matching contact."""
        return self._lookup("email", name)

    # -- calendar ---------------------------------------------------------------------------------
    def create_calendar_event(self, title: Any, start_date: Any, end_date: Any = None, location: Any = None,
                              invitees: Any = None, notes: Any = None, calendar: Any = None) -> str:
        """Create an event (one hour long when no end is given)."""
        title_s = v.required_text(title, "title")
        start = v.date(start_date, "start_date")
        end = v.optional_date(end_date, "end_date")
        if end is None:
            end = start + timedelta(minutes=DEFAULT_EVENT_MINUTES)
        if end < start:
            raise ToolError(f"end_date {end:{DATE_FORMAT}} is before start_date {start:{DATE_FORMAT}}")
        cal = v.text(calendar, "calendar").strip()
        self._osa(osa.calendar_event(title_s, start, end, v.text(location, "location"), v.text(notes, "notes"),
                                     cal, v.emails(invitees, "invitees")))
        where = f"calendar {cal!r}" if cal else "the default calendar"
        return f"Created event {title_s!r} from {start:{DATE_FORMAT}} to {end:{DATE_FORMAT}} in {where}."

    # -- files ------------------------------------------------------------------------------------
    def open_and_get_file_path(self, file_name: Any) -> str:
        """Find the best-matching file under `documents`, open it, return its path."""
        query = v.required_text(file_name, "file_name")
        spotlight: list[str] = []
        if shutil.which("mdfind"):
            out = self._runner(["mdfind", "-onlyin", str(self.documents), "-name", query], self.timeout)
            spotlight = [p for p in out.splitlines() if files.inside(self.documents, p)]
        if spotlight:
            # Spotlight's hits all match (it also folds accents and the like): rank them, else take its first.
            best = files.best_match(query, spotlight) or spotlight[0]
        else:  # no Spotlight, or no substring hit: a fuzzy match over a walk may still find it
            best = files.best_match(query, files.walk_files(self.documents) if self.documents.is_dir() else [])
        if best is None:
            raise ToolError(f"no file matching {query!r} in {self.documents}")
        self._open(best)
        return best

    def summarize_pdf(self, pdf_path: Any) -> str:
        """An extractive summary of the PDF's text; the PDF must be a visible file under `attachment_roots`
        (the same policy as attachments: its text could otherwise reach a mail body)."""
        return _summarize_pdf(v.under_roots(v.required_text(pdf_path, "pdf_path"), "pdf_path", self.attachment_roots))

    # -- mail -------------------------------------------------------------------------------------
    def compose_new_email(self, recipients: Any, cc: Any = None, subject: Any = None, context: Any = None,
                          attachments: Any = None) -> str:
        """Open a new draft in Mail for the user to review and send."""
        to = v.emails(recipients, "recipients")
        if not to:
            raise ToolError("recipients must name at least one email address")
        subj = v.text(subject, "subject")
        self._osa(osa.compose_email(subj, v.text(context, "context"), to, v.emails(cc, "cc"),
                                    self._attachments(attachments)))
        return f"Opened a draft email {subj!r} to {', '.join(to)} in Mail."

    def reply_to_email(self, cc: Any = None, context: Any = None, attachments: Any = None) -> str:
        """Open a reply to the email selected in Mail."""
        subj = self._osa(osa.reply_email(v.text(context, "context"), v.emails(cc, "cc"),
                                         self._attachments(attachments)))
        return f"Opened a reply to {subj!r} in Mail."

    def forward_email(self, recipients: Any, cc: Any = None, context: Any = None, attachments: Any = None) -> str:
        """Open a forward of the email selected in Mail."""
        to = v.emails(recipients, "recipients")
        if not to:
            raise ToolError("recipients must name at least one email address")
        subj = self._osa(osa.forward_email(v.text(context, "context"), to, v.emails(cc, "cc"),
                                           self._attachments(attachments)))
        return f"Opened a forward of {subj!r} to {', '.join(to)} in Mail."

    # -- maps -------------------------------------------------------------------------------------
    def maps_open_location(self, location: Any) -> str:
        """Show a place in Maps; returns the Apple Maps URL."""
        url = "https://maps.apple.com/?q=" + quote(v.required_text(location, "location"), safe="")
        self._open(url)
        return url

    def maps_show_directions(self, start_location: Any, end_location: Any, transport: Any = None) -> str:
        """Show directions in Maps (empty start: current location); returns the Apple Maps URL."""
        mode = v.text(transport, "transport").strip() or "d"
        if mode not in TRANSPORT_MODES:
            raise ToolError(f"transport must be one of {list(TRANSPORT_MODES)}, got {mode!r}")
        params = {"daddr": v.required_text(end_location, "end_location"), "dirflg": mode}
        start = v.text(start_location, "start_location").strip()
        if start:
            params = {"saddr": start, **params}
        url = "https://maps.apple.com/?" + urlencode(params, quote_via=quote, safe="")
        self._open(url)
        return url

    # -- notes ------------------------------------------------------------------------------------
    def create_note(self, name: Any, content: Any, folder: Any = None) -> str:
        """Create a note (the folder is created when missing)."""
        title = v.required_text(name, "name")
        fold = v.text(folder, "folder").strip()
        self._osa(osa.create_note(title, note_html(title, v.text(content, "content")), fold))
        return f"Created note {title!r}" + (f" in folder {fold!r}." if fold else ".")

    def open_note(self, name: Any, folder: Any = None) -> str:
        """Show a note in Notes and return its text."""
        title = v.required_text(name, "name")
        out = self._osa(osa.open_note(title, v.text(folder, "folder").strip()))
        if not out:
            raise ToolError(f"no note named {title!r}")
        return out

    def append_note_content(self, name: Any, content: Any, folder: Any = None) -> str:
        """Append to a note, creating it when missing."""
        title = v.required_text(name, "name")
        body = v.text(content, "content")
        out = self._osa(osa.append_note(title, html_paragraph(body), v.text(folder, "folder").strip(),
                                        note_html(title, body)))
        if out not in ("created", "appended"):
            raise ToolError(f"Notes gave an unexpected answer: {out[:200]!r}")
        return f"{'Created' if out == 'created' else 'Appended to'} note {title!r}."

    # -- reminders, messages, zoom ----------------------------------------------------------------
    def create_reminder(self, name: Any, due_date: Any = None, notes: Any = None, list_name: Any = None,
                        priority: Any = None, all_day: Any = None) -> str:
        """Create a reminder; priority 0 none, 1 high, 5 medium, 9 low (any 0-9 is accepted)."""
        title = v.required_text(name, "name")
        due = v.optional_date(due_date, "due_date")
        list_used = self._osa(osa.create_reminder(
            title, v.text(notes, "notes"), v.text(list_name, "list_name").strip(),
            v.integer(priority, "priority", 0, 9, 0), due, v.boolean(all_day, "all_day")))
        when = f" due {due:{DATE_FORMAT}}" if due else ""
        return f"Created reminder {title!r}{when} in list {list_used!r}."

    def send_sms(self, recipients: Any, message: Any) -> str:
        """Send an iMessage/SMS to each recipient."""
        to = v.phones(recipients, "recipients")
        text = v.text(message, "message")
        if not text.strip():
            raise ToolError("message must not be empty")
        self._osa(osa.send_sms(text, to))
        return f"Sent the message to {', '.join(to)}."

    def get_zoom_meeting_link(self, topic: Any, start_time: Any, duration: Any = None,
                              meeting_invitees: Any = None) -> str:
        """A meeting link. Creating a scheduled Zoom meeting needs Zoom API credentials, which this
        backend does not hold: with `zoom_link` set (your Personal Meeting Room) that link is returned;
        otherwise a deterministic zoom.us/j/ link derived from the arguments (not registered with Zoom)."""
        title = v.required_text(topic, "topic")
        start = v.date(start_time, "start_time")
        minutes = v.integer(duration or None, "duration", 1, 24 * 60, DEFAULT_MEETING_MINUTES)
        invitees = v.emails(meeting_invitees, "meeting_invitees")
        if self.zoom_link:
            return self.zoom_link
        key = json.dumps([title, f"{start:{DATE_FORMAT}}", minutes, sorted(invitees)])
        meeting_id = 10**10 + int(hashlib.sha256(key.encode()).hexdigest(), 16) % (9 * 10**10)  # 11 digits
        return f"https://zoom.us/j/{meeting_id}"
