"""Benchmark the offline generator: records/second and wall time for a full 80K dataset.

Generates `--n` records (default 80,000, the paper's training-set size), checks every query is
distinct, validates a sample with the plan validator, writes the JSONL once (timed separately),
prints a table and writes JSON to outputs/benchmarks/synth.json. Target: 80K in < 2 minutes on
2 cores.

Usage: .venv/bin/python benchmarks/synth_bench.py [--n 80000] [--seed 0] [--out outputs/benchmarks/synth.json]
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from tinyagent.atomic import write_json_atomic
from tinyagent.data.records import normalize_query, write_jsonl_atomic
from tinyagent.synth.offline import generate_offline
from tinyagent.synth.report import validation_report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=80_000, help="records to generate")
    ap.add_argument("--seed", type=int, default=0, help="generator seed")
    ap.add_argument("--validate", type=int, default=5_000, help="records to re-validate (sample)")
    ap.add_argument("--out", default="outputs/benchmarks/synth.json", help="JSON results path")
    args = ap.parse_args()

    t0 = time.perf_counter()
    records = generate_offline(args.n, seed=args.seed)
    gen_s = time.perf_counter() - t0
    distinct = len({normalize_query(r.query) for r in records})

    t0 = time.perf_counter()
    report = validation_report(records[: args.validate])
    val_s = time.perf_counter() - t0

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_jsonl_atomic(Path(tmp) / "all.jsonl", records)
        write_s = time.perf_counter() - t0
        size_mb = (Path(tmp) / "all.jsonl").stat().st_size / 1e6

    result = {
        "records": args.n, "seed": args.seed, "distinct_queries": distinct,
        "generate_s": round(gen_s, 2), "records_per_s": round(args.n / gen_s, 1),
        "projected_80k_s": round(80_000 / (args.n / gen_s), 2),
        "validate_sample": args.validate, "validate_s": round(val_s, 2), "valid_in_sample": report["valid"],
        "write_jsonl_s": round(write_s, 2), "jsonl_mb": round(size_mb, 1), "target_80k_s": 120,
        "cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine(),
        "command": " ".join(["python", *sys.argv]), "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    result["meets_target"] = result["projected_80k_s"] < 120
    rows = [("records", f"{args.n:,}"), ("distinct queries", f"{distinct:,}"),
            ("generation time", f"{gen_s:.1f} s"), ("records / second", f"{args.n / gen_s:,.0f}"),
            ("80K projected", f"{result['projected_80k_s']:.1f} s (target < 120 s)"),
            (f"validate {args.validate:,}", f"{val_s:.1f} s, {report['valid']:,} valid"),
            ("write JSONL", f"{write_s:.1f} s, {size_mb:.1f} MB")]
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k:<{width}}  {v}" for k, v in rows))
    write_json_atomic(args.out, result)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
