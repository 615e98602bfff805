"""Training prompts' tool lists drawn like the served ones (classifier selection, all tools, gold + random).

Usage: .venv/bin/python -m pytest tests/test_served_tools.py -q
"""
from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from tinyagent.tools import ASSISTANT_TOOLS
from tinyagent.train.served_tools import ServedToolMix, classifier_selections

GOLD = ("get_phone_number", "send_sms")
SELECTED = ("send_sms", "create_note", "get_email_address")  # a miss (get_phone_number) and two false positives


def _draws(mix: ServedToolMix, n: int = 2000) -> list[tuple[str, ...]]:
    rng = random.Random(7)
    return [mix.tools("Text Sid I'm late", GOLD, ASSISTANT_TOOLS, rng).names for _ in range(n)]


def test_mix_proportions_and_gold_always_shown():
    mix = ServedToolMix({"text sid i'm late": SELECTED}, p_selected=0.5, p_all=0.2, extra=0, lo=0, hi=0)
    draws = _draws(mix)
    kinds = Counter("all" if len(d) == 16 else "selected" if set(d) == set(GOLD) | set(SELECTED)
                    else "gold" if set(d) == set(GOLD) else "other" for d in draws)
    assert kinds["other"] == 0
    assert abs(kinds["all"] / len(draws) - 0.2) < 0.04
    assert abs(kinds["selected"] / len(draws) - 0.5) < 0.04
    assert all(set(GOLD) <= set(d) for d in draws)  # a classifier miss is never reproduced


def test_order_is_shuffled_and_draws_repeat_with_the_same_seed():
    mix = ServedToolMix({}, p_selected=0.0, p_all=0.0, lo=2, hi=2)
    draws = _draws(mix, 200)
    assert len({d.index("send_sms") for d in draws}) == 4  # gold is not always first
    assert draws == _draws(mix, 200)


def test_unknown_query_falls_back_to_gold_plus_random():
    mix = ServedToolMix({}, p_selected=1.0, p_all=0.0, lo=1, hi=1)
    assert {len(d) for d in _draws(mix, 50)} == {3}


def test_bad_settings_and_unknown_gold_are_refused():
    with pytest.raises(ValueError, match="p_selected"):
        ServedToolMix({}, p_selected=0.8, p_all=0.3)
    with pytest.raises(ValueError, match="not in the tool catalog"):
        ServedToolMix({}).tools("q", ("no_such_tool",), ASSISTANT_TOOLS, random.Random(0))


class _FakeClassifier:
    labels = ("send_sms", "create_note", "get_phone_number")
    threshold = 0.4

    def predict_proba(self, queries, batch_size=64):
        return np.array([[0.9, 0.41, 0.1], [0.2, 0.1, 0.39]])[: len(queries)]


def test_classifier_selections_use_the_served_threshold():
    got = classifier_selections(_FakeClassifier(), ["a", "b"])
    assert got == {"a": ("send_sms", "create_note"), "b": ()}
