"""Fuzzing the plan parser: arbitrary text, plan-like token soup and mutations of valid plans.

The parser may only ever raise PlanError, `check_plan` never raises, streaming agrees with batch
parsing, and nothing hangs (pytest-timeout guards every test).
Usage: .venv/bin/python -m pytest tests/test_plan_fuzz.py -q
"""
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tinyagent.plan import PlanError, PlanIssue, StreamingPlanParser, check_plan, parse_plan, render_plan
from tinyagent.tools import ASSISTANT_TOOLS

from tests.plan_strategies import valid_plans

pytestmark = pytest.mark.timeout(120)
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TOKENS = ["1", "2", "12", ".", " ", "\n", "\r\n", "(", ")", "[", "]", "{", "}", ",", '"', "'", "\\", "$", "${",
          "$1", "${2}", "=", "*", "**", "Thought:", "join", "join()", "<END_OF_PLAN>", "<END_OF", "get_phone_number",
          "send_sms", "create_note", "None", "True", "1e999", "-", "#", "\x00", "é", "\ud800", "lambda", "f(", ":"]


def assert_parses_or_plan_error(text):
    try:
        parse_plan(text)
    except PlanError as e:
        assert e.issues and all(isinstance(i, PlanIssue) for i in e.issues)
    issues = check_plan(text, ASSISTANT_TOOLS)
    assert all(isinstance(i, PlanIssue) and str(i) for i in issues)


def streamed(text, cuts):
    parser = StreamingPlanParser()
    points = sorted({c % (len(text) + 1) for c in cuts})
    chunks = [text[a:b] for a, b in zip([0] + points, points + [len(text)])]
    tasks = [t for c in chunks for t in parser.feed(c)] + parser.close()
    return tasks, parser


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text(text):
    assert_parses_or_plan_error(text)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map("".join), st.lists(st.integers(0, 10**6), max_size=8))
def test_token_soup_and_streaming_agrees_with_batch(text, cuts):
    assert_parses_or_plan_error(text)
    tasks, parser = streamed(text, cuts)
    try:
        assert tasks == list(parse_plan(text).tasks)
    except PlanError as e:
        assert [i.code for i in parser.issues] == [i.code for i in e.issues]


MUTATIONS = st.sampled_from(["delete", "insert", "duplicate", "swap_lines", "truncate"])


@FUZZ
@given(valid_plans(), st.lists(st.tuples(MUTATIONS, st.integers(0, 10**6), st.sampled_from(TOKENS)), min_size=1,
                               max_size=4))
def test_mutated_valid_plans(plan, mutations):
    text = render_plan(plan)
    for kind, pos, token in mutations:
        i = pos % (len(text) + 1)
        if kind == "delete":
            text = text[:i] + text[i + 1:]
        elif kind == "insert":
            text = text[:i] + token + text[i:]
        elif kind == "duplicate":
            text = text[:i] + text[i:i + 10] + text[i:]
        elif kind == "truncate":
            text = text[:i]
        else:
            lines = text.split("\n")
            j = pos % len(lines)
            lines[0], lines[j] = lines[j], lines[0]
            text = "\n".join(lines)
    assert_parses_or_plan_error(text)


@pytest.mark.parametrize("text", [
    "(" * 100_000,
    "1. f(" + "[" * 100_000,
    "1. f(" + ", ".join(["1"] * 100_000) + ")",
    "\n" * 200_000,
    "Thought: x\n" * 50_000,
    "1. f(" + '"' + "\\" * 10_000 + '")',
    "x" * 2_000_000,
], ids=["parens", "brackets", "many-args", "newlines", "thoughts", "backslashes", "2MB"])
def test_pathological_inputs_finish_with_a_plan_error(text):
    assert_parses_or_plan_error(text)
