"""In-context example retrieval: on-disk index reuse, tools within the selection, fallback.

Usage: .venv/bin/python -m pytest tests/test_toolrag_examples.py -q
"""
from __future__ import annotations

import numpy as np
import pytest

from tinyagent.data.records import Record, write_jsonl_atomic
from tinyagent.planner.prompt import Example
from tinyagent.tools import ASSISTANT_TOOLS
from tinyagent.toolrag.examples import ExampleRetriever

PLAN = "1. send_sms([\"x\"], \"hi\")\n2. join()<END_OF_PLAN>"  # plan text is carried, not parsed, here

RECORDS = [
    Record("r1", "Text Sid that I'm running late", PLAN, ("send_sms",), "single"),
    Record("r2", "Send a text to Bo saying dinner is at 7", PLAN, ("get_phone_number", "send_sms"), "chain"),
    Record("r3", "Create a note called groceries with milk", PLAN, ("create_note",), "single"),
    Record("r4", "Show directions to the airport", PLAN, ("maps_show_directions",), "single"),
    Record("r5", "Email Sid the quarterly report", PLAN,
           ("compose_new_email", "get_email_address", "open_and_get_file_path"), "fan_in"),
]


@pytest.fixture()
def data_file(tmp_path):
    path = tmp_path / "train.jsonl"
    write_jsonl_atomic(path, RECORDS)
    return path


def test_index_is_cached_and_reused(data_file, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = ExampleRetriever.from_jsonl(data_file, cache_dir=cache)
    files = list(cache.glob("examples-*.npy"))
    assert len(files) == 1 and np.load(files[0]).shape == (5, 384)
    # A second build must not re-embed the training queries: make encoding the queries fail.
    real = first.encoder.encode
    monkeypatch.setattr(first.encoder, "encode", lambda texts, **kw: (_ for _ in ()).throw(AssertionError(texts))
                        if len(texts) > 1 else real(texts))
    second = ExampleRetriever.from_jsonl(data_file, cache_dir=cache)
    np.testing.assert_array_equal(second.vectors, first.vectors)


def test_changed_data_gets_a_new_index(data_file, tmp_path):
    cache = tmp_path / "cache"
    ExampleRetriever.from_jsonl(data_file, cache_dir=cache)
    write_jsonl_atomic(data_file, RECORDS[:3])
    again = ExampleRetriever.from_jsonl(data_file, cache_dir=cache)
    assert len(again.records) == 3 and len(list(cache.glob("examples-*.npy"))) == 2


def test_examples_use_only_selected_tools_and_most_similar_first(data_file, tmp_path):
    r = ExampleRetriever.from_jsonl(data_file, cache_dir=tmp_path)
    tools = ASSISTANT_TOOLS.subset(["send_sms", "get_phone_number"])
    got = r.search("Text Alex that the meeting moved", tools, k=3)
    assert sorted(rec.id for rec in got.records) == ["r1", "r2"]  # r3-r5 use tools that were not selected
    assert got.fallback is None and got.similarities == sorted(got.similarities, reverse=True)
    assert all(set(rec.tools) <= set(tools.names) for rec in got.records)
    first = got.records[0]
    assert r.retrieve("Text Alex that the meeting moved", tools, k=1) == [Example(first.query, first.plan)]


def test_only_sms_tool_excludes_examples_needing_a_lookup(data_file, tmp_path):
    r = ExampleRetriever.from_jsonl(data_file, cache_dir=tmp_path)
    got = r.search("Text Alex hello", ASSISTANT_TOOLS.subset(["send_sms"]), k=3)
    assert [rec.id for rec in got.records] == ["r1"]  # r2 also needs get_phone_number


def test_fallback_uses_best_overlap_and_says_so(data_file, tmp_path):
    r = ExampleRetriever.from_jsonl(data_file, cache_dir=tmp_path)
    tools = ASSISTANT_TOOLS.subset(["compose_new_email", "get_email_address"])  # r5 also needs a file lookup
    got = r.search("Email Bo the slides", tools, k=1)
    assert [rec.id for rec in got.records] == ["r5"]
    assert "sharing the most tools" in got.fallback


def test_own_query_is_never_its_own_example(data_file, tmp_path):
    r = ExampleRetriever.from_jsonl(data_file, cache_dir=None)
    got = r.search("Text Sid that I'm running late!", ASSISTANT_TOOLS, k=2)
    assert "r1" not in [rec.id for rec in got.records] and len(got.records) == 2
    assert r.search("anything", ASSISTANT_TOOLS, k=0).examples == []
    with pytest.raises(ValueError, match="k must be >= 0"):
        r.search("anything", ASSISTANT_TOOLS, k=-1)
