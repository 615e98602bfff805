"""Generated gold plans execute on the sandbox without a single tool error.

Usage: .venv/bin/python -m pytest tests/test_synth_execute.py -q
"""
from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from tinyagent.sandbox import SandboxBackend
from tinyagent.synth.execcheck import SandboxChecker
from tinyagent.synth.offline import generate_offline
from tinyagent.synth.report import validation_report
from tinyagent.synth.world import World


def test_300_generated_records_execute_on_the_sandbox():
    records = generate_offline(300, seed=5, reference_time="2024-05-27 09:00:00")
    assert len(Counter(r.meta["family"] for r in records)) >= 20  # the sample spans the families
    with SandboxChecker(seed=0, reference_time="2024-05-27 09:00:00") as check:
        report = validation_report(records, execute=check)
    assert report["valid"] == 300 and report["executed"] == 300
    assert report["execution_failed"] == 0, report["execution_failed_ids"]


def test_composed_records_execute_on_the_sandbox():
    records = generate_offline(400, seed=8, reference_time="2024-05-27 09:00:00", families=["wired", "combo"])
    assert len({r.meta["template"] for r in records}) > 200  # many different compositions
    with SandboxChecker(seed=0, reference_time="2024-05-27 09:00:00") as check:
        report = validation_report(records, execute=check)
    assert report["valid"] == 400 and report["executed"] == 400
    assert report["execution_failed"] == 0, report["execution_failed_ids"]


def test_checker_reports_tool_errors():
    records = generate_offline(200, seed=1, reference_time="2024-05-27 09:00:00")
    sms = next(r for r in records if r.meta["family"] == "text_person")
    broken = type(sms)(sms.id, sms.query, sms.plan.replace(sms.plan.split('"')[1], "Nobody Atall"),
                       sms.tools, sms.shape)
    with SandboxChecker(seed=0) as check:
        assert check(sms) == []
        errors = check(broken)
    assert errors and "get_phone_number: failed" in errors[0] and "Nobody Atall" in errors[0]


def test_world_from_sandbox_matches_default_people():
    root = Path(tempfile.mkdtemp())
    backend = SandboxBackend(root, seed=0)
    world = World.from_sandbox(backend)
    assert set(world.contacts) == set(World.default(0).contacts)
    assert set(world.pdfs) <= set(World.default(0).pdfs)
