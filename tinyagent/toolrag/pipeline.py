"""The ToolRAG experiment in a few calls (what notebook 02 and benchmarks/toolrag_bench.py run).

Usage:
    splits = load_splits("data/generated", max_train=2000)
    clf = train_and_tune(splits, ClassifierConfig(epochs=3), recall_target=0.998)
    rows = table1(standard_selectors(clf), splits["test"])
    curve = threshold_sweep(clf, splits["test"])
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from tinyagent.data.records import Record, read_jsonl
from tinyagent.toolrag.basic_rag import EmbeddingRAG
from tinyagent.toolrag.classifier import ClassifierConfig, ToolClassifier, train_classifier
from tinyagent.toolrag.selection import AllTools, ToolSelector

log = logging.getLogger(__name__)

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


def train_and_tune(splits: dict[str, list[Record]], config: ClassifierConfig, recall_target: float = 0.998,
                   progress: bool = True) -> ToolClassifier:
    """Train on splits['train']; tune the threshold on splits['val'] for `recall_target`."""
    clf = train_classifier(splits["train"], config, progress=progress)
    clf.tune_threshold(splits["val"], recall_target=recall_target)
    return clf


def standard_selectors(clf: ToolClassifier, encoder: Any = None, ks: tuple[int, ...] = (3, 6)
                       ) -> dict[str, ToolSelector]:
    """Table 1's rows: no RAG, basic RAG top-k for each k (shared encoder), and the classifier."""
    rags = {f"basic RAG top-{k}": EmbeddingRAG(k, **({"encoder": encoder} if encoder else {})) for k in ks}
    return {"no RAG": AllTools(), **rags, f"classifier (t={clf.threshold:.2f})": clf}


def threshold_sweep(clf: ToolClassifier, records: list[Record]) -> dict[str, list[float]]:
    """Precision/recall/avg tools of `clf` on `records` over the threshold grid (for the notebook plot)."""
    from tinyagent.toolrag.classifier import THRESHOLD_GRID, multi_hot, threshold_curve
    probs = clf.predict_proba([r.query for r in records])
    return threshold_curve(probs, multi_hot(records, clf.labels), THRESHOLD_GRID)
