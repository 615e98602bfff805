"""report.json beside REPORT.md: the run's numbers in one machine-readable file.

Fields: `command`, `commit`, `profile`, `wall_s` (the whole run) and `steps` (wall seconds and status
per notebook), `machine` (CPU model, cores, RAM), `table2` (one row per model and split: `model`,
`quant`, `qat`, `selector`, `split` "test" or "natural", `n`, `success`, `ci_low`, `ci_high`,
`size_mb`, `latency_p50_s`, `served`) and `served`: `{"model": GGUF path, "classifier_dir": path}`,
the configuration the demo and `ask` use after this run (None when the run exported no planner).

Usage: `write_report_json(layout, runs, command=..., wall_s=..., manifest=..., profile="default")`
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from tinyagent.artifacts import QuantResult, find_served
from tinyagent.atomic import write_json_atomic
from tinyagent.layout import RunLayout
from tinyagent.reproduce.runner import StepRun

REPORT_JSON = "report.json"


def table2_entries(layout: RunLayout) -> list[dict[str, Any]]:
    """Notebook 04's Table 2 rows in report.json's flat form ([] when 04 did not run or was skipped)."""
    if not layout.has("quant"):
        return []
    result = QuantResult.load(layout.quant_dir)
    out = []
    for r in result.table2:
        low, high = r["ci95"]
        out.append({"model": r["name"], "label": r["label"], "quant": r["quant"], "qat": r["qat"],
                    "grammar": bool(r.get("grammar", False)),
                    "selector": result.selector, "split": r.get("split", "test"), "n": r["n"],
                    "success": r["success_rate"], "ci_low": low, "ci_high": high,
                    "size_mb": round(r["size_bytes"] / 1e6, 1), "latency_p50_s": r["latency_p50_s"],
                    "served": bool(r.get("served", False))})
    return out


def write_report_json(layout: RunLayout, runs: Sequence[StepRun], *, command: str, commit: str, profile: str,
                      wall_s: float, manifest: dict[str, Any], machine: dict[str, Any]) -> Path:
    """Write `report.json` into the run folder (atomic); returns its path."""
    served = find_served(layout.run_dir.parent, prefer=layout, catalog=layout.catalog)
    data = {"command": command, "commit": commit, "profile": profile, "wall_s": round(wall_s, 1),
            "steps": {r.notebook: {"status": r.status,
                                   "wall_s": round(manifest.get(r.notebook, {}).get("wall_s", r.wall_s), 1)}
                      for r in runs},
            "machine": machine, "table2": table2_entries(layout),
            "served": None if served is None else {
                "model": str(served.planner_gguf),
                "classifier_dir": None if served.classifier_dir is None else str(served.classifier_dir),
                "grammar": served.grammar}}
    path = layout.run_dir / REPORT_JSON
    write_json_atomic(path, data)
    return path
