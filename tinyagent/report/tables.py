"""Markdown tables for reports; Tables 1 and 2 of this run, each beside the paper's published numbers.

`markdown_table` is the one Markdown table writer. Our columns come from the run's files (notebook 02's
selector rows, notebook 04's model rows, the harness summaries of 05's planner runs), passed in as
plain mappings; every paper column is headed "paper (...)" and filled from `tinyagent.report.paper`,
never from our results.

Example:
    >>> print(markdown_table(["name", "value"], [["a", 1], ["b|c", 2.5]]))
    | name | value |
    | --- | --- |
    | a | 1 |
    | b\\|c | 2.5 |
    >>> selector_kind("classifier (t=0.04)"), selector_kind("basic RAG top-3"), selector_kind("basic RAG top-6")
    ('classifier', 'basic_rag', 'top6')
    >>> rate_ci({"n": 40, "successes": 30, "success_rate": 0.75, "ci95": [0.6, 0.86]})
    '75.0% [60.0-86.0] (30/40)'
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from tinyagent.report.paper import (
    MODELS,
    PAPER_OFF_THE_SHELF,
    PAPER_QUANT_FOR,
    PAPER_TABLE1,
    PAPER_TABLE2,
    PAPER_TOP6_RECALL,
    SOURCE,
    paper_quant_row,
)

NA = "—"  # no number (the paper has no such row, or the run did not produce one)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (pipes in cells escaped, newlines flattened)."""
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")
    lines = ["| " + " | ".join(map(cell, header)) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def selector_kind(selector: str) -> str | None:
    """Which paper row a notebook-02 selector name corresponds to ("top6": only a recall figure)."""
    if selector == "no RAG":
        return "no_rag"
    if selector == "basic RAG top-3":
        return "basic_rag"
    if selector == "basic RAG top-6":
        return "top6"
    if selector.startswith("classifier"):
        return "classifier"
    return None


def rate_ci(block: Mapping[str, Any] | None) -> str:
    """'rate% [lo-hi] (k/n)' of a success block (summary['paper'] or a Table 2 row)."""
    if not block or not block.get("n"):
        return NA
    lo, hi = block["ci95"]
    return f"{100 * block['success_rate']:.1f}% [{100 * lo:.1f}-{100 * hi:.1f}] ({block['successes']}/{block['n']})"


def _seconds(value: float | None) -> str:
    return NA if value is None else f"{value:.2f} s"


def _size(n_bytes: int | None) -> str:
    if n_bytes is None:
        return NA
    return f"{n_bytes / 1e9:.2f} GB" if n_bytes >= 1e9 else f"{n_bytes / 1e6:.0f} MB"


def table1_success_markdown(toolrag_rows: Sequence[Mapping[str, Any]],
                            success: Mapping[str, Mapping[str, Any]]) -> str:
    """Table 1 with planner success: notebook 02's recall / tools / prompt tokens, 05's planner success,
    the paper's numbers (notebook 05; notebook 02's own table is `table1_selectors_markdown`).

    `success` maps a selector kind ("no_rag", "basic_rag", "classifier") to its harness summary.
    """
    rows = []
    for r in toolrag_rows:
        kind = selector_kind(r["selector"])
        paper = PAPER_TABLE1.get(kind or "")
        run = success.get(kind or "")
        paper_recall = paper.tool_recall if paper else (PAPER_TOP6_RECALL if kind == "top6" else None)
        rows.append([r["selector"], f"{r['record_recall']:.3f}", f"{r['avg_tools']:.2f}",
                     f"{r['avg_prompt_tokens']:.0f}", rate_ci(run["paper"]) if run else "not run",
                     NA if paper_recall is None else f"{paper_recall:.3f}", str(paper.prompt_tokens) if paper else NA,
                     *[f"{paper.success[m]:.2f}%" if paper else NA for m in MODELS]])
    n = toolrag_rows[0]["records"] if toolrag_rows else 0
    header = ["selector", "tool recall", "avg tools", "prompt tokens", "planner success [95% CI]",
              "paper: tool recall", "paper: prompt tokens", *[f"paper ({m})" for m in MODELS]]
    return (f"{markdown_table(header, rows)}\n\nTool recall (all gold tools selected), avg tools and prompt tokens: "
            f"notebook 02 on {n} test records (SmolLM2 tokenizer). Planner success: this run's planner on the first "
            f"records of the test split (counts in brackets), paper metric (DAG isomorphism). Paper columns: "
            f"published in {SOURCE}, Table 1: their data, tokenizer and fine-tuned planners.")


def _paper_cell(name: str, model: str, served: bool = False) -> str:
    # The served 4-bit row faces the paper's 4-bit row whichever 4-bit type won on validation.
    kind = "4-bit" if served and name != "f16" else PAPER_QUANT_FOR.get(name)
    if kind is None:
        return NA
    if kind == "off the shelf":
        return f"off the shelf: {PAPER_OFF_THE_SHELF[model]:.2f}%"
    row = paper_quant_row(model, kind)
    return f"{row.latency_s} s, {row.size_gb} GB, {row.success:.2f}%"


def table2_markdown(quant_rows: Sequence[Mapping[str, Any]]) -> str:
    """Table 2: notebook 04's models (size, latency, success) beside the paper's matching rows."""
    rows = [[r["label"] + (" **(served)**" if r.get("served") else ""), r.get("split", "test"), r["quant"],
             "yes" if r["qat"] else "no", _size(r["size_bytes"]),
             f"{_seconds(r['latency_p50_s'])} / {_seconds(r['latency_p95_s'])}", rate_ci(r),
             *[_paper_cell(r["name"], m, bool(r.get("served"))) for m in MODELS]] for r in quant_rows]
    header = ["model", "split", "quant", "QAT", "size", "latency p50 / p95", "success [95% CI]",
              *[f"paper ({m}): latency, size, success" for m in MODELS]]
    return (f"{markdown_table(header, rows)}\n\nOurs: this run's models on this machine (CPU, llama.cpp), latency "
            "= full plan generation per query. Paper columns: the published row of the same kind "
            f"(f16, 4-bit QAT, or off-the-shelf success), published in {SOURCE}, Table 2 (MacBook M3 Pro).")


def paper_table2_markdown() -> str:
    """The paper's Table 2 as published."""
    rows = [[r.model, r.quant, f"{r.latency_s} s", NA if r.size_gb is None else f"{r.size_gb} GB",
             f"{r.success:.2f}%"] for r in PAPER_TABLE2]
    return (markdown_table(["paper: model", "paper: quant", "paper: latency", "paper: size", "paper: success"], rows)
            + f"\n\nPublished in {SOURCE}, Table 2 (end-to-end planner latency on a MacBook M3 Pro).")


def runs_markdown(summaries: Mapping[str, Mapping[str, Any]]) -> str:
    """One row per planner run (harness summary): success, strict success, tokens, latency, errors."""
    rows = []
    for key, s in summaries.items():
        lat = s["latency_s"]["plan"]
        errors = ", ".join(f"{k} {v}" for k, v in s["paper"]["errors"].items() if v) or NA
        rows.append([s.get("settings", {}).get("selector", key), rate_ci(s["paper"]), rate_ci(s["strict"]),
                     f"{s['selection']['tools_per_query']:.1f}" if s["n"] else NA,
                     f"{s['prompt_tokens']['mean']:.0f}" if s["prompt_tokens"]["n"] else NA,
                     f"{_seconds(lat['p50'])} / {_seconds(lat['p95'])}", errors, s["backend_errors"]])
    return markdown_table(["run", "success [95% CI]", "strict success", "tools shown", "prompt tokens",
                           "plan latency p50 / p95", "errors", "backend errors"], rows)


def report_markdown(sections: Mapping[str, str], notes: Sequence[str] = ()) -> str:
    """report.md for the run's REPORT.md: one '###' section per entry, then the notes, if any.

    >>> print(report_markdown({"Table 1": "| a |"}, ["no row for f16"]))
    ### Table 1
    <BLANKLINE>
    | a |
    <BLANKLINE>
    ### Notes
    <BLANKLINE>
    - no row for f16
    <BLANKLINE>
    """
    parts = [f"### {title}\n\n{body.strip()}" for title, body in sections.items()]
    if notes:
        parts.append("### Notes\n\n" + "\n".join(f"- {n}" for n in notes))
    return "\n\n".join(parts) + "\n"
