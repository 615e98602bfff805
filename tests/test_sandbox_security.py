"""Sandbox safety: path traversal, symlinks, NUL bytes and hostile file names are refused or neutralised.

Usage: .venv/bin/python -m pytest tests/test_sandbox_security.py -q
"""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from tinyagent.sandbox import SandboxBackend, inside_workspace, safe_filename
from tinyagent.sandbox.workspace import LOCK_DIR, MAX_NAME_BYTES
from tinyagent.tools.backend import ToolError

NOW = datetime(2024, 5, 28, 9, 0, 0)


@pytest.fixture()
def sb(tmp_path: Path) -> SandboxBackend:
    return SandboxBackend(tmp_path / "ws", seed=0, now=lambda: NOW)


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "secret.pdf"
    secret.parent.mkdir()
    secret.write_bytes(b"%PDF-1.4 not yours")
    return secret


# --- the one path check -------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["../../etc/passwd", "/etc/passwd", "docs/../../../etc/passwd",
                                 "~/.ssh/id_rsa", "a\x00b", "", "   "])
def test_inside_workspace_refuses_escapes(tmp_path: Path, bad: str) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    with pytest.raises(ToolError, match="outside the workspace|NUL|expected a file path"):
        inside_workspace(root, bad)


def test_inside_workspace_accepts_paths_that_stay_inside(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / "docs").mkdir(parents=True)
    assert inside_workspace(root, "docs/../a.txt") == (root / "a.txt").resolve()
    assert inside_workspace(root, str(root / "docs" / "b.pdf")) == (root / "docs" / "b.pdf").resolve()
    assert inside_workspace(root, "c.pdf", base=root / "docs") == (root / "docs" / "c.pdf").resolve()


def test_inside_workspace_is_not_a_string_prefix_check(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    sibling = tmp_path / "ws-evil" / "x"  # shares the textual prefix "…/ws"
    root.mkdir()
    with pytest.raises(ToolError, match="outside the workspace"):
        inside_workspace(root, str(sibling))


def test_inside_workspace_refuses_symlink_out(tmp_path: Path, outside: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "link.pdf").symlink_to(outside)
    (root / "dirlink").symlink_to(outside.parent, target_is_directory=True)
    for name in ("link.pdf", "dirlink/secret.pdf"):
        with pytest.raises(ToolError, match="outside the workspace"):
            inside_workspace(root, name)


# --- the one file-name sanitiser ----------------------------------------------------------------
@pytest.mark.parametrize("title", ["../../x", "a/b\\c", "..\\..\\win", "x\x00y", "line1\nline2\r",
                                   "/etc/passwd", ".hidden", "...dots...", "a" * 500, "日本語" * 100])
def test_safe_filename_yields_one_harmless_component(title: str) -> None:
    name = safe_filename(title)
    assert "/" not in name and "\\" not in name and "\x00" not in name and "\n" not in name
    assert ".." not in name and not name.startswith(".")
    assert 0 < len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name.encode("utf-8").decode("utf-8") == name  # not cut inside a multi-byte character


def test_safe_filename_keeps_quotes_and_unicode() -> None:
    assert safe_filename("Mom's \"list\" ✓ café") == "Mom's \"list\" ✓ café"


@pytest.mark.parametrize("empty", ["", "   ", "..", "/", "\x00"])
def test_safe_filename_rejects_names_with_nothing_left(empty: str) -> None:
    with pytest.raises(ToolError, match="empty"):
        safe_filename(empty)


# --- the tools go through those checks ----------------------------------------------------------
@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "../contacts.sqlite/../../x"])
def test_file_tools_refuse_traversal(sb: SandboxBackend, path: str) -> None:
    with pytest.raises(ToolError, match="outside the workspace"):
        sb.call("summarize_pdf", [path])
    with pytest.raises(ToolError, match="outside the workspace"):
        sb.call("open_and_get_file_path", [path])
    with pytest.raises(ToolError, match="outside the workspace"):
        sb.call("compose_new_email", [["sid.patel@example.com"], [], "x", "y", [path]])
    assert not list(sb.ws.outbox.iterdir())


def test_symlinked_document_pointing_out_is_neither_listed_nor_read(sb: SandboxBackend, outside: Path) -> None:
    (sb.ws.documents / "secret.pdf").symlink_to(outside)
    with pytest.raises(ToolError, match="outside the workspace"):
        sb.call("summarize_pdf", ["secret.pdf"])
    with pytest.raises(ToolError, match="outside the workspace"):
        sb.call("reply_to_email", [[], "see attached", ["secret.pdf"]])
    with pytest.raises(ToolError, match="no file matching 'secret'"):  # the search never offers it
        sb.call("open_and_get_file_path", ["secret"])
    assert "secret.pdf" not in sb.workspace_summary()["documents"]


def test_summarize_pdf_refuses_non_pdf_files_inside(sb: SandboxBackend) -> None:
    with pytest.raises(ToolError, match="not a PDF"):
        sb.call("summarize_pdf", ["Budget 2024.csv"])


@pytest.mark.parametrize("title,folder", [("../../x", ""), ("x", "../../.."), ("/etc/cron.d/evil", "/tmp")])
def test_note_titles_and_folders_cannot_escape(sb: SandboxBackend, tmp_path: Path, title: str, folder: str) -> None:
    before = set(tmp_path.rglob("*"))
    sb.call("create_note", [title, "payload", folder])
    created = [p for p in set(tmp_path.rglob("*")) - before if p.is_file() and LOCK_DIR not in p.parts]
    assert len(created) == 1
    assert created[0].resolve().is_relative_to(sb.ws.notes.resolve())
    assert created[0].parent.parent == sb.ws.notes  # exactly notes/<folder>/<title>.md
    assert sb.call("open_note", [title, folder]) == "payload"
    assert not Path("/etc/cron.d/evil.md").exists() and not (tmp_path / "x.md").exists()


def test_current_email_pointer_cannot_escape_inbox(sb: SandboxBackend, outside: Path) -> None:
    (sb.ws.inbox / ".current").write_text(os.path.relpath(outside, sb.ws.inbox))
    with pytest.raises(ToolError, match="no email is open"):
        sb.call("reply_to_email", [[], "hi", []])
