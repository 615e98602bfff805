"""Reports on a synthesized dataset: validation, diversity statistics and histograms.

`validation_report` re-parses every plan with the plan validator (and optionally runs it on a
sandbox); `diversity` counts distinct families, templates, words, tool sets, plan skeletons (tool
sequence plus dependencies, arguments dropped), calls per plan and the share of the 36 app pairs
used together (`app_pairs`);
`plot_histograms` saves the shape and tool histograms as one PNG.

Example:
    >>> from tinyagent.data.records import Record
    >>> r = Record("a", "Text Sid hi", '1. get_phone_number("Sid")\\n2. join()<END_OF_PLAN>',
    ...            ("get_phone_number",), "single")
    >>> validation_report([r])["valid"]
    1
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any, Callable, Sequence

from tinyagent.data.records import Record, plan_shape
from tinyagent.plan.parser import parse_plan
from tinyagent.plan.types import Plan
from tinyagent.plan.validate import check_plan
from tinyagent.report.tables import markdown_table
from tinyagent.tools.assistant import ASSISTANT_TOOLS
from tinyagent.tools.catalog import APPS, ToolCatalog

log = logging.getLogger(__name__)
_WORD = re.compile(r"[a-z']+")


def validation_report(records: Sequence[Record], catalog: ToolCatalog = ASSISTANT_TOOLS,
                      execute: Callable[[Record], list[str]] | None = None) -> dict[str, Any]:
    """Counts of valid plans, issues by code, derived-field mismatches and (optionally) execution errors.

    `execute(record)` returns a list of error strings (empty when every task ran).
    """
    issues: Counter[str] = Counter()
    invalid_ids, mismatched, exec_failed = [], [], []
    for r in records:
        found = check_plan(r.plan, catalog)
        issues.update(i.code for i in found)
        if found:
            invalid_ids.append(r.id)
            continue
        plan = parse_plan(r.plan)
        if tuple(sorted(set(plan.tools))) != r.tools or plan_shape(plan) != r.shape:
            mismatched.append(r.id)
        if execute is not None and execute(r):
            exec_failed.append(r.id)
    return {"records": len(records), "valid": len(records) - len(invalid_ids), "issues": dict(issues),
            "invalid_ids": invalid_ids[:20], "field_mismatch": len(mismatched),
            "executed": len(records) - len(invalid_ids) if execute else 0,
            "execution_failed": len(exec_failed), "execution_failed_ids": exec_failed[:20]}


def diversity(records: Sequence[Record], catalog: ToolCatalog | None = None) -> dict[str, Any]:
    """How varied the dataset is: families, templates, vocabulary, tool sets, shapes, plan lengths.
    App pairs are counted over `catalog`'s apps (default: the assistant's 9 apps)."""
    words = Counter(w for r in records for w in _WORD.findall(r.query.lower()))
    templates = {(r.meta.get("family"), r.meta.get("template")) for r in records}
    plans = [parse_plan(r.plan) for r in records]
    n_calls = Counter(len(p.tasks) for p in plans)
    pairs = app_pairs(records) if catalog is None else app_pairs(records, catalog)
    apps = APPS if catalog is None else sorted({s.app for s in catalog})
    n_pairs = len(list(combinations(apps, 2)))
    return {
        "records": len(records),
        "distinct_queries": len({r.query for r in records}),
        "families": len({r.meta.get("family") for r in records}),
        "templates": len(templates),
        "vocabulary": len(words),
        "distinct_tool_sets": len({r.tools for r in records}),
        "distinct_plan_skeletons": len({_skeleton(p) for p in plans}),
        "app_pairs_covered": len(pairs),  # pairs of the catalog's apps used together in at least one plan
        "app_pairs_total": n_pairs,
        "app_pair_share": round(len(pairs) / n_pairs, 3) if n_pairs else 0.0,
        "max_calls_per_plan": max(n_calls, default=0),
        "shapes": dict(Counter(r.shape for r in records).most_common()),
        "calls_per_plan": {str(k): v for k, v in sorted(n_calls.items())},
        "tools": dict(Counter(t for r in records for t in r.tools).most_common()),
        "mean_query_words": round(sum(len(r.query.split()) for r in records) / max(1, len(records)), 2),
    }


def samples_text(records: Sequence[Record], k: int = 5, seed: int = 0) -> str:
    """`k` random records as readable text (family, shape, query, plan) for notebooks and logs."""
    import random

    picked = random.Random(seed).sample(list(records), min(k, len(records)))
    return "\n\n".join(f"[{r.meta.get('family', r.source)} | {r.shape}] {r.query}\n{r.plan}" for r in picked)


def _skeleton(plan: Plan) -> tuple:
    """The plan's tool sequence with dependencies, arguments dropped (its 'shape signature')."""
    return tuple((t.tool, tuple(sorted(t.deps))) for t in plan.tasks)


def app_pairs(records: Sequence[Record], catalog: ToolCatalog = ASSISTANT_TOOLS) -> Counter[tuple[str, str]]:
    """How many records use each pair of apps together (tools outside `catalog` are ignored).

    >>> r = Record("a", "q", "p", ("get_phone_number", "send_sms"), "chain")
    >>> dict(app_pairs([r]))
    {('contacts', 'sms'): 1}
    """
    out: Counter[tuple[str, str]] = Counter()
    for r in records:
        apps = sorted({catalog[t].app for t in r.tools if t in catalog})
        out.update(combinations(apps, 2))
    return out


def plot_histograms(stats: dict[str, Any], path: str | Path) -> Path:
    """Save plan-shape, calls-per-plan and tool histograms from `diversity` output as one PNG."""
    from tinyagent.figures import new_figure, save_figure  # matplotlib only when plotting

    fig = new_figure(figsize=(16, 4.5))
    axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 2.2]})
    for ax, key, title in ((axes[0], "shapes", "plan shape"), (axes[1], "calls_per_plan", "calls per plan"),
                           (axes[2], "tools", "records using each tool")):
        items = list(stats[key].items())
        ax.bar([k for k, _ in items], [v for _, v in items], color="#4C72B0")
        ax.set_title(title)
        ax.tick_params(axis="x", labelrotation=60 if key == "tools" else 30, labelsize=8)
    fig.suptitle(f"{stats['records']} records, {stats['families']} families, {stats['templates']} templates, "
                 f"vocabulary {stats['vocabulary']}")
    fig.tight_layout()
    return save_figure(fig, path, dpi=110, bbox_inches=None)


def summary_markdown(metrics: dict[str, Any]) -> str:
    """The notebook's summary for REPORT.md: validation, diversity, shapes and split sizes."""
    val, div = metrics["validation"], metrics["diversity"]
    return "\n\n".join([
        f"Generator `{metrics['generator']}`, seed {metrics['seed']}, {metrics['size']} records.",
        markdown_table(["validation", "count"], [
            ["records", val["records"]], ["valid plans", val["valid"]], ["executed on the sandbox", val["executed"]],
            ["execution failures", val["execution_failed"]]]),
        markdown_table(["diversity", "value"], [
            [k.replace("_", " "), div.get(k, "")] for k in ("distinct_queries", "families", "templates", "vocabulary",
                                                    "distinct_tool_sets", "distinct_plan_skeletons",
                                                    "app_pairs_covered", "app_pair_share",
                                                    "max_calls_per_plan", "mean_query_words")]),
        markdown_table(["calls per plan", "records"], list(div["calls_per_plan"].items())),
        markdown_table(["plan shape", "records"], sorted(div["shapes"].items(), key=lambda kv: -kv[1])),
        markdown_table(["split", "records"], list(metrics["splits"].items())),
    ])
