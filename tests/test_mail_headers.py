"""Mail header injection: encoded words that decode to CR/LF, strict recipients, hostile received mail.

Every check writes real .eml files through the sandbox tools and parses them back with the stdlib.

Usage: .venv/bin/python -m pytest tests/test_mail_headers.py -q
"""
from __future__ import annotations

from datetime import datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from tinyagent.sandbox import SandboxBackend
from tinyagent.sandbox.mail import parse_recipient, set_current_email
from tinyagent.sandbox.workspace import oldest_first
from tinyagent.tools.backend import ToolError

SID = "sid.patel@example.com"
ENCODED_BCC = "=?utf-8?q?Hi=0D=0ABcc:_evil@example.net?="


@pytest.fixture()
def sb(tmp_path: Path) -> SandboxBackend:
    return SandboxBackend(tmp_path / "ws", seed=0, now=lambda: datetime(2024, 5, 28, 9, 30))


def outbox(sb: SandboxBackend) -> list:
    return [BytesParser(policy=policy.default).parse(p.open("rb")) for p in oldest_first(sb.ws.outbox.glob("*.eml"))]


def receive(sb: SandboxBackend, headers: str, name: str = "0002-hostile.eml") -> None:
    """Put a raw received message in the inbox (bytes as a hostile sender wrote them) and open it."""
    raw = headers.strip() + "\nDate: Tue, 28 May 2024 08:00:00 -0000\nMessage-ID: <m1@evil.example>\n\nHello\n"
    (sb.ws.inbox / name).write_bytes(raw.encode("utf-8"))
    set_current_email(sb.ws.inbox, name)


def test_encoded_line_break_in_a_subject_is_refused_and_nothing_is_written(sb):
    with pytest.raises(ToolError, match="subject: .*control characters"):
        sb.call("compose_new_email", [[SID], [], ENCODED_BCC, "body", []])
    assert outbox(sb) == []


def test_literal_line_breaks_become_spaces_and_encoded_text_still_works(sb):
    sb.call("compose_new_email", [[SID], [], "Hi\r\nBcc: evil@example.net", "body", []])
    sb.call("compose_new_email", [[SID], [], "Lunch =?utf-8?q?caf=C3=A9?=", "body", []])
    first, second = outbox(sb)
    assert first["Bcc"] is None and first["Subject"] == "Hi Bcc: evil@example.net"
    assert second["Subject"] == "Lunch café" and second["Bcc"] is None


@pytest.mark.parametrize("recipient,message", [
    ("a@example.com, b@example.org", "holds 2 addresses"),
    ('"Eve\r\nBcc: evil@example.net" <a@example.com>', "control characters"),
    ("=?utf-8?q?Eve=0D=0ABcc:_evil@example.net?= <a@example.com>", "control characters"),
    ("friends: a@example.com, b@example.org;", "holds 2 addresses"),
    ("team: a@example.com;", "address group"),
    ("a b@example.com", "not a valid email address"),
    ("a@example.com b@example.org", "not a valid email address"),
    ("@example.com", "not a valid email address"),
    ("a@", "not a valid email address"),
])
def test_recipients_are_parsed_strictly(sb, recipient, message):
    for field, call in (("recipients", lambda: sb.call("compose_new_email", [[recipient], [], "s", "b", []])),
                        ("cc", lambda: sb.call("compose_new_email", [[SID], [recipient], "s", "b", []]))):
        with pytest.raises(ToolError, match=f"{field}: .*{message}"):
            call()
    assert outbox(sb) == []


def test_one_address_per_item_reaches_every_recipient(sb):
    sb.call("compose_new_email", [["Sid Patel <sid.patel@example.com>", "b@example.org"], ["c@example.net"], "s", "b", []])
    (msg,) = outbox(sb)
    assert [a.addr_spec for a in msg["To"].addresses] == [SID, "b@example.org"]
    assert [a.addr_spec for a in msg["Cc"].addresses] == ["c@example.net"] and msg["Bcc"] is None


def test_parse_recipient_keeps_the_display_name():
    address = parse_recipient('"Patel, Sid" <sid.patel@example.com>', "to")
    assert (address.display_name, address.addr_spec) == ("Patel, Sid", SID)


@pytest.mark.parametrize("headers,header", [
    (f"From: Eve <eve@example.net>\nTo: alex.morgan@example.com\nSubject: {ENCODED_BCC}", "Subject"),
    ("From: Eve <eve@example.net>\nReply-To: =?utf-8?q?x=0D=0ABcc:_evil@example.net?= <eve@example.net>\n"
     "To: alex.morgan@example.com\nSubject: hi", "Reply-To"),
    ("From: Eve <eve@example.net>\nReply-To: eve@example.net, evil@example.net\nSubject: hi", "Reply-To"),
])
def test_a_hostile_received_mail_cannot_smuggle_headers_into_a_reply(sb, headers, header):
    receive(sb, headers)
    with pytest.raises(ToolError, match=f"current email's {header}"):
        sb.call("reply_to_email", [[], "ok", []])
    if header == "Subject":
        with pytest.raises(ToolError, match="current email's Subject"):
            sb.call("forward_email", [[SID], [], "fyi", []])
    assert outbox(sb) == []


def test_reply_and_forward_of_a_normal_mail_parse_back(sb):
    receive(sb, "From: Eve Example <eve@example.net>\nTo: alex.morgan@example.com\n"
                "Subject: =?utf-8?q?Caf=C3=A9_plans?=")
    sb.call("reply_to_email", [["c@example.org"], "Sounds good", []])
    sb.call("forward_email", [[SID], [], "fyi", []])
    reply, forward = outbox(sb)
    assert reply["Subject"] == "Re: Café plans" and reply["In-Reply-To"] == "<m1@evil.example>"
    assert [(a.display_name, a.addr_spec) for a in reply["To"].addresses] == [("Eve Example", "eve@example.net")]
    assert forward["Subject"] == "Fwd: Café plans" and [a.addr_spec for a in forward["To"].addresses] == [SID]
    assert all(m["Bcc"] is None for m in (reply, forward))
