"""Read the train/val/test splits that `tinyagent.synth.splits` writes (`{split}.jsonl` in one folder).

Usage: `splits = load_splits("data/generated", max_train=2000)`.

Example:
    >>> SPLITS
    ('train', 'val', 'test')
"""
from __future__ import annotations

from pathlib import Path

from tinyagent.data.records import Record, read_jsonl

SPLITS = ("train", "val", "test")  # file names {split}.jsonl, as tinyagent.synth.splits writes them


def load_splits(data_dir: str | Path, max_train: int | None = None) -> dict[str, list[Record]]:
    """Read train/val/test JSONL from `data_dir` (train cut to `max_train` records when given)."""
    data_dir = Path(data_dir)
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
