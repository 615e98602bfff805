"""Planner latency: llama.cpp (Q4_1, Q4_0, f16 GGUFs) vs transformers fp32, grammar on vs off.

For a few queries over one tool selection, each configuration streams a plan and we record time
to first token (TTFT), decode tokens/s, total latency, prompt tokens and model size, next to the
memory-bandwidth bound on decode speed (bandwidth / model bytes; bandwidth measured here with
numpy). The f16 and Q4_0 GGUFs are made from the shipped Q4_1 file with
`llama_cpp.llama_model_quantize` (allow_requantize) and cached under outputs/models/ (not git).
The f16 file holds the Q4_1 values widened (same outputs, ~2.8x the bytes): it measures the cost
of precision in memory traffic, not a better model. The first query of a model pays for the whole
prompt ("cold"); later ones, and the +grammar rows that run after the plain rows on the same
`Llama`, reuse llama.cpp's KV cache of the shared prompt prefix ("warm"). Off the shelf, SmolLM2
does not stop on its own, so runs usually end at --max-tokens.

Run (from the repository root; ~5-10 min on 2 cores):
    .venv/bin/python benchmarks/planner_latency.py [--queries 3] [--max-tokens 64]
        [--threads 2] [--no-transformers] [--out outputs/benchmarks/planner_latency.json]
"""
from __future__ import annotations

import argparse
import ctypes
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import numpy as np

from tinyagent.atomic import write_json_atomic
from tinyagent.planner.backends import GenerationConfig, GenerationStats, PlannerBackend, make_backend
from tinyagent.planner.grammar import plan_grammar
from tinyagent.planner.models import default_planner_gguf
from tinyagent.planner.prompt import build_messages
from tinyagent.tools import ASSISTANT_TOOLS

TOOLS = ASSISTANT_TOOLS.subset(["get_phone_number", "get_email_address", "send_sms", "create_calendar_event"])
QUERIES = [
    "Text Sid that I will be ten minutes late",
    "Schedule a design review with Lutfi tomorrow at 2pm",
    "What is Ann's email address?",
    "Send a message to Bo and Ann saying the meeting moved to Friday",
]
NOW = datetime(2024, 5, 30, 9, 0)  # fixed, so prompts are identical between runs


def measure_bandwidth_gbs(n_bytes: int = 512 * 2**20, threads: int = 2, repeats: int = 5) -> float:
    """Best-of read bandwidth (GB/s): `threads` numpy sums over disjoint halves of one array."""
    data = np.ones(n_bytes // 8, dtype=np.float64)
    parts = np.array_split(data, threads)
    best = 0.0
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(repeats):
            t0 = time.perf_counter()
            list(pool.map(np.sum, parts))  # numpy releases the GIL while summing
            best = max(best, data.nbytes / (time.perf_counter() - t0) / 1e9)
    return best


def requantize(src: Path, dst: Path, ftype_name: str) -> Path:
    """Write `dst` as `src` converted to llama.cpp file type `ftype_name` (cached; atomic rename)."""
    import llama_cpp

    if dst.exists():
        return dst
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_suffix(".tmp")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, ftype_name)
    params.allow_requantize = True
    params.nthread = 2
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(tmp).encode(), ctypes.byref(params))
    if rc != 0:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"llama_model_quantize({ftype_name}) failed with code {rc}")
    os.replace(tmp, dst)
    return dst


def run_config(backend: PlannerBackend, queries: list[str], config: GenerationConfig) -> list[dict]:
    """One row per query: TTFT, tokens/s, total, tokens, why it stopped."""
    rows = []
    for i, query in enumerate(queries):
        messages = build_messages(TOOLS, query, now=NOW)
        s = GenerationStats()  # this call's own record
        text = "".join(backend.stream(messages, config, s))
        rows.append({"query": query, "cold": i == 0, "ttft_s": s.ttft_s, "tokens_per_s": s.tokens_per_s,
                     "total_s": s.total_s, "prompt_tokens": s.prompt_tokens,
                     "completion_tokens": s.completion_tokens, "stopped": s.stopped, "text": text})
        print(f"  {query[:40]!r}: {s.completion_tokens} tokens in {s.total_s:.2f} s", flush=True)
    return rows


def summarize(name: str, backend: PlannerBackend, rows: list[dict], bandwidth: float, grammar: bool) -> dict:
    warm = [r for r in rows if not r["cold"]] or rows
    tps = [r["tokens_per_s"] for r in rows if r["tokens_per_s"]]
    size = backend.model_size_bytes
    return {"config": name, "backend": backend.name, "grammar": grammar, "model_bytes": size,
            "cold_ttft_s": rows[0]["ttft_s"], "warm_ttft_s": statistics.mean(r["ttft_s"] or 0 for r in warm),
            "tokens_per_s": statistics.mean(tps) if tps else None,
            "total_s": statistics.mean(r["total_s"] for r in rows),
            "prompt_tokens": statistics.mean(r["prompt_tokens"] for r in rows),
            "completion_tokens": statistics.mean(r["completion_tokens"] for r in rows),
            "bound_tokens_per_s": bandwidth * 1e9 / size if size else None, "queries": rows}


def print_table(results: list[dict], bandwidth: float) -> None:
    print(f"\nmemory bandwidth (numpy): {bandwidth:.1f} GB/s")
    head = f"{'config':<26} {'MB':>7} {'cold TTFT':>9} {'warm TTFT':>9} {'tok/s':>7} {'bound':>7} " \
           f"{'% bound':>7} {'total s':>8} {'prompt':>7} {'gen':>5}"
    print(head + "\n" + "-" * len(head))
    for r in results:
        tps, bound = r["tokens_per_s"] or 0.0, r["bound_tokens_per_s"] or 0.0
        pct = f"{100 * tps / bound:6.0f}%" if bound else "      -"
        print(f"{r['config']:<26} {r['model_bytes'] / 1e6:7.0f} {r['cold_ttft_s'] or 0:9.2f} {r['warm_ttft_s']:9.2f} "
              f"{tps:7.1f} {bound:7.0f} {pct:>7} {r['total_s']:8.2f} {r['prompt_tokens']:7.0f} "
              f"{r['completion_tokens']:5.0f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=3, help="queries per configuration (max %d)" % len(QUERIES))
    ap.add_argument("--max-tokens", type=int, default=64, help="completion tokens at most")
    ap.add_argument("--no-transformers", action="store_true", help="skip the transformers fp32 row (slow to load)")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads per backend (use 1 on a busy machine: "
                    "llama.cpp's spinning thread pool collapses when its threads are descheduled)")
    ap.add_argument("--models-dir", default="outputs/models", help="where the f16 / Q4_0 GGUFs are cached")
    ap.add_argument("--out", default="outputs/benchmarks/planner_latency.json")
    args = ap.parse_args(argv)
    queries = QUERIES[: max(1, min(args.queries, len(QUERIES)))]
    load_start = os.getloadavg()
    bandwidth = measure_bandwidth_gbs(threads=args.threads)
    q41 = default_planner_gguf()
    gguf = {"llamacpp Q4_1": q41,
            "llamacpp Q4_0": requantize(q41, Path(args.models_dir) / "SmolLM2-135M-Instruct.Q4_0.gguf",
                                        "LLAMA_FTYPE_MOSTLY_Q4_0"),
            "llamacpp f16": requantize(q41, Path(args.models_dir) / "SmolLM2-135M-Instruct.f16.gguf",
                                       "LLAMA_FTYPE_MOSTLY_F16")}
    plain = GenerationConfig(max_tokens=args.max_tokens)
    constrained = GenerationConfig(max_tokens=args.max_tokens, grammar=plan_grammar(TOOLS))
    results = []
    for name, path in gguf.items():
        backend = make_backend("llamacpp", str(path), n_ctx=2048, n_threads=args.threads)
        for grammar, config in ((False, plain), (True, constrained)):
            label = name + (" +grammar" if grammar else "")
            print(label, flush=True)
            results.append(summarize(label, backend, run_config(backend, queries, config), bandwidth, grammar))
        del backend
    if not args.no_transformers:
        backend = make_backend("transformers", None, n_threads=args.threads)
        print("transformers fp32", flush=True)
        results.append(summarize("transformers fp32", backend, run_config(backend, queries, plain), bandwidth, False))
    print_table(results, bandwidth)
    out = write_json_atomic(args.out, {
        "command": " ".join([sys.executable, *sys.argv]) if argv is None else " ".join(["planner_latency.py", *argv]),
        "created": datetime.now().isoformat(timespec="seconds"), "machine": platform.platform(),
        "cpus": os.cpu_count(), "loadavg_start": load_start, "loadavg_end": os.getloadavg(),
        "bandwidth_gb_s": bandwidth, "threads": args.threads, "max_tokens": args.max_tokens, "tools": list(TOOLS.names), "results": results})
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
