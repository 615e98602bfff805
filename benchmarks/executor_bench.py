"""Executor benchmark: plans of sleeping tools, measured wall time against the critical path.

A plan's critical path (its longest chain of dependent sleeps) is the best any scheduler can do;
the sum of sleeps is what running the tasks one by one costs. Target: wall time within 10% of the
critical path. An extra row runs fan-out 8 on a pool the size of asyncio's default (cpu+4 workers)
to show why the executor uses its own pool.

Run (from the repository root, about 15 s):
    .venv/bin/python benchmarks/executor_bench.py [--repeats 3] [--scale 1.0]
        [--out outputs/benchmarks/executor.json]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from tinyagent.atomic import write_json_atomic
from tinyagent.execute import execute_plan, longest_path
from tinyagent.plan import Plan, Task
from tinyagent.tools.backend import ToolBackend
from tinyagent.tools.catalog import ToolCatalog, ToolParam as P, ToolSpec

CATALOG = ToolCatalog((ToolSpec("work", "Sleep, then return the name.",
                                (P("name", "str", "Task name."), P("seconds", "float", "Sleep time."),
                                 P("inputs", "list", "Outputs of dependencies.", False)),
                                app="notes", side_effects=False),))

# name -> tasks as (sleep seconds, dependency indices); indices are 1-based positions.
SHAPES: dict[str, list[tuple[float, tuple[int, ...]]]] = {
    "fan-out 8": [(s, ()) for s in (0.20, 0.15, 0.25, 0.18, 0.22, 0.17, 0.23, 0.19)],
    "fan-in 4->1": [(0.20, ()), (0.25, ()), (0.15, ()), (0.18, ()), (0.20, (1, 2, 3, 4))],
    "diamond": [(0.20, ()), (0.25, (1,)), (0.15, (1,)), (0.20, (2, 3))],
    "chain 4": [(0.20, ()), (0.15, (1,)), (0.25, (2,)), (0.20, (3,))],
    # two lookups -> email; find file -> summarise; both -> note; plus an independent reminder
    "mixed": [(0.20, ()), (0.25, ()), (0.20, (1, 2)), (0.15, ()), (0.30, (4,)), (0.20, (3, 5)), (0.18, ())],
}


class SleepBackend(ToolBackend):
    name = "sleep"
    catalog = CATALOG

    def work(self, name: str, seconds: float, inputs: list | None = None) -> str:
        time.sleep(seconds)
        return name


def build(shape: list[tuple[float, tuple[int, ...]]], scale: float) -> Plan:
    tasks = []
    for i, (seconds, deps) in enumerate(shape, 1):
        tasks.append(Task(i, "work", (f"t{i}", seconds * scale, [f"${d}" for d in deps])))
    return Plan(tuple(tasks))


def measure(label: str, shape: list, scale: float, repeats: int, max_workers: int) -> dict:
    plan = build(shape, scale)
    sleeps = {i: s * scale for i, (s, _) in enumerate(shape, 1)}
    _, ideal = longest_path(sleeps, {i: deps for i, (_, deps) in enumerate(shape, 1)})
    walls, measured_cp = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        report = execute_plan(plan, SleepBackend(), max_workers=max_workers)
        walls.append(time.perf_counter() - t0)
        if not report.ok:
            raise RuntimeError(f"{label}: run failed: {report.to_json()}")
        measured_cp.append(report.critical_path_time)
    wall = statistics.median(walls)
    return {"plan": label, "tasks": len(shape), "max_workers": max_workers,
            "sequential_s": round(sum(sleeps.values()), 4), "critical_path_s": round(ideal, 4),
            "measured_critical_path_s": round(statistics.median(measured_cp), 4),
            "wall_s": round(wall, 4), "wall_runs_s": [round(w, 4) for w in walls],
            "overhead_pct": round(100 * (wall - ideal) / ideal, 2),
            "speedup_vs_sequential": round(sum(sleeps.values()) / wall, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="runs per plan; the median wall time is reported")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every sleep")
    ap.add_argument("--out", type=Path, default=Path("outputs/benchmarks/executor.json"))
    args = ap.parse_args()
    if args.repeats < 1 or args.scale <= 0:
        ap.error("--repeats must be >= 1 and --scale > 0")

    default_pool = min(32, (os.cpu_count() or 1) + 4)  # asyncio's default executor size
    rows = [measure(label, shape, args.scale, args.repeats, 32) for label, shape in SHAPES.items()]
    contrast = measure(f"fan-out 8 @{default_pool} workers", SHAPES["fan-out 8"], args.scale,
                       args.repeats, default_pool)

    head = f"{'plan':<22}{'tasks':>6}{'seq s':>8}{'crit s':>8}{'wall s':>8}{'overhead':>10}{'speedup':>9}  target"
    print(head)
    print("-" * len(head))
    for row in rows + [contrast]:
        target = "-" if row is contrast else ("ok" if row["overhead_pct"] <= 10 else "MISSED")
        print(f"{row['plan']:<22}{row['tasks']:>6}{row['sequential_s']:>8.3f}{row['critical_path_s']:>8.3f}"
              f"{row['wall_s']:>8.3f}{row['overhead_pct']:>9.1f}%{row['speedup_vs_sequential']:>8.2f}x  {target}")
    data = {"benchmark": "executor", "repeats": args.repeats, "scale": args.scale,
            "target_overhead_pct": 10, "all_within_target": all(r["overhead_pct"] <= 10 for r in rows),
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "platform": platform.platform()},
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "command": " ".join(["python", *sys.argv]),
            "rows": rows, "contrast": contrast}
    write_json_atomic(args.out, data)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
