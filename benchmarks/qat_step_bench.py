"""Cost of a QAT optimizer step beside a fine-tuning step, with the quantized weight cached or not, one run.

Notebook 04's QAT ("merged": every LoRA layer computes x @ fq(W + delta)^T) used to quantize every
merged weight in every model call: with the step's shared prompt prefix and 8 examples that is ~9
quantizations of all 210 decoder matrices per optimizer step, although the weights change only at the
optimizer step. `tinyagent.train.qat` now caches the quantized weight per weight state. Rows, each the
same realistic steps (offline records, notebook 03's prompts, TrainConfig's defaults), timed with the
optimizer step included:
  fine-tune        no QAT (notebook 03's step)
  QAT per call     the quantization redone in every call, the full-size straight-through weight
                   gradient (the code before this change; re-created here)
  QAT cached       the quantization once per optimizer step, the factors' gradients through the
                   low-rank path (what notebook 04 runs now)
The losses of the two QAT rows must agree (same values; gradients equal up to rounding). The JSON (default
outputs/benchmarks/qat_step.json) holds the rows, the CPU model and flags, and this command.

Usage: PYTHONPATH=. .venv/bin/python benchmarks/qat_step_bench.py --step 8 --repeats 2 --threads 2
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import statistics
import sys
import time
from collections.abc import Iterator
from typing import Any

import torch

from benchmarks.train_step_bench import cpu_info
from tinyagent.atomic import write_json_atomic
from tinyagent.synth.offline import generate_offline
from tinyagent.train import qat
from tinyagent.train.config import TrainConfig
from tinyagent.train.data import PlanDataset
from tinyagent.train.lora import build_lora_model, load_base, step_losses


def _per_call_forward(layer: Any, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """The merged QAT forward before the cache: fq(W + delta) afresh in every call, full-size STE gradient."""
    base = layer.get_base_layer()
    delta = layer.get_delta_weight(layer.active_adapters[0]).to(torch.float32)
    w = qat.fake_quant_q4_0(base.weight.to(torch.float32) + delta, round_f16=layer._qat_round_f16)
    return torch.nn.functional.linear(x, w.to(x.dtype), None if base.bias is None else base.bias.to(x.dtype))


@contextlib.contextmanager
def per_call_quantization() -> Iterator[None]:
    """apply_qat (inside build_lora_model) binds this forward instead of the cached one."""
    saved = qat._merged_forward
    qat._merged_forward = _per_call_forward
    try:
        yield
    finally:
        qat._merged_forward = saved


def time_steps(model: Any, steps: list[list[dict]], cfg: TrainConfig, pad: int) -> dict[str, Any]:
    """Wall seconds and mean plan-token loss of each optimizer step (forward, backward, AdamW)."""
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    walls, losses = [], []
    for k, examples in enumerate(steps):
        t0 = time.perf_counter()
        fns, n_tok = step_losses(examples, cfg, pad)
        total = 0.0
        for fn in fns:
            loss, _ = fn(model)
            (loss / n_tok).backward()
            total += float(loss.detach())
        opt.step()
        opt.zero_grad(set_to_none=True)
        if k:  # the first step warms up (allocations, the first quantization for both rows)
            walls.append(time.perf_counter() - t0)
        losses.append(round(total / n_tok, 5))
    return {"wall_s": [round(w, 2) for w in walls], "median_s": round(statistics.median(walls), 2), "losses": losses}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--step", type=int, default=8, help="examples per optimizer step (notebook 03/04: 8)")
    ap.add_argument("--repeats", type=int, default=2, help="timed steps per row (after one warm-up step)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"],
                    help="frozen base weights' precision (a run's base_dtype=auto measures which is faster)")
    ap.add_argument("--out", default="outputs/benchmarks/qat_step.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    base, tok = load_base()
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    data = PlanDataset(generate_offline(args.step * (args.repeats + 1), seed=1), tok, seed=0,
                       min_negatives=0, max_negatives=3)
    steps = [[data[i] for i in range(k * args.step, (k + 1) * args.step)] for k in range(args.repeats + 1)]
    rows: list[dict[str, Any]] = []
    print(f"{'row':<16} {'median s/step':>13} {'x fine-tune':>11}  losses", flush=True)
    for label, mode, per_call in (("fine-tune", "none", False), ("QAT per call", "merged", True),
                                  ("QAT cached", "merged", False)):
        cfg = TrainConfig(qat=mode, base_dtype=args.dtype)
        torch.manual_seed(0)
        with per_call_quantization() if per_call else contextlib.nullcontext():
            model = build_lora_model(copy.deepcopy(base), cfg)
        model.train()
        row = {"row": label, "qat": mode, "dtype": args.dtype, **time_steps(model, steps, cfg, pad)}
        rows.append(row)
        print(f"{label:<16} {row['median_s']:13.2f} {row['median_s'] / rows[0]['median_s']:11.2f}  {row['losses']}",
              flush=True)
        write_json_atomic(args.out, {"command": " ".join([sys.executable, *sys.argv]), "cpu": cpu_info(),
                                     "torch": torch.__version__, "threads": args.threads,
                                     "examples_per_step": args.step, "rows": rows})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
