"""MacOSBackend on Linux: hostile input never reaches script text, and fake osascript/open/mdfind
executables on PATH show that argv carries the values unmodified and that answers are parsed.

Usage: .venv/bin/python -m pytest tests/test_macos_backend.py -q
"""
from __future__ import annotations

import re
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from hypothesis import given, settings, strategies as st

from tinyagent.macos import MacOSBackend
from tinyagent.macos.scripts import TEMPLATES
from tinyagent.tools.assistant import ASSISTANT_TOOLS
from tinyagent.tools.backend import ToolError

HOSTILE = [
    'x" & (do shell script "touch /tmp/pwned") & "',
    'back\\" & beep & "\\',
    'one\ntwo\r\t"\nend run\non run argv',
    "Zoë 日本語 🙂 ¬ «data»",
    "-e",
]
HOSTILE_EMAIL = '"&(do_shell_script"touch/tmp/pwned")&"@evil.com'
TEMPLATE_TEXTS = set(TEMPLATES.values())

# Records every argv it gets (as a NUL-separated file named after the program) and prints a canned
# answer; PATH is reset inside so the test can leave only the fakes on the caller's PATH.
FAKE = """#!/bin/sh
PATH=/usr/bin:/bin
name=$(basename "$0")
: > "$FAKE_DIR/$name.argv"
for a in "$@"; do printf '%s\\0' "$a" >> "$FAKE_DIR/$name.argv"; done
[ -f "$FAKE_DIR/$name.err" ] && cat "$FAKE_DIR/$name.err" >&2
[ -f "$FAKE_DIR/$name.sleep" ] && exec sleep 5
[ -f "$FAKE_DIR/$name.out" ] && cat "$FAKE_DIR/$name.out"
exit $(cat "$FAKE_DIR/$name.rc" 2>/dev/null || echo 0)
"""


def write_pdf(path: Path, lines: list[str]) -> None:
    """A one-page PDF showing `lines` in Helvetica (hand-built, independent of the code under test)."""
    text = " ".join(f"({line}) Tj 0 -14 Td" for line in lines)
    content = f"BT /F1 12 Tf 72 720 Td {text} ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def write_fakes(bin_dir: Path) -> Path:
    """Fake osascript, open and mdfind in `bin_dir`."""
    bin_dir.mkdir(exist_ok=True)
    for name in ("osascript", "open", "mdfind"):
        exe = bin_dir / name
        exe.write_text(FAKE)
        exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def use_fakes(bin_dir: Path, mp: pytest.MonkeyPatch) -> Path:
    """Make the fakes in `bin_dir` the only things on PATH."""
    mp.setenv("PATH", str(bin_dir))
    mp.setenv("FAKE_DIR", str(bin_dir))
    return bin_dir


@pytest.fixture
def fakes(tmp_path, monkeypatch):
    return use_fakes(write_fakes(tmp_path / "bin"), monkeypatch)


@pytest.fixture(scope="module")
def module_fakes(tmp_path_factory):
    # hypothesis runs many examples per test call, so its fakes must outlive one example
    return write_fakes(tmp_path_factory.mktemp("bin"))


def recorded(bin_dir: Path, name: str) -> list[str]:
    return (bin_dir / f"{name}.argv").read_bytes().decode().split("\0")[:-1]


def answer(bin_dir: Path, name: str, out: str = "", err: str = "", rc: int = 0) -> None:
    (bin_dir / f"{name}.out").write_text(out + "\n")  # osascript ends its output with a newline
    (bin_dir / f"{name}.err").write_text(err)
    (bin_dir / f"{name}.rc").write_text(str(rc))


# -- (1) all 16 tools, hostile input, recording runner ---------------------------------------------
def hostile_args(tool: str, h: str, tmp: Path) -> list:
    """Arguments for `tool` with the hostile string `h` in every free-text slot."""
    attach = tmp / "docs" / (h.replace("/", "_") + ".txt")  # attachments must live in an allowed folder
    attach.write_text("x")
    pdf = tmp / "docs" / (h.replace("/", "_") + ".pdf")  # summarize_pdf reads only under the roots too
    write_pdf(pdf, ["Quarterly budget review.", "The budget grew."])
    when = "2024-05-30 14:00:00"
    return {
        "create_calendar_event": [h, when, "", h, [HOSTILE_EMAIL], h, h],
        "get_phone_number": [h], "get_email_address": [h],
        "open_and_get_file_path": [h], "summarize_pdf": [str(pdf)],
        "compose_new_email": [[HOSTILE_EMAIL], [HOSTILE_EMAIL], h, h, [str(attach)]],
        "reply_to_email": [[HOSTILE_EMAIL], h, [str(attach)]],
        "forward_email": [[HOSTILE_EMAIL], [], h, [str(attach)]],
        "maps_open_location": [h], "maps_show_directions": [h, h, "w"],
        "create_note": [h, h, h], "open_note": [h, h], "append_note_content": [h, h, h],
        "create_reminder": [h, when, h, h, 1, False],
        "send_sms": [["+1 (555) 010-0100", HOSTILE_EMAIL], h],
        "get_zoom_meeting_link": [h, when, 30, [HOSTILE_EMAIL]],
    }[tool]


@pytest.mark.parametrize("h", HOSTILE)
@pytest.mark.parametrize("tool", ASSISTANT_TOOLS.names)
def test_hostile_values_travel_only_as_argv(tool, h, tmp_path, fakes):
    docs = tmp_path / "docs"
    docs.mkdir()
    target = docs / "report.pdf"
    target.write_text("x")
    calls: list[list[str]] = []

    def runner(argv, timeout):
        calls.append(list(argv))
        if argv[0] == "mdfind":
            return str(target)
        source = argv[2] if argv[0] == "osascript" else ""
        if "contact" in source or "every person" in source:
            return f"{h}\x1f{HOSTILE_EMAIL}"
        return "appended" if "set body of n" in source else "ok"

    backend = MacOSBackend(docs, runner=runner)
    result = backend.call(tool, hostile_args(tool, h, tmp_path))
    assert isinstance(result, str) and result
    for argv in calls:
        assert argv[0] in ("osascript", "open", "mdfind")  # exec'd directly, never through a shell
        if argv[0] == "osascript":
            assert argv[1] == "-e" and argv[3] == "--"
            assert argv[2] in TEMPLATE_TEXTS  # the script is a constant, whatever the input
            assert h not in argv[2] and HOSTILE_EMAIL not in argv[2]
            assert h in argv[4:]  # ... and the value arrives whole, as one argv item
        elif argv[0] == "mdfind":
            assert argv[1:] == ["-onlyin", str(docs), "-name", h]
        else:
            assert argv[1] in (str(target),) or argv[1].startswith("https://maps.apple.com/?")
            assert not set(" \"\n\r\t\\") & set(argv[1])  # URLs are percent-encoded
    uses_osascript = ASSISTANT_TOOLS[tool].app not in ("files", "maps", "zoom")
    assert uses_osascript == any(argv[0] == "osascript" for argv in calls)


# -- (3) fake executables on PATH ----------------------------------------------------------------
def test_contact_lookup_argv_and_parsing(fakes):
    answer(fakes, "osascript", "Sid Smith\x1f+1 555 0100\x1eSid\x1f+1 555 0199\x1eSidney\x1f ")
    assert MacOSBackend().call("get_phone_number", ["Sid"]) == "+1 555 0199"  # exact name wins
    assert recorded(fakes, "osascript") == ["-e", TEMPLATES["contact_phones"], "--", "Sid"]
    answer(fakes, "osascript", "")
    with pytest.raises(ToolError, match="no email found for a contact named 'Nobody'"):
        MacOSBackend().call("get_email_address", ["Nobody"])


def test_calendar_argv_layout(fakes):
    answer(fakes, "osascript", "UID-1")
    out = MacOSBackend().call("create_calendar_event", [HOSTILE[2], "2024-02-29 09:05:07", None, "Room 1",
                                                        ["a@b.co", "c@d.org"], HOSTILE[0], "Work"])
    assert "2024-02-29 09:05:07" in out and "2024-02-29 10:05:07" in out  # default length: one hour
    assert recorded(fakes, "osascript")[2:] == [
        "--", HOSTILE[2], "Room 1", HOSTILE[0], "Work",
        "2024", "2", "29", "9", "5", "7", "2024", "2", "29", "10", "5", "7", "2", "a@b.co", "c@d.org"]


def test_compose_email_lists_and_attachments(fakes, tmp_path):
    odd = tmp_path / 'report "final" \\ v2.pdf'
    odd.write_text("x")
    answer(fakes, "osascript", "Hello")
    MacOSBackend(attachment_roots=[tmp_path]).call("compose_new_email",
                                                   ["a@b.co", [], "Hello", "Body\nline 2", [str(odd)]])
    assert recorded(fakes, "osascript")[2:] == ["--", "Hello", "Body\nline 2", "1", "a@b.co", "0", "1", str(odd)]


@settings(max_examples=25, deadline=None)
@given(message=st.text(alphabet=st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), min_size=1)
       .filter(str.strip))
def test_sms_text_reaches_argv_byte_for_byte(module_fakes, message):
    answer(module_fakes, "osascript", "1")
    with pytest.MonkeyPatch.context() as mp:
        use_fakes(module_fakes, mp)
        assert MacOSBackend().call("send_sms", [["+15550100"], message]) == "Sent the message to +15550100."
    assert recorded(module_fakes, "osascript")[2:] == ["--", message, "1", "+15550100"]


def test_osascript_error_becomes_tool_error(fakes):
    answer(fakes, "osascript", err="120:180: execution error: Calendar got an error: no calendar named Wrk (-2700)\n",
           rc=1)
    with pytest.raises(ToolError) as info:
        MacOSBackend().call("create_calendar_event", ["T", "2024-05-30 14:00:00", "", "", [], "", "Wrk"])
    assert str(info.value) == "osascript failed: Calendar got an error: no calendar named Wrk"


def test_timeout_becomes_tool_error(fakes):
    (fakes / "osascript.sleep").write_text("")
    with pytest.raises(ToolError, match="did not finish within 0.3 s"):
        MacOSBackend(timeout=0.3).call("open_note", ["n"])


def test_missing_osascript_is_a_clear_tool_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing there
    backend = MacOSBackend()  # construction works anywhere
    with pytest.raises(ToolError, match=r"osascript is missing: .*sandbox"):
        backend.call("create_note", ["n", "c", ""])


def test_open_note_and_append_results(fakes):
    answer(fakes, "osascript", "Groceries\nmilk")
    assert MacOSBackend().call("open_note", ["Groceries"]) == "Groceries\nmilk"
    answer(fakes, "osascript", "")
    with pytest.raises(ToolError, match="no note named 'Gone'"):
        MacOSBackend().call("open_note", ["Gone", "Archive"])
    answer(fakes, "osascript", "created")
    assert MacOSBackend().call("append_note_content", ["Log", "<b> & more", ""]) == "Created note 'Log'."
    argv = recorded(fakes, "osascript")
    assert argv[3:] == ["Log", "<div>&lt;b&gt; &amp; more</div>", "",
                        "<div><h1>Log</h1></div><div>&lt;b&gt; &amp; more</div>"]


def test_reminder_without_due_date(fakes):
    answer(fakes, "osascript", "Reminders")
    out = MacOSBackend().call("create_reminder", ["Call mom", "", "", "", 9, True])
    assert out == "Created reminder 'Call mom' in list 'Reminders'."
    assert recorded(fakes, "osascript")[2:] == ["--", "Call mom", "", "", "9", "0", "1"]


def test_file_search_uses_spotlight_inside_documents_and_opens(fakes, tmp_path):
    docs = tmp_path / "Documents"
    (docs / "old").mkdir(parents=True)
    for name in ("Q3_Report.pdf", "old/Q3 report draft.pdf"):
        (docs / name).write_text("x")
    outside = tmp_path / "q3 report.pdf"
    outside.write_text("x")
    answer(fakes, "mdfind", "\n".join([str(outside), str(docs / "old/Q3 report draft.pdf"), str(docs / "Q3_Report.pdf")]))
    assert MacOSBackend(docs).call("open_and_get_file_path", ["q3 report"]) == str(docs / "Q3_Report.pdf")
    assert recorded(fakes, "open") == [str(docs / "Q3_Report.pdf")]


def test_file_search_walks_without_spotlight(fakes, tmp_path):
    (fakes / "mdfind").unlink()
    docs = tmp_path / "Documents"
    docs.mkdir()
    (docs / "Budget-2024.xlsx").write_text("x")
    (docs / ".hidden budget").write_text("x")
    backend = MacOSBackend(docs, open_files=False)
    assert backend.call("open_and_get_file_path", ["budgt 2024"]) == str(docs / "Budget-2024.xlsx")  # fuzzy
    assert not (fakes / "open.argv").exists()
    with pytest.raises(ToolError, match="no file matching 'zzz'"):
        backend.call("open_and_get_file_path", ["zzz"])


def test_maps_urls_are_encoded_and_opened(fakes):
    backend = MacOSBackend()
    url = backend.call("maps_open_location", ["Café & Bar, 1 Main St"])
    assert parse_qs(urlparse(url).query) == {"q": ["Café & Bar, 1 Main St"]}
    assert recorded(fakes, "open") == [url]
    url = backend.call("maps_show_directions", ["", "SFO", None])
    assert parse_qs(urlparse(url).query) == {"daddr": ["SFO"], "dirflg": ["d"]}
    with pytest.raises(ToolError, match=r"transport must be one of \['d', 'w', 'r'\], got 'car'"):
        backend.call("maps_show_directions", ["a", "b", "car"])


def test_summarize_pdf(tmp_path):
    pdf = tmp_path / "notes.pdf"
    write_pdf(pdf, ["The travel budget rose by ten percent.", "Cats sleep.", "Lunch was late.",
                    "Travel budget changes need approval from finance.", "The budget travel plan is final."])
    summary = MacOSBackend(attachment_roots=[tmp_path]).call("summarize_pdf", [str(pdf)])
    assert "travel budget rose" in summary and "Cats sleep" not in summary
    (tmp_path / "fake.pdf").write_text("not a pdf")
    with pytest.raises(ToolError, match="is not a PDF"):
        MacOSBackend(attachment_roots=[tmp_path]).call("summarize_pdf", [str(tmp_path / "fake.pdf")])
    with pytest.raises(ToolError, match="no PDF file at"):
        MacOSBackend(attachment_roots=[tmp_path]).call("summarize_pdf", [str(tmp_path / "missing.pdf")])


def test_zoom_link_is_deterministic_or_configured():
    backend = MacOSBackend()
    args = ["Sync", "2024-05-30 14:00:00", 30, ["a@b.co"]]
    link = backend.call("get_zoom_meeting_link", args)
    assert re.fullmatch(r"https://zoom\.us/j/\d{11}", link)
    assert backend.call("get_zoom_meeting_link", args) == link
    assert backend.call("get_zoom_meeting_link", ["Other", *args[1:]]) != link
    assert MacOSBackend(zoom_link="https://zoom.us/j/42").call("get_zoom_meeting_link", args) == "https://zoom.us/j/42"
    with pytest.raises(ValueError, match="https://"):
        MacOSBackend(zoom_link="javascript:alert(1)")


def test_attachments_only_from_allowed_visible_files(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # refused before anything runs
    docs, secret = tmp_path / "docs", tmp_path / ".ssh" / "id_rsa"
    for path in (docs / ".cache" / "x.txt", secret):
        path.parent.mkdir(parents=True)
        path.write_text("x")
    backend = MacOSBackend(docs)
    for bad in (secret, docs / ".cache" / "x.txt", docs / ".." / ".ssh" / "id_rsa"):
        with pytest.raises(ToolError, match="is not a visible file under"):
            backend.call("compose_new_email", [["a@b.co"], [], "s", "c", [str(bad)]])


@pytest.mark.parametrize("tool, args, message", [
    ("create_calendar_event", ["T", "2024-05-30"], "start_date must be 'YYYY-MM-DD HH:MM:SS', got '2024-05-30'"),
    ("create_calendar_event", ["T", "2024-02-30 10:00:00"], "start_date '2024-02-30 10:00:00' is not a valid date"),
    ("create_calendar_event", ["T", "2024-05-30 14:00:00", "2024-05-30 13:00:00"], "is before start_date"),
    ("create_calendar_event", ["T", "2024-05-30 14:00:00", "", "", ["Sid"]], "invitees: 'Sid' is not an email"),
    ("create_reminder", ["R", "", "", "", 11], "priority must be between 0 and 9, got 11"),
    ("create_reminder", ["R", "", "", "", 1, "yes"], "all_day must be true or false"),
    ("compose_new_email", [[]], "recipients must name at least one email address"),
    ("compose_new_email", [["a@b.co"], [], "", "", ["/no/such/file"]], "attachments: no file at '/no/such/file'"),
    ("send_sms", [["Sid"], "hi"], "'Sid' is neither a phone number nor an email address"),
    ("get_phone_number", ["  "], "name must not be empty"),
    ("create_note", [{"a": 1}, "c"], "name must be text, got dict"),
])
def test_bad_arguments_name_what_is_wrong(tool, args, message, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing may run: validation comes first
    with pytest.raises(ToolError, match=re.escape(message)):
        MacOSBackend().call(tool, args)
