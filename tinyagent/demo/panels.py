"""HTML pieces of the demo view that do not need a widget of their own: the ToolRAG choice with
probabilities, stage latencies, the task outcomes and the answer. Pure functions of plain data.

Example:
    >>> "92%" in tools_html({"send_sms": 0.92, "create_note": 0.03}, ["send_sms"], None)
    True
    >>> "planning" in latency_html({"planning": 1.234, "join": None})
    True
    >>> "white-space:nowrap;padding-right:6px;text-align:right'>1.23&nbsp;s" in latency_html({"planning": 1.234})
    True
"""
from __future__ import annotations

import html
from typing import Any, Sequence

from tinyagent.demo.dag_view import STATE_COLORS

# The stages shown, in pipeline order, with what each measures.
STAGES: tuple[tuple[str, str], ...] = (
    ("transcription", "speech to text (Whisper)"),
    ("selection", "ToolRAG tool selection"),
    ("first_token", "first plan token (prompt processing)"),
    ("first_task", "first task handed to the executor"),
    ("planning", "plan generation, all rounds"),
    ("execution", "executor, overlaps planning"),
    ("join", "joiner's decision"),
    ("total", "whole query"),
)


def tools_html(scores: dict[str, float], selected: Sequence[str], note: str | None, *, scored: bool = True) -> str:
    """The tools shown to the planner, with the selector's probability bar for every enabled tool."""
    picked = set(selected)
    rows = []
    for name, p in sorted(scores.items(), key=lambda kv: -kv[1]):
        bar = f"<div style='background:#5b9bd5;height:8px;width:{max(1, int(p * 120))}px'></div>" if scored else ""
        weight = "bold" if name in picked else "normal"
        shown = f"{p:.0%}" if scored else ""
        rows.append(f"<tr><td style='font-weight:{weight}'>{'&#10003; ' if name in picked else ''}"
                    f"{html.escape(name)}</td><td>{shown}</td><td>{bar}</td></tr>")
    head = f"<b>ToolRAG</b>: {len(picked)} tool(s) selected"
    warn = f"<div style='color:#b45f06'>{html.escape(note)}</div>" if note else ""
    return f"<div style='font-size:12px'>{head}{warn}<table>{''.join(rows)}</table></div>"


def latency_html(latency: dict[str, float | None]) -> str:
    """Seconds per stage (stages not reached are left out); stage and value never wrap, the
    explanation does (the column is a third of the app wide)."""
    keep = "style='white-space:nowrap;padding-right:6px'"
    rows = [f"<tr><td {keep}>{key}</td><td {keep[:-1]};text-align:right'>{latency[key]:.2f}&nbsp;s</td>"
            f"<td style='color:#666666'>{what}</td></tr>"
            for key, what in STAGES if latency.get(key) is not None]
    return ("<div style='font-size:12px'><b>Latency</b><table>" + "".join(rows) + "</table></div>") if rows else ""


def outcomes_html(results: Sequence[dict[str, Any]]) -> str:
    """One coloured line per task: status, then the result or the reason."""
    lines = []
    for r in results:
        colour = STATE_COLORS.get(r["status"], "#ffffff")
        detail = r["result"] if r["status"] == "done" else r["error"]
        lines.append(f"<div><span style='background:{colour};padding:0 4px'>{html.escape(r['status'])}</span> "
                     f"{r['idx']}. <code>{html.escape(r['tool'])}</code> {html.escape(str(detail or ''))}</div>")
    return "<div style='font-size:12px'>" + "".join(lines) + "</div>"


def answer_html(answer: str | None, problems: Sequence[str], error: str | None) -> str:
    """The joiner's final answer, plan problems in words, or the error that stopped the run."""
    parts = []
    if error:
        parts.append(f"<div style='color:#c00000'><b>The run failed:</b> {html.escape(error)}</div>")
    if problems:
        items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
        parts.append(f"<div style='color:#b45f06'><b>Plan problems</b><ul>{items}</ul></div>")
    if answer is not None:
        text = html.escape(answer).replace("\n", "<br>")
        parts.append(f"<div><b>Answer:</b> {text}</div>")
    return "<div style='font-size:13px'>" + "".join(parts) + "</div>"
