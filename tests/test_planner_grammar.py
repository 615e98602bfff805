"""Tests for the plan grammar: llama.cpp's GBNF parser and sampler accept it, and exactly the valid
plans are accepted (checked token by token through llama.cpp's grammar sampler, and as strings with
xgrammar, the library the transformers backend uses).

Usage: .venv/bin/python -m pytest tests/test_planner_grammar.py -q
"""
from __future__ import annotations

import ctypes
import math
import re

import llama_cpp
import pytest
from hypothesis import HealthCheck, assume, given, settings
from xgrammar.testing import _is_grammar_accept_string as xgr_accepts

from tests.plan_strategies import valid_plans
from tinyagent.plan import render_plan
from tinyagent.planner.grammar import plan_grammar
from tinyagent.planner.models import default_planner_gguf
from tinyagent.tools import ASSISTANT_TOOLS, ToolCatalog, ToolParam, ToolSpec

TOOLS = ASSISTANT_TOOLS.subset(["get_phone_number", "send_sms", "create_reminder", "maps_show_directions",
                                "reply_to_email"])
GRAMMAR = plan_grammar(TOOLS, max_tasks=3)

VALID = [
    '1. get_phone_number("Sid")\n2. send_sms(["$1"], "Late, owe you $$5 - $1")\n3. join()<END_OF_PLAN>',
    'Thought: first the number\n1. get_phone_number("Sid")\nThought: done\n2. join()<END_OF_PLAN>',
    '1. create_reminder("Buy milk", "2024-01-01 10:00:00", "", "", 1, True)\n'
    '2. maps_show_directions("", "Home", "w")\n3. reply_to_email()\n4. join()<END_OF_PLAN>',
    '1. create_reminder("Pay \\"rent\\"\\n", None, "caf\\u00e9 ☕")\n2. maps_show_directions("a", "b", "")\n'
    '3. join()<END_OF_PLAN>',
    '1. get_phone_number("Ann")\n2. get_phone_number("Bo")\n3. send_sms(["$1", "${2}"], "$2${1}")\n'
    '4. join()<END_OF_PLAN>',
]
INVALID = {
    "unknown tool": '1. get_email_address("Sid")\n2. join()<END_OF_PLAN>',
    "ref to itself": '1. get_phone_number("$1")\n2. join()<END_OF_PLAN>',
    "forward ref": '1. get_phone_number("Sid")\n2. send_sms(["$3"], "hi")\n3. join()<END_OF_PLAN>',
    "named argument": '1. get_phone_number(name="Sid")\n2. join()<END_OF_PLAN>',
    "wrong type": '1. send_sms("Sid", "hi")\n2. join()<END_OF_PLAN>',
    "missing argument": '1. send_sms(["x"])\n2. join()<END_OF_PLAN>',
    "extra argument": '1. get_phone_number("Sid", "x")\n2. join()<END_OF_PLAN>',
    "bad choice": '1. maps_show_directions("", "Home", "x")\n2. join()<END_OF_PLAN>',
    "int as string": '1. create_reminder("a", "", "", "", "1")\n2. join()<END_OF_PLAN>',
    "skipped number": '1. get_phone_number("Sid")\n3. join()<END_OF_PLAN>',
    "no join": '1. get_phone_number("Sid")\n<END_OF_PLAN>',
    "empty plan": '1. join()<END_OF_PLAN>',
    "too many tasks": "".join(f'{i}. get_phone_number("x")\n' for i in range(1, 5)) + "5. join()<END_OF_PLAN>",
    "single quotes": "1. get_phone_number('Sid')\n2. join()<END_OF_PLAN>",
    "raw newline in string": '1. get_phone_number("S\nid")\n2. join()<END_OF_PLAN>',
    "$12 is not $1": '1. get_phone_number("Sid")\n2. send_sms(["$12"], "hi")\n3. join()<END_OF_PLAN>',
}


@pytest.fixture(scope="module")
def vocab_model():
    """SmolLM2's vocabulary only (no weights): enough for llama.cpp's grammar sampler."""
    llm = llama_cpp.Llama(model_path=str(default_planner_gguf()), vocab_only=True, verbose=False)
    yield llm
    llm.close()


def llama_accepts(llm: llama_cpp.Llama, gbnf: str, text: str) -> bool:
    """Feed `text` token by token through llama.cpp's grammar sampler; True if every token and then
    end-of-sequence are allowed. AssertionError when llama.cpp cannot parse the grammar."""
    sampler = llama_cpp.llama_sampler_init_grammar(llm._model.vocab, gbnf.encode(), b"root")
    assert sampler, "llama.cpp rejected the grammar"
    try:
        eos = llm.token_eos()
        for tok in llm.tokenize(text.encode(), add_bos=False, special=False) + [eos]:
            data = (llama_cpp.llama_token_data * 1)()
            data[0].id, data[0].logit, data[0].p = tok, 0.0, 0.0
            arr = llama_cpp.llama_token_data_array(data=data, size=1, selected=-1, sorted=False)
            llama_cpp.llama_sampler_apply(sampler, ctypes.byref(arr))
            if math.isinf(data[0].logit):  # the grammar masked this token
                return False
            if tok != eos:
                llama_cpp.llama_sampler_accept(sampler, tok)
        return True
    finally:
        llama_cpp.llama_sampler_free(sampler)


def test_llama_cpp_parses_the_full_catalog_grammar(vocab_model):
    gbnf = plan_grammar(ASSISTANT_TOOLS)
    assert llama_accepts(vocab_model, gbnf, VALID[0])
    assert not llama_accepts(vocab_model, gbnf, INVALID["wrong type"])
    bad = llama_cpp.llama_sampler_init_grammar(vocab_model._model.vocab, b"root ::= (", b"root")
    assert not bad  # a broken grammar really is refused, so the assertion above means something


@pytest.mark.parametrize("text", VALID)
def test_valid_plans_accepted_by_llama_cpp_and_xgrammar(vocab_model, text):
    assert llama_accepts(vocab_model, GRAMMAR, text)
    assert xgr_accepts(GRAMMAR, text)


@pytest.mark.parametrize("why", sorted(INVALID))
def test_invalid_plans_rejected_by_llama_cpp_and_xgrammar(vocab_model, why):
    assert not llama_accepts(vocab_model, GRAMMAR, INVALID[why]), why
    assert not xgr_accepts(GRAMMAR, INVALID[why]), why


def test_bounds_on_strings_lists_and_thoughts():
    g = plan_grammar(ASSISTANT_TOOLS.subset(["send_sms"]), max_tasks=1, max_string_chars=3, max_list_items=2)
    ok = '1. send_sms(["a", "b"], "abc")\n2. join()<END_OF_PLAN>'
    assert xgr_accepts(g, ok)
    assert not xgr_accepts(g, ok.replace('"abc"', '"abcd"'))
    assert not xgr_accepts(g, ok.replace('["a", "b"]', '["a", "b", "c"]'))
    assert not xgr_accepts(g, "Thought: " + "x" * 201 + "\n" + ok)
    assert not xgr_accepts(plan_grammar(ASSISTANT_TOOLS.subset(["send_sms"]), thoughts=False), "Thought: x\n" + ok)


def test_every_parameter_type():
    P = ToolParam
    catalog = ToolCatalog((ToolSpec("f", "all types", (
        P("i", "int", ""), P("x", "float", ""), P("b", "bool", ""), P("l", "list", ""), P("d", "dict", ""),
        P("a", "any", ""), P("s", "list[str]", "", False)), app="x", side_effects=False),))
    g = plan_grammar(catalog, max_tasks=2)
    good = '1. f(-3, 2.5e-3, False, [1, "a", [None]], {"k": {"n": 1.0}}, None)\n2. f(0, 1, True, [], {}, "$1", ' \
           '["$1"])\n3. join()<END_OF_PLAN>'
    assert xgr_accepts(g, good)
    for bad in ("1. f(1.5, 1, True, [], {}, 1)", "1. f(1, 1, true, [], {}, 1)", "1. f(01, 1, True, [], {}, 1)",
                '1. f(1, 1, True, [], {"k" : 1}, 1)', "1. f(1, 1, True, [], {1: 2}, 1)"):
        assert not xgr_accepts(g, bad + "\n2. join()<END_OF_PLAN>"), bad


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_plans(ASSISTANT_TOOLS, max_tasks=6))
def test_every_rendered_valid_plan_is_accepted(plan):
    text = render_plan(plan)
    assume(not re.search(r"\d{19,}", text))  # the grammar bounds integers to 18 digits
    assert xgr_accepts(FULL_GRAMMAR, text), text


FULL_GRAMMAR = plan_grammar(ASSISTANT_TOOLS)


def test_bad_arguments_fail_clearly():
    with pytest.raises(ValueError, match="empty tool selection"):
        plan_grammar(ToolCatalog(()))
    with pytest.raises(ValueError, match="max_tasks"):
        plan_grammar(TOOLS, max_tasks=0)
    with pytest.raises(TypeError, match="ToolCatalog"):
        plan_grammar(["send_sms"])  # type: ignore[arg-type]
