"""ToolRAG benchmark: Table 1 on our test split, classifier latency, and basic-RAG recall@k on NesTools.

Trains the classifier (or loads one with --model-dir and --no-train), tunes its threshold on val for
--recall-target, then reports per selector: record recall, mean recall, avg tools, avg prompt tokens
(planner tokenizer) and the ratio to all tools; the classifier's single-query latency; and basic-RAG
recall@k when ranking each NesTools record's offered APIs, next to the same figure on our test split.
Goals (issue 5): recall >= 0.998 with <= 4 tools on average, prompt tokens >= 2x smaller than all tools,
classifier latency < 10 ms per query.

Usage:
    .venv/bin/python benchmarks/toolrag_bench.py --data-dir data/generated --epochs 3
    .venv/bin/python benchmarks/toolrag_bench.py --no-train --model-dir outputs/toolrag/classifier
Writes outputs/benchmarks/toolrag.json (with the command line).
"""
from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

from tinyagent.atomic import write_json_atomic
from tinyagent.toolrag.basic_rag import EmbeddingRAG
from tinyagent.toolrag.classifier import ClassifierConfig, ToolClassifier, config_dict, train_classifier
from tinyagent.toolrag.embed import set_cpu_threads
from tinyagent.data import load_splits
from tinyagent.toolrag.pipeline import standard_selectors
from tinyagent.toolrag.table import format_table, nestools_recall_at_k, rag_recall_at_k, table1

NESTOOLS = "/work/shared/data/external/nestools/test_data.jsonl"
KS = (1, 2, 3, 6)


def latency_ms(clf: ToolClassifier, queries: list[str], repeats: int = 3) -> dict[str, float]:
    """Per-query wall time of clf.select on one query at a time (after one warm-up call)."""
    from tinyagent.tools import ASSISTANT_TOOLS
    clf.select(queries[0], ASSISTANT_TOOLS)
    times = []
    for _ in range(repeats):
        for q in queries:
            t0 = time.perf_counter()
            clf.select(q, ASSISTANT_TOOLS)
            times.append(1000 * (time.perf_counter() - t0))
    times.sort()
    return {"median_ms": statistics.median(times), "p90_ms": times[int(0.9 * (len(times) - 1))],
            "mean_ms": statistics.fmean(times), "calls": len(times), "torch_threads": torch.get_num_threads()}


def config_from(args: argparse.Namespace) -> ClassifierConfig:
    return ClassifierConfig(encoder=args.encoder, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                            seed=args.seed, num_threads=args.threads,
                            train_layers=None if args.train_layers < 0 else args.train_layers)


def get_classifier(args, splits) -> tuple[ToolClassifier, float]:
    if args.no_train:
        return ToolClassifier.load(args.model_dir), 0.0
    cfg = config_from(args)
    t0 = time.perf_counter()
    clf = train_classifier(splits["train"], cfg)
    train_s = time.perf_counter() - t0
    clf.tune_threshold(splits["val"], recall_target=args.recall_target)
    clf.save(args.model_dir)
    return clf, train_s


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default="data/generated", help="folder with train/val/test.jsonl")
    ap.add_argument("--model-dir", default="outputs/toolrag/classifier", help="where the classifier is saved")
    ap.add_argument("--no-train", action="store_true", help="load --model-dir instead of training")
    ap.add_argument("--encoder", default="all-MiniLM-L6-v2", help="HF encoder (default: the offline MiniLM)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--train-layers", type=int, default=2, help="top encoder layers fine-tuned (-1: all)")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: cores, at most 4)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-train", type=int, default=None, help="cut the train split to this many records")
    ap.add_argument("--recall-target", type=float, default=0.998, help="record recall the val threshold aims at")
    ap.add_argument("--nestools", default=NESTOOLS, help="NesTools test_data.jsonl (skipped if missing)")
    ap.add_argument("--out", default="outputs/benchmarks/toolrag.json")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    set_cpu_threads(args.threads)
    splits = load_splits(args.data_dir, args.max_train)
    clf, train_s = get_classifier(args, splits)
    rows = table1(standard_selectors(clf), splits["test"])
    all_tokens = rows[0].avg_prompt_tokens
    print(f"\nTable 1 on {args.data_dir}/test.jsonl ({len(splits['test'])} records)")
    print(format_table(rows))
    for r in rows:
        print(f"  {r.selector:<22} prompt tokens vs all tools: {all_tokens / r.avg_prompt_tokens:.2f}x smaller")
    lat = latency_ms(clf, [r.query for r in splits["test"][:50]])
    print(f"\nclassifier latency per query: median {lat['median_ms']:.2f} ms, p90 {lat['p90_ms']:.2f} ms "
          f"({lat['torch_threads']} torch threads)")

    rag = EmbeddingRAG(k=max(KS))
    ours = rag_recall_at_k(rag, splits["test"], ks=KS)
    ext = nestools_recall_at_k(rag, args.nestools, ks=KS) if Path(args.nestools).is_file() else None
    print("\nbasic RAG recall@k (record recall / mean recall)")
    print(f"{'k':>3}  {'our test':>15}  {'NesTools':>15}")
    for i, k in enumerate(KS):
        theirs = ext["recall_at_k"][i] if ext else None
        right = f"{theirs['record_recall']:.3f} / {theirs['mean_recall']:.3f}" if theirs else "n/a"
        print(f"{k:>3}  {ours[i]['record_recall']:.3f} / {ours[i]['mean_recall']:.3f}  {right:>15}")
    if ext:
        print(f"NesTools: {ext['records']} records, {ext['avg_offered']:.2f} offered / {ext['avg_gold']:.2f} "
              "gold tools per record on average")

    result = {"command": " ".join([sys.executable.split("/")[-1], *sys.argv]), "args": vars(args),
              "host": {"platform": platform.platform(), "cpus": os.cpu_count(), "torch": torch.__version__},
              "train_seconds": train_s, "train_records": len(splits["train"]), "threshold": clf.threshold,
              "classifier_config": None if args.no_train else config_dict(config_from(args)),
              "table1": [r.to_dict() for r in rows], "latency": lat,
              "rag_recall_at_k": {"ours_test": ours, "nestools": ext},
              "goals": {"recall>=0.998": rows[-1].record_recall >= 0.998, "avg_tools<=4": rows[-1].avg_tools <= 4,
                        "tokens_2x_smaller": all_tokens / rows[-1].avg_prompt_tokens >= 2,
                        "latency<10ms": lat["median_ms"] < 10}}
    write_json_atomic(args.out, result)
    print(f"\nwrote {args.out}")
    return result


if __name__ == "__main__":
    main()
