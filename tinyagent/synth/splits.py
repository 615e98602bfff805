"""Train/val/test splits with no query in two splits, and the dataset writer.

Records are grouped by normalised query first (duplicates keep the first record, and the number
dropped is logged), then shuffled with the seed and cut to the sizes asked for, so sizes are exact
and splits are disjoint by construction.

Example:
    >>> from tinyagent.data.records import Record
    >>> recs = [Record(f"r{i}", f"query {i}", "p", ("send_sms",), "single") for i in range(10)]
    >>> s = split_records(recs, {"train": 6, "val": 2, "test": 2}, seed=0)
    >>> {k: len(v) for k, v in s.items()}
    {'train': 6, 'val': 2, 'test': 2}
"""
from __future__ import annotations

import logging
import random
from pathlib import Path
from typing import Mapping, Sequence

from tinyagent.atomic import write_file_set, write_json_atomic
from tinyagent.data.records import Record, normalize_query, write_jsonl_atomic
from tinyagent.data.splits import MANIFEST, file_sha256

log = logging.getLogger(__name__)


def dedupe(records: Sequence[Record]) -> list[Record]:
    """Keep the first record of each normalised query."""
    seen: set[str] = set()
    out = []
    for r in records:
        key = normalize_query(r.query)
        if key not in seen:
            seen.add(key)
            out.append(r)
    if len(out) < len(records):
        log.warning("dropped %d records whose query repeats an earlier one", len(records) - len(out))
    return out


def split_records(records: Sequence[Record], sizes: Mapping[str, int], seed: int = 0) -> dict[str, list[Record]]:
    """Disjoint splits of exactly `sizes[name]` records each (ValueError if too few distinct queries)."""
    bad = {k: v for k, v in sizes.items() if not isinstance(v, int) or v < 0}
    if bad:
        raise ValueError(f"split sizes must be non-negative integers, got {bad}")
    pool = dedupe(records)
    if sum(sizes.values()) > len(pool):
        raise ValueError(f"asked for {sum(sizes.values())} records ({dict(sizes)}) but only {len(pool)} "
                         "have distinct queries")
    random.Random(seed).shuffle(pool)
    out, start = {}, 0
    for name, size in sizes.items():
        out[name] = pool[start:start + size]
        start += size
    return out


def sizes_for(n: int, val_fraction: float = 0.05, test_fraction: float = 0.05) -> dict[str, int]:
    """Split sizes for `n` records (at least one val and test record when n >= 3).

    >>> sizes_for(100)
    {'train': 90, 'val': 5, 'test': 5}
    """
    if not 0 <= val_fraction < 1 or not 0 <= test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise ValueError(f"bad fractions val={val_fraction} test={test_fraction}")
    val = max(1 if n >= 3 else 0, round(n * val_fraction))
    test = max(1 if n >= 3 else 0, round(n * test_fraction))
    return {"train": n - val - test, "val": val, "test": test}


def write_splits(out_dir: str | Path, splits: Mapping[str, Sequence[Record]], **manifest: object) -> dict:
    """Write `<split>.jsonl` files and `manifest.json` (sizes, SHA-256 of each file, plus any
    `manifest` fields) as one unit: a crash never leaves splits of two runs side by side
    (`tinyagent.atomic.write_file_set`; the manifest is moved in last)."""
    out_dir = Path(out_dir)
    info: dict = {"splits": {}, **manifest}

    def split_writer(name: str, recs: Sequence[Record]):
        def write(path: Path) -> None:
            n = write_jsonl_atomic(path, recs)
            info["splits"][name] = {"file": f"{name}.jsonl", "records": n, "sha256": file_sha256(path)}
        return write

    writers = {f"{name}.jsonl": split_writer(name, recs) for name, recs in splits.items()}
    writers[MANIFEST] = lambda path: write_json_atomic(path, info)  # runs last: sees every split
    write_file_set(out_dir, writers)
    log.info("wrote %s to %s", {k: v["records"] for k, v in info["splits"].items()}, out_dir)
    return info
