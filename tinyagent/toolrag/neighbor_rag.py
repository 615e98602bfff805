"""Basic RAG over training queries: the union of the gold tools of the k nearest training requests.

Ranking tool descriptions by similarity to the query (`EmbeddingRAG`) misses tools whose description
shares no words with how people ask ("toms email?" names no e-mail tool). The paper's basic RAG
retrieves *similar training queries* and shows the tools their plans used; this is that selector.
It needs no training: the training split's query embeddings (shared with example retrieval and cached
on disk by `ExampleRetriever`) are the whole index.

Example:
    >>> from tinyagent.data.records import Record
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> from tinyagent.toolrag.embed import load_encoder
    >>> from tinyagent.toolrag.examples import ExampleRetriever
    >>> recs = [Record(id="a", query="Text Sid that I'm late", tools=("get_phone_number", "send_sms"), shape="chain",
    ...                plan='1. get_phone_number("Sid")\\n2. send_sms(["$1"], "late")\\n3. join()<END_OF_PLAN>'),
    ...         Record(id="b", query="Remind me to buy milk", tools=("create_reminder",), shape="single",
    ...                plan='1. create_reminder("Buy milk")\\n2. join()<END_OF_PLAN>')]
    >>> enc = load_encoder()
    >>> rag = NeighborToolsRAG(ExampleRetriever(recs, enc.encode([r.query for r in recs]), enc), k=1)
    >>> rag.select("send a text to Lutfi saying hi", ASSISTANT_TOOLS).tools.names
    ('get_phone_number', 'send_sms')
"""
from __future__ import annotations

import numpy as np

from tinyagent.data.records import normalize_query
from tinyagent.tools.catalog import ToolCatalog
from tinyagent.toolrag.examples import ExampleRetriever
from tinyagent.toolrag.selection import ToolSelection, finish_selection


class NeighborToolsRAG:
    """Tools used by the k training requests most similar to the query (cosine of query embeddings)."""

    def __init__(self, index: ExampleRetriever, k: int = 3):
        if k < 1:
            raise ValueError(f"NeighborToolsRAG: k must be >= 1, got {k}")
        self.index = index
        self.k = k
        self.name = f"basic RAG: tools of {k} nearest training queries"

    def neighbours(self, query: str) -> list[tuple[int, float]]:
        """(training record index, cosine similarity) of the k nearest queries, the query itself excluded."""
        sims = self.index.vectors @ self.index.encoder.encode([query])[0]
        own = normalize_query(query)
        order = [i for i in np.argsort(-sims, kind="stable") if self.index._keys[i] != own][: self.k]
        return [(int(i), float(sims[i])) for i in order]

    def select(self, query: str, enabled: ToolCatalog) -> ToolSelection:
        if len(enabled) == 0:
            return finish_selection([], {}, enabled)  # raises the clear "no tools enabled" error
        chosen: dict[str, float] = {}  # tool -> best similarity among the neighbours that use it
        for i, sim in self.neighbours(query):
            for tool in self.index.records[i].tools:
                chosen[tool] = max(chosen.get(tool, sim), sim)
        scores = {name: chosen.get(name, 0.0) for name in enabled.names}
        return finish_selection(chosen, scores, enabled)
