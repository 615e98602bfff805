"""Note writes are never lost: cross-process locking, create vs append, injective note file names.

Real processes (subprocess running the sandbox) append to one note at the same time; a plan runs
create_note and append_note_content on one title in parallel threads; titles that used to share a
file ('a/b' vs 'a_b', long titles) stay apart or are refused.

Usage: .venv/bin/python -m pytest tests/test_sandbox_locking.py -q
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

from tinyagent.execute import execute_plan
from tinyagent.plan import Plan, Task
from tinyagent.sandbox import SandboxBackend
from tinyagent.sandbox.workspace import MAX_NAME_BYTES, decode_name, encode_name
from tinyagent.tools.backend import ToolError

NOW = datetime(2024, 5, 28, 9, 0, 0)
REPO = Path(__file__).resolve().parents[1]

WORKER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tinyagent.sandbox import SandboxBackend
    root, tag, n, tool = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    sb = SandboxBackend(root, seed=0)
    Path(sys.argv[5]).touch()  # ready
    while not (root / "go").exists():
        pass
    for i in range(n):
        title = "Log" if tool == "append" else f"T{i}"
        try:
            sb.call("create_note" if tool == "create" else "append_note_content", [title, f"{tag}-{i}", ""])
            print("ok", title)
        except Exception as exc:
            print("err", title, exc)
""")


def run_workers(root: Path, jobs: list[tuple[str, int, str]]) -> list[str]:
    """Start one process per job (tag, count, tool), release them together, return their stdout."""
    SandboxBackend(root, seed=0, now=lambda: NOW)  # seed once, so the workers only write notes
    env = {"PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    procs = []
    for k, (tag, n, tool) in enumerate(jobs):
        ready = root / f"ready-{k}"
        procs.append((subprocess.Popen([sys.executable, "-c", WORKER, str(root), tag, str(n), tool, str(ready)],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env), ready))
    for proc, ready in procs:
        while not ready.exists():
            assert proc.poll() is None, proc.stderr.read()
    (root / "go").touch()
    outs = []
    for proc, _ in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        outs.append(out)
    return outs


def test_two_processes_appending_to_one_note_keep_every_line(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    outs = run_workers(root, [("a", 150, "append"), ("b", 150, "append")])
    failures = [line for out in outs for line in out.splitlines() if not line.startswith("ok ")]
    assert not failures, failures[:5]
    lines = SandboxBackend(root, seed=0).call("open_note", ["Log", ""]).splitlines()
    assert sorted(lines) == sorted([f"a-{i}" for i in range(150)] + [f"b-{i}" for i in range(150)])


def test_create_and_append_in_two_processes_never_lose_content(tmp_path: Path) -> None:
    """Process A creates T0..T59, process B appends to the same titles: every success is on disk."""
    root = tmp_path / "ws"
    created, appended = run_workers(root, [("c", 60, "create"), ("p", 60, "append_same")])
    sb = SandboxBackend(root, seed=0)
    for i in range(60):
        body = sb.call("open_note", [f"T{i}", ""]).splitlines()
        assert f"p-{i}" in body  # the append always succeeds (it creates a missing note)
        if f"ok T{i}\n" in created:
            assert f"c-{i}" in body  # a create that reported success was not overwritten
        else:
            assert "already exists" in created and body == [f"p-{i}"]


def test_create_and_append_on_one_title_in_one_plan(tmp_path: Path) -> None:
    sb = SandboxBackend(tmp_path / "ws", seed=0, now=lambda: NOW)
    tasks = []
    for i in range(40):
        tasks += [Task(2 * i + 1, "create_note", (f"N{i}", "created", "")),
                  Task(2 * i + 2, "append_note_content", (f"N{i}", "appended", ""))]
    report = execute_plan(Plan(tuple(tasks)), sb, max_workers=16)
    for i in range(40):
        body = sb.call("open_note", [f"N{i}", ""]).splitlines()
        create, append = report.result(2 * i + 1), report.result(2 * i + 2)
        assert append.status == "done" and "appended" in body
        if create.status == "done":
            assert body == ["created", "appended"]
        else:
            assert "already exists" in create.error and body == ["appended"]


# --- injective names ------------------------------------------------------------------------------
@pytest.mark.parametrize("a,b", [("a/b", "a_b"), ("x..y", "x.y"), (".hidden", "hidden"), ("50%", "50%25"),
                                 ("tab\there", "tab_here"), ("a\\b", "a/b")])
def test_distinct_titles_are_distinct_notes(tmp_path: Path, a: str, b: str) -> None:
    sb = SandboxBackend(tmp_path / "ws", seed=0, now=lambda: NOW)
    sb.call("create_note", [a, "first", ""])
    sb.call("create_note", [b, "second", ""])  # used to fail: both mapped to one file
    assert sb.call("open_note", [a, ""]) == "first" and sb.call("open_note", [b, ""]) == "second"
    assert sorted(n["title"] for n in sb.workspace_summary()["notes"]) == sorted([a, b])


def test_distinct_folders_are_distinct(tmp_path: Path) -> None:
    sb = SandboxBackend(tmp_path / "ws", seed=0, now=lambda: NOW)
    sb.call("create_note", ["t", "one", "a/b"])
    sb.call("create_note", ["t", "two", "a_b"])
    assert sb.call("open_note", ["t", "a/b"]) == "one" and sb.call("open_note", ["t", "a_b"]) == "two"


def test_long_titles_sharing_a_prefix_are_refused_not_merged(tmp_path: Path) -> None:
    sb = SandboxBackend(tmp_path / "ws", seed=0, now=lambda: NOW)
    prefix = "x" * MAX_NAME_BYTES
    with pytest.raises(ToolError, match="too long"):
        sb.call("create_note", [prefix + "A", "first", ""])
    with pytest.raises(ToolError, match="too long"):
        sb.call("append_note_content", [prefix + "B", "second", ""])
    sb.call("create_note", [prefix[: MAX_NAME_BYTES - 3], "fits", ""])  # '.md' is not counted
    assert not [n for n in sb.workspace_summary()["notes"] if n["title"].startswith(prefix)]


@pytest.mark.parametrize("title", ["a/b", "..", "...x", "%41", "日本語/x", "a\x00b", " x ", "x.", "%", "\\"])
def test_encode_name_round_trips_and_stays_one_component(title: str) -> None:
    name = encode_name(title)
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".") and ".." not in name
    assert decode_name(name) == title.strip()


def test_case_and_spacing_still_name_the_same_note(tmp_path: Path) -> None:
    sb = SandboxBackend(tmp_path / "ws", seed=0, now=lambda: NOW)
    sb.call("create_note", ["Groceries", "eggs", ""])
    sb.call("append_note_content", [" groceries ", "milk", ""])
    assert sb.call("open_note", ["GROCERIES", ""]) == "eggs\nmilk"
    with pytest.raises(ToolError, match="already exists"):
        sb.call("create_note", ["groceries", "x", ""])
