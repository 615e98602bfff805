"""The hand-written natural test set: requests phrased as people type them, with gold plans.

`data/fixtures/natural.jsonl` holds records in the usual `Record` format (`source: "natural"`,
`meta.reference_time` = the "now" its relative dates were resolved against). It is an evaluation set
only: never train on it, tune a threshold on it or pick a checkpoint with it (see
data/fixtures/README.md for how it was written and its conventions).

Example:
    >>> records = load_natural()
    >>> len(records) >= 100 and {r.source for r in records} == {"natural"}
    True
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from tinyagent.data.records import Record, read_jsonl

NATURAL_PATH = Path(__file__).resolve().parents[2] / "data" / "fixtures" / "natural.jsonl"


def load_natural(path: str | Path = NATURAL_PATH) -> list[Record]:
    """Records of the natural test set; FileNotFoundError / ValueError name the file and the problem."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"natural test set not found at {path} (it ships in data/fixtures/ of the repo)")
    records = read_jsonl(path)
    repeated = sorted(i for i, n in Counter(r.id for r in records).items() if n > 1)
    if repeated:
        raise ValueError(f"{path}: record ids occur more than once: {repeated[:10]}")
    return records
