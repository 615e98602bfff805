"""Spoken dates resolve to the right datetime; the phrasing layer keeps what the plan copies; composed
requests stay valid, short enough and diverse.

Usage: .venv/bin/python -m pytest tests/test_synth_phrasing.py -q
"""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime

import pytest

from tinyagent.plan.parser import parse_plan
from tinyagent.synth import dates
from tinyagent.synth.dates import When, resolve, say
from tinyagent.synth.families_compose import MAX_CALLS
from tinyagent.synth.offline import build_one, generate_offline
from tinyagent.synth.scenarios import SCENARIOS
from tinyagent.synth.phrasing import add_typos, front_date, join_requests, restyle
from tinyagent.synth.report import diversity, validation_report
from tinyagent.synth.world import World

MON = datetime(2024, 5, 27, 9, 0)  # a Monday morning
WED = datetime(2024, 5, 29, 9, 0)
NYE = datetime(2031, 12, 30, 17, 45)

# (reference time, spec, what the user types, what it means)
DATE_TABLE = [
    (MON, When("tomorrow", hour=15, clock="bare", style=5), "tmrw 3", datetime(2024, 5, 28, 15, 0)),
    (MON, When("tomorrow", hour=15, clock="bare"), "tomorrow at 3", datetime(2024, 5, 28, 15, 0)),
    (MON, When("tomorrow", hour=15, style=8), "at 3pm tomorrow", datetime(2024, 5, 28, 15, 0)),
    (MON, When("next_weekday", n=1, hour=12, style=1), "next Tue at noon", datetime(2024, 6, 4, 12, 0)),
    (WED, When("next_weekday", n=1, hour=12, style=1), "next Tue at noon", datetime(2024, 6, 4, 12, 0)),
    (WED, When("next_weekday", n=4, hour=10, style=0), "next week on Friday at 10am", datetime(2024, 6, 7, 10, 0)),
    (MON, When("weekday", n=4, hour=15, clock="24h", style=1), "Fri at 15:00", datetime(2024, 5, 31, 15, 0)),
    (MON, When("weekday", n=0, hour=9, minute=30, style=0), "on Monday at 9:30am", datetime(2024, 6, 3, 9, 30)),
    (WED, When("weekday", n=1, hour=14, clock="12h_space", style=2), "on tues at 2 pm", datetime(2024, 6, 4, 14, 0)),
    (MON, When("in_hours", n=2), "in 2 hours", datetime(2024, 5, 27, 11, 0)),
    (MON, When("in_hours", n=1), "in an hour", datetime(2024, 5, 27, 10, 0)),
    (MON, When("in_minutes", n=45, style=1), "in 45 min", datetime(2024, 5, 27, 9, 45)),
    (MON, When("ordinal", n=14, hour=15), "the 14th at 3pm", datetime(2024, 6, 14, 15, 0)),
    (MON, When("ordinal", n=28, hour=11, style=1), "on the 28th at 11am", datetime(2024, 5, 28, 11, 0)),
    (NYE, When("ordinal", n=2, hour=10), "the 2nd at 10am", datetime(2032, 1, 2, 10, 0)),
    (MON, When("none", hour=15), "at 3pm", datetime(2024, 5, 27, 15, 0)),
    (MON, When("none", hour=8, clock="bare"), "at 8", datetime(2024, 5, 28, 8, 0)),
    (MON, When("none", hour=15, clock="bare"), "at 3", datetime(2024, 5, 27, 15, 0)),
    (MON, When("today", hour=16, clock="oclock"), "today at 4 o'clock", datetime(2024, 5, 27, 16, 0)),
    (MON, When("day_after", hour=17, minute=30, clock="bare"), "the day after tomorrow at 5:30",
     datetime(2024, 5, 29, 17, 30)),
    (MON, When("month_day", n=3, month=6, hour=9, minute=30, clock="12h_space"), "on June 3 at 9:30 am",
     datetime(2024, 6, 3, 9, 30)),
    (MON, When("month_day", n=14, month=6, hour=12, style=1), "Jun 14th at noon", datetime(2024, 6, 14, 12, 0)),
    (MON, When("month_day", n=1, month=5, hour=8), "on May 1 at 8am", datetime(2025, 5, 1, 8, 0)),
    (MON, When("in_days", n=3, hour=18), "in 3 days at 6pm", datetime(2024, 5, 30, 18, 0)),
    (MON, When("tomorrow", hour=-1, style=1), "tmrw", datetime(2024, 5, 28, 0, 0)),
    (MON, When("weekday", n=4, hour=-1, style=1), "Fri", datetime(2024, 5, 31, 0, 0)),
]


@pytest.mark.parametrize("ref,spec,phrase,expected", DATE_TABLE, ids=[row[2] for row in DATE_TABLE])
def test_date_surface_forms_resolve(ref, spec, phrase, expected):
    assert say(spec) == phrase
    assert resolve(spec, ref) == expected


def test_bare_hours_outside_the_rule_are_refused():
    with pytest.raises(ValueError, match="bare hour"):
        When("tomorrow", hour=21, clock="bare")
    with pytest.raises(ValueError, match="day"):
        When("someday")


def test_sampled_dates_are_future_and_corrections_end_with_the_true_time():
    rng = random.Random(0)
    kinds = Counter()
    for ref in (MON, WED, NYE):
        for _ in range(2000):
            w = dates.sample(rng, ref)
            kinds[w.day] += 1
            when = resolve(w, ref)
            assert ref < when <= datetime(ref.year + 1, 12, 31), (w, when)
            fixed = dates.corrected(rng, w)
            if fixed:
                assert fixed.endswith(dates.clock_text(w.hour, w.minute))
            day = dates.sample(rng, ref, all_day=True)
            assert day.hour == -1 and resolve(day, ref).time() == datetime.min.time() and resolve(day, ref) > ref
    assert set(kinds) == set(dates.DAY_KINDS)


def test_typos_and_restyling_leave_protected_spans_alone():
    protected = ["Sid Patel", "I'm running about 10 minutes late", "Blue Bottle Coffee", "tmrw at 3"]
    query = "Text Sid Patel that I'm running about 10 minutes late, and meet at Blue Bottle Coffee tmrw at 3."
    changed = 0
    for seed in range(400):
        out = restyle(random.Random(seed), query, protected[:3], protected[3:])
        changed += out != query
        for p in protected:
            assert p.casefold() in out.casefold(), (seed, out)
    assert changed > 300
    typo = add_typos(random.Random(1), "Please remind me about Sid", ["Sid"], k=2)
    assert typo != "Please remind me about Sid" and typo.endswith("Sid")
    assert add_typos(random.Random(1), "Sid Bo", ["Sid", "Bo"]) == "Sid Bo"  # nothing unprotected to touch


def test_word_order_and_joins():
    assert front_date("Remind me to pay rent in 2 hours.", ["in 2 hours"]) == "in 2 hours, remind me to pay rent."
    assert front_date("Remind me at 3 to pay rent.", ["at 3"]) == "Remind me at 3 to pay rent."
    joined = {join_requests(random.Random(s), ["What's Sid's number?", "Remind me to pay rent."]) for s in range(30)}
    assert all(j.startswith("What's Sid's number? ") for j in joined) and len(joined) > 2
    joined = {join_requests(random.Random(s), ["Text Sid hi.", "Sid is late."]) for s in range(30)}
    assert any("Sid is late" in j for j in joined) and not any("sid is late" in j for j in joined)


@pytest.fixture(scope="module")
def default4000():
    return generate_offline(4000, seed=0)


def test_default_generation_is_diverse(default4000):
    stats = diversity(default4000)
    # Before the phrasing layer and composed families: 41 tool sets, 66 skeletons, 749 words, 25/36 app pairs.
    assert stats["distinct_tool_sets"] >= 300 and stats["distinct_plan_skeletons"] >= 500
    assert stats["vocabulary"] >= 1200 and stats["app_pair_share"] == 1.0
    assert stats["max_calls_per_plan"] == MAX_CALLS and set(stats["calls_per_plan"]) == {str(i) for i in range(1, 8)}
    queries = [r.query for r in default4000]
    assert sum(q == q.lower() for q in queries) > 400  # all-lowercase typing
    assert sum(not q.rstrip().endswith((".", "?", "!")) for q in queries) > 400  # no final period


def test_composed_records_are_valid_and_bounded(default4000):
    composed = [r for r in default4000 if r.meta["family"] in ("wired", "combo")]
    assert len(composed) > 1000
    assert validation_report(composed)["valid"] == len(composed)
    wired = [parse_plan(r.plan) for r in default4000 if r.meta["family"] == "wired"]
    assert all(any(t.deps for t in p.tasks) for p in wired)  # an output really feeds an input
    assert max(len(p.tasks) for p in wired) <= MAX_CALLS


def test_nicknames_look_up_the_first_name():
    world = World(("Michael Ross", "Ann Lee", "Bo Chen", "Kim Ito", "Raj Rao"))
    recs = generate_offline(600, seed=3, reference_time=MON, world=world)
    said_mike = [r for r in recs if "mike" in r.query.casefold()]
    assert said_mike
    for r in said_mike:
        args = [t.args[0] for t in parse_plan(r.plan).tasks if t.tool in ("get_phone_number", "get_email_address")]
        assert "Mike" not in args and any(a.startswith("Michael") for a in args), (r.query, r.plan)


def test_self_corrections_use_the_corrected_value():
    recs = generate_offline(1500, seed=5, reference_time=MON, families=["directions"])
    seps = (", no, ", ", sorry, ", " - no, ", ", actually ")
    fixed = [r for r in recs if any(s in r.query.casefold() for s in seps)]
    assert len(fixed) > 20
    modes = {"walking": "w", "on foot": "w", "driving": "d", "by car": "d", "by public transit": "r", "by train": "r"}
    for r in fixed:
        q = r.query.casefold()
        last = q[max(q.rfind(s) + len(s) for s in seps if s in q):]
        said = next(m for m in modes if last.startswith(m))
        task = next(t for t in parse_plan(r.plan).tasks if t.tool == "maps_show_directions")
        assert task.args[2] == modes[said], (r.query, r.plan)


def test_phrasing_is_deterministic_and_can_be_switched_off():
    a = generate_offline(300, seed=9, reference_time=MON)
    b = generate_offline(300, seed=9, reference_time=MON)
    assert [r.to_dict() for r in a] == [r.to_dict() for r in b]
    world, changed = World.default(0), 0
    for i, family in enumerate(sorted(SCENARIOS) * 5):
        styled = build_one(random.Random(i), world, MON, family, phrasing=True)
        plain = build_one(random.Random(i), world, MON, family, phrasing=False)
        assert styled[1] == plain[1]  # phrasing changes the words, never the plan
        changed += styled[0] != plain[0]
    assert changed > len(SCENARIOS) * 5 // 2
