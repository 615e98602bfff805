"""`tinyagent.factory`: backends and selectors by registry name; the options `ask` and `eval` share.

Usage: .venv/bin/python -m pytest tests/test_factory.py -q
"""
from __future__ import annotations

import argparse

import pytest

from tinyagent import factory
from tinyagent.agent import ask
from tinyagent.agent.scripted import ScriptedBackend
from tinyagent.demo.choices import BACKEND_KINDS
from tinyagent.evaluate import command
from tinyagent.planner import Planner
from tinyagent.planner.backends import BACKENDS
from tinyagent.toolrag.selection import AllTools


def _options(add) -> dict[str, argparse.Action]:
    p = argparse.ArgumentParser()
    add(p)
    return {a.dest: a for a in p._actions if a.dest != "help"}


def test_ask_and_eval_share_one_set_of_planner_options():
    shared = _options(factory.add_planner_options)
    served = _options(lambda p: factory.add_planner_options(p, served_defaults=True))
    for add, expected in ((ask.add_arguments, served), (command.add_arguments, shared)):
        opts = _options(add)
        for dest, action in expected.items():
            assert dest in opts and opts[dest].default == action.default and opts[dest].choices == action.choices
    # ask alone defaults to the newest run's served selector and decoding (None until apply_served_defaults)
    # and looks in --outputs
    differ = {d for d in shared if shared[d].default != served[d].default}
    assert differ == {"selector", "grammar"} and set(served) - set(shared) == {"outputs"}
    assert served["grammar"].default is None and shared["grammar"].default is False
    assert shared["backend"].choices == sorted(BACKENDS) and set(BACKEND_KINDS) == set(BACKENDS)
    assert shared["selector"].choices == sorted(factory.SELECTORS)


def test_unknown_names_fail_with_the_registered_ones():
    with pytest.raises(ValueError, match=r"unknown planner backend 'vllm'; use one of \['llamacpp'"):
        factory.build_backend("vllm")
    with pytest.raises(ValueError, match="unknown selector"):
        factory.make_selector("bm25")
    with pytest.raises(ValueError, match="needs base_url"):
        factory.build_backend("openai", base_url="")  # an empty URL is no URL


def test_planner_from_args_carries_selector_grammar_and_max_tokens(monkeypatch):
    backend = ScriptedBackend(["1. join()"])
    monkeypatch.setattr(factory, "backend_from_args", lambda args: backend)
    p = argparse.ArgumentParser()
    factory.add_planner_options(p)
    planner = factory.planner_from_args(p.parse_args(["--grammar", "--max-tokens", "64"]), instructions="Be brief.")
    assert isinstance(planner, Planner) and planner.backend is backend and isinstance(planner.selector, AllTools)
    assert planner.grammar and planner.config.max_tokens == 64 and planner.instructions == "Be brief."


def test_classifier_or_all_says_why_it_fell_back(tmp_path):
    selector, note = factory.classifier_or_all(tmp_path / "none")
    assert isinstance(selector, AllTools) and "no trained ToolRAG classifier at" in note
    assert "no ToolRAG classifier configured" in factory.classifier_or_all(None)[1]
