"""Error taxonomy, strict argument matching and score summaries, on hand-written plan texts.

Usage: .venv/bin/python -m pytest tests/test_metrics_taxonomy.py -q
"""
import json
import math
from statistics import NormalDist

import pytest

from tinyagent.metrics import ERROR_CATEGORIES, PlanScore, score_many, score_plan, wilson_interval
from tinyagent.plan import Plan, Task
from tinyagent.tools import ASSISTANT_TOOLS

GOLD = """1. get_email_address("Sid")
2. get_email_address("Lutfi")
3. create_calendar_event("Design review", "2024-05-30 14:00:00", "2024-05-30 15:00:00", "", ["$1", "$2"], "", "")
Thought: I have created the event.
4. join()<END_OF_PLAN>"""

# One case per category; each predicted plan also triggers every later category where it can, so
# the expected label checks the priority order too.
CASES = {
    "parse_error": [
        '1. get_email_address("Sid"\n2. join()<END_OF_PLAN>',  # unclosed call
        "Sure! Here is the plan: first I look up Sid.",  # prose, no plan
        '1) get_email_address("Sid")\n2) join()',  # not the `N. tool(args)` syntax
        '1. get_email_address("Sid")\n2. create_calendar_event("x", "y", "z", "", ["$3"], "", "")\n3. join()',
        '1. send_sms(["$2"], "hi")\n2. get_phone_number("Sid")\n3. join()',  # forward reference
        '1. get_email_address("Sid")\n1. get_email_address("Lutfi")\n2. join()',  # duplicate number
    ],
    "missing_join": [
        '1. get_email_address("Sid")\n2. get_email_address("Lutfi")',  # truncated before join
        '1. get_email_address("Sid")\n2. send_whatsapp("$1")',  # unknown tool, but no join first
    ],
    "hallucinated_tool": [
        '1. get_email_address("Sid")\n2. get_email_address("Lutfi")\n'
        '3. create_calendar_invite("Design review", ["$1", "$2"])\n4. join()<END_OF_PLAN>',
    ],
    "missing_call": [
        '1. get_email_address("Sid")\n'
        '2. create_calendar_event("Design review", "2024-05-30 14:00:00", "", "", ["$1"], "", "")\n3. join()',
    ],
    "extra_call": [
        GOLD.replace("4. join()", '4. send_sms(["$1"], "see you")\n5. join()'),
    ],
    "wrong_tool_set": [
        '1. get_phone_number("Sid")\n2. get_email_address("Lutfi")\n'
        '3. create_calendar_event("Design review", "", "", "", ["$1", "$2"], "", "")\n4. join()',
    ],
    "wrong_dependencies": [
        GOLD.replace('["$1", "$2"]', '["$1"]'),  # one edge dropped
        GOLD.replace('get_email_address("Lutfi")', 'get_email_address("$1")'),  # one edge added
    ],
}


@pytest.mark.parametrize("category,text", [(c, t) for c, texts in CASES.items() for t in texts])
def test_each_failure_gets_its_category(category, text):
    score = score_plan(text, GOLD, catalog=ASSISTANT_TOOLS)
    assert (score.success, score.error) == (False, category), score.detail
    assert score.detail  # says why


def test_no_output_is_a_parse_error():
    assert score_plan(None, GOLD).error == "parse_error"


def test_hallucinated_tool_needs_a_catalog():
    text = CASES["hallucinated_tool"][0]
    assert score_plan(text, GOLD).error == "wrong_tool_set"  # without a catalog, just other tools
    assert "create_calendar_invite" in score_plan(text, GOLD, catalog=ASSISTANT_TOOLS).detail


def test_order_numbering_and_arguments_do_not_matter():
    pred = """Thought: Lutfi first this time.
1. get_email_address("Lutfi Eren")
2. get_email_address("sid")
4. create_calendar_event("Another title", "tomorrow", "", "", ["${2}", "$1"], "", "")
9. join()<END_OF_PLAN>"""
    score = score_plan(pred, GOLD, catalog=ASSISTANT_TOOLS)
    assert score.success and score.error is None
    # Strict mode notices the different arguments.
    strict = score_plan(pred, GOLD, strict=True, catalog=ASSISTANT_TOOLS)
    assert strict.error == "wrong_arguments"
    assert "argument" in strict.detail


def test_strict_maps_references_through_the_isomorphism():
    gold = '1. get_phone_number("Ann")\n2. get_phone_number("Bo")\n3. send_sms(["$1"], "Hi Ann")\n4. join()'
    swapped = '1. get_phone_number("bo ")\n2. get_phone_number("ANN")\n3. send_sms(["$2"], "hi ann")\n4. join()'
    wrong = '1. get_phone_number("Bo")\n2. get_phone_number("Ann")\n3. send_sms(["$1"], "Hi Ann")\n4. join()'
    assert score_plan(swapped, gold, strict=True).success
    assert score_plan(wrong, gold).success  # same DAG shape
    assert score_plan(wrong, gold, strict=True).error == "wrong_arguments"  # texts Bo's number


def test_strict_normalisation_rules():
    gold = Plan((Task(1, "compose_new_email", (["a@x.org", "b@x.org"], [], "Hi", "", [])),))
    same = [
        Task(1, "compose_new_email", (["B@x.org ", "a@x.org"], None, " hi")),  # order, case, empties
        Task(1, "compose_new_email", (["a@x.org", "b@x.org"], "", "HI", None, [])),
    ]
    for task in same:
        assert score_plan(Plan((task,)), gold, strict=True, catalog=ASSISTANT_TOOLS).success, task
    differ = [
        Task(1, "compose_new_email", (["a@x.org"], [], "Hi")),  # a recipient missing
        Task(1, "compose_new_email", (["a@x.org", "b@x.org", "b@x.org"], [], "Hi")),  # multiset, not set
        Task(1, "compose_new_email", (["a@x.org", "b@x.org"], [], "Hi there")),
    ]
    for task in differ:
        assert score_plan(Plan((task,)), gold, strict=True, catalog=ASSISTANT_TOOLS).error == "wrong_arguments"


def test_strict_empty_equivalence_only_for_optional_parameters():
    gold = Plan((Task(1, "create_note", ("n", "", "")),))
    pred = Plan((Task(1, "create_note", ("n", None)),))
    # content is required: "" and None differ; folder is optional: "" and omitted agree.
    assert score_plan(pred, gold, strict=True, catalog=ASSISTANT_TOOLS).error == "wrong_arguments"
    assert score_plan(pred, gold, strict=True).success  # no catalog: every parameter counts as optional
    assert score_plan(Plan((Task(1, "create_note", ("n", "")),)), gold, strict=True, catalog=ASSISTANT_TOOLS).success


def test_strict_keeps_types_apart():
    gold = Plan((Task(1, "create_reminder", ("r", "", "", "", 1, True)),))
    assert score_plan(Plan((Task(1, "create_reminder", ("r", "", "", "", 1.0, True)),)), gold, strict=True).success
    assert not score_plan(Plan((Task(1, "create_reminder", ("r", "", "", "", True, 1)),)), gold, strict=True).success


def test_strict_lists_and_dicts_of_numbers():
    gold = Plan((Task(1, "f", ([1, 10, 2.5], {"K": " V", "n": 3})),))
    assert score_plan(Plan((Task(1, "f", ([10.0, 2.5, 1.0], {"n": 3.0, "k": "v"})),)), gold, strict=True).success
    assert not score_plan(Plan((Task(1, "f", ([1, 10], {"K": " V", "n": 3})),)), gold, strict=True).success
    assert not score_plan(Plan((Task(1, "f", ([1, 10, 2.5], {"K": " V", "n": 4})),)), gold, strict=True).success


def test_bad_gold_is_an_error_not_a_score():
    with pytest.raises(ValueError, match="gold plan is invalid"):
        score_plan(GOLD, '1. get_email_address("Sid")')  # no join
    with pytest.raises(ValueError, match="gold plan is invalid"):
        score_plan(GOLD, '1. send_sms(["$4"], "x")\n2. join()')


def test_plan_score_is_consistent():
    with pytest.raises(ValueError):
        PlanScore(True, "parse_error", "")
    with pytest.raises(ValueError, match="unknown error category"):
        PlanScore(False, "typo", "")


def test_score_many_summary():
    preds = [GOLD, None, CASES["missing_call"][0], CASES["wrong_dependencies"][0], GOLD]
    summary = score_many(preds, [GOLD] * 5, catalog=ASSISTANT_TOOLS)
    assert summary["n"] == 5 and summary["successes"] == 2 and summary["success_rate"] == 0.4
    assert list(summary["errors"]) == list(ERROR_CATEGORIES)
    assert summary["errors"]["parse_error"] == 1 and summary["errors"]["missing_call"] == 1
    assert summary["errors"]["wrong_dependencies"] == 1
    assert sum(summary["errors"].values()) == 5 - summary["successes"]
    assert summary["ci95"] == list(wilson_interval(2, 5))
    json.dumps(summary)  # JSON-ready


def test_score_many_per_plan_catalogs_and_bad_input():
    text = CASES["hallucinated_tool"][0]
    summary = score_many([text, text], [GOLD, GOLD], catalog=[ASSISTANT_TOOLS, None])
    assert summary["errors"]["hallucinated_tool"] == 1 and summary["errors"]["wrong_tool_set"] == 1
    with pytest.raises(ValueError, match="2 predictions but 1 gold"):
        score_many([GOLD, GOLD], [GOLD])
    with pytest.raises(ValueError, match="catalogs"):
        score_many([GOLD], [GOLD], catalog=[ASSISTANT_TOOLS, ASSISTANT_TOOLS])
    with pytest.raises(ValueError, match="no plans"):
        score_many([], [])


# Reference values from scipy 1.x `binomtest(k, n).proportion_ci(method="wilson")`, computed once.
SCIPY_WILSON = {(8, 10): (0.4901624715366418, 0.9433178485456248), (0, 10): (0.0, 0.27753279986288926),
                (10, 10): (0.7224672001371109, 1.0), (789, 1000): (0.762629506358895, 0.8131586272364539),
                (1, 3): (0.06149194472039626, 0.7923403991979523)}


@pytest.mark.parametrize("k,n", list(SCIPY_WILSON))
def test_wilson_matches_scipy_and_inverts_the_score_test(k, n):
    low, high = wilson_interval(k, n)
    assert (low, high) == pytest.approx(SCIPY_WILSON[(k, n)], abs=1e-12)
    # Each interior bound p solves the score test at the boundary: |k/n - p| = z sqrt(p (1 - p) / n).
    z = NormalDist().inv_cdf(0.975)
    for p in (low, high):
        if 0 < p < 1:
            assert abs(k / n - p) == pytest.approx(z * math.sqrt(p * (1 - p) / n), rel=1e-9)


def test_wilson_rejects_bad_counts():
    for k, n in [(1, 0), (-1, 5), (6, 5)]:
        with pytest.raises(ValueError, match="successes"):
            wilson_interval(k, n)
