"""Plan parser, streaming parser and renderer: syntax, round trips, arbitrary token splits.

Usage: .venv/bin/python -m pytest tests/test_plan_parser.py -q
"""
import pytest
from hypothesis import given, settings, strategies as st

from tinyagent.plan import (END_OF_PLAN, Plan, PlanError, StreamingPlanParser, Task, parse_plan,
                            render_plan)

REFERENCE = '''1. get_email_address("Sid")
2. get_email_address("Lutfi")
3. create_calendar_event("Design review", "2024-05-30 14:00:00", "2024-05-30 15:00:00", "", ["$1", "$2"], "", "")
Thought: I have created the event.
4. join()<END_OF_PLAN>'''


def codes(text):
    with pytest.raises(PlanError) as err:
        parse_plan(text)
    return [i.code for i in err.value.issues]


def test_reference_plan_parses_with_refs_and_thought():
    plan = parse_plan(REFERENCE)
    assert plan.tools == ("get_email_address", "get_email_address", "create_calendar_event")
    assert plan.tasks[2].args[4] == ["$1", "$2"]
    assert plan.tasks[2].deps == {1, 2}
    assert plan.has_join and plan.thought == "I have created the event."


def test_render_is_inverse_of_parse_on_canonical_text():
    assert render_plan(parse_plan(REFERENCE)) == REFERENCE


def test_braced_refs_and_refs_inside_text():
    plan = parse_plan('1. get_phone_number("Ann")\n2. create_note("n", "call ${1} or $1 today", "")\n3. join()')
    assert plan.tasks[1].deps == {1}


def test_literals_tuples_become_lists_and_types_survive():
    plan = parse_plan('1. create_reminder("x", "", "", "", 5, True)\n2. send_sms(("a", "b"), "m")\n3. join()')
    assert plan.tasks[0].args[4:] == (5, True)
    assert plan.tasks[1].args[0] == ["a", "b"]


def test_named_arguments_are_kept_for_the_validator_not_glued_into_one_string():
    plan = parse_plan('1. get_phone_number(name="Sid")\n2. join()')
    assert plan.tasks[0].args == () and plan.tasks[0].kwargs == (("name", "Sid"),)


def test_missing_join_is_not_a_syntax_error():
    assert parse_plan('1. get_phone_number("Sid")').has_join is False


@pytest.mark.parametrize("text,code", [
    ("hello there", "syntax"),
    ("1. get_phone_number(Sid)", "bad_literal"),
    ("1. get_phone_number(*names)", "bad_literal"),
    ("1. get_phone_number({1, 2})", "bad_literal"),
    ("1. get_phone_number(b'x')", "bad_literal"),
    ("1. get_phone_number('Sid'", "syntax"),
    ("1. os.system('rm -rf /')", "syntax"),
    ("1. f(1)\n2. join()<END_OF_PLAN>\n3. f(2)", "trailing_garbage"),
    ("1. join()\n2. f(1)", "trailing_garbage"),
    ("1. f(1)\n2. join(1)", "join_args"),
    ("1. f(" + "[" * 300 + "]" * 300 + ")", "syntax"),
    ("1. f(\"" + "a" * 30000 + "\")", "too_long"),
], ids=lambda v: v[:30] if isinstance(v, str) else None)
def test_syntax_problems_are_reported_with_their_code(text, code):
    assert code in codes(text)


def test_issue_names_the_line():
    with pytest.raises(PlanError) as err:
        parse_plan('1. get_phone_number("Sid")\n2. oops\n3. join()')
    assert err.value.issues[0].line == 2 and "oops" in str(err.value)


def test_non_string_input_is_a_plan_error():
    with pytest.raises(PlanError):
        parse_plan(None)


def test_streaming_yields_each_task_when_its_line_completes():
    parser = StreamingPlanParser()
    assert parser.feed('1. get_email_address("Si') == []
    assert [t.idx for t in parser.feed('d")\n2. get_email_address("Lu')] == [1]
    assert [t.idx for t in parser.feed('tfi")\n3. join()<END_OF')] == [2]
    assert not parser.joined
    parser.feed('_PLAN>')
    assert parser.joined and parser.ended and parser.issues == []


def test_streaming_stop_string_completes_line_without_newline():
    parser = StreamingPlanParser()
    parser.feed('1. get_phone_number("A")\n2. join()' + END_OF_PLAN)
    assert parser.ended and parser.plan().has_join


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(REFERENCE)), max_size=40))
def test_any_chunking_gives_the_same_plan_as_batch_parsing(cuts):
    points = sorted(set(cuts))
    chunks = [REFERENCE[a:b] for a, b in zip([0] + points, points + [len(REFERENCE)])]
    parser = StreamingPlanParser()
    got = [t for c in chunks for t in parser.feed(c)] + parser.close()
    assert got == list(parse_plan(REFERENCE).tasks)
    assert parser.plan() == parse_plan(REFERENCE)


def test_round_trip_of_hostile_strings():
    hostile = ['x" & (do shell script "touch /tmp/pwned") & "', "back\\slash", "new\nline\r\t", "\u2028sep",
               "emoji 😀", "\ud800 lone surrogate", "$ 5 is not a ref", "'single'", "\x00nul"]
    plan = Plan(tuple(Task(i + 1, "create_note", (s, s, "")) for i, s in enumerate(hostile)))
    assert parse_plan(render_plan(plan)) == plan
