"""Training throughput of LoRA on the offline SmolLM2-135M: the old default beside each speed-up, one run.

Every setting trains the same realistic steps (offline-synthesized records, prompts from
`tinyagent.train.data` with 0-3 distractor tools, `--step` examples per optimizer step) and reports
tokens per second of forward + backward (all prompt + plan tokens of the step's examples) and plan
tokens per second, the median over `--repeats` steps (after one untimed warm-up step). Seconds are
CPU seconds of this process (`time.process_time`; with --threads 1 this is the time on one idle core,
robust when other jobs share the machine); wall-clock tokens/s is reported beside them. Rows:
  old default   fp32, micro-batch 1, full logits, no packing, no prefix reuse (notebook 03, prompt_grad False)
  + head        the output layer only at plan positions (the code before this change did this already)
  + prefix      micro-batch 1, the step's common prompt prefix run once (KV cache)
  + pack        the step's examples packed into calls of <= pack_tokens, with prefix reuse
  ... static    the same with the planner prompt's static rules moved first (simulated here by reordering
                the system message's parts; tinyagent/planner/prompt.py is reordered elsewhere)
  bf16          the best setting with bf16 base weights, on --bf16-examples examples (slow where bf16 is)
The JSON (default outputs/benchmarks/train_step.json) holds the rows, the CPU model and flags, and
this command. A setting that gives a different loss from the old default is flagged.

Usage: PYTHONPATH=. .venv/bin/python benchmarks/train_step_bench.py --step 8 --repeats 1 --threads 1
"""
from __future__ import annotations

import argparse
import copy
import os
import platform
import statistics
import subprocess
import sys
import time
from typing import Any

import torch

from tinyagent.atomic import write_json_atomic
from tinyagent.synth.offline import generate_offline
from tinyagent.train.config import TrainConfig
from tinyagent.train.data import PlanDataset
from tinyagent.train.lora import build_lora_model, load_base, probe_example, step_losses
from tinyagent.train.precision import cast_frozen, choose_base_dtype

OLD = {"pack_tokens": 0, "lm_head_plan_only": False, "share_prefix": False, "prompt_grad": False}
SETTINGS = [  # (label, TrainConfig changes over OLD, static rules first)
    ("old default", {}, False),
    ("+ head at plan positions", {"lm_head_plan_only": True}, False),
    ("+ prefix reuse (1 example/call)", {"lm_head_plan_only": True, "pack_tokens": 1, "share_prefix": True}, False),
    ("+ packing 1024 + prefix reuse", {"lm_head_plan_only": True, "pack_tokens": 1024, "share_prefix": True}, False),
    ("static first: prefix reuse (1 example/call)",
     {"lm_head_plan_only": True, "pack_tokens": 1, "share_prefix": True}, True),
    ("static first: packing 1024 + prefix reuse",
     {"lm_head_plan_only": True, "pack_tokens": 1024, "share_prefix": True}, True),
]


def cpu_info() -> dict[str, Any]:
    """lscpu's model name and the bf16-related flags (the precision choice depends on them)."""
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        text = ""
    info = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    flags = set(info.get("Flags", "").split())
    return {"model_name": info.get("Model name", platform.processor()).strip(),
            "flags": {f: f in flags for f in ("avx512f", "avx512_bf16", "amx_bf16", "amx_tile", "avx2")},
            "cpus": info.get("CPU(s)", "").strip()}


class StaticFirstDataset(PlanDataset):
    """The training prompts with the system message's rules part moved right after the intro."""

    def messages(self, i: int) -> list[dict[str, str]]:
        msgs = super().messages(i)
        parts = msgs[0]["content"].split("\n\n")
        rules = next((k for k, p in enumerate(parts) if p.startswith("Rules:")), None)
        if rules is not None and rules > 1:
            parts.insert(1, parts.pop(rules))
        return [{**msgs[0], "content": "\n\n".join(parts)}, *msgs[1:]]


def time_step(model: Any, examples: list[dict], cfg: TrainConfig, pad: int) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of this process, mean plan-token loss) of one step's forward + backward passes."""
    t0, c0 = time.perf_counter(), time.process_time()
    fns, n_tok = step_losses(examples, cfg, pad)
    total = 0.0
    for fn in fns:
        loss, _ = fn(model)
        (loss / n_tok).backward()
        total += float(loss.detach())
    model.zero_grad(set_to_none=True)
    return time.perf_counter() - t0, time.process_time() - c0, total / n_tok


def measure(model: Any, steps: list[list[dict]], cfg: TrainConfig, pad: int) -> dict[str, Any]:
    runs = [time_step(model, s, cfg, pad) for s in steps]
    tokens = [sum(len(e["input_ids"]) for e in s) for s in steps]
    plan = [sum(sum(t != -100 for t in e["labels"]) for e in s) for s in steps]
    wall, cpu = [r[0] for r in runs], [r[1] for r in runs]
    return {"wall_s": [round(s, 3) for s in wall], "cpu_s": [round(s, 3) for s in cpu],
            "tokens_per_s": round(statistics.median(t / s for t, s in zip(tokens, wall)), 1),
            "tokens_per_cpu_s": round(statistics.median(t / s for t, s in zip(tokens, cpu)), 1),
            "plan_tokens_per_cpu_s": round(statistics.median(p / s for p, s in zip(plan, cpu)), 1),
            "losses": [round(r[2], 5) for r in runs], "tokens_per_step": tokens, "plan_tokens_per_step": plan}


def auto_probe(base: Any, example: dict, pad: int) -> dict[str, Any]:
    """What base_dtype='auto' measures at the start of a run (the new defaults), and what it costs."""
    cfg = TrainConfig()
    model = build_lora_model(copy.deepcopy(base), cfg)
    model.train()
    ex = probe_example(example, cfg.dtype_probe_tokens)

    def step() -> None:  # fresh model calls every time: a step's shared-prefix cache serves one backward
        fns, n_tok = step_losses([ex], cfg, pad)
        for f in fns:
            loss, _ = f(model)
            (loss / n_tok).backward()
    t0 = time.perf_counter()
    choice = choose_base_dtype(model, step, probe_tokens=len(ex["input_ids"]))
    out = {**choice.to_dict(), "probe_wall_s": round(time.perf_counter() - t0, 2)}
    print(f"base_dtype auto: {choice.dtype}; median step s {choice.median_s}; probe took {out['probe_wall_s']} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--step", type=int, default=8, help="examples per optimizer step (notebook 03: 1 x 8)")
    ap.add_argument("--repeats", type=int, default=1, help="timed steps per setting")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (CPU seconds are summed over threads)")
    ap.add_argument("--bf16-examples", type=int, default=1, help="examples per bf16 step (0: skip bf16)")
    ap.add_argument("--settings", type=int, nargs="+", default=None,
                    help="indices into SETTINGS to run (0 = old default, always included); default all")
    ap.add_argument("--out", default="outputs/benchmarks/train_step.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    base, tok = load_base()
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    records = generate_offline(args.step * args.repeats + 1, seed=1)
    datasets = {static: cls(records, tok, seed=0, min_negatives=0, max_negatives=3)
                for static, cls in ((False, PlanDataset), (True, StaticFirstDataset))}
    n = args.step
    steps = {s: [[d[i] for i in range(k * n, (k + 1) * n)] for k in range(args.repeats)]
             for s, d in datasets.items()}
    model = build_lora_model(copy.deepcopy(base), TrainConfig(base_dtype="float32"))
    model.train()
    time_step(model, steps[False][0][:1], TrainConfig().with_(**OLD), pad)  # warm-up, not timed
    rows = []
    print(f"{'setting':<46} {'tok/cpu-s':>9} {'plan tok/cpu-s':>14} {'x old':>6} {'tok/s wall':>10} loss")
    chosen = SETTINGS if args.settings is None else [SETTINGS[i] for i in sorted({0, *args.settings})]
    for label, changes, static in chosen:
        cfg = TrainConfig(base_dtype="float32").with_(**{**OLD, **changes})
        row = {"setting": label, "dtype": "float32", "static_first": static, **changes, **measure(
            model, steps[static], cfg, pad)}
        ref = next((r for r in rows if r["static_first"] == static), row)  # same prompts, the slowest way
        row["same_loss_as_old"] = all(abs(a - b) <= 1e-3 * abs(b) for a, b in zip(row["losses"], ref["losses"]))
        rows.append(row)
        print(f"{label:<46} {row['tokens_per_cpu_s']:9.1f} {row['plan_tokens_per_cpu_s']:14.1f} "
              f"{row['tokens_per_cpu_s'] / rows[0]['tokens_per_cpu_s']:6.2f} {row['tokens_per_s']:10.1f} "
              f"{row['losses']}{'' if row['same_loss_as_old'] else '  LOSS DIFFERS'}", flush=True)
        save(args, rows, n, None)
    if args.bf16_examples:
        best = max(rows[1:], key=lambda r: r["tokens_per_cpu_s"])
        changes = {k: best[k] for k in ("lm_head_plan_only", "pack_tokens", "share_prefix") if k in best}
        cfg = TrainConfig(base_dtype="float32").with_(**{**OLD, **changes})
        small = [steps[best["static_first"]][0][:args.bf16_examples]]
        for dtype in ("float32", "bfloat16"):
            cast_frozen(model, getattr(torch, dtype))
            time_step(model, small[0][:1], cfg, pad)  # warm-up in this precision
            row = {"setting": f"{best['setting']} [{args.bf16_examples} ex/step]", "dtype": dtype,
                   "static_first": best["static_first"], **changes, **measure(model, small, cfg, pad)}
            rows.append(row)
            print(f"{row['setting'][:38] + ' ' + dtype:<46} {row['tokens_per_cpu_s']:9.1f} "
                  f"{row['plan_tokens_per_cpu_s']:14.1f} {'':>6} {row['tokens_per_s']:10.1f}", flush=True)
            save(args, rows, n, None)
    save(args, rows, n, auto_probe(base, datasets[False][len(datasets[False]) - 1], pad))
    print(f"wrote {args.out}")


def save(args: argparse.Namespace, rows: list[dict], n: int, probe: dict | None) -> None:
    """Write the JSON (after every row too, so a run cut short still leaves its numbers)."""
    write_json_atomic(args.out, {"command": " ".join([sys.executable, *sys.argv]), "cpu": cpu_info(),
                                 "torch": torch.__version__, "threads": args.threads, "examples_per_step": n,
                                 "load_average": list(os.getloadavg()), "rows": rows, "auto_probe": probe})


if __name__ == "__main__":
    main()
