"""Tests for the offline generator, splits, dataset files and diversity reports.

Usage: .venv/bin/python -m pytest tests/test_synth.py -q
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from tinyagent.data.records import Record, normalize_query, plan_shape, read_jsonl
from tinyagent.plan.parser import parse_plan
from tinyagent.plan.validate import check_plan
from tinyagent.synth.offline import generate_offline, iter_offline
from tinyagent.synth.report import diversity, plot_histograms, validation_report
from tinyagent.synth.scenarios import SCENARIOS
from tinyagent.synth.splits import sizes_for, split_records, write_splits
from tinyagent.synth.world import World
from tinyagent.tools.assistant import ASSISTANT_TOOLS, DATE_FORMAT

REF = datetime(2024, 5, 27, 9, 0)
_DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return generate_offline(3000, seed=7, reference_time=REF)


def test_every_plan_is_valid_and_fields_are_derived(records):
    assert validation_report(records, ASSISTANT_TOOLS)["valid"] == len(records)
    for r in records[:500]:
        plan = parse_plan(r.plan)
        assert r.tools == tuple(sorted(set(plan.tools))) and r.shape == plan_shape(plan)
        assert set(r.meta["distractors"]).isdisjoint(r.tools) and r.meta["distractors"]


def test_covers_all_tools_shapes_and_families(records):
    assert {t for r in records for t in r.tools} == set(ASSISTANT_TOOLS.names)
    assert {r.shape for r in records} == {"single", "chain", "fan_in", "fan_out", "parallel", "mixed"}
    assert {r.meta["family"] for r in records} == set(SCENARIOS)
    lengths = {len(parse_plan(r.plan).tasks) for r in records}
    assert {1, 2, 3, 4, 5} <= lengths


def test_deterministic_and_seed_dependent():
    a = generate_offline(200, seed=3, reference_time=REF)
    b = generate_offline(200, seed=3, reference_time=REF)
    c = generate_offline(200, seed=4, reference_time=REF)
    assert [r.to_dict() for r in a] == [r.to_dict() for r in b]
    assert [r.query for r in a] != [r.query for r in c]


def test_dates_follow_the_reference_time():
    for ref in (REF, datetime(2031, 12, 30, 17, 45)):
        for r in generate_offline(400, seed=1, reference_time=ref):
            for d in _DATE.findall(r.plan):
                when = datetime.strptime(d, DATE_FORMAT)
                # all-day reminders are due at midnight of their day
                assert ref - timedelta(days=1) < when <= ref + timedelta(days=60), (r.query, d)
    first = generate_offline(50, seed=1, reference_time=REF)
    later = generate_offline(50, seed=1, reference_time=REF + timedelta(days=3))
    assert [r.plan for r in first] != [r.plan for r in later]


def test_no_duplicate_queries_at_scale():
    queries = [r.query for r in generate_offline(20000, seed=11, reference_time=REF)]
    assert len({normalize_query(q) for q in queries}) == 20000


def test_names_come_from_the_world():
    world = World(("Zed Quorn", "Yara Pell", "Xavi Lund", "Wim Ostra", "Vic Hale"))
    for r in generate_offline(300, seed=2, reference_time=REF, world=world):
        for t in parse_plan(r.plan).tasks:
            if t.tool in ("get_phone_number", "get_email_address"):
                assert t.args[0].split()[0] in {"Zed", "Yara", "Xavi", "Wim", "Vic"}


def test_unknown_family_and_bad_arguments_are_named():
    with pytest.raises(ValueError, match="unknown scenario families.*nope"):
        next(iter_offline(0, REF, World.default(0), ["nope"]))
    with pytest.raises(ValueError, match="reference_time"):
        generate_offline(1, reference_time="tomorrow")
    with pytest.raises(ValueError, match="at least 4 contacts"):
        World(("A B",))


def test_exhausted_space_fails_loudly():
    # Without the phrasing layer (which makes the space practically endless) 4 people x 5 templates
    # x a few openers cannot give 500 distinct queries.
    tiny = World(("Ann Lee", "Bo Chen", "Cy Dow", "Di Eck"))
    with pytest.raises(RuntimeError, match="exhausted"):
        generate_offline(500, seed=0, reference_time=REF, world=tiny, families=["email_lookup"], phrasing=False)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 120), val=st.integers(0, 30), test=st.integers(0, 30))
def test_splits_disjoint_and_exact(seed, n, val, test):
    recs = [Record(f"r{i}", f"query number {i % max(1, n - 5)}", "p", (), "single") for i in range(n)]
    distinct = len({r.query for r in recs})
    sizes = {"train": max(0, distinct - val - test), "val": val, "test": test}
    if sum(sizes.values()) > distinct:
        with pytest.raises(ValueError, match="distinct queries"):
            split_records(recs, sizes, seed)
        return
    splits = split_records(recs, sizes, seed)
    assert {k: len(v) for k, v in splits.items()} == sizes
    keys = [{normalize_query(r.query) for r in v} for v in splits.values()]
    assert sum(len(k) for k in keys) == len(set().union(*keys))  # no query in two splits
    assert split_records(recs, sizes, seed) == splits  # deterministic


def test_write_splits_and_reports(tmp_path, records):
    sizes = sizes_for(len(records))
    info = write_splits(tmp_path, split_records(records, sizes, seed=0), seed=7)
    assert {k: v["records"] for k, v in info["splits"].items()} == sizes
    assert len(read_jsonl(tmp_path / "val.jsonl")) == sizes["val"]
    stats = diversity(records)
    assert stats["families"] == len(SCENARIOS) and stats["templates"] > 3 * len(SCENARIOS)
    assert stats["vocabulary"] > 500 and sum(stats["shapes"].values()) == len(records)
    png = plot_histograms(stats, tmp_path / "hist.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_validation_report_counts_issues():
    good = generate_offline(2, seed=0, reference_time=REF)
    bad = Record("bad", "Text Sid", '1. send_sms(["$2"], "hi")\n2. join()<END_OF_PLAN>', ("send_sms",), "single")
    rep = validation_report(good + [bad])
    assert rep["valid"] == 2 and rep["invalid_ids"] == ["bad"] and sum(rep["issues"].values()) >= 1
    assert check_plan(good[0].plan, ASSISTANT_TOOLS) == []
