"""Summaries of evaluation predictions: success with Wilson CIs, error taxonomy, tokens, latency, shapes.

`summarise(rows)` works on the per-record prediction rows written by the harness (see
`tinyagent.evaluate.harness`), so a summary can be rebuilt from `predictions.jsonl` alone.

Example:
    >>> rows = [{"success": True, "error": None, "strict_success": False, "strict_error": "wrong_arguments",
    ...          "shape": "single", "prompt_tokens": 100, "output_tokens": 20, "first_token_s": 0.1,
    ...          "first_task_s": 0.2, "plan_s": 0.3, "backend_error": None, "selection_recall": 1.0,
    ...          "selected": ["a"]}]
    >>> s = summarise(rows)
    >>> s["paper"]["success_rate"], s["strict"]["errors"]["wrong_arguments"], s["by_shape"]["single"]["n"]
    (1.0, 1, 1)
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Iterable, Sequence

import numpy as np

from tinyagent.metrics import ERROR_ORDER, wilson_interval

LATENCIES = ("first_token_s", "first_task_s", "plan_s")  # row keys summarised as p50/p95


def distribution(values: Iterable[float | int | None]) -> dict[str, float | int | None]:
    """n, mean, p50, p95 of the values that are not None (None stats when there are none).

    >>> distribution([1, 2, 3, None])
    {'n': 3, 'mean': 2.0, 'p50': 2.0, 'p95': 2.9}
    """
    vals = np.array([v for v in values if v is not None], dtype=float)
    if not len(vals):
        return {"n": 0, "mean": None, "p50": None, "p95": None}
    p50, p95 = np.percentile(vals, [50, 95])
    return {"n": int(len(vals)), "mean": round(float(vals.mean()), 6), "p50": round(float(p50), 6),
            "p95": round(float(p95), 6)}


def success_block(successes: Sequence[bool], errors: Sequence[str | None]) -> dict[str, Any]:
    """n, successes, success_rate, ci95 (Wilson) and a count per error category (zeros included)."""
    n, k = len(successes), int(sum(successes))
    counts = Counter(e for e in errors if e is not None)
    unknown = set(counts) - set(ERROR_ORDER)
    if unknown:
        raise ValueError(f"unknown error categories {sorted(unknown)}; known: {list(ERROR_ORDER)}")
    return {"n": n, "successes": k, "success_rate": k / n if n else None,
            "ci95": list(wilson_interval(k, n)) if n else None,
            "errors": {c: counts.get(c, 0) for c in ERROR_ORDER}}


def by_shape(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Success per gold plan shape (paper metric)."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        groups[r["shape"]].append(bool(r["success"]))
    return {shape: {"n": len(v), "successes": sum(v), "success_rate": sum(v) / len(v)}
            for shape, v in sorted(groups.items())}


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Aggregate prediction rows (paper + strict success, errors, tokens, latency, shapes, selection)."""
    rows = list(rows)
    return {
        "n": len(rows),
        "paper": success_block([r["success"] for r in rows], [r["error"] for r in rows]),
        "strict": success_block([r["strict_success"] for r in rows], [r["strict_error"] for r in rows]),
        "backend_errors": sum(r.get("backend_error") is not None for r in rows),
        "by_shape": by_shape(rows),
        "prompt_tokens": distribution(r.get("prompt_tokens") for r in rows),
        "output_tokens": distribution(r.get("output_tokens") for r in rows),
        "latency_s": {k.removesuffix("_s"): distribution(r.get(k) for r in rows) for k in LATENCIES},
        "selection": {
            "recall": distribution(r.get("selection_recall") for r in rows)["mean"],
            "all_gold_selected": (sum(r.get("selection_recall") == 1.0 for r in rows) / len(rows)) if rows else None,
            "tools_per_query": distribution(len(r.get("selected") or ()) for r in rows)["mean"],
        },
    }


def format_summary(summary: dict[str, Any]) -> str:
    """A few human-readable lines for the terminal."""
    lines = []
    for mode in ("paper", "strict"):
        block = summary[mode]
        if not block["n"]:
            continue
        lo, hi = block["ci95"]
        lines.append(f"{mode:<6} success {block['successes']}/{block['n']} = {block['success_rate']:.1%} "
                     f"(95% CI {lo:.1%}-{hi:.1%})")
    errors = {k: v for k, v in summary["paper"]["errors"].items() if v}
    if errors:
        lines.append("errors: " + ", ".join(f"{k} {v}" for k, v in errors.items()))
    lat, tok = summary["latency_s"], summary["prompt_tokens"]
    if lat["plan"]["n"]:
        lines.append(f"latency p50/p95: first task {_fmt(lat['first_task'])}, full plan {_fmt(lat['plan'])}; "
                     f"prompt tokens mean {tok['mean']:.0f}, output tokens mean {summary['output_tokens']['mean']:.0f}")
    if summary["backend_errors"]:
        lines.append(f"backend errors: {summary['backend_errors']}")
    return "\n".join(lines)


def _fmt(d: dict[str, Any]) -> str:
    if d["p50"] is None:
        return "n/a"
    return f"{d['p50']:.2f}/{d['p95']:.2f}s"
