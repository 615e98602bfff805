"""The ToolRAG experiment in a few calls (what notebook 02 and benchmarks/toolrag_bench.py run).

Usage:
    splits = tinyagent.data.load_splits("data/generated", max_train=2000)
    clf = train_and_tune(splits, ClassifierConfig(epochs=3), recall_target=0.998)
    rows = table1(standard_selectors(clf, train_records=splits["train"]), splits["test"])
    curve = threshold_sweep(clf, splits["test"])
"""
from __future__ import annotations

import logging
from typing import Any, Sequence

from tinyagent.data.records import Record, dataset_catalog
from tinyagent.data.splits import load_splits  # noqa: F401  (kept name: notebooks 02-04 import it here)
from tinyagent.toolrag.basic_rag import EmbeddingRAG
from tinyagent.toolrag.classifier import ClassifierConfig, ToolClassifier, train_classifier
from tinyagent.toolrag.embed import load_encoder
from tinyagent.toolrag.examples import ExampleRetriever
from tinyagent.toolrag.neighbor_rag import NeighborToolsRAG
from tinyagent.toolrag.selection import AllTools, ToolSelector

log = logging.getLogger(__name__)


def train_and_tune(splits: dict[str, list[Record]], config: ClassifierConfig, recall_target: float = 0.998,
                   progress: bool = True) -> ToolClassifier:
    """Train on splits['train']; tune the threshold on splits['val'] for `recall_target`. The labels are
    the tools of the training records' catalog (`dataset_catalog`: the assistant's 16 unless the
    records carry a custom catalog)."""
    labels = dataset_catalog(splits["train"]).names
    clf = train_classifier(splits["train"], config, labels=labels, progress=progress)
    clf.tune_threshold(splits["val"], recall_target=recall_target)
    return clf


def standard_selectors(clf: ToolClassifier, encoder: Any = None, ks: tuple[int, ...] = (3, 6),
                       train_records: Sequence[Record] = (), neighbour_ks: tuple[int, ...] = (1, 3)
                       ) -> dict[str, ToolSelector]:
    """Table 1's rows: no RAG, basic RAG top-k over tool descriptions, the paper's basic RAG (tools of
    the k nearest training queries, when `train_records` are given) and the classifier."""
    enc = encoder or load_encoder()
    rags: dict[str, ToolSelector] = {f"basic RAG top-{k}": EmbeddingRAG(k, enc) for k in ks}
    if train_records:
        index = ExampleRetriever(train_records, enc.encode([r.query for r in train_records]), enc)
        rags.update({f"basic RAG: {k} nearest queries": NeighborToolsRAG(index, k) for k in neighbour_ks})
    return {"no RAG": AllTools(), **rags, f"classifier (t={clf.threshold:.2f})": clf}


def threshold_sweep(clf: ToolClassifier, records: list[Record]) -> dict[str, list[float]]:
    """Precision/recall/avg tools of `clf` on `records` over the threshold grid (for the notebook plot)."""
    from tinyagent.toolrag.classifier import THRESHOLD_GRID, multi_hot, threshold_curve
    probs = clf.predict_proba([r.query for r in records])
    return threshold_curve(probs, multi_hot(records, clf.labels), THRESHOLD_GRID)
