"""Split sets are written as one unit: a process killed while writing never leaves splits of two
runs side by side, leftovers are cleaned, and a mixed set is detected.

The kills are real: a child process runs `write_splits` and dies (`os._exit`) at a chosen point.

Usage: .venv/bin/python -m pytest tests/test_split_sets.py -q
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tinyagent.atomic import FILE_SET_JOURNAL
from tinyagent.data.records import Record
from tinyagent.data.splits import load_splits
from tinyagent.synth.splits import split_records, write_splits

REPO = Path(__file__).resolve().parents[1]
SIZES = {"train": 6, "val": 2, "test": 2}

# Writes run `tag`'s splits into argv[1], dying at the point named by argv[3]:
#   "writer": inside the second split's writer (before any file is moved in);
#   "move": right after the first staged file was renamed into place (after the journal).
CHILD = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    import tinyagent.atomic as atomic
    from tinyagent.data.records import Record
    from tinyagent.synth.splits import split_records, write_splits
    out, tag, where = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    recs = [Record(f"{tag}{i}", f"{tag} query {i}", "p", ("send_sms",), "single") for i in range(10)]
    if where == "writer":
        real = atomic.write_file_set
        def dying(folder, writers):
            names = list(writers)
            def die(path):
                writers[names[0]](path.with_name(names[0]))
                path.write_text("half")
                os._exit(9)
            return real(folder, {names[0]: writers[names[0]], names[1]: die})
        import tinyagent.synth.splits as s
        s.write_file_set = dying
    elif where == "move":
        real_replace, moved = os.replace, []
        def replace(src, dst):
            real_replace(src, dst)
            if Path(dst).parent == out and Path(src).parent.name.endswith(".staging"):
                moved.append(dst)  # a staged file reached the set
                if len(moved) == 1:
                    os._exit(9)
        atomic.os.replace = replace
    write_splits(out, split_records(recs, {"train": 6, "val": 2, "test": 2}, seed=0), tag=tag)
""")


def records(tag: str) -> list[Record]:
    return [Record(f"{tag}{i}", f"{tag} query {i}", "p", ("send_sms",), "single") for i in range(10)]


def killed_write(out: Path, tag: str, where: str) -> None:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(out), tag, where], capture_output=True, text=True,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"}, timeout=120)
    assert proc.returncode == 9, proc.stderr


def tags(splits: dict[str, list[Record]]) -> set[str]:
    return {r.id[0] for recs in splits.values() for r in recs}


def test_kill_before_the_swap_keeps_the_old_set_and_cleans_up(tmp_path: Path) -> None:
    write_splits(tmp_path, split_records(records("a"), SIZES, seed=0), tag="a")
    killed_write(tmp_path, "b", "writer")
    assert list(tmp_path.glob(".fileset-*.staging"))  # the dead run's staging folder is still there
    splits = load_splits(tmp_path)
    assert tags(splits) == {"a"}  # nothing of run b reached the set
    assert json.loads((tmp_path / "manifest.json").read_text())["tag"] == "a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "test.jsonl", "train.jsonl", "val.jsonl"]


def test_kill_during_the_swap_is_rolled_forward(tmp_path: Path) -> None:
    write_splits(tmp_path, split_records(records("a"), SIZES, seed=0), tag="a")
    killed_write(tmp_path, "b", "move")
    assert (tmp_path / FILE_SET_JOURNAL).exists()  # half moved: train from b, the rest from a
    splits = load_splits(tmp_path)  # the reader finishes the move first
    assert tags(splits) == {"b"}
    assert json.loads((tmp_path / "manifest.json").read_text())["tag"] == "b"
    assert not (tmp_path / FILE_SET_JOURNAL).exists() and not list(tmp_path.glob(".fileset-*"))
    queries = [{r.query for r in recs} for recs in splits.values()]
    assert not (queries[0] & queries[1]) and not (queries[0] & queries[2]) and not (queries[1] & queries[2])


def test_a_mixed_set_is_detected(tmp_path: Path) -> None:
    other = tmp_path / "other"
    write_splits(tmp_path, split_records(records("a"), SIZES, seed=0))
    write_splits(other, split_records(records("b"), SIZES, seed=0))
    shutil.copy(other / "test.jsonl", tmp_path / "test.jsonl")  # e.g. copied by hand, or an old tool
    with pytest.raises(ValueError, match="two different runs"):
        load_splits(tmp_path)


def test_leftover_tmp_files_are_removed(tmp_path: Path) -> None:
    write_splits(tmp_path, split_records(records("a"), SIZES, seed=0))
    (tmp_path / ".train.jsonl.abc123.tmp").write_text("torn")
    (tmp_path / ".fileset-dead.staging").mkdir()
    write_splits(tmp_path, split_records(records("b"), SIZES, seed=0))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "test.jsonl", "train.jsonl", "val.jsonl"]
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {k: v["records"] for k, v in manifest["splits"].items()} == SIZES
    assert all(len(v["sha256"]) == 64 for v in manifest["splits"].values())
