"""Build osascript calls that cannot be injected: a constant script plus the user's values as argv.

The upstream agent spliced user text into AppleScript with f-strings, so a note titled
`x" & (do shell script "touch /tmp/pwned") & "` ran a shell command. Here every script is a constant
from `tinyagent.macos.scripts.TEMPLATES`; user values travel only as `osascript -e SCRIPT -- ARGS...`
items (no shell), which AppleScript receives as plain text in `on run argv`. Lists are a count item
followed by the items; dates are six integer items (see `scripts`). `applescript_quote` is the one
function that writes a string literal; only `Script.standalone` (a debugging aid that embeds the
values so a failing call can be pasted into Script Editor) uses it.

Example:
    >>> s = send_sms("hi \\" & beep", ["+1 555 0100"])
    >>> s.command()[:2], s.command()[3:]
    (['osascript', '-e'], ['--', 'hi " & beep', '1', '+1 555 0100'])
    >>> applescript_quote('say "hi"\\n')
    '"say \\\\"hi\\\\"\\\\n"'
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Sequence

from tinyagent.macos.scripts import TEMPLATES
from tinyagent.tools.backend import ToolError

# AppleScript string literals know exactly these escapes; every other character stands for itself.
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def applescript_quote(text: str) -> str:
    """Return an AppleScript string literal that evaluates to `text`; ValueError for NUL.

    >>> applescript_quote('a\\\\b')
    '"a\\\\\\\\b"'
    """
    if not isinstance(text, str):
        raise TypeError(f"applescript_quote expects str, got {type(text).__name__}")
    if "\x00" in text:
        raise ValueError("a NUL character cannot appear in an AppleScript string")
    return '"' + text.translate(_ESCAPES) + '"'


@dataclass(frozen=True)
class Script:
    """One osascript call: the name of a constant template and the values it reads from argv."""

    name: str  # key of scripts.TEMPLATES
    args: tuple[str, ...]  # `item 1 of argv`, `item 2 of argv`, ...

    def __post_init__(self) -> None:
        if self.name not in TEMPLATES:
            raise ValueError(f"unknown AppleScript template {self.name!r}; known: {sorted(TEMPLATES)}")
        for i, arg in enumerate(self.args, 1):
            if not isinstance(arg, str):
                raise TypeError(f"argv item {i} of {self.name} must be str, got {type(arg).__name__}")
            if "\x00" in arg:  # execve cannot carry NUL; say which value was bad instead of crashing
                raise ToolError(f"argument {arg[:40]!r} contains a NUL character")
            try:
                arg.encode("utf-8")
            except UnicodeEncodeError as e:
                raise ToolError(f"argument {arg[:40]!r} is not valid Unicode text: {e.reason}") from None

    @property
    def source(self) -> str:
        """The AppleScript text: the same for every call of this template."""
        return TEMPLATES[self.name]

    def command(self, osascript: str = "osascript") -> list[str]:
        """The exec argv; `--` ends osascript's options so a value like `-e` stays a value."""
        return [osascript, "-e", self.source, "--", *self.args]

    def standalone(self) -> str:
        """A self-contained script with the values embedded as literals (for debugging only)."""
        values = "{" + ", ".join(applescript_quote(a) for a in self.args) + "}"
        body = self.source.replace("on run argv", "on main(argv)", 1).replace("\nend run", "\nend main", 1)
        return f"main({values})\n{body}"


def date_args(when: datetime) -> list[str]:
    """Six argv items (year, month, day, hours, minutes, seconds) read by the `dateAt` handler."""
    return [str(v) for v in (when.year, when.month, when.day, when.hour, when.minute, when.second)]


def list_args(items: Sequence[str]) -> list[str]:
    """A count item followed by the items, read by the `listAt` handler."""
    return [str(len(items)), *items]


def contact_lookup(field: Literal["phone", "email"], name: str) -> Script:
    """Records `name US value` of every contact whose name contains `name`."""
    if field not in ("phone", "email"):
        raise ValueError(f"field must be 'phone' or 'email', got {field!r}")
    return Script(f"contact_{field}s", (name,))


def calendar_event(title: str, start: datetime, end: datetime, location: str, notes: str, calendar: str,
                   invitees: Sequence[str]) -> Script:
    """Create an event; the script returns its uid."""
    return Script("calendar_event", (title, location, notes, calendar, *date_args(start), *date_args(end),
                                     *list_args(invitees)))


def compose_email(subject: str, body: str, recipients: Sequence[str], cc: Sequence[str],
                  attachments: Sequence[str]) -> Script:
    """Open a new draft in Mail (not sent)."""
    return Script("compose_email", (subject, body, *list_args(recipients), *list_args(cc),
                                    *list_args(attachments)))


def reply_email(body: str, cc: Sequence[str], attachments: Sequence[str]) -> Script:
    """Open a reply to the message selected in Mail; the script returns the original subject."""
    return Script("reply_email", (body, *list_args(cc), *list_args(attachments)))


def forward_email(body: str, recipients: Sequence[str], cc: Sequence[str], attachments: Sequence[str]) -> Script:
    """Open a forward of the message selected in Mail; the script returns the original subject."""
    return Script("forward_email", (body, *list_args(recipients), *list_args(cc), *list_args(attachments)))


def create_note(name: str, html: str, folder: str) -> Script:
    """Create a note whose body is `html` (already escaped HTML)."""
    return Script("create_note", (name, html, folder))


def open_note(name: str, folder: str) -> Script:
    """Show a note and return its plain text ("" when there is none)."""
    return Script("open_note", (name, folder))


def append_note(name: str, html_fragment: str, folder: str, html_if_new: str) -> Script:
    """Append `html_fragment` to a note, or create it with `html_if_new`; returns created/appended."""
    return Script("append_note", (name, html_fragment, folder, html_if_new))


def create_reminder(name: str, notes: str, list_name: str, priority: int, due: datetime | None,
                    all_day: bool) -> Script:
    """Create a reminder; the script returns the name of the list it went to."""
    flags = ("1" if due is not None else "0", "1" if all_day else "0")
    return Script("create_reminder", (name, notes, list_name, str(int(priority)), *flags,
                                      *(date_args(due) if due is not None else [])))


def send_sms(message: str, recipients: Sequence[str]) -> Script:
    """Send `message` through Messages to each recipient; the script returns how many were sent."""
    return Script("send_sms", (message, *list_args(recipients)))
