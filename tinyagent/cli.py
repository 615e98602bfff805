"""Command line: validate, run and score plans.

    python -m tinyagent check-plan plan.txt            # validate; prints every issue
    python -m tinyagent run-plan plan.txt --workspace outputs/sandbox
    python -m tinyagent score --gold gold.jsonl --pred pred.jsonl [--strict] [--out summary.json]
    python -m tinyagent eval --data data/generated/test.jsonl --backend llamacpp --limit 30 --out DIR
    python -m tinyagent ask "Text Sid that I am late" [--yes] [--workspace outputs/sandbox]

Exit status: 0 success, 1 the plan/score ran but something failed, 2 bad input (named on stderr).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Sequence

from tinyagent.atomic import write_json_atomic
from tinyagent.data.plan_files import PlanFile, PlanFileError, check_gold, plan_catalog, read_catalog, read_plan_file
from tinyagent.data.text import read_utf8
from tinyagent.plan import PlanError, check_plan, load_plan
from tinyagent.tools import ASSISTANT_TOOLS


class CliError(Exception):
    """Bad input: the message is printed as is and the exit status is 2."""


def _read_text(path: str) -> str:
    try:
        return read_utf8(path)
    except OSError as e:
        raise CliError(f"cannot read {path}: {e.strerror or e}") from None
    except ValueError as e:  # not UTF-8: the message names the file, line and column
        raise CliError(str(e)) from None


def read_plan_jsonl(path: str) -> dict[str, str]:
    """`{"id": ..., "plan": "..."}` per line (or an evaluation dataset) -> {id: plan text}; CliError
    naming the bad line."""
    return _plan_file(path).plans


def _plan_file(path: str) -> PlanFile:
    try:
        return read_plan_file(path)
    except PlanFileError as e:
        raise CliError(str(e)) from None


def cmd_check_plan(args: argparse.Namespace) -> int:
    issues = check_plan(_read_text(args.file), None if args.no_catalog else ASSISTANT_TOOLS)
    for issue in issues:
        print(issue)
    print("OK" if not issues else f"{len(issues)} issue(s)")
    return 0 if not issues else 1


def cmd_run_plan(args: argparse.Namespace) -> int:
    from tinyagent.execute import execute_plan

    try:
        plan = load_plan(_read_text(args.file), ASSISTANT_TOOLS)
    except PlanError as e:
        raise CliError("invalid plan:\n" + "\n".join(f"  {i}" for i in e.issues)) from None
    if not args.timeout > 0:  # also refuses nan, for which every comparison is false
        raise CliError(f"--timeout {args.timeout}: must be a positive number of seconds")
    backend = _backend(args.backend, args.workspace)
    report = execute_plan(plan, backend, timeout=args.timeout)
    if args.json:
        print(report.to_json())
        return 0 if report.ok else 1
    for r in report.results:
        detail = r.result if r.status == "done" else r.error
        print(f"{r.idx}. {r.tool} [{r.status}] {detail}")
    print(f"wall {report.wall_time:.3f}s, critical path {list(report.critical_path)} "
          f"{report.critical_path_time:.3f}s, {report.counts}")
    return 0 if report.ok else 1


def _backend(name: str, workspace: str) -> Any:
    """The tool backend to run on; CliError naming --workspace when the sandbox cannot live there."""
    from tinyagent.backends import get_backend, resolve_backend

    if resolve_backend(name) != "sandbox":
        return get_backend(name)
    root = Path(workspace)
    if root.exists() and not root.is_dir():
        raise CliError(f"--workspace {workspace}: is not a folder")
    try:
        return get_backend("sandbox", root=root)
    except (OSError, ValueError) as e:  # no permission, a file in the way, a symlink refused
        raise CliError(f"--workspace {workspace}: cannot use it as a sandbox workspace: "
                       f"{getattr(e, 'strerror', None) or e}") from None


def cmd_score(args: argparse.Namespace) -> int:
    from tinyagent.metrics import score_many

    try:
        catalog = read_catalog(args.catalog) if args.catalog else None
        gold = read_plan_file(args.gold)
        check_gold(gold, catalog)  # before anything is scored: a bad gold plan is bad input (exit 2)
        pred = read_plan_file(args.pred)
    except PlanFileError as e:
        raise CliError(str(e)) from None
    extra = sorted(set(pred.plans) - set(gold.plans))
    if extra:
        print(f"warning: {len(extra)} prediction id(s) not in gold are ignored, e.g. {extra[:3]}", file=sys.stderr)
    ids = list(gold.plans)
    summary = score_many([pred.plans.get(i) for i in ids], [gold.plans[i] for i in ids], strict=args.strict,
                         catalog=[plan_catalog(gold, i, catalog) for i in ids])
    summary["missing_predictions"] = sum(i not in pred.plans for i in ids)
    if args.out:
        _write_summary(args.out, summary)
    _print_summary(summary)
    return 0


def _write_summary(out: str, summary: dict[str, Any]) -> None:
    path = Path(out)
    if path.is_dir() or out.endswith(("/", "\\")):
        raise CliError(f"--out {out}: is a folder; give a file name such as {path / 'summary.json'}")
    try:
        write_json_atomic(path, summary)
    except OSError as e:
        raise CliError(f"--out {out}: cannot write: {e.strerror or e}") from None


def _print_summary(summary: dict[str, Any]) -> None:
    lo, hi = summary["ci95"]
    print(f"success {summary['successes']}/{summary['n']} = {summary['success_rate']:.2%} "
          f"(95% CI {lo:.2%}-{hi:.2%}){' [strict]' if summary['strict'] else ''}")
    for category, count in summary["errors"].items():
        print(f"  {category:<20} {count}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tinyagent", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check-plan", help="validate a plan file ('-' for stdin)")
    check.add_argument("file")
    check.add_argument("--no-catalog", action="store_true", help="check structure only, any tool names")
    check.set_defaults(func=cmd_check_plan)
    run = sub.add_parser("run-plan", help="execute a plan file on a tool backend")
    run.add_argument("file")
    run.add_argument("--backend", default="sandbox", choices=["sandbox", "macos", "auto"])
    run.add_argument("--workspace", default="outputs/sandbox", help="sandbox workspace folder")
    run.add_argument("--timeout", type=float, default=30.0, help="seconds per tool call")
    run.add_argument("--json", action="store_true", help="print the full execution report as JSON")
    run.set_defaults(func=cmd_run_plan)
    score = sub.add_parser("score", help="DAG success rate of predicted plans against gold plans")
    score.add_argument("--gold", required=True, help='JSONL of {"id", "plan"}')
    score.add_argument("--pred", required=True, help='JSONL of {"id", "plan"}; missing ids count as failures')
    score.add_argument("--strict", action="store_true", help="also compare normalised arguments")
    score.add_argument("--catalog", help="'assistant' (the 16 built-in tools) or a JSON file of OpenAI tool "
                       "schemas: gold plans are checked against it and other tools count as hallucinated; "
                       "without it any tool names are scored (per-record tools of a dataset still apply)")
    score.add_argument("--out", help="write the summary JSON here")
    score.set_defaults(func=cmd_score)
    # eval and ask keep their options and logic in their own packages (imported lazily when run).
    from tinyagent.agent import ask
    from tinyagent.evaluate import command as eval_command
    evaluate = sub.add_parser("eval", help="plan and score a dataset (resumable); see tinyagent.evaluate")
    eval_command.add_arguments(evaluate)
    evaluate.set_defaults(func=cmd_eval)
    ask_cmd = sub.add_parser("ask", help="run the agent end to end on the sandbox")
    ask.add_arguments(ask_cmd)
    ask_cmd.set_defaults(func=cmd_ask)
    return parser


def cmd_eval(args: argparse.Namespace) -> int:
    from tinyagent.evaluate import command

    try:
        return command.run(args)
    except (ValueError, FileNotFoundError) as e:  # DatasetError, ConfigMismatch, bad flags
        raise CliError(str(e)) from None


def cmd_ask(args: argparse.Namespace) -> int:
    from tinyagent.agent import ask

    try:
        return ask.run(args)
    except (ValueError, FileNotFoundError) as e:
        raise CliError(str(e)) from None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv  # the exact command line, recorded by `eval` in its summary
    try:
        return args.func(args)
    except CliError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
