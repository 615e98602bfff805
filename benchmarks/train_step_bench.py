"""Training-step speed of LoRA on the offline SmolLM2-135M: base weights fp32 vs bf16, a few thread counts.

Prints a table (forward, backward seconds and tokens/s per setting) and writes
outputs/bench/train_step.json. One warm-up step per setting is not timed.

Usage: .venv/bin/python benchmarks/train_step_bench.py --seq 128 --batch 2 --threads 1 2 --dtypes float32 bfloat16
"""
from __future__ import annotations

import argparse
import copy
import platform
import time

import torch

from tinyagent.atomic import write_json_atomic
from tinyagent.train.config import TrainConfig
from tinyagent.train.lora import build_lora_model, load_base, plan_loss


def time_step(model, batch) -> tuple[float, float]:
    t0 = time.perf_counter()
    loss, n = plan_loss(model, batch)
    t1 = time.perf_counter()
    (loss / n).backward()
    return t1 - t0, time.perf_counter() - t1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seq", type=int, default=128, help="tokens per sequence")
    ap.add_argument("--batch", type=int, default=2, help="sequences per micro-batch")
    ap.add_argument("--plan", type=int, default=48, help="plan (labelled) tokens at the end of each sequence")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--dtypes", nargs="+", default=["float32", "bfloat16"])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", default="outputs/bench/train_step.json")
    args = ap.parse_args()
    base, _ = load_base()
    ids = torch.randint(100, 40000, (args.batch, args.seq), generator=torch.Generator().manual_seed(0))
    labels = ids.clone()
    labels[:, : args.seq - args.plan] = -100
    batch = {"input_ids": ids, "labels": labels, "attention_mask": torch.ones_like(ids)}
    rows = []
    print(f"{'dtype':>9} {'threads':>7} {'fwd s':>7} {'bwd s':>7} {'tok/s':>7}")
    for dtype in args.dtypes:
        model = build_lora_model(copy.deepcopy(base), TrainConfig(base_dtype=dtype))
        for threads in args.threads:
            torch.set_num_threads(threads)
            time_step(model, batch)  # warm-up
            times = [time_step(model, batch) for _ in range(args.repeats)]
            fwd, bwd = (min(t[i] for t in times) for i in (0, 1))
            tps = args.batch * args.seq / (fwd + bwd)
            rows.append({"dtype": dtype, "threads": threads, "forward_s": fwd, "backward_s": bwd, "tokens_per_s": tps})
            print(f"{dtype:>9} {threads:>7} {fwd:7.2f} {bwd:7.2f} {tps:7.1f}")
    write_json_atomic(args.out, {"seq": args.seq, "batch": args.batch, "plan_tokens": args.plan,
                                 "machine": platform.processor() or platform.machine(), "rows": rows})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
