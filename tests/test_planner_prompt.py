"""Tests for the planner prompt builder and token counting.

Usage: .venv/bin/python -m pytest tests/test_planner_prompt.py -q
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from tinyagent.plan import parse_plan, validate_plan
from tinyagent.planner.prompt import (FUNCTIONS_HEADER, JOIN_DESCRIPTION, RULES, Example, build_messages, describe_tool,
                                      static_prompt)
from tinyagent.planner.tokens import count_message_tokens, count_prompt_tokens, default_tokenizer
from tinyagent.tools import ASSISTANT_TOOLS, ToolCatalog

NOW = datetime(2024, 5, 30, 14, 5, 9)
SMS = ASSISTANT_TOOLS.subset(["get_phone_number", "send_sms"])
EXAMPLE = Example("Text Ann that I'm late",
                  '1. get_phone_number("Ann")\n2. send_sms(["$1"], "I\'m late")\n3. join()<END_OF_PLAN>')


def _date_line(messages: list[dict[str, str]]) -> str:
    return messages[0]["content"].splitlines()[-1]


def test_date_is_read_at_call_time_not_import_time():
    before = datetime.now().replace(microsecond=0)
    line = _date_line(build_messages(SMS, "hi"))
    after = datetime.now()
    stamp = datetime.strptime(line.split(", ", 1)[1], "%Y-%m-%d %H:%M:%S")
    assert before <= stamp <= after
    assert _date_line(build_messages(SMS, "hi", now=NOW)) == "Current date and time: Thursday, 2024-05-30 14:05:09"


def test_empty_or_wrong_inputs_fail_clearly():
    with pytest.raises(ValueError, match="no tools"):
        build_messages(ToolCatalog(()), "Text Sid")
    with pytest.raises(ValueError, match="non-empty"):
        build_messages(SMS, "   ")
    with pytest.raises(TypeError, match="ToolCatalog"):
        build_messages(["send_sms"], "Text Sid")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Example"):
        build_messages(SMS, "Text Sid", examples=[("q", "p")])  # type: ignore[list-item]


def test_one_tool_prompt_lists_only_that_tool_and_join():
    system = build_messages(ASSISTANT_TOOLS.subset(["get_email_address"]), "Sid's email?", now=NOW)[0]["content"]
    listed = re.findall(r"^\d+\. (\w+)\(", system, flags=re.MULTILINE)
    assert listed == ["get_email_address"]  # join is described once, in the static part
    assert JOIN_DESCRIPTION in system and system.index(JOIN_DESCRIPTION) < system.index(FUNCTIONS_HEADER)
    assert describe_tool(1, ASSISTANT_TOOLS["get_email_address"]) in system
    for tool in ASSISTANT_TOOLS.names:
        if tool != "get_email_address":
            assert tool not in system


def test_every_rule_and_choice_is_shown():
    system = build_messages(ASSISTANT_TOOLS, "Walk me home", now=NOW)[0]["content"]
    for rule in RULES:
        assert rule in system
    assert "one of 'd'/'w'/'r'" in system  # maps_show_directions' transport choices
    assert "$$" in system and "<END_OF_PLAN>" in system and "Thought:" in system
    assert len(re.findall(r"^\d+\. \w+\(", system, flags=re.MULTILINE)) == len(ASSISTANT_TOOLS)
    assert JOIN_DESCRIPTION in system


def test_examples_and_instructions_are_included_in_order():
    msgs = build_messages(SMS, "Text Sid hi", now=NOW, examples=[EXAMPLE], instructions="Be brief.")
    system = msgs[0]["content"]
    assert f"Question: {EXAMPLE.query}\n{EXAMPLE.plan}" in system
    assert system.index("Rules:") < system.index("Be brief.") < system.index(FUNCTIONS_HEADER) \
        < system.index("Examples:") < system.index("Current date and time")
    assert msgs[1] == {"role": "user", "content": "Question: Text Sid hi"}
    assert validate_plan(parse_plan(EXAMPLE.plan), SMS) == []  # the example itself is a valid plan


def test_deterministic_and_static_prefix_shared_between_queries():
    a = build_messages(SMS, "Text Sid", now=NOW, examples=[EXAMPLE])
    assert a == build_messages(SMS, "Text Sid", now=NOW, examples=[EXAMPLE])
    b = build_messages(SMS, "Call Lutfi", now=datetime(2025, 1, 1), examples=[EXAMPLE])
    head_a, head_b = a[0]["content"], b[0]["content"]
    common = 0
    while common < min(len(head_a), len(head_b)) and head_a[common] == head_b[common]:
        common += 1
    assert head_a[common:].startswith("Thursday") and head_b[common:].startswith("Wednesday")
    assert head_a[:common].endswith("Current date and time: ")  # everything before the date is shared


def test_static_part_comes_first_so_every_tool_selection_shares_the_prefix():
    # issue 13 part 8: intro, rules, join and instructions first; selected tools, examples, date, question after
    a = build_messages(SMS, "Text Sid", now=NOW, instructions="Be brief.")[0]["content"]
    b = build_messages(ASSISTANT_TOOLS.subset(["create_note"]), "Note this", now=datetime(2025, 1, 1),
                       examples=[EXAMPLE], instructions="Be brief.")[0]["content"]
    static = static_prompt("Be brief.")
    assert a.startswith(static + "\n\n" + FUNCTIONS_HEADER) and b.startswith(static + "\n\n" + FUNCTIONS_HEADER)
    for tool in ASSISTANT_TOOLS.names:
        assert tool not in static  # nothing query-specific in the shared part
    tok = default_tokenizer()
    ids = [tok.apply_chat_template([{"role": "system", "content": t}, {"role": "user", "content": "Question: q"}],
                                   add_generation_prompt=True, tokenize=True) for t in (a, b)]
    ids = [list(x["input_ids"] if hasattr(x, "keys") else x) for x in ids]
    shared = next(i for i, (x, y) in enumerate(zip(*ids)) if x != y)
    n_static = len(tok("<|im_start|>system\n" + static, add_special_tokens=False)["input_ids"])
    assert shared >= n_static - 1 > 100  # the static prefix's tokens are shared, not just its text


def test_token_counts_use_the_chat_template_and_grow_with_tools():
    tok = default_tokenizer()
    msgs = build_messages(SMS, "Text Sid", now=NOW)
    templated = tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=False)
    assert templated.startswith("<|im_start|>system\n") and templated.endswith("<|im_start|>assistant\n")
    n = count_message_tokens(msgs)
    assert n == len(tok(templated, add_special_tokens=False)["input_ids"])
    assert count_prompt_tokens(SMS, "Text Sid", now=NOW) == n
    more = count_prompt_tokens(ASSISTANT_TOOLS, "Text Sid", now=NOW)
    with_example = count_prompt_tokens(SMS, "Text Sid", now=NOW, examples=[EXAMPLE])
    assert n < with_example < more
