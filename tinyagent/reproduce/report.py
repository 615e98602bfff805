"""REPORT.md and REPORT.html for a run: command, commit, profile, machine, step timings, and each
step's own summary (its `report.md` if it wrote one, else its metrics.json scalars) with its plots.

Example:
    >>> machine_info()["cores"] >= 1
    True
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

import markdown

from tinyagent.atomic import atomic_open
from tinyagent.layout import RunLayout
from tinyagent.reproduce.profile import REPO, Profile
from tinyagent.reproduce.runner import NOT_APPLICABLE, StepRun
from tinyagent.report.tables import markdown_table


def machine_info() -> dict[str, Any]:
    """CPU model, cores, RAM, OS and Python of this machine."""
    cpu = platform.processor() or platform.machine()
    ram_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass  # not Linux: keep what platform gives
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram_gb, "os": platform.platform(),
            "python": platform.python_version()}


def git_commit() -> str:
    """HEAD's hash, with "+uncommitted changes" when the tree is dirty."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()
    head = git("rev-parse", "HEAD") or "unknown (not a git checkout)"
    return head + (" +uncommitted changes" if git("status", "--porcelain") else "")


def _status(run: StepRun) -> str:
    if run.status == "skipped":
        return "skipped (up to date)"
    return run.status  # a not-applicable step's reason is in its section


def _step_section(run: StepRun, run_dir: Path) -> str:
    parts = [f"## {run.notebook}"]
    if run.status == NOT_APPLICABLE:
        parts.append(f"Not applicable to this run: {run.note}")
        return "\n\n".join(parts)
    summary = run.output_dir / "report.md"
    metrics = run.output_dir / "metrics.json"
    if summary.exists():
        parts.append(summary.read_text(encoding="utf-8").strip())
    elif metrics.exists():
        data = json.loads(metrics.read_text(encoding="utf-8"))
        scalars = [[k, v] for k, v in data.items() if isinstance(v, (str, int, float, bool))]
        parts.append(markdown_table(["metric", "value"], scalars) if scalars else "(no scalar metrics)")
    for png in sorted(run.output_dir.glob("*.png")):
        parts.append(f"![{png.stem}]({png.relative_to(run_dir).as_posix()})")
    parts.append(f"Executed notebook: `{run.output_notebook.relative_to(run_dir).as_posix()}`")
    page = run.output_notebook.with_suffix(".html")
    if page.is_file():  # widgets drawn offline (tinyagent.notebook_html)
        parts[-1] += f" ([as HTML]({page.relative_to(run_dir).as_posix()}))"
    return "\n\n".join(parts)


def write_report(profile: Profile, runs: list[StepRun], run_dir: Path, *, command: str, wall_s: float,
                 manifest: dict[str, Any], failure: str | None = None) -> Path:
    """Write REPORT.md and REPORT.html into run_dir; returns the Markdown path."""
    info = machine_info()
    header = [
        f"# TinyAgent reproduction: profile `{profile.name}`",
        profile.description,
        markdown_table(["", ""], [
            ["command", f"`{command}`"], ["git commit", git_commit()],
            ["finished", time.strftime("%Y-%m-%d %H:%M:%S %Z")],
            ["machine", f"{info['cpu']}, {info['cores']} cores, {info['ram_gb']} GB RAM, {info['os']}"],
            ["python", info["python"]], ["total wall time", f"{wall_s:.1f} s"],
            ["result", "FAILED: " + failure.splitlines()[0] if failure else "all steps succeeded"]]),
        "## Steps",
        markdown_table(["notebook", "status", "wall time (s)"], [
            [r.notebook, _status(r), f"{manifest.get(r.notebook, {}).get('wall_s', r.wall_s):.1f}"] for r in runs]),
    ]
    text = "\n\n".join(header + [_step_section(r, run_dir) for r in runs if r.status != "failed"]) + "\n"
    layout = RunLayout(run_dir)
    md_path = layout.report_md
    with atomic_open(md_path) as fh:
        fh.write(text)
    html = markdown.markdown(text, extensions=["tables", "fenced_code"])
    with atomic_open(layout.report_html) as fh:
        fh.write(f"<!doctype html><meta charset='utf-8'><title>TinyAgent report: {profile.name}</title>"
                 f"<style>body{{font-family:sans-serif;max-width:60em;margin:auto}}td,th{{padding:2px 8px}}"
                 f"table{{border-collapse:collapse}}tr:nth-child(even){{background:#f4f4f4}}"
                 f"img{{max-width:100%}}</style>\n{html}")
    return md_path
