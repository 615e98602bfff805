"""Served plan latency: the old prompt order vs static-prefix-first + llama.cpp prefix snapshots.

Issue 13 part 8. For each generated query the tools shown are its gold tools plus one seeded
distractor (a stand-in for the ToolRAG classifier, which shows ~4 tools per query), so the tool
list differs between queries as it does when serving. Every plan is followed by a joiner call on
the same backend (another system prompt), as in the agent. Configurations, interleaved query by
query so machine load hits them alike:

  old           tools first, then rules (the previous layout), llama.cpp's own prefix reuse only
  new           static intro + rules + join first, then tools, examples, date, question; no snapshots
  new+prefix    new order and `PrefixCache` snapshots (the default LlamaCppBackend)
  new+ramcache  new order and llama-cpp-python's `LlamaRAMCache` (save_state after every call)

Served latency = building the prompt + counting its tokens + streaming the plan (`PlanStats`),
through `tinyagent.planner.Planner`. Off the shelf SmolLM2 does not stop by itself, so every plan
runs to --max-tokens: the comparison is about prompt processing, which is what the order changes.

Run (from the repository root; ~2-3 min on 2 idle cores):
    PYTHONPATH=$PWD .venv/bin/python benchmarks/prefix_cache_bench.py [--queries 20] [--max-tokens 16]
        [--configs old,new+prefix] [--threads 2] [--out outputs/benchmarks/prefix_cache.json]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime

from tinyagent.agent.joiner import join_messages
from tinyagent.atomic import write_json_atomic
from tinyagent.planner import GenerationConfig, GenerationStats, Planner
from tinyagent.planner.backends.llamacpp import LlamaCppBackend
from tinyagent.planner.planner import EveryTool
from tinyagent.planner.prompt import INTRO, JOIN_DESCRIPTION, RULES, describe_tool
from tinyagent.tools import ASSISTANT_TOOLS
from tinyagent.tools.assistant import DATE_FORMAT
from tinyagent.tools.catalog import ToolCatalog

NOW = datetime(2024, 5, 30, 9, 0)  # fixed, so prompts are identical between runs
CONFIGS = ("old", "new", "new+prefix", "new+ramcache")
OLD_INTRO = ("You are a planner for a personal assistant. Given a question, write a plan: the function calls "
             "that answer it, numbered in order. You may use only these functions:")


def old_messages(tools: ToolCatalog, query: str, now: datetime) -> list[dict[str, str]]:
    """The previous prompt layout: tools (join numbered last) first, then rules, then the date."""
    entries = [describe_tool(i, s) for i, s in enumerate(tools, start=1)]
    entries.append(f"{len(tools) + 1}. {JOIN_DESCRIPTION}")
    rules = [r.replace("the functions listed below", "the functions above") for r in RULES]
    system = "\n\n".join([OLD_INTRO, "\n".join(entries), "\n".join(rules),
                          f"Current date and time: {now.strftime('%A')}, {now.strftime(DATE_FORMAT)}"])
    return [{"role": "system", "content": system}, {"role": "user", "content": f"Question: {query}"}]


def shown_tools(gold: tuple[str, ...], rng: random.Random) -> ToolCatalog:
    others = [n for n in ASSISTANT_TOOLS.names if n not in gold]
    return ASSISTANT_TOOLS.subset([*gold, rng.choice(others)])


def make_planner(config: str, threads: int, max_tokens: int) -> Planner:
    backend = LlamaCppBackend(n_ctx=2048, n_threads=threads, prefix_cache=config == "new+prefix")
    if config == "new+ramcache":
        from llama_cpp import LlamaRAMCache
        backend.llm.set_cache(LlamaRAMCache(capacity_bytes=2 << 30))
    return Planner(backend, config=GenerationConfig(max_tokens=max_tokens))


def plan_once(config: str, planner: Planner, query: str, tools: ToolCatalog, joiner_tokens: int) -> dict:
    """One served plan (timed), then a joiner call on the same model (not timed here)."""
    t0 = time.perf_counter()
    if config == "old":
        run = planner.start_messages(old_messages(tools, query, NOW), tools).finish()
    else:
        run = planner.start(query, selection=EveryTool(tools), now=NOW).finish()
    served = time.perf_counter() - t0
    join = join_messages(query, [(run.text, ["1. tool -> done: ok"])])
    "".join(planner.backend.stream(join, GenerationConfig(max_tokens=joiner_tokens), GenerationStats()))
    s = run.stats
    return {"served_s": served, "prompt_s": s.prompt_s, "planning_s": s.planning_s, "ttft_s": s.first_token_s,
            "prompt_tokens": s.prompt_tokens, "output_tokens": s.output_tokens}


def cpu_model() -> str:
    out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    return next((ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Model name")), "unknown")


def summarize(rows: list[dict]) -> dict:
    served = sorted(r["served_s"] for r in rows)
    return {"n": len(rows), "p50_s": statistics.median(served), "p50_warm_s": statistics.median(
        sorted(r["served_s"] for r in rows[1:]) or served), "p90_s": served[int(0.9 * (len(served) - 1))],
        "mean_s": statistics.mean(served), "ttft_p50_s": statistics.median(r["ttft_s"] or 0.0 for r in rows),
        "prompt_tokens_mean": statistics.mean(r["prompt_tokens"] or 0 for r in rows)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=20, help="generated test queries")
    ap.add_argument("--seed", type=int, default=4242, help="seed of the generated queries and distractors")
    ap.add_argument("--max-tokens", type=int, default=16, help="plan tokens (untuned SmolLM2 never stops early)")
    ap.add_argument("--joiner-tokens", type=int, default=4, help="tokens of the joiner call after each plan")
    ap.add_argument("--configs", default="old,new+prefix", help=f"comma-separated, from {','.join(CONFIGS)}")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="outputs/benchmarks/prefix_cache.json")
    args = ap.parse_args(argv)
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    bad = [c for c in configs if c not in CONFIGS]
    if bad:
        ap.error(f"unknown configs {bad}; choose from {list(CONFIGS)}")
    from tinyagent.synth.offline import generate_offline

    records = generate_offline(args.queries, seed=args.seed)
    rng = random.Random(args.seed)
    shown = [shown_tools(r.tools, rng) for r in records]
    load_start = os.getloadavg()
    planners = {c: make_planner(c, args.threads, args.max_tokens) for c in configs}
    rows: dict[str, list[dict]] = {c: [] for c in configs}
    for i, (rec, tools) in enumerate(zip(records, shown)):
        for c in configs:  # interleaved: load on the machine affects every configuration alike
            rows[c].append(plan_once(c, planners[c], rec.query, tools, args.joiner_tokens))
        print(f"{i + 1}/{len(records)} " + "  ".join(f"{c}: {rows[c][-1]['served_s']:.2f}s" for c in configs),
              flush=True)
    results = {c: {**summarize(rows[c]), "queries": rows[c]} for c in configs}
    for c in configs:
        cache = getattr(planners[c].backend, "prefix_cache", None)
        if cache is not None:
            results[c].update(prefix_hits=cache.hits, prefix_snapshots=cache.learned)
    head = f"{'config':<14} {'p50 s':>7} {'p50 warm':>9} {'p90 s':>7} {'TTFT p50':>9} {'prompt tok':>10}"
    print("\n" + head + "\n" + "-" * len(head))
    for c in configs:
        r = results[c]
        print(f"{c:<14} {r['p50_s']:7.2f} {r['p50_warm_s']:9.2f} {r['p90_s']:7.2f} {r['ttft_p50_s']:9.2f} "
              f"{r['prompt_tokens_mean']:10.0f}")
    command = " ".join(["python", "benchmarks/prefix_cache_bench.py", *(sys.argv[1:] if argv is None else argv)])
    out = write_json_atomic(args.out, {
        "command": command, "created": datetime.now().isoformat(timespec="seconds"), "cpu_model": cpu_model(),
        "cpus": os.cpu_count(), "threads": args.threads, "loadavg_start": load_start, "loadavg_end": os.getloadavg(),
        "queries": args.queries, "seed": args.seed, "max_tokens": args.max_tokens,
        "joiner_tokens": args.joiner_tokens, "results": results})
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
