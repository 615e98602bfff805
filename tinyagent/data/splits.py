"""Read the train/val/test splits that `tinyagent.synth.splits` writes (`{split}.jsonl` in one folder).

Usage: `splits = load_splits("data/generated", max_train=2000)`.

Example:
    >>> SPLITS
    ('train', 'val', 'test')
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tinyagent.atomic import recover_file_set
from tinyagent.data.records import Record, read_jsonl

SPLITS = ("train", "val", "test")  # file names {split}.jsonl, as tinyagent.synth.splits writes them
MANIFEST = "manifest.json"  # written last; holds each split's record count and SHA-256


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes (read in blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_split_set(data_dir: str | Path) -> None:
    """ValueError if a split file is not the one its manifest names (splits from two runs).

    Manifests written before hashes were recorded are accepted as they are."""
    path = Path(data_dir) / MANIFEST
    if not path.is_file():
        return
    listed = json.loads(path.read_text(encoding="utf-8")).get("splits", {})
    for name, entry in listed.items():
        want, file = entry.get("sha256"), Path(data_dir) / entry.get("file", f"{name}.jsonl")
        if want and file.is_file() and file_sha256(file) != want:
            raise ValueError(f"{file} does not match {path} (splits from two different runs); "
                             "write the splits again")


def load_splits(data_dir: str | Path, max_train: int | None = None) -> dict[str, list[Record]]:
    """Read train/val/test JSONL from `data_dir` (train cut to `max_train` records when given).

    An interrupted split write is finished first (`recover_file_set`), and the files are checked
    against the manifest, so a reader never mixes splits of two runs."""
    data_dir = Path(data_dir)
    if data_dir.is_dir():
        recover_file_set(data_dir, names=[f"{s}.jsonl" for s in SPLITS] + [MANIFEST])
        check_split_set(data_dir)
    missing = [s for s in SPLITS if not (data_dir / f"{s}.jsonl").is_file()]
    if missing:
        raise FileNotFoundError(f"{data_dir} lacks {', '.join(f'{s}.jsonl' for s in missing)}; "
                                "run notebooks/01_data_synthesis.ipynb (or tinyagent.synth.synthesize) first")
    splits = {s: read_jsonl(data_dir / f"{s}.jsonl") for s in SPLITS}
    if max_train is not None:
        splits["train"] = splits["train"][:max_train]
    for s, recs in splits.items():
        if not recs:
            raise ValueError(f"{data_dir / (s + '.jsonl')} has no records")
    return splits
