"""Figures for notebook 05: success vs latency vs size, error taxonomy, success by plan shape, NesTools.

Each function draws a pyplot-free figure (`tinyagent.figures.new_figure`), saves a PNG atomically and
returns its path.
Inputs are notebook 04's Table 2 rows and harness summaries (`tinyagent.evaluate.summary`).

Usage:
    plot_error_taxonomy({"Q4_0 QAT": summary}, "outputs/05_evaluate/taxonomy.png")
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from tinyagent.data.records import SHAPES
from tinyagent.figures import new_figure
from tinyagent.figures import save_figure as _save
from tinyagent.metrics import ERROR_ORDER
from tinyagent.report.paper import PAPER_TABLE2

# One fixed colour per outcome, so every taxonomy plot reads the same (green is kept for success).
OUTCOME_COLOURS = dict(zip(("success", *ERROR_ORDER), ("tab:green", "tab:red", "tab:orange", "tab:purple",
                                                       "tab:brown", "tab:pink", "tab:gray", "tab:olive", "tab:cyan"),
                           strict=True))
Summaries = Mapping[str, Mapping[str, Any]]  # plot label -> harness summary


def _need(items: Any, what: str) -> None:
    if not items:
        raise ValueError(f"nothing to plot: no {what}")


def _bubbles(ax: Any, xs: list[float], ys: list[float], sizes_gb: list[float], labels: list[str],
             yerr: np.ndarray | None = None) -> None:
    if yerr is not None:
        ax.errorbar(xs, ys, yerr=yerr, fmt="none", ecolor="grey", lw=1, capsize=3)
    colours = matplotlib.colormaps["tab10"]
    for i, (x, y, size, text) in enumerate(zip(xs, ys, sizes_gb, labels, strict=True)):
        area = 40 + 300 * np.sqrt(size)  # sqrt: 0.1 GB and 15 GB bubbles both stay readable
        ax.scatter([x], [y], s=area, alpha=0.6, edgecolor="black", color=colours(i % 10),
                   label=f"{text} ({size:.2f} GB)" if size else text)
    legend = ax.legend(fontsize=7, loc="best")
    for handle in legend.legend_handles:  # legend markers at one size, whatever the bubble
        handle.set_sizes([30])
    ax.set(xlabel="latency per plan (s, p50)", ylabel="success rate", ylim=(-0.02, 1.02))
    ax.grid(alpha=0.3)


def plot_success_latency_size(quant_rows: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Success (95% CI bars) against latency, bubble area growing with model size: ours and the paper's.

    Rows without a latency or without records are left out; with none left, our panel says so.
    """
    rows = [r for r in quant_rows if r.get("latency_p50_s") is not None and r.get("n")]
    fig = new_figure(figsize=(11, 4))
    ours, paper = fig.subplots(1, 2)
    if rows:
        rates = [r["success_rate"] for r in rows]
        yerr = np.array([[rate - r["ci95"][0] for rate, r in zip(rates, rows, strict=True)],
                         [r["ci95"][1] - rate for rate, r in zip(rates, rows, strict=True)]])
        _bubbles(ours, [r["latency_p50_s"] for r in rows], rates, [r["size_bytes"] / 1e9 for r in rows],
                 [r["label"] for r in rows], yerr)
    else:
        ours.text(0.5, 0.5, "no evaluated model in notebook 04's Table 2", ha="center", va="center",
                  transform=ours.transAxes)
    ours.set_title("this run (CPU, llama.cpp)")
    pub = list(PAPER_TABLE2)
    _bubbles(paper, [r.latency_s for r in pub], [r.success / 100 for r in pub], [r.size_gb or 0.0 for r in pub],
             [f"{r.model} {r.quant}" for r in pub])
    paper.set_title("paper, published (MacBook M3 Pro)")
    return _save(fig, path)


def plot_error_taxonomy(summaries: Summaries, path: str | Path) -> Path:
    """Per run, the share of records that succeeded or failed with each error category (paper metric)."""
    runs = {k: s for k, s in summaries.items() if s["paper"]["n"]}
    _need(runs, "summaries with predictions")
    labels = list(runs)
    parts = {"success": [runs[k]["paper"]["successes"] / runs[k]["paper"]["n"] for k in labels]}
    for cat in ERROR_ORDER:
        parts[cat] = [runs[k]["paper"]["errors"][cat] / runs[k]["paper"]["n"] for k in labels]
    fig = new_figure(figsize=(9, 0.6 * len(labels) + 1.8))
    ax = fig.subplots()
    left = np.zeros(len(labels))
    for name, shares in parts.items():
        if any(shares):
            ax.barh(labels, shares, left=left, label=name, color=OUTCOME_COLOURS[name])
            left += np.array(shares)
    ax.set(xlim=(0, 1), xlabel="share of records", title="Outcome per run (paper metric)")
    ax.set_yticks(range(len(labels)), [f"{k} (n={runs[k]['paper']['n']})" for k in labels])
    ax.invert_yaxis()
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=5)
    return _save(fig, path)


def plot_success_by_shape(summaries: Summaries, path: str | Path) -> Path:
    """Success rate per gold plan shape (single, chain, fan-out, fan-in, ...), one bar per run, as a PNG."""
    return _save(success_by_shape_figure(summaries), path)


def success_by_shape_figure(summaries: Summaries) -> Figure:
    """The figure `plot_success_by_shape` saves: bars with k/n labels, the legend below the axes."""
    runs = {k: s for k, s in summaries.items() if s.get("by_shape")}
    _need(runs, "summaries with per-shape results")
    shapes = [sh for sh in SHAPES if any(sh in s["by_shape"] for s in runs.values())]
    # Wide enough for every bar's k/n label, tall enough for the legend below the axes (never over bars).
    fig = new_figure(figsize=(max(6.0, 0.3 * len(shapes) * (len(runs) + 1)), 3.8))
    ax = fig.subplots()
    width = 0.8 / len(runs)
    for i, (label, s) in enumerate(runs.items()):
        cells = [s["by_shape"].get(sh) for sh in shapes]
        bars = ax.bar(np.arange(len(shapes)) + (i - (len(runs) - 1) / 2) * width,
                      [c["success_rate"] if c else np.nan for c in cells], width, label=label)
        # k/n over each bar: a 0% bar is otherwise invisible, and n says how much a bar means;
        # upright, so neighbouring bars' labels do not run into each other
        ax.bar_label(bars, [f"{c['successes']}/{c['n']}" if c else "" for c in cells], fontsize=6.5,
                     rotation=90, padding=2)
    counts = [max(s["by_shape"].get(sh, {}).get("n", 0) for s in runs.values()) for sh in shapes]
    ax.set_xticks(range(len(shapes)),
                  [f"{sh.replace('_', '-')}\n(n={n})" for sh, n in zip(shapes, counts, strict=True)])
    ax.set(ylim=(0, 1.3), yticks=np.linspace(0, 1, 6), ylabel="success rate", title="Success by gold plan shape")
    # below the shape names: the saved PNG's tight bounding box grows to take it in
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=min(3, len(runs)), fontsize=7, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return fig


def plot_nestools(summaries: Summaries, path: str | Path) -> Path:
    """NesTools: success (95% CI) and plan latency p50 per decoding setting."""
    runs = {k: s for k, s in summaries.items() if s["paper"]["n"]}
    _need(runs, "NesTools summaries with predictions")
    labels = list(runs)
    rates = np.array([runs[k]["paper"]["success_rate"] for k in labels])
    ci = np.array([runs[k]["paper"]["ci95"] for k in labels])
    lat = [runs[k]["latency_s"]["plan"]["p50"] or 0.0 for k in labels]
    fig = new_figure(figsize=(9, 3.5))
    a, b = fig.subplots(1, 2)
    bars = a.bar(labels, rates, yerr=np.array([rates - ci[:, 0], ci[:, 1] - rates]), capsize=4, color="tab:blue")
    a.bar_label(bars, [f"{runs[k]['paper']['successes']}/{runs[k]['paper']['n']}" for k in labels], fontsize=7)
    a.set(ylim=(0, 1.05), ylabel="success rate", title="NesTools (own tools per record)")
    b.bar(labels, lat, color="tab:orange")
    b.set(ylabel="plan latency p50 (s)", title="Latency")
    for ax in (a, b):
        ax.tick_params(axis="x", rotation=15)
    return _save(fig, path)
