"""The hand-written natural test set: requests phrased as people type them, with gold plans.

`data/fixtures/natural.jsonl` holds records in the usual `Record` format (`source: "natural"`,
`meta.reference_time` = the "now" its relative dates were resolved against). It is an evaluation set
only: never train on it, tune a threshold on it or pick a checkpoint with it (see
data/fixtures/README.md for how it was written and its conventions).

Usage: `python -m tinyagent.data.natural` prints the distribution (shapes, calls per plan, tools).

Example:
    >>> records = load_natural()
    >>> len(records) >= 100 and {r.source for r in records} == {"natural"}
    True
    >>> sum(distribution(records)["shape"].values()) == len(records)
    True
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Sequence

from tinyagent.data.records import SHAPES, Record, read_jsonl
from tinyagent.plan.parser import parse_plan
from tinyagent.tools.assistant import ASSISTANT_TOOLS

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


def distribution(records: Sequence[Record]) -> dict[str, dict]:
    """Counts by shape, by number of calls, and per tool (calls, and records using it)."""
    plans = [parse_plan(r.plan) for r in records]
    shapes = Counter(r.shape for r in records)
    calls = Counter(t.tool for p in plans for t in p.tasks)
    users = Counter(tool for r in records for tool in r.tools)
    return {"shape": {s: shapes[s] for s in SHAPES},
            "calls_per_plan": dict(sorted(Counter(len(p.tasks) for p in plans).items())),
            "tool_calls": {t: calls[t] for t in ASSISTANT_TOOLS.names},
            "tool_records": {t: users[t] for t in ASSISTANT_TOOLS.names}}


if __name__ == "__main__":
    import json

    print(json.dumps(distribution(load_natural()), indent=1))
