"""Hostile workspaces: symlinks inside the workspace never let a tool read or write outside it.

Real symlinks on a real sandbox: app folders, note folders, note files, inbox messages and the mail
pointer are replaced by links to a folder outside the root; every tool refuses before touching it,
and a Hypothesis test plants random links in random places and runs random tools.

Usage: .venv/bin/python -m pytest tests/test_sandbox_symlinks.py -q
"""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tinyagent.sandbox import SandboxBackend
from tinyagent.tools.backend import ToolError

NOW = datetime(2024, 5, 28, 9, 0, 0)
SECRET = "SECRET-OUTSIDE-7f3a"  # every outside file holds this; no tool output or workspace file may


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry below `folder` (links not followed) with the bytes of regular files."""
    out: dict[str, bytes | None] = {}
    for p in sorted(folder.rglob("*")):
        out[str(p.relative_to(folder))] = p.read_bytes() if p.is_file() and not p.is_symlink() else None
    return out


def make_outside(base: Path) -> Path:
    outside = base / "outside"
    (outside / "Notes").mkdir(parents=True)
    for name in ("secret.md", "Notes/secret.md", "secret.eml", "secret.ics", "secret.json", "secret.pdf"):
        (outside / name).write_text(f"{SECRET}\n")
    return outside


@pytest.fixture()
def sb(tmp_path: Path) -> SandboxBackend:
    return SandboxBackend(tmp_path / "ws", seed=0, now=lambda: NOW)


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    return make_outside(tmp_path)


def replace_with_link(path: Path, target: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target, target_is_directory=target.is_dir())


# Each tool that writes into an app folder, with arguments that would succeed on a normal workspace.
WRITERS = {
    "notes": ("create_note", ["Plan", "x", ""]),
    "outbox": ("compose_new_email", [["sid.patel@example.com"], [], "Hi", "body", []]),
    "calendar": ("create_calendar_event", ["Sync", "2024-05-30 09:00:00"]),
    "sms": ("send_sms", [["+1-415-555-0101"], "hi"]),
    "reminders": ("create_reminder", ["Milk"]),
    "zoom": ("get_zoom_meeting_link", ["Sync", "2024-05-30 09:00:00"]),
    "inbox": ("reply_to_email", [[], "ok", []]),
    "documents": ("summarize_pdf", ["Quarterly Report Q2 2024.pdf"]),
}


@pytest.mark.parametrize("folder", sorted(WRITERS))
def test_symlinked_app_folder_is_refused_before_any_access(sb: SandboxBackend, outside: Path, folder: str) -> None:
    if folder == "inbox":  # the outside folder looks like an inbox: a message and a pointer to it
        (outside / ".current").write_text("secret.eml")
    before = snapshot(outside)
    replace_with_link(sb.ws.root / folder, outside)
    tool, args = WRITERS[folder]
    with pytest.raises(ToolError, match="outside the workspace"):
        sb.call(tool, args)
    assert snapshot(outside) == before
    summary = sb.workspace_summary()  # the UI snapshot still works and shows nothing from outside
    assert SECRET not in str(summary)


def test_symlinked_notes_root_leaves_the_outside_file_unmodified(sb: SandboxBackend, outside: Path) -> None:
    before = snapshot(outside)
    replace_with_link(sb.ws.notes, outside)
    for tool, args in (("append_note_content", ["secret", "pwned", "Notes"]),
                       ("create_note", ["new", "pwned", "Notes"]),
                       ("open_note", ["secret", "Notes"]), ("open_note", ["secret", ""])):
        with pytest.raises(ToolError, match="outside the workspace"):
            sb.call(tool, args)
    assert snapshot(outside) == before


def test_symlinked_note_folder_and_note_file(sb: SandboxBackend, outside: Path) -> None:
    sb.call("create_note", ["Plan", "mine", "Work"])
    before = snapshot(outside)
    (sb.ws.notes / "Linked").symlink_to(outside / "Notes", target_is_directory=True)
    (sb.ws.notes / "Work" / "Secret.md").symlink_to(outside / "secret.md")
    (sb.ws.notes / "Work" / "Dangling.md").symlink_to(outside / "created-through-link.md")
    for tool, args in (("create_note", ["x", "pwned", "Linked"]), ("append_note_content", ["secret", "p", "Linked"]),
                       ("open_note", ["secret", "Linked"]), ("append_note_content", ["Secret", "pwned", "Work"]),
                       ("create_note", ["Dangling", "pwned", "Work"]),
                       ("append_note_content", ["Dangling", "pwned", "Work"])):
        with pytest.raises(ToolError):
            sb.call(tool, args)
    with pytest.raises(ToolError, match="no note titled 'Secret'"):  # never offered when searching
        sb.call("open_note", ["Secret", "Work"])
    assert sb.call("open_note", ["Plan", ""]) == "mine"  # the rest of the workspace still works
    assert snapshot(outside) == before
    assert [n["title"] for n in sb.workspace_summary()["notes"]] == ["Plan"]


def test_symlinked_inbox_message_and_pointer(sb: SandboxBackend, outside: Path) -> None:
    [message] = list(sb.ws.inbox.glob("*.eml"))
    replace_with_link(message, outside / "secret.eml")
    with pytest.raises(ToolError, match="outside the workspace"):
        sb.call("forward_email", [["sid.patel@example.com"], [], "fyi", []])
    replace_with_link(sb.ws.inbox / ".current", outside / "secret.md")
    with pytest.raises(ToolError, match="outside the workspace"):
        sb.call("reply_to_email", [[], "ok", []])
    assert not list(sb.ws.outbox.iterdir())


def test_symlinked_records_are_not_listed(sb: SandboxBackend, outside: Path) -> None:
    for folder, name in (("calendar", "secret.ics"), ("reminders", "secret.ics"), ("sms", "secret.json"),
                         ("zoom", "secret.json"), ("outbox", "secret.eml")):
        (sb.ws.root / folder / f"x-{name}").symlink_to(outside / name)
    summary = sb.workspace_summary()
    assert SECRET not in str(summary)
    assert [len(summary[k]) for k in ("events", "reminders", "sms", "zoom", "outbox")] == [0, 0, 0, 0, 0]


def test_symlinked_contacts_database_is_refused(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "contacts.sqlite").symlink_to(outside / "contacts.sqlite")  # dangling: sqlite would create it
    with pytest.raises(ToolError, match="outside the workspace"):
        SandboxBackend(root, seed=0, now=lambda: NOW)
    assert not (outside / "contacts.sqlite").exists()


def test_a_folder_in_place_of_the_contacts_journal_is_a_clear_tool_error(sb: SandboxBackend) -> None:
    journal = sb.ws.root / "contacts.sqlite-journal"
    journal.symlink_to(sb.ws.root / "documents", target_is_directory=True)  # inside, but not a file
    with pytest.raises(ToolError, match="contacts database contacts.sqlite cannot be used"):
        sb.add_contact("Zed")
    assert "contacts" in sb.workspace_summary()  # the summary still answers (with the count skipped)


def test_symlinked_lock_folder_is_refused(sb: SandboxBackend, outside: Path) -> None:
    before = snapshot(outside)
    (sb.ws.root / ".locks").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ToolError, match="outside the workspace"):
        sb.call("append_note_content", ["Plan", "x", ""])
    assert snapshot(outside) == before


# --- random trees, random links, random tools ----------------------------------------------------
# Places a hostile user (or a synced folder) could turn into a link.
LINK_SPOTS = ["notes", "notes/Notes", "notes/Notes/Plan.md", "notes/Work", "notes/Notes/New.md",
              "outbox", "calendar", "sms", "reminders", "zoom", "inbox", "inbox/.current",
              "inbox/0001-quarterly-report.eml", "documents", "documents/Quarterly Report Q2 2024.pdf",
              "documents/Travel", "documents/x.pdf", ".locks", "contacts.sqlite-journal"]
TARGETS = ["outside", "outside/Notes", "outside/secret.md", "outside/secret.eml", "outside/secret.pdf",
           "outside/missing.md", "outside/missing", "ws/documents", "ws/notes/Notes/Plan.md"]
CALLS = [
    ("create_note", ["Plan", "more", ""]), ("create_note", ["New", "x", "Notes"]), ("create_note", ["x", "y", "Work"]),
    ("append_note_content", ["Plan", "line", ""]), ("append_note_content", ["secret", "p", "Notes"]),
    ("open_note", ["Plan", ""]), ("open_note", ["secret", ""]), ("open_note", ["secret", "Notes"]),
    ("compose_new_email", [["sid.patel@example.com"], [], "s", "b", ["Quarterly Report Q2 2024.pdf"]]),
    ("compose_new_email", [["sid.patel@example.com"], [], "s", "b", ["x.pdf"]]),
    ("reply_to_email", [[], "ok", []]), ("forward_email", [["sid.patel@example.com"], [], "f", []]),
    ("summarize_pdf", ["Quarterly Report Q2 2024.pdf"]), ("summarize_pdf", ["x.pdf"]),
    ("open_and_get_file_path", ["secret"]), ("open_and_get_file_path", ["Flight Itinerary"]),
    ("create_calendar_event", ["Sync", "2024-05-30 09:00:00"]), ("create_reminder", ["Milk"]),
    ("send_sms", [["+1-415-555-0101"], "hi"]), ("get_zoom_meeting_link", ["Sync", "2024-05-30 09:00:00"]),
    ("add_contact", ["Zed"]),
]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(links=st.lists(st.tuples(st.sampled_from(LINK_SPOTS), st.sampled_from(TARGETS)), max_size=5,
                      unique_by=lambda t: t[0]),
       calls=st.lists(st.sampled_from(range(len(CALLS))), min_size=1, max_size=8))
def test_random_links_never_let_a_tool_touch_outside(tmp_path_factory, links, calls) -> None:
    base = tmp_path_factory.mktemp("hostile")
    outside = make_outside(base)
    sb = SandboxBackend(base / "ws", seed=0, now=lambda: NOW)
    sb.call("create_note", ["Plan", "mine", ""])
    before = snapshot(outside)
    for spot, target in links:
        where, to = base / "ws" / spot, base / target
        # spots under a linked folder (at any level) would make the test itself write outside: skip
        if where.parent.is_dir() and where.parent.resolve().is_relative_to((base / "ws").resolve()):
            replace_with_link(where, to)
    for i in calls:
        tool, args = CALLS[i]
        try:
            out = sb.call(tool, args) if tool != "add_contact" else sb.add_contact(*args)
        except ToolError:
            continue
        assert SECRET not in str(out), (tool, links)
    assert snapshot(outside) == before, links
    assert SECRET not in str(sb.workspace_summary())
    for p in (base / "ws").rglob("*"):  # nothing from outside was copied in (e.g. as an attachment)
        if p.is_file() and not p.is_symlink():
            assert SECRET.encode() not in p.read_bytes(), (p, links)
