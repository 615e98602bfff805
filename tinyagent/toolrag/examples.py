"""In-context example retrieval: the training queries most similar to a new query, using only shown tools.

Training queries are embedded once; the matrix is cached on disk under a key made of the data file's
SHA-256 and the encoder's fingerprint, so a changed file or encoder never reuses a stale index.
`retrieve` returns the k most similar examples whose gold tools are all among the tools shown to the
planner (an example calling a hidden tool would invite the planner to call it too). If no example
qualifies, it falls back to the examples sharing the most tools with the selection (ties by similarity)
and says so in `Retrieval.fallback`. An example whose query equals the new query is skipped, so
retrieval on a training record does not hand the planner its own answer.

Usage:
    retriever = ExampleRetriever.from_jsonl("data/generated/train.jsonl", cache_dir="outputs/toolrag/cache")
    examples = retriever.retrieve("Text Sid that I'm late", selection.tools, k=3)
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from tinyagent.atomic import atomic_open
from tinyagent.data.records import Record, normalize_query, read_jsonl
from tinyagent.data.splits import file_sha256
from tinyagent.planner.prompt import Example
from tinyagent.tools.catalog import ToolCatalog
from tinyagent.toolrag.embed import DEFAULT_ENCODER, Encoder, load_encoder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Retrieval:
    """Examples picked for one query, with the records they came from."""

    examples: list[Example]  # ready for build_messages(examples=...)
    records: list[Record]  # the training records behind them, same order
    similarities: list[float]  # cosine similarity of each to the query
    fallback: str | None  # why examples outside the selected tools were used, else None


def _save_npy_atomic(path: Path, array: np.ndarray) -> None:
    with atomic_open(path, "wb") as fh:
        np.save(fh, array)


class ExampleRetriever:
    """Nearest training examples by query embedding, restricted to the selected tools."""

    def __init__(self, records: Sequence[Record], vectors: np.ndarray, encoder: Encoder):
        if len(records) != len(vectors):
            raise ValueError(f"{len(records)} records but {len(vectors)} vectors")
        self.records = list(records)
        self.vectors = vectors
        self.encoder = encoder
        self._keys = [normalize_query(r.query) for r in self.records]

    @classmethod
    def from_jsonl(cls, path: str | Path, cache_dir: str | Path | None = "outputs/toolrag/cache",
                   encoder: Encoder | str = DEFAULT_ENCODER) -> "ExampleRetriever":
        """Index a JSONL split, reusing `cache_dir/examples-<hash>.npy` when the file and encoder match."""
        enc = load_encoder(encoder) if isinstance(encoder, str) else encoder
        records = read_jsonl(path)
        if not records:
            raise ValueError(f"{path}: no records to retrieve examples from")
        cache = None
        if cache_dir is not None:
            key = hashlib.sha256(f"{file_sha256(path)}|{enc.fingerprint}".encode()).hexdigest()[:24]
            cache = Path(cache_dir) / f"examples-{key}.npy"
        if cache is not None and cache.is_file():
            vectors = np.load(cache)
            if len(vectors) == len(records):
                log.info("example index: reused %s", cache)
                return cls(records, vectors, enc)
            log.warning("example index %s has %d rows for %d records; rebuilding", cache, len(vectors), len(records))
        vectors = enc.encode([r.query for r in records])
        if cache is not None:
            _save_npy_atomic(cache, vectors)
            log.info("example index: wrote %s (%d records)", cache, len(records))
        return cls(records, vectors, enc)

    def search(self, query: str, tools: ToolCatalog, k: int) -> Retrieval:
        """The k most similar examples using only `tools`, or the best-overlapping ones (see module doc)."""
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        if k == 0:
            return Retrieval([], [], [], None)
        sims = self.vectors @ self.encoder.encode([query])[0]
        own = normalize_query(query)
        allowed = set(tools.names)
        order = [i for i in np.argsort(-sims, kind="stable") if self._keys[i] != own]
        picked = [i for i in order if set(self.records[i].tools) <= allowed][:k]
        fallback = None
        if not picked:
            overlap = {i: len(set(self.records[i].tools) & allowed) / len(self.records[i].tools) for i in order}
            picked = sorted(order, key=lambda i: -overlap[i])[:k]  # stable: ties keep similarity order
            fallback = (f"no training example uses only the {len(allowed)} selected tools; "
                        f"using the {len(picked)} examples sharing the most tools with the selection")
            log.info("example retrieval fell back: %s", fallback)
        recs = [self.records[i] for i in picked]
        return Retrieval([Example(r.query, r.plan) for r in recs], recs, [float(sims[i]) for i in picked], fallback)

    def retrieve(self, query: str, tools: ToolCatalog, k: int) -> list[Example]:
        """Just the examples of `search` (PLANNER_API signature)."""
        return self.search(query, tools, k).examples
