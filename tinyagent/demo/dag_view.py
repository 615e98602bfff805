"""The plan as a picture: a networkx DAG drawn with matplotlib, each task coloured by its state.

Tasks are laid out left to right by dependency depth (networkx topological generations), so tasks
that can run in parallel stand in one column. The label of a task carries its result (or why it
failed, was skipped or declined), cut short.

Example:
    >>> from tinyagent.demo.live import TaskView
    >>> views = [TaskView(1, "get_phone_number", frozenset(), "done", "+1-555"),
    ...          TaskView(2, "send_sms", frozenset({1}), "declined", "declined by the user")]
    >>> g = plan_graph(views)
    >>> sorted(g.edges), g.nodes[2]["color"] == STATE_COLORS["declined"]
    ([(1, 2)], True)
    >>> len(render_png(views)) > 1000
    True
"""
from __future__ import annotations

import io
import textwrap
from typing import Sequence

import networkx as nx
# Figures are made without pyplot: no global backend switch in a notebook, safe from worker threads.
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Patch

from tinyagent.demo.live import TaskView

# One colour per state; the legend shows only the states present.
STATE_COLORS: dict[str, str] = {
    "planned": "#d9d9d9",  # parsed, not yet handed to the executor
    "waiting": "#bdd7ee",  # waiting for its dependencies
    "awaiting_approval": "#ffd966",  # waiting for the user's Allow/Deny
    "running": "#5b9bd5",
    "done": "#70ad47",
    "failed": "#e06666",
    "timeout": "#c00000",
    "declined": "#f4b183",
    "skipped": "#a6a6a6",
}
DETAIL_CHARS = 60  # result text shown under a node


def plan_graph(views: Sequence[TaskView]) -> nx.DiGraph:
    """DiGraph of the tasks (edge = dependency -> dependent) with state, colour and label attributes."""
    g = nx.DiGraph()
    for v in views:
        detail = textwrap.shorten(v.detail, DETAIL_CHARS, placeholder="...") if v.detail else ""
        label = f"{v.idx}. {v.tool}\n[{v.state}]" + (f"\n{textwrap.fill(detail, 26)}" if detail else "")
        g.add_node(v.idx, state=v.state, color=STATE_COLORS.get(v.state, "#ffffff"), label=label)
    for v in views:
        g.add_edges_from((d, v.idx) for d in v.deps if d in g)  # a `$N` to a missing task draws nothing
    return g


def _layout(g: nx.DiGraph) -> dict[int, tuple[float, float]]:
    if not nx.is_directed_acyclic_graph(g):
        return nx.circular_layout(g)
    pos = {}
    for depth, layer in enumerate(nx.topological_generations(g)):
        for row, node in enumerate(sorted(layer)):
            pos[node] = (float(depth), -1.3 * (row - (len(layer) - 1) / 2))  # rows 1.3 apart: 4-line labels
    return pos


def draw_dag(views: Sequence[TaskView], title: str = "") -> Figure:
    """A matplotlib Figure of the plan DAG (an empty-plan message when there are no tasks)."""
    g = plan_graph(views)
    pos = _layout(g)
    columns = len({x for x, _ in pos.values()}) or 1
    rows = max((sum(1 for x, _ in pos.values() if x == c) for c in {x for x, _ in pos.values()}), default=1)
    fig = Figure(figsize=(min(14.0, max(5.0, 3.0 * columns)), max(2.6, 1.5 * rows)), dpi=90)
    ax = fig.add_subplot()
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=10)
    if not len(g):
        ax.text(0.5, 0.5, "no tasks yet", ha="center", va="center", fontsize=11, color="#666666")
        return fig
    boxes = {}
    for n in g:  # a rounded box per task, filled with its state's colour
        text = ax.text(*pos[n], g.nodes[n]["label"], ha="center", va="center", fontsize=7.5, zorder=3,
                       bbox={"boxstyle": "round,pad=0.5", "facecolor": g.nodes[n]["color"], "edgecolor": "#404040"})
        boxes[n] = text.get_bbox_patch()
    for a, b in g.edges:  # clipped at both boxes' outlines and drawn above them, so every arrowhead shows
        ax.add_patch(FancyArrowPatch(pos[a], pos[b], arrowstyle="-|>", mutation_scale=14, color="#595959",
                                     linewidth=1.2, patchA=boxes[a], patchB=boxes[b], shrinkA=2, shrinkB=2,
                                     zorder=4))
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.9)
    states = sorted({g.nodes[n]["state"] for n in g}, key=list(STATE_COLORS).index)
    ax.legend(handles=[Patch(color=STATE_COLORS[s], label=s) for s in states if s in STATE_COLORS],
              loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(states), fontsize=8, frameon=False)
    return fig


def render_png(views: Sequence[TaskView], title: str = "") -> bytes:
    """PNG bytes of `draw_dag` (for an ipywidgets Image, or a file)."""
    fig = draw_dag(views, title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()
