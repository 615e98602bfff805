"""Figures for notebook 02: training loss, Table 1 bars, precision/recall against the threshold.

Each function draws a pyplot-free figure (`tinyagent.figures.new_figure`), saves a PNG atomically and
returns its path.

Usage:
    plot_loss(clf.history, "outputs/toolrag/loss.png")
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from tinyagent.figures import new_figure
from tinyagent.figures import save_figure as _save
from tinyagent.toolrag.table import SelectorRow


def plot_loss(history: Sequence[float], path: str | Path) -> Path:
    """Training BCE loss per optimiser step."""
    if not history:
        raise ValueError("plot_loss: empty loss history (was the classifier trained?)")
    fig = new_figure(figsize=(6, 3.5))
    ax = fig.subplots()
    ax.plot(range(1, len(history) + 1), history, lw=1)
    ax.set(xlabel="step", ylabel="BCE loss", title="ToolRAG classifier training loss", yscale="log")
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_table1(rows: Sequence[SelectorRow], path: str | Path) -> Path:
    """Record recall and average prompt tokens per selector, side by side."""
    names = [r.selector for r in rows]
    fig = new_figure(figsize=(10, 3.5))
    a, b = fig.subplots(1, 2)
    a.bar(names, [r.record_recall for r in rows], color="tab:blue")
    a.set(ylabel="record recall (all gold tools selected)", ylim=(0, 1.05), title="Tool recall")
    b.bar(names, [r.avg_prompt_tokens for r in rows], color="tab:orange")
    b.set(ylabel="avg planner prompt tokens", title="Prompt size")
    for ax in (a, b):
        ax.tick_params(axis="x", rotation=20)
    return _save(fig, path)


def plot_threshold_curve(curve: dict[str, list[float]], path: str | Path, chosen: float | None = None) -> Path:
    """Record recall, mean recall and precision against the selection threshold (+ avg tools)."""
    fig = new_figure(figsize=(6, 3.5))
    ax = fig.subplots()
    t = curve["threshold"]
    for key, label in (("record_recall", "record recall"), ("mean_recall", "mean recall"),
                       ("precision", "precision (micro)")):
        ax.plot(t, curve[key], label=label)
    ax.set(xlabel="threshold", ylabel="score", ylim=(0, 1.02), title="Classifier on the test split")
    if chosen is not None:
        ax.axvline(chosen, color="grey", ls="--", lw=1, label=f"tuned threshold {chosen:.2f}")
    tools = ax.twinx()
    tools.plot(t, curve["avg_tools"], color="black", ls=":", label="avg tools")
    tools.set_ylabel("avg tools selected")
    lines = ax.get_legend_handles_labels()
    more = tools.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="lower left")
    return _save(fig, path)
