"""The hand-written natural test set (data/fixtures/natural.jsonl) is well-formed, runnable and unseen.

Checks: every record loads (record reader and evaluation loader); every gold plan parses, validates
against the 16 tools and is in rendered form; every plan runs on the sandbox world the generator
uses with no tool error, and every name reaches the person meant; all tools and shapes occur;
dates are not before the reference time; and no query occurs in what the offline generator
produces (notebook 01's `synthesize`, default seed).

Usage: .venv/bin/python -m pytest tests/test_natural_fixture.py -q
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from tinyagent.data.natural import NATURAL_PATH, load_natural
from tinyagent.data.records import SHAPES, Record, normalize_query, plan_shape, read_jsonl
from tinyagent.evaluate.datasets import load_eval_records
from tinyagent.plan import load_plan, parse_plan, render_plan
from tinyagent.sandbox import SandboxBackend
from tinyagent.synth.execcheck import SandboxChecker
from tinyagent.synth.offline import DEFAULT_REFERENCE_TIME
from tinyagent.synth.pipeline import synthesize
from tinyagent.tools.assistant import ASSISTANT_TOOLS, DATE_FORMAT

REPO = NATURAL_PATH.parents[2]
GENERATED_SIZE = 4000  # records of the default profile's notebook 01 run
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
_NOT_WORD = re.compile(r"[^\w\s]")
# Names written with a typo or a short form, and the person meant; every other name is a first,
# last or full name of its contact exactly.
MEANT = {"Kelsy": "Kelsey Fletcher", "Nathen": "Nathan Jackson", "Samanta Banks": "Samantha Banks",
         "Matt Richardson": "Matthew Richardson", "Ben Garcia": "Benjamin Garcia",
         "Cathy Johnston": "Catherine Johnston", "Jen Ross": "Jennifer Ross",
         "Mike Roberts": "Michael Roberts", "Josh Cain": "Joshua Cain"}


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return load_natural()


def loose_key(query: str) -> str:
    """Coarser than `normalize_query` (catches more near-repeats): punctuation dropped too, so 'where's x?' == 'wheres x'."""
    return " ".join(_NOT_WORD.sub("", normalize_query(query)).split())


def test_loads_through_both_loaders(records):
    assert len(records) >= 100
    assert read_jsonl(NATURAL_PATH) == records
    assert [r.id for r in load_eval_records(NATURAL_PATH)] == [r.id for r in records]
    assert len({r.id for r in records}) == len(records)
    assert all(re.fullmatch(r"nat-\d{3}", r.id) for r in records)
    assert {r.source for r in records} == {"natural"}
    assert {r.meta["reference_time"] for r in records} == {DEFAULT_REFERENCE_TIME}
    assert len({normalize_query(r.query) for r in records}) == len(records)


def test_gold_plans_validate_and_are_rendered(records):
    for r in records:
        plan = load_plan(r.plan, ASSISTANT_TOOLS)  # raises PlanError listing every issue
        assert render_plan(plan) == r.plan, r.id
        assert r.tools == tuple(sorted(set(plan.tools))), r.id
        assert r.shape == plan_shape(plan), r.id


def test_covers_every_tool_and_shape_with_a_realistic_mix(records):
    plans = [parse_plan(r.plan) for r in records]
    assert {t.tool for p in plans for t in p.tasks} == set(ASSISTANT_TOOLS.names)
    shapes = Counter(r.shape for r in records)
    assert set(shapes) == set(SHAPES) and min(shapes.values()) >= 5, shapes
    sizes = Counter(len(p.tasks) for p in plans)
    assert 0.15 <= sizes[1] / len(records) <= 0.35, sizes  # roughly a quarter single calls
    assert sum(sizes[n] for n in (2, 3, 4)) >= len(records) / 2, sizes
    assert sizes[5] + sizes[6] >= 5, sizes


def test_queries_read_like_typed_requests(records):
    assert not [r.id for r in records if r.query.rstrip().endswith(".")]
    lower = sum(r.query == r.query.lower() for r in records)
    assert 0.6 * len(records) <= lower < len(records)  # mostly all lowercase, some auto-capitalised
    styles = Counter(s for r in records for s in r.meta["styles"])
    for style in ("terse", "question", "typo", "self_correction", "multi_intent", "relative_date"):
        assert styles[style] >= 5, (style, styles)


def test_dates_are_not_before_the_reference_time(records):
    ref = datetime.strptime(DEFAULT_REFERENCE_TIME, DATE_FORMAT)
    dates = [a for r in records for t in parse_plan(r.plan).tasks for a in t.args
             if isinstance(a, str) and _DATE.match(a)]
    assert len(dates) >= 50
    assert [d for d in dates if datetime.strptime(d, DATE_FORMAT) < ref] == []


def test_every_gold_plan_executes_on_the_sandbox(records):
    # The same world the generator's plans run on: seeded contacts, documents and notes.
    with SandboxChecker(seed=0, reference_time=DEFAULT_REFERENCE_TIME) as check:
        failures = {r.id: errors for r in records if (errors := check(r))}
    assert failures == {}


def test_every_name_resolves_to_the_person_meant(records, tmp_path):
    book = SandboxBackend(tmp_path, seed=0).contacts
    names = {t.args[0] for r in records for t in parse_plan(r.plan).tasks
             if t.tool in ("get_phone_number", "get_email_address")}
    assert set(MEANT) <= names
    for name in names:
        person = book.find(name)
        if name in MEANT:
            assert person.full_name == MEANT[name], (name, person.full_name)
        else:
            forms = {f.casefold() for f in (person.first_name, person.last_name, person.full_name)}
            assert name.casefold() in forms, (name, person.full_name)


def test_loose_key_ignores_case_spacing_and_punctuation():
    assert loose_key("Where's  Dolores Park?") == loose_key("wheres dolores park") == "wheres dolores park"
    assert loose_key("text sid hi") != loose_key("text sid, hi there")


def test_no_query_occurs_in_generated_data(records, tmp_path):
    ds = synthesize(GENERATED_SIZE, seed=0, out_dir=tmp_path)
    generated = list(ds.records)
    assert len(ds.splits["train"]) > 0.8 * GENERATED_SIZE
    existing = [REPO / "data" / "generated" / "train.jsonl", *REPO.glob("outputs/*/data/train.jsonl")]
    for path in existing:
        if Path(path).is_file():
            generated += read_jsonl(path)
    seen = {loose_key(r.query) for r in generated}
    assert not [r.query for r in records if loose_key(r.query) in seen]
