"""`python -m tinyagent eval`: the command-line front of the evaluation harness.

    python -m tinyagent eval --data data/generated/test.jsonl --backend llamacpp --limit 30 \\
        --out outputs/eval/smollm2_base
    python -m tinyagent eval --data ../shared/data/external/nestools/test_data.jsonl --limit 50 \\
        --selector all --grammar --out outputs/eval/nestools_grammar

Rerunning with the same --out resumes (skips records already predicted). Exit status: 0 done,
2 bad input (named on stderr). The summary is printed and written to OUT/summary.json.

Example:
    >>> import argparse
    >>> p = argparse.ArgumentParser(); add_arguments(p)
    >>> a = p.parse_args(["--data", "d.jsonl", "--out", "o", "--no-grammar"])
    >>> a.backend, a.selector, a.grammar, a.limit
    ('llamacpp', 'all', False, None)
"""
from __future__ import annotations

import argparse
import logging
import shlex
import sys
from pathlib import Path
from typing import Any

from tinyagent.data.splits import file_sha256
from tinyagent.factory import add_planner_options, planner_from_args

log = logging.getLogger(__name__)

def add_arguments(p: argparse.ArgumentParser) -> None:
    """The `eval` options (kept here so cli.py stays small)."""
    p.add_argument("--data", required=True, help="our JSONL, NesTools JSONL or upstream TinyAgent JSON")
    p.add_argument("--out", required=True, help="output folder: predictions.jsonl, summary.json, config.json")
    add_planner_options(p)  # backend, model, selector, grammar, decoding: shared with `ask`
    p.add_argument("--examples", type=int, default=0, help="retrieved in-context examples per prompt")
    p.add_argument("--examples-from", default="data/generated/train.jsonl",
                   help="JSONL the in-context examples are retrieved from (never the evaluated split)")
    p.add_argument("--limit", type=int, default=None, help="only the first N records")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def settings_of(args: argparse.Namespace) -> dict[str, Any]:
    """What identifies a run for resuming: data (path + hash), model and decoding settings."""
    data = Path(args.data).resolve()
    return {"data": str(data), "data_sha256": file_sha256(data), "backend": args.backend, "model": args.model,
            "adapter": args.adapter, "base_url": args.base_url, "grammar": args.grammar, "selector": args.selector,
            "k": args.k if args.selector == "rag" else None,
            "classifier_dir": args.classifier_dir if args.selector == "classifier" else None,
            "examples": args.examples, "examples_from": args.examples_from if args.examples else None,
            "max_tokens": args.max_tokens}


def run(args: argparse.Namespace) -> int:
    """Run `eval`; returns the exit status. Bad input raises ValueError / FileNotFoundError."""
    from tinyagent.evaluate.datasets import load_eval_records
    from tinyagent.evaluate.harness import run_eval
    from tinyagent.evaluate.summary import format_summary

    if args.limit is not None and args.limit < 1:
        raise ValueError(f"--limit must be >= 1, got {args.limit}")
    records = load_eval_records(args.data)
    records = records[: args.limit] if args.limit else records
    settings = settings_of(args)
    retriever = None
    if args.examples:
        if Path(args.examples_from).resolve() == Path(args.data).resolve():
            raise ValueError("--examples-from is the evaluated file: examples would leak the answers")
        from tinyagent.toolrag.examples import ExampleRetriever
        retriever = ExampleRetriever.from_jsonl(args.examples_from)
    command = shlex.join(["python", "-m", "tinyagent", *getattr(args, "argv", sys.argv[1:])])
    planner = planner_from_args(args, retriever=retriever, n_examples=args.examples)
    summary = run_eval(records, planner, out_dir=args.out, settings=settings, command=command,
                       progress=not args.no_progress)
    print(format_summary(summary))
    print(f"wrote {Path(args.out) / 'summary.json'}")
    return 0
