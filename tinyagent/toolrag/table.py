"""Table 1 of the paper on our data: tool recall, tools shown and prompt tokens per tool selector.

Definitions (per test record, then averaged over records):
- record recall: 1 if every gold tool of the record was selected, else 0 (the paper's "tool recall").
- mean recall: selected gold tools / gold tools.
- avg tools: tools shown to the planner.
- avg prompt tokens: planner prompt tokens (`tinyagent.planner.tokens.count_prompt_tokens`, SmolLM2's
  tokenizer and chat template) for the query with the selected tools and no in-context examples,
  with the date fixed to `Record.DEFAULT_NOW` so the figures are reproducible.

Usage:
    rows = table1({"no RAG": AllTools(), "classifier": clf}, read_jsonl("data/generated/test.jsonl"))
    print(format_table(rows))
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from tinyagent.data.records import Record, dataset_catalog
from tinyagent.report.paper import PAPER_TABLE1
from tinyagent.report.tables import markdown_table
from tinyagent.tools.catalog import ToolCatalog
from tinyagent.toolrag.selection import ToolSelector



@dataclass(frozen=True)
class SelectorRow:
    """One row of Table 1."""

    selector: str  # e.g. "no RAG", "basic RAG top-3", "classifier"
    records: int  # records evaluated
    record_recall: float  # share of records with all gold tools selected
    mean_recall: float  # mean over records of (selected gold tools / gold tools)
    avg_tools: float  # mean number of tools shown
    avg_prompt_tokens: float  # mean planner prompt tokens with the selected tools
    fallbacks: int  # selections that fell back to all enabled tools
    ms_per_query: float  # mean selection time (not a benchmark: shared CPU, includes nothing else)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_token_counter() -> Callable[[ToolCatalog, str], int]:
    """count_prompt_tokens with the planner's default tokenizer and the fixed date."""
    from tinyagent.planner.tokens import count_prompt_tokens
    return lambda tools, query: count_prompt_tokens(tools, query, now=Record.DEFAULT_NOW)


def evaluate_selector(name: str, selector: ToolSelector, records: Sequence[Record],
                      enabled: ToolCatalog | None = None,
                      count_tokens: Callable[[ToolCatalog, str], int] | None = None) -> SelectorRow:
    """Run `selector` on every record and summarise recall, tools shown and prompt tokens; `enabled`
    None: the records' catalog (`dataset_catalog`: the assistant's tools unless they carry another)."""
    if not records:
        raise ValueError(f"evaluate_selector({name!r}): no records")
    enabled = dataset_catalog(records) if enabled is None else enabled
    count_tokens = count_tokens or default_token_counter()
    full, part, shown, tokens, falls, secs = [], [], [], [], 0, 0.0
    for rec in records:
        t0 = time.perf_counter()
        sel = selector.select(rec.query, enabled)
        secs += time.perf_counter() - t0
        gold = set(rec.tools)
        hit = len(gold & set(sel.tools.names))
        full.append(hit == len(gold))
        part.append(hit / max(len(gold), 1))
        shown.append(len(sel.tools))
        tokens.append(count_tokens(sel.tools, rec.query))
        falls += sel.fallback is not None
    return SelectorRow(name, len(records), float(np.mean(full)), float(np.mean(part)), float(np.mean(shown)),
                       float(np.mean(tokens)), falls, 1000 * secs / len(records))


def table1(selectors: Mapping[str, ToolSelector], records: Sequence[Record],
           enabled: ToolCatalog | None = None,
           count_tokens: Callable[[ToolCatalog, str], int] | None = None) -> list[SelectorRow]:
    """One `SelectorRow` per named selector, in the mapping's order (`enabled`: see `evaluate_selector`)."""
    count_tokens = count_tokens or default_token_counter()
    return [evaluate_selector(n, s, records, enabled, count_tokens) for n, s in selectors.items()]


def format_table(rows: Sequence[SelectorRow]) -> str:
    """A fixed-width text table of the rows.

    >>> print(format_table([SelectorRow("no RAG", 10, 1.0, 1.0, 16.0, 1234.5, 0, 0.01)]))
    selector            records  rec.recall  mean.recall  avg tools  prompt tok  fallbacks
    no RAG                   10       1.000        1.000      16.00      1234.5          0
    """
    head = f"{'selector':<18} {'records':>8}  {'rec.recall':>10}  {'mean.recall':>11}  {'avg tools':>9}  " \
           f"{'prompt tok':>10}  {'fallbacks':>9}"
    lines = [head]
    for r in rows:
        lines.append(f"{r.selector:<18} {r.records:>8}  {r.record_recall:>10.3f}  {r.mean_recall:>11.3f}  "
                     f"{r.avg_tools:>9.2f}  {r.avg_prompt_tokens:>10.1f}  {r.fallbacks:>9}")
    return "\n".join(lines)


def recall_at_k(ranked: Sequence[Sequence[str]], gold: Sequence[Sequence[str]], k: int) -> dict[str, float]:
    """Record recall and mean recall when the top-k of each ranking is selected.

    >>> recall_at_k([["a", "b", "c"], ["c", "a", "b"]], [["a", "b"], ["b"]], 2)
    {'k': 2, 'record_recall': 0.5, 'mean_recall': 0.5}
    """
    if len(ranked) != len(gold) or not gold:
        raise ValueError(f"recall_at_k: {len(ranked)} rankings for {len(gold)} gold sets")
    full, part = [], []
    for rank, g in zip(ranked, gold):
        hit = len(set(rank[:k]) & set(g))
        full.append(hit == len(set(g)))
        part.append(hit / max(len(set(g)), 1))
    return {"k": k, "record_recall": float(np.mean(full)), "mean_recall": float(np.mean(part))}


def rag_recall_at_k(rag: Any, records: Sequence[Record], catalog: ToolCatalog | None = None,
                    ks: Sequence[int] = (1, 2, 3, 6)) -> list[dict[str, float]]:
    """Basic-RAG recall@k on our records: rank the catalog's tools (None: the records') for each query."""
    catalog = dataset_catalog(records) if catalog is None else catalog
    ranked = [rag.rank(r.query, catalog) for r in records]
    return [recall_at_k(ranked, [r.tools for r in records], k) for k in ks]


def nestools_recall_at_k(rag: Any, path: str, ks: Sequence[int] = (1, 2, 3, 6),
                         limit: int | None = None) -> dict[str, Any]:
    """Basic-RAG recall@k on NesTools: rank each record's offered APIs (name + description) for its query.

    Also reports how many tools a record offers on average (a random ranking gets recall k/offered).
    """
    from tinyagent.data.nestools import load_nestools
    records = load_nestools(path)[:limit]
    if not records:
        raise ValueError(f"{path}: no NesTools records")
    ranked = [rag.rank(r.query, r.catalog) for r in records]
    gold = [sorted(set(r.plan.tools) - {"join"}) for r in records]  # join is not an offered API
    return {"records": len(records), "avg_offered": float(np.mean([len(r.catalog) for r in records])),
            "avg_gold": float(np.mean([len(g) for g in gold])),
            "recall_at_k": [recall_at_k(ranked, gold, k) for k in ks]}


def table1_selectors_markdown(rows: Sequence[SelectorRow]) -> str:
    """Table 1's selector columns as Markdown (notebook 02), the paper's published rows below ours.

    With planner success added (notebook 05) it is `tinyagent.report.tables.table1_success_markdown`.
    """
    ours = markdown_table(
        ["selector", "records", "tool recall (all gold tools)", "mean recall", "avg tools", "avg prompt tokens"],
        [[r.selector, r.records, f"{r.record_recall:.3f}", f"{r.mean_recall:.3f}", f"{r.avg_tools:.2f}",
          f"{r.avg_prompt_tokens:.0f}"] for r in rows])
    paper = markdown_table(["selector (paper, published)", "tool recall", "avg tools", "prompt tokens"],
                           [[r.selector, f"{r.tool_recall:.3f}", f"{r.avg_tools:g}", str(r.prompt_tokens)]
                            for r in PAPER_TABLE1.values()])
    return f"Table 1, this run (test split):\n\n{ours}\n\nPublished in the paper (their data and tokenizer):\n\n{paper}"
