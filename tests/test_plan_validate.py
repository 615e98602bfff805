"""Plan validator: every issue code on a hand-written plan, and generated valid plans pass.

Usage: .venv/bin/python -m pytest tests/test_plan_validate.py -q
"""
import pytest
from hypothesis import given, settings

from tinyagent.plan import ISSUE_CODES, PlanError, check_plan, load_plan, parse_plan, render_plan, validate_plan
from tinyagent.tools import ASSISTANT_TOOLS

from tests.plan_strategies import valid_plans

CASES = {
    "unknown_tool": '1. get_phone_nummber("Sid")\n2. join()',
    "named_argument": '1. get_phone_number(name="Sid")\n2. join()',
    "arity": '1. get_phone_number()\n2. join()',
    "arg_type": '1. send_sms("555-0101", "hi")\n2. join()',
    "bad_choice": '1. maps_show_directions("a", "b", "bike")\n2. join()',
    "forward_ref": '1. send_sms(["$2"], "hi")\n2. get_phone_number("Sid")\n3. join()',
    "self_ref": '1. create_note("$1", "x", "")\n2. join()',
    "dangling_ref": '1. send_sms(["$5"], "hi")\n2. join()',
    "cycle": '1. create_note("$2", "x", "")\n2. create_note("$1", "y", "")\n3. join()',
    "duplicate_index": '1. get_phone_number("A")\n1. get_phone_number("B")\n2. join()',
    "skipped_index": '1. get_phone_number("A")\n3. get_phone_number("B")\n4. join()',
    "missing_join": '1. get_phone_number("A")',
    "empty_plan": '1. join()',
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_problem_gets_its_code(code):
    assert code in ISSUE_CODES
    assert code in [i.code for i in check_plan(CASES[code], ASSISTANT_TOOLS)]


def test_reference_style_plan_is_valid():
    text = ('1. get_email_address("Sid")\n2. get_email_address("Lutfi")\n'
            '3. create_calendar_event("Design review", "2024-05-30 14:00:00", "2024-05-30 15:00:00", "", '
            '["$1", "$2"], "", "")\n4. join()<END_OF_PLAN>')
    assert check_plan(text, ASSISTANT_TOOLS) == []


def test_whole_reference_may_stand_for_any_type_but_not_text_with_a_reference():
    ok = '1. get_phone_number("A")\n2. create_reminder("x", "", "", "", "$1", "$1")\n3. join()'
    assert check_plan(ok, ASSISTANT_TOOLS) == []
    bad = '1. get_phone_number("A")\n2. create_reminder("x", "", "", "", "p$1", False)\n3. join()'
    assert [i.code for i in check_plan(bad, ASSISTANT_TOOLS)] == ["arg_type"]


def test_bool_is_not_an_int_and_none_only_for_optional():
    assert [i.code for i in check_plan('1. create_reminder("x", "", "", "", True)\n2. join()', ASSISTANT_TOOLS)] \
        == ["arg_type"]
    assert [i.code for i in check_plan('1. create_note(None, "c")\n2. join()', ASSISTANT_TOOLS)] == ["arg_type"]
    assert check_plan('1. create_note("t", "c", None)\n2. join()', ASSISTANT_TOOLS) == []


def test_unknown_tool_message_suggests_the_closest_name():
    (issue,) = check_plan(CASES["unknown_tool"], ASSISTANT_TOOLS)
    assert "get_phone_number" in issue.message and issue.line == 1


def test_cycle_message_names_the_cycle():
    msgs = [i.message for i in check_plan(CASES["cycle"], ASSISTANT_TOOLS) if i.code == "cycle"]
    assert msgs and "$1" in msgs[0] and "$2" in msgs[0]


def test_without_catalog_only_structure_is_checked():
    assert check_plan(CASES["unknown_tool"]) == []


def test_load_plan_raises_one_error_type_with_all_issues():
    with pytest.raises(PlanError) as err:
        load_plan('1. send_sms(["$5"], 3)', ASSISTANT_TOOLS)
    assert {i.code for i in err.value.issues} == {"dangling_ref", "arg_type", "missing_join"}


@settings(max_examples=300, deadline=None)
@given(valid_plans())
def test_generated_valid_plans_validate_and_round_trip(plan):
    assert validate_plan(plan, ASSISTANT_TOOLS) == []
    assert parse_plan(render_plan(plan)) == plan
