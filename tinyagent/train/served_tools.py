"""Tool lists for training prompts that look like the ones the served planner sees.

At serving time the planner is shown what the ToolRAG classifier selected: usually the gold tools
plus a few false positives, sometimes everything (no RAG, or a fallback). A planner trained only on
"gold + random distractors" learns that every listed tool is a strong hint, and shown all 16 tools
it hallucinates (Table 1's no-RAG row). `ServedToolMix` draws, per training example, one of:

- the classifier's actual selection for the training query at the served threshold (its false
  positives included) united with the gold tools, plus 0..`extra` random distractors;
- the whole catalog (`p_all`);
- gold plus `lo..hi` random distractors (the paper's recipe; the rest of the probability).

Misses are NOT reproduced: the gold plan calls every gold tool, so a prompt without one would teach
the planner to call tools it was not shown (the agent refuses those). The order is shuffled, so it
never leaks which tools are gold. Draws depend only on the `rng` the caller passes (resumable).

Example:
    >>> import random
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> mix = ServedToolMix({"text sid": ("send_sms", "get_email_address")}, p_selected=1.0, p_all=0.0, extra=0)
    >>> sorted(mix.tools("Text Sid", ("get_phone_number", "send_sms"), ASSISTANT_TOOLS, random.Random(0)).names)
    ['get_email_address', 'get_phone_number', 'send_sms']
    >>> len(ServedToolMix({}, p_selected=0.0, p_all=1.0).tools("x", ("send_sms",), ASSISTANT_TOOLS, random.Random(0)))
    16
"""
from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from tinyagent.data.records import normalize_query
from tinyagent.tools.catalog import ToolCatalog


class SelectsTools(Protocol):
    """What `classifier_selections` needs of `tinyagent.toolrag.ToolClassifier` (train sits beside toolrag)."""

    labels: tuple[str, ...]  # tool names in label order
    threshold: float  # the served threshold: a tool is selected when its probability exceeds it

    def predict_proba(self, queries: Sequence[str], batch_size: int = 64) -> Any: ...


def _shuffled(names: Sequence[str], catalog: ToolCatalog, rng: random.Random) -> ToolCatalog:
    names = list(dict.fromkeys(names))
    rng.shuffle(names)
    return ToolCatalog(tuple(catalog[n] for n in names))


class ServedToolMix:
    """Per-example tool lists: classifier selection, whole catalog, or gold + random (see module docstring)."""

    def __init__(self, selections: Mapping[str, Sequence[str]], *, p_selected: float = 0.6, p_all: float = 0.1,
                 extra: int = 1, lo: int = 0, hi: int = 3):
        if not (0.0 <= p_selected and 0.0 <= p_all and p_selected + p_all <= 1.0):
            raise ValueError(f"need p_selected, p_all >= 0 with p_selected + p_all <= 1, got {p_selected}, {p_all}")
        if extra < 0 or lo < 0 or hi < lo:
            raise ValueError(f"need extra >= 0 and 0 <= lo <= hi, got extra={extra}, lo={lo}, hi={hi}")
        self.selections = {normalize_query(q): tuple(t) for q, t in selections.items()}
        self.p_selected, self.p_all, self.extra, self.lo, self.hi = p_selected, p_all, extra, lo, hi

    def tools(self, query: str, gold: Sequence[str], catalog: ToolCatalog, rng: random.Random) -> ToolCatalog:
        """The tool list of one training prompt for `query` whose gold plan uses `gold`."""
        missing = [t for t in gold if t not in catalog]
        if missing:
            raise ValueError(f"gold tools {missing} are not in the tool catalog")
        draw = rng.random()
        selected = self.selections.get(normalize_query(query))
        if draw < self.p_all:
            return _shuffled(catalog.names, catalog, rng)
        if selected is not None and draw < self.p_all + self.p_selected:
            shown = [*gold, *(t for t in selected if t in catalog)]
            k = rng.randint(0, self.extra)
        else:
            shown, k = list(gold), rng.randint(self.lo, self.hi)
        others = [t for t in catalog.names if t not in shown]
        return _shuffled([*shown, *rng.sample(others, min(k, len(others)))], catalog, rng)


def classifier_selections(classifier: SelectsTools, queries: Sequence[str],
                          batch_size: int = 64) -> dict[str, tuple[str, ...]]:
    """query -> tools the classifier selects at its own (served) threshold, for every query, in one batch pass."""
    probs = classifier.predict_proba(list(queries), batch_size=batch_size)
    return {q: tuple(n for n, p in zip(classifier.labels, row) if p > classifier.threshold)
            for q, row in zip(queries, probs)}



def served_tool_mix(classifier: SelectsTools, queries: Sequence[str], *, p_selected: float, p_all: float,
                    lo: int, hi: int) -> ServedToolMix:
    """A `ServedToolMix` over the classifier's selections for `queries` (the training split's)."""
    return ServedToolMix(classifier_selections(classifier, queries), p_selected=p_selected, p_all=p_all, lo=lo, hi=hi)
