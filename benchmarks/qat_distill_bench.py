"""Does distillation close the 4-bit gap? QAT with and without the f16 teacher, side by side, on validation.

From a run whose notebook 03 finished (its best adapter, f16 and Q4_0 exports, notebook 02's
classifier), each `--weights` value w runs the same QAT continuation as notebook 04 (merged fake Q4_0,
`--steps` steps, same learning rate and seed) with the loss (1 - w) CE + w KL(f16 teacher || student)
(TrainConfig.distill; w = 0 is notebook 04 today), exports Q4_0, and plans the run's last `--records`
validation records with the run's ToolRAG classifier through llama.cpp, beside the f16 and the
post-training Q4_0 exports on the same records. Validation records only: the number may choose
notebook 04's default weight without touching test or natural records.

Prints a table; writes JSON (default outputs/benchmarks/qat_distill.json) with the rows, QAT seconds
per step, the machine and this command.

Usage: PYTHONPATH=. .venv/bin/python benchmarks/qat_distill_bench.py --run outputs/custom --steps 20 --weights 0 0.5
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tinyagent.artifacts import FinetuneResult, ToolRAGResult
from tinyagent.atomic import write_json_atomic
from tinyagent.data import load_splits
from tinyagent.layout import RunLayout
from tinyagent.report.tables import markdown_table
from tinyagent.reproduce.report import machine_info
from tinyagent.study.quantization import Candidate, compare_models
from tinyagent.toolrag.classifier import ToolClassifier
from tinyagent.train.export import export_planner
from tinyagent.train.checkpoint import latest_checkpoint
from tinyagent.train.lora import train


def qat_candidate(run: RunLayout, finetuned: FinetuneResult, weight: float, args: argparse.Namespace,
                  out: Path) -> tuple[Candidate, dict]:
    """QAT with distillation weight `weight` from the run's best adapter; its Q4_0 export as a candidate."""
    work = out / f"w{weight:g}"
    cfg = finetuned.config.with_(init_adapter=str(finetuned.adapter_dir), qat="merged", max_steps=args.steps,
                                 learning_rate=args.lr, warmup_steps=0, seed=finetuned.config.seed + 1,
                                 out_dir=str(work / "train"), eval_every=0, save_every=args.steps,
                                 num_threads=args.threads, distill=weight)
    t0 = time.perf_counter()
    result = train(cfg, load_splits(run.data_dir)["train"])
    wall = time.perf_counter() - t0
    gguf = export_planner(latest_checkpoint(work / "train") / "adapter", work / "gguf", base=cfg.model,
                          quants=["q4_0"], name="planner-qat")
    label = f"QAT {args.steps} steps, distill {weight:g}"
    return (Candidate(f"q4_0_qat_w{weight:g}", label, gguf["q4_0"], "Q4_0", True),
            {"weight": weight, "steps": result.steps, "qat_wall_s": round(wall, 1),
             "s_per_step": round(wall / max(args.steps, 1), 2)})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", default="outputs/default", help="a run folder whose notebooks 02 and 03 finished")
    ap.add_argument("--steps", type=int, default=20, help="QAT steps per setting (notebook 04's qat_steps)")
    ap.add_argument("--lr", type=float, default=2e-4, help="QAT learning rate (notebook 04's qat_learning_rate)")
    ap.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.5], help="distillation weights to compare")
    ap.add_argument("--records", type=int, default=30, help="last N validation records planned per model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=192)
    ap.add_argument("--out", default="outputs/benchmarks/qat_distill.json")
    args = ap.parse_args(argv)
    run = RunLayout(args.run)
    finetuned, toolrag = FinetuneResult.load(run.finetune_dir), ToolRAGResult.load(run.toolrag_dir)
    out = Path(args.out).with_suffix("") / run.run_dir.name
    made = [qat_candidate(run, finetuned, w, args, out) for w in args.weights]
    models = [Candidate("f16", "fine-tuned f16 (no QAT)", finetuned.gguf["f16"], "F16", False),
              Candidate("q4_0", "post-training Q4_0 (no QAT)", finetuned.gguf["q4_0"], "Q4_0", False),
              *(c for c, _ in made)]
    records = load_splits(run.data_dir)["val"][-args.records:]
    rows = compare_models(models, records, ToolClassifier.load(toolrag.classifier_dir), data=run.split("val"),
                          out_dir=out / "eval", max_tokens=args.max_tokens, threads=args.threads)
    qat = {c.name: info for c, info in made}
    header = ["model", "what", "val success", "95% CI", "QAT s/step"]
    table = [[r["name"], r["label"], f"{r['successes']}/{r['n']}", f"{r['ci95'][0]:.2f}-{r['ci95'][1]:.2f}",
              qat.get(r["name"], {}).get("s_per_step", "")] for r in rows]
    print(markdown_table(header, table))
    write_json_atomic(Path(args.out), {"command": " ".join([sys.executable, *sys.argv]), "run": str(run.run_dir),
                                       "machine": machine_info(), "records": len(records), "split": "val",
                                       "rows": rows, "qat": list(qat.values())})
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
