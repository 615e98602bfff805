"""Tests for the dataset record type, its reference date, plan shapes, JSONL helpers, the split reader,
the format registry and the upstream/NesTools loaders.

Usage: .venv/bin/python -m pytest tests/test_records.py -q
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import networkx as nx
import pytest

from tinyagent.data.formats import FORMATS, DatasetError, detect_format
from tinyagent.data.nestools import load_nestools_records
from tinyagent.data.records import (SHAPES, Record, normalize_query, plan_shape, read_jsonl, record_catalog,
                                    write_jsonl_atomic)
from tinyagent.data.splits import SPLITS, load_splits
from tinyagent.data.upstream import UpstreamFormatError, load_upstream, upstream_records
from tinyagent.plan.parser import parse_plan
from tinyagent.plan.types import Plan, Task

FIXTURE = Path(__file__).parent / "fixtures" / "upstream_tinyagent_sample.json"
NESTOOLS = Path(__file__).resolve().parents[2] / "shared" / "data" / "external" / "nestools" / "test_data.jsonl"


def _plan(edges: list[tuple[int, int]], n: int) -> Plan:
    """A plan of n tasks where task b references task a for every edge (a, b)."""
    deps = {i: [f"${a}" for a, b in edges if b == i] for i in range(1, n + 1)}
    return Plan(tuple(Task(i, "create_note", (f"t{i}", " ".join(deps[i]) or "x", "")) for i in range(1, n + 1)))


@pytest.mark.parametrize("edges,n,shape", [
    ([], 1, "single"),
    ([], 3, "parallel"),
    ([(1, 2)], 2, "chain"),
    ([(1, 2), (2, 3), (3, 4), (4, 5)], 5, "chain"),
    ([(1, 3), (2, 3)], 3, "fan_in"),
    ([(1, 4), (2, 4), (3, 4)], 4, "fan_in"),
    ([(1, 2), (1, 3)], 3, "fan_out"),
    ([(1, 2), (1, 3), (2, 4), (3, 4)], 4, "mixed"),  # diamond
    ([(1, 2)], 3, "mixed"),  # a chain plus an independent call
    ([(1, 2), (2, 4), (3, 4)], 4, "mixed"),  # chain feeding a fan-in
])
def test_plan_shape_cases(edges, n, shape):
    assert plan_shape(_plan(edges, n)) == shape


def test_plan_shape_agrees_with_networkx_definitions():
    """Over every DAG on 3 nodes, compare with shape predicates written with networkx."""
    import itertools
    pairs = [(1, 2), (1, 3), (2, 3)]
    for k in range(len(pairs) + 1):
        for edges in itertools.combinations(pairs, k):
            g = nx.DiGraph(list(edges))
            g.add_nodes_from([1, 2, 3])
            if not edges:
                want = "parallel"
            elif nx.is_weakly_connected(g) and max(d for _, d in g.in_degree) <= 1 and \
                    max(d for _, d in g.out_degree) <= 1:
                want = "chain"
            elif nx.is_weakly_connected(g) and len(edges) == 2 and len({b for _, b in edges}) == 1:
                want = "fan_in"
            elif nx.is_weakly_connected(g) and len(edges) == 2 and len({a for a, _ in edges}) == 1:
                want = "fan_out"
            else:
                want = "mixed"
            assert plan_shape(_plan(list(edges), 3)) == want, edges


def test_plan_shape_rejects_empty_plan():
    with pytest.raises(ValueError, match="no tasks"):
        plan_shape(Plan(()))


def test_record_round_trip_and_errors(tmp_path):
    recs = [Record(f"r{i}", f"Text Sid {i}", "1. x()", ("send_sms",), SHAPES[i % len(SHAPES)],
                   meta={"family": "f", "i": i}) for i in range(5)]
    path = tmp_path / "sub" / "recs.jsonl"
    assert write_jsonl_atomic(path, recs) == 5
    back = read_jsonl(path)
    assert back == recs and [r.meta for r in back] == [r.meta for r in recs]
    assert not list(path.parent.glob(".*tmp"))  # no temporary file left behind
    with pytest.raises(ValueError, match="unknown record keys"):
        Record.from_dict({**recs[0].to_dict(), "bogus": 1})
    with pytest.raises(ValueError, match="shape"):
        Record("a", "q", "p", (), "tree")
    path.write_text(path.read_text() + "{not json\n")
    with pytest.raises(ValueError, match=r"recs.jsonl:6"):
        read_jsonl(path)


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "d.jsonl"
    write_jsonl_atomic(path, [Record("a", "q", "p", (), "single")])

    def broken():
        yield Record("b", "q2", "p", (), "single")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_jsonl_atomic(path, broken())
    assert [r.id for r in read_jsonl(path)] == ["a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.jsonl"]


def test_normalize_query_merges_trivial_variants():
    assert normalize_query("Text  Sid hi!") == normalize_query("text sid hi")
    assert normalize_query("Text Sid hi") != normalize_query("Text Bo hi")


def test_upstream_fixture_maps_to_records():
    recs = load_upstream(FIXTURE)
    assert [r.id for r in recs] == ["up-c6e9f0a2-1", "up-c6e9f0a2-2", "up-c6e9f0a2-3"]  # record 4 is invalid
    meeting, email, sms = recs
    assert meeting.shape == "fan_in" and meeting.tools == ("create_calendar_event", "get_email_address")
    assert "Thought: I have created the meeting." in meeting.plan
    # parsed_output with named tool_args is put in parameter order
    assert parse_plan(email.plan).tasks[2].args == (["$2"], [], "Quarterly report", "Please review it by Friday.",
                                                    ["$1"])
    assert email.shape == "fan_in" and sms.shape == "chain" and sms.source == "upstream"


def test_upstream_strict_and_format_errors():
    data = json.loads(FIXTURE.read_text())
    with pytest.raises(UpstreamFormatError, match="c6e9f0a2-4.*invalid plan"):
        upstream_records(data, strict=True)
    with pytest.raises(UpstreamFormatError, match="no step with type 'plan'"):
        upstream_records({"k": {"input": "q", "output": [{"type": "join"}]}})
    with pytest.raises(UpstreamFormatError, match="has no parameters"):
        upstream_records({"k": {"input": "q", "output": [{"type": "plan", "parsed_output": [
            {"tool_name": "send_sms", "tool_args": {"to": ["1"]}}]}]}})


@pytest.mark.skipif(not NESTOOLS.exists(), reason="NesTools test set not present")
def test_nestools_records_share_the_record_type(tmp_path):
    recs = load_nestools_records(NESTOOLS)
    assert len(recs) == 1000 and len({r.id for r in recs}) == 1000
    assert {r.shape for r in recs} >= {"chain", "fan_in", "fan_out", "parallel", "mixed"}
    assert all(r.catalog and set(r.tools) <= {c["function"]["name"] for c in r.catalog} for r in recs)
    write_jsonl_atomic(tmp_path / "n.jsonl", recs[:50])
    assert read_jsonl(tmp_path / "n.jsonl") == recs[:50]


def test_record_now_is_the_one_reference_date():
    from tinyagent.evaluate.datasets import reference_time
    from tinyagent.synth.offline import DEFAULT_REFERENCE_TIME
    from tinyagent.train.data import record_now
    rec = Record("r1", "Text Sid", "1. ...", ("send_sms",), "single")
    assert rec.now() == Record.DEFAULT_NOW
    assert Record.DEFAULT_NOW.strftime("%Y-%m-%d %H:%M:%S") == DEFAULT_REFERENCE_TIME == "2024-05-27 09:00:00"
    later = Record("r2", "Text Sid", "1. ...", ("send_sms",), "single", meta={"reference_time": "2024-06-01 18:30:00"})
    assert later.now() == reference_time(later) == record_now(later) == datetime(2024, 6, 1, 18, 30)
    bad = Record("r3", "Text Sid", "1. ...", ("send_sms",), "single", meta={"reference_time": "tomorrow"})
    with pytest.raises(ValueError, match="record r3: meta.reference_time 'tomorrow'"):
        bad.now()


def test_record_catalog_reads_the_records_own_schemas():
    from tinyagent.tools import ASSISTANT_TOOLS
    plain = Record("r1", "q", "1. ...", ("send_sms",), "single")
    assert record_catalog(plain) is ASSISTANT_TOOLS
    own = Record("r2", "q", "1. ...", ("send_sms",), "single", catalog=(ASSISTANT_TOOLS["send_sms"].json_schema(),))
    assert record_catalog(own).names == ("send_sms",)


def test_load_splits_reads_cuts_and_names_what_is_missing(tmp_path):
    rec = Record("r1", "q", "1. ...", ("send_sms",), "single")
    for split in SPLITS:
        write_jsonl_atomic(tmp_path / f"{split}.jsonl", [rec, Record("r2", "q2", "1. ...", ("send_sms",), "single")])
    splits = load_splits(tmp_path, max_train=1)
    assert [len(splits[s]) for s in SPLITS] == [1, 2, 2] and splits["train"] == [rec]
    (tmp_path / "val.jsonl").unlink()
    with pytest.raises(FileNotFoundError, match="lacks val.jsonl"):
        load_splits(tmp_path)
    (tmp_path / "val.jsonl").write_text("")
    with pytest.raises(ValueError, match="val.jsonl has no records"):
        load_splits(tmp_path)


def test_format_registry_detects_each_format(tmp_path):
    cases = {"ours": '{"query": "q", "plan": "p"}\n', "nestools": '{"test_id": 1, "api": [], "call": []}\n',
             "upstream": '{\n  "k": {"input": "q", "output": []}\n}\n'}
    assert set(cases) == set(FORMATS)
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        assert detect_format(tmp_path / name) == name
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(DatasetError, match="the file is empty"):
        detect_format(tmp_path / "empty")
