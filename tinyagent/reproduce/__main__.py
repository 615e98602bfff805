"""The main job: run the notebook series of a profile and write the report.

    python -m tinyagent.reproduce --profile default            # outputs/default/REPORT.md
    python -m tinyagent.reproduce --profile smoke --run-id ci  # outputs/ci/...
    python -m tinyagent.reproduce --profile my.yaml --force    # re-run every step

Exit status: 0 all steps ran (or were up to date), 1 a notebook failed, 2 a bad profile.
"""
from __future__ import annotations

import argparse
import logging
import shlex
import sys
import time
from pathlib import Path

from tinyagent.layout import RunLayout
from tinyagent.reproduce.manifest import Manifest
from tinyagent.reproduce.profile import REPO, ProfileError, load_profile
from tinyagent.reproduce.report import git_commit, machine_info, write_report
from tinyagent.reproduce.report_json import write_report_json
from tinyagent.reproduce.runner import StepFailed, run_profile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinyagent.reproduce", description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="default", help="smoke, default, paper, or a YAML path")
    parser.add_argument("--run-id", help="folder name under outputs/ (default: the profile name)")
    parser.add_argument("--outputs", default=str(REPO / "outputs"), help="where run folders go")
    parser.add_argument("--force", action="store_true", help="re-run steps even when up to date")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    try:
        profile = load_profile(args.profile)
    except ProfileError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    # --outputs is a command-line path: relative to where the command runs (RunLayout would take it from the repo)
    run_dir = Path(args.outputs).absolute() / (args.run_id or profile.name)
    command = "python -m tinyagent.reproduce " + " ".join(map(shlex.quote, sys.argv[1:] if argv is None else argv))
    started, failure, runs = time.time(), None, []
    try:
        run_profile(profile, run_dir, force=args.force, on_step=runs.append)
    except StepFailed as e:
        failure = str(e)
        print(f"error: {failure}", file=sys.stderr)
    wall_s, steps = time.time() - started, Manifest(RunLayout(run_dir).manifest).steps
    report = write_report(profile, runs, run_dir, command=command, wall_s=wall_s, manifest=steps, failure=failure)
    numbers = write_report_json(RunLayout(run_dir), runs, command=command, commit=git_commit(), profile=profile.name,
                                wall_s=wall_s, manifest=steps, machine=machine_info())
    print(f"report: {report} and {numbers}")
    return 1 if failure else 0


if __name__ == "__main__":
    sys.exit(main())
