"""Basic embedding RAG: rank tools by cosine similarity between the query and "name: description".

Tool vectors are cached per catalog (keyed by the tool texts), so a fixed catalog is embedded once.

Example:
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> sel = EmbeddingRAG(k=3).select("Text Sid that I'm running late", ASSISTANT_TOOLS)
    >>> len(sel.tools), "send_sms" in sel.tools
    (3, True)
"""
from __future__ import annotations

import numpy as np

from tinyagent.tools.catalog import ToolCatalog
from tinyagent.toolrag.embed import DEFAULT_ENCODER, Encoder, load_encoder, tool_text
from tinyagent.toolrag.selection import ToolSelection, finish_selection


class EmbeddingRAG:
    """Top-k tools by cosine similarity of normalised mean-pooled embeddings."""

    def __init__(self, k: int = 3, encoder: Encoder | str = DEFAULT_ENCODER):
        if k < 1:
            raise ValueError(f"EmbeddingRAG: k must be >= 1, got {k}")
        self.k = k
        self.encoder = load_encoder(encoder) if isinstance(encoder, str) else encoder
        self.name = f"basic RAG top-{k}"
        self._tool_vecs: dict[tuple[str, ...], np.ndarray] = {}

    def tool_vectors(self, tools: ToolCatalog) -> np.ndarray:
        """Embeddings of the tools' texts, shape (len(tools), hidden), cached per catalog."""
        texts = tuple(tool_text(s) for s in tools)
        if texts not in self._tool_vecs:
            self._tool_vecs[texts] = self.encoder.encode(texts)
        return self._tool_vecs[texts]

    def scores(self, query: str, tools: ToolCatalog) -> dict[str, float]:
        """Cosine similarity of the query to each tool."""
        q = self.encoder.encode([query])[0]
        sims = self.tool_vectors(tools) @ q
        return {name: float(s) for name, s in zip(tools.names, sims)}

    def rank(self, query: str, tools: ToolCatalog) -> list[str]:
        """Tool names, most similar first (ties keep catalog order)."""
        scores = self.scores(query, tools)
        return sorted(tools.names, key=lambda n: -scores[n])

    def select(self, query: str, enabled: ToolCatalog) -> ToolSelection:
        # Rank only the enabled tools: top-k then always comes from what the user allowed.
        if len(enabled) == 0:
            return finish_selection([], {}, enabled)  # raises the clear "no tools enabled" error
        scores = self.scores(query, enabled)
        top = sorted(enabled.names, key=lambda n: -scores[n])[: self.k]
        return finish_selection(top, scores, enabled)
