"""Email as RFC 5322 .eml files built with the stdlib `email` package (EmailMessage).

New mail, replies and forwards go to outbox/; replies and forwards act on the "current" message
in inbox/ (the file named by inbox/.current, as if the user were reading it). Header values cannot
hold line breaks (that would be header injection), so CR/LF in a subject become spaces, and a value
whose RFC 2047 encoded words decode to control characters is refused, in tool input and in the
received mail a reply or forward copies from; recipients are parsed strictly, one address each
(`parse_recipient`). Bodies are kept verbatim. See `EML_POLICY` for how files are serialised.

Example:
    >>> from datetime import datetime
    >>> msg = build_message(["sid.patel@example.com"], [], "Hi", "See you", [], datetime(2024, 5, 1, 9))
    >>> msg["To"], msg["Subject"], msg.get_content()
    ('sid.patel@example.com', 'Hi', 'See you\\n')
"""
from __future__ import annotations

import logging
import mimetypes
import re
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from tinyagent.sandbox.workspace import confine, files_in, oldest_first, unique_stem, write_in
from tinyagent.tools.backend import ToolError

log = logging.getLogger(__name__)

OWNER = Address("Alex Morgan", addr_spec="alex.morgan@example.com")  # the sandbox's user
CURRENT_POINTER = ".current"  # inbox/.current holds the file name of the message being read
_LINE_BREAKS = re.compile(r"[\r\n]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")  # controls (not tab), line separators
# How .eml files are written, chosen so the stdlib parser reads back exactly what was written:
# - LF line ends, the local-file convention (the stdlib `mailbox` does the same): the parser keeps
#   CRLF inside bodies, so CRLF on disk would alter every body read back;
# - utf8=True (RFC 6532 UTF-8 headers): the RFC 2047 encoder drops the space between two adjacent
#   encoded words ("✓ café" came back as "✓café");
# - no folding below RFC 5322's hard limit of 998 characters: a folded header gains a leading space.
EML_POLICY = policy.default.clone(utf8=True, max_line_length=998)


def _decoded(value: str) -> str:
    """What a reader sees: the value with its RFC 2047 encoded words decoded, as the stdlib parses it."""
    try:
        return str(EML_POLICY.header_factory("subject", value))
    except Exception:  # the stdlib parser can fail in odd ways on odd input; then nothing decodes
        return value


def checked_header(value: str, field: str) -> str:
    """`value` unchanged, after checking that neither it nor what its encoded words decode to holds a
    control character (an encoded CR/LF would become a real extra header such as `Bcc:`).

    >>> checked_header("Lunch =?utf-8?q?caf=C3=A9?=", "subject")
    'Lunch =?utf-8?q?caf=C3=A9?='
    >>> checked_header("=?utf-8?q?hi=0D=0ABcc:_eve@x.org?=", "subject")
    Traceback (most recent call last):
    ...
    tinyagent.tools.backend.ToolError: subject: '=?utf-8?q?hi=0D=0ABcc:_eve@x.org?=' holds control characters once decoded (header injection refused)
    """
    if not isinstance(value, str):
        raise ToolError(f"{field}: expected text, got {type(value).__name__}")
    if _CONTROL.search(value) or _CONTROL.search(_decoded(value)):
        raise ToolError(f"{field}: {value!r} holds control characters once decoded (header injection refused)")
    return value


def _header_text(value: str, field: str = "subject") -> str:
    """A header value from tool input: literal line breaks become spaces, encoded ones are refused."""
    return checked_header(_LINE_BREAKS.sub(" ", value).strip(), field)


def parse_recipient(value: str | Address, field: str) -> Address:
    """Exactly one email address, parsed strictly (`email.headerregistry`); ToolError otherwise.

    A display name is kept ("Sid Patel <sid@x.org>"); two addresses in one string, a group, a
    malformed address or a control character (also inside an encoded word) are refused, never
    silently rewritten or dropped.

    >>> parse_recipient("Sid Patel <sid@example.com>", "recipients").addr_spec
    'sid@example.com'
    >>> parse_recipient("a@x.org, b@y.org", "recipients")
    Traceback (most recent call last):
    ...
    tinyagent.tools.backend.ToolError: recipients: 'a@x.org, b@y.org' holds 2 addresses; give one address per list item
    """
    text = str(value) if isinstance(value, Address) else value
    checked_header(text, field)
    try:
        header = EML_POLICY.header_factory("to", text)
        addresses, groups, defects = header.addresses, header.groups, header.defects
    except Exception:  # HeaderParseError, IndexError, ValueError: all mean "not an address"
        raise ToolError(f"{field}: {text!r} is not a valid email address") from None
    if len(addresses) > 1:
        raise ToolError(f"{field}: {text!r} holds {len(addresses)} addresses; give one address per list item")
    if any(g.display_name for g in groups):
        raise ToolError(f"{field}: {text!r} is an address group; give the addresses one per list item")
    if defects or len(addresses) != 1 or not addresses[0].username or "." not in addresses[0].domain:
        raise ToolError(f"{field}: {text!r} is not a valid email address")
    address = addresses[0]
    checked_header(address.display_name, field)  # decoded already: a CR/LF here came from an encoded word
    return address


def build_message(to: list[str | Address], cc: list[str | Address], subject: str, body: str,
                  attachments: list[Path], when: datetime, *, sender: Address = OWNER) -> EmailMessage:
    """A complete message: headers, plain-text body, one MIME part per attachment file.

    Recipients go through `parse_recipient` and the subject through `checked_header`: ToolError
    instead of a header that would say something else once parsed.
    """
    msg = EmailMessage()
    msg["From"] = sender
    if to:
        msg["To"] = [parse_recipient(a, "to") for a in to]
    if cc:
        msg["Cc"] = [parse_recipient(a, "cc") for a in cc]
    msg["Subject"] = _header_text(subject)
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="tinyagent.sandbox")
    msg.set_content(body)
    for path in attachments:
        attach_file(msg, path)
    return msg


def attach_file(msg: EmailMessage, path: Path) -> None:
    """Attach the bytes of `path` with a MIME type guessed from its name."""
    ctype, encoding = mimetypes.guess_type(path.name)
    if ctype is None or encoding is not None:
        ctype = "application/octet-stream"
    maintype, subtype = ctype.split("/", 1)
    msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)


def _incoming(original: EmailMessage, name: str) -> str:
    """A header of a received message as text, refused (ToolError) when it decoded to control
    characters: a hostile mail must not smuggle a header into the reply or forward."""
    field = f"the current email's {name}"
    try:
        value = str(original.get(name, ""))
    except Exception:  # the stdlib refuses to build e.g. an address whose decoded name holds CR/LF
        raise ToolError(f"{field} cannot be read safely (header injection refused)") from None
    return checked_header(value, field)


def _attachment_name(name: str | None) -> str | None:
    return None if name is None else checked_header(name, "the current email's attachment file name")


def _plain_body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def reply_message(original: EmailMessage, cc: list[str], body: str, attachments: list[Path],
                  when: datetime) -> EmailMessage:
    """Reply to the sender of `original`, threaded (In-Reply-To, References) and quoted."""
    subject = _incoming(original, "Subject")
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    reply_to = "Reply-To" if "Reply-To" in original else "From"
    to = parse_recipient(_incoming(original, reply_to), f"the current email's {reply_to}")
    quoted = "\n".join(f"> {line}" for line in _plain_body(original).splitlines())
    text = f"{body}\n\nOn {original.get('Date', '')}, {original.get('From', '')} wrote:\n{quoted}\n"
    msg = build_message([to], cc, subject, text, attachments, when)
    if original.get("Message-ID"):
        msg_id = _incoming(original, "Message-ID")
        msg["In-Reply-To"] = msg_id
        msg["References"] = " ".join(filter(None, [_incoming(original, "References"), msg_id]))
    return msg


def forward_message(original: EmailMessage, to: list[str], cc: list[str], body: str,
                    attachments: list[Path], when: datetime) -> EmailMessage:
    """Forward `original` inline (Gmail style), keeping its attachments, plus `attachments`."""
    subject = _incoming(original, "Subject")
    if not subject.lower().startswith(("fwd:", "fw:")):
        subject = f"Fwd: {subject}"
    header = "\n".join(f"{k}: {original.get(k, '')}" for k in ("From", "Date", "Subject", "To"))
    text = f"{body}\n\n---------- Forwarded message ---------\n{header}\n\n{_plain_body(original)}"
    msg = build_message(to, cc, subject, text, attachments, when)
    for part in original.iter_attachments():
        msg.add_attachment(part.get_payload(decode=True), maintype=part.get_content_maintype(),  # bytes, also for text/*
                           subtype=part.get_content_subtype(),
                           filename=_attachment_name(part.get_filename()))
    return msg


def write_eml(folder: Path, msg: EmailMessage, when: datetime, *, name: str | None = None) -> Path:
    """Serialise with `EML_POLICY` and write atomically (confined to `folder`, the real app folder)."""
    path = write_in(folder, folder / (name or f"{unique_stem(when)}.eml"), msg.as_bytes(policy=EML_POLICY))
    log.info("mail %r written to %s", msg["Subject"], path)
    return path


def read_eml(path: Path) -> EmailMessage:
    """Parse an .eml file into an EmailMessage (modern policy: str headers, get_content)."""
    with open(path, "rb") as fh:
        return BytesParser(policy=policy.default).parse(fh)


def current_email(inbox: Path) -> EmailMessage:
    """The message the user is reading; ToolError if there is none."""
    pointer = inbox / CURRENT_POINTER
    name = confine(inbox, pointer).read_text(encoding="utf-8").strip() if pointer.exists() else ""
    if not name or "/" in name or not (inbox / name).is_file():
        raise ToolError("no email is open: the inbox has no current message to reply to or forward")
    return read_eml(confine(inbox, inbox / name))  # a message symlinked out of the inbox is refused


def set_current_email(inbox: Path, eml_name: str) -> None:
    """Mark inbox/`eml_name` as the message being read."""
    if not (inbox / eml_name).is_file() or "/" in eml_name:
        raise ToolError(f"no message {eml_name!r} in the inbox")
    confine(inbox, inbox / eml_name)
    write_in(inbox, inbox / CURRENT_POINTER, eml_name.encode("utf-8"))


def read_outbox(folder: Path) -> list[dict[str, Any]]:
    """Every message in `folder` as plain data (headers and attachment names)."""
    out = []
    for path in oldest_first(files_in(folder, folder, "*.eml")):
        msg = read_eml(confine(folder, path))
        out.append({"to": str(msg.get("To", "")), "cc": str(msg.get("Cc", "")),
                    "subject": str(msg.get("Subject", "")), "date": str(msg.get("Date", "")),
                    "attachments": [p.get_filename() for p in msg.iter_attachments()],
                    "path": str(path)})
    return out


def seed_inbox(inbox: Path, sender: Address, attachments: list[Path], when: datetime) -> Path:
    """Put one received message (with `attachments`) in `inbox` and make it the current one."""
    body = ("Hi Alex,\n\nAttached is the draft of the quarterly report. Could you review the numbers "
            "before Friday and loop in anyone who should see it?\n\nThanks,\n" + sender.display_name)
    msg = build_message([str(OWNER)], [], "Quarterly report draft", body, attachments, when, sender=sender)
    path = write_eml(inbox, msg, when, name="0001-quarterly-report.eml")
    set_current_email(inbox, path.name)
    return path
