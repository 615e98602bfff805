"""NesTools converter: unit cases, and the acceptance check over all 1000 external test plans.

Usage: .venv/bin/python -m pytest tests/test_nestools.py -q
(`NESTOOLS_PATH` overrides the data file; the whole-set tests skip when it is absent.)

Acceptance: every record converts; its plan renders to text and parses back equal; the parsed plan's
DAG is isomorphic (labels = tool names) to the DAG read directly off the NesTools placeholders; and
validate_plan finds no issue against the record's own catalog.
"""
import copy
import json
import logging
import os
from pathlib import Path

import networkx as nx
import pytest
from networkx.algorithms.isomorphism import categorical_node_match

from tinyagent.data.nestools import convert_record, literal_refs, load_nestools, nestools_graph
from tinyagent.metrics import plan_graph, score_plan
from tinyagent.plan import Plan, Task, parse_plan, render_plan, validate_plan
from tinyagent.plan.refs import rename_refs, substitute

DATA = Path(os.environ.get("NESTOOLS_PATH", Path(__file__).resolve().parents[2]
                           / "shared/data/external/nestools/test_data.jsonl"))
needs_data = pytest.mark.skipif(not DATA.exists(), reason=f"NesTools data not found at {DATA}")
TOOL = categorical_node_match("tool", None)


def api(name, params, required, responses=("r",)):
    return {"api_name": name, "api_description": f"{name} does things.",
            "parameters": {p: {"type": t, "description": p} for p, t in params.items()},
            "required": list(required), "responses": {r: {"type": "str", "description": r} for r in responses}}


def record(calls, apis, test_id=5):
    return copy.deepcopy({"test_id": test_id, "task": "do it", "field": "Testing/Unit", "api": apis, "call": calls})


APIS = [api("fetch", {"q": "str"}, ["q"], ("r1", "r2")),
        api("mix", {"a": "int", "b": "float", "c": "list", "d": "bool", "e": "dict"}, ["a"])]


def test_catalog_from_schemas():
    cat = convert_record(record([{"api_name": "fetch", "parameters": {"q": "x"}, "responses": []}], APIS)).catalog
    mix = cat["mix"]
    assert [(p.name, p.type, p.required) for p in mix.params] == [
        ("a", "int", True), ("b", "float", False), ("c", "list", False), ("d", "bool", False), ("e", "dict", False)]
    assert {s.app for s in cat} == {"nestools"} and not any(s.side_effects for s in cat)
    assert cat["fetch"].description == "fetch does things."


def test_placeholders_omissions_and_multi_output_calls():
    calls = [{"api_name": "fetch", "parameters": {"q": "cats"}, "responses": ["API_call_0", "API_call_1"]},
             {"api_name": "fetch", "parameters": {"q": "API_call_1"}, "responses": ["API_call_2"]},
             {"api_name": "mix", "parameters": {"a": "API_call_0", "c": ["API_call_2", "x", "API_call_0"]},
              "responses": []},
             {"api_name": "mix", "parameters": {"a": 3}, "responses": []}]
    rec = convert_record(record(calls, APIS))
    assert rec.plan == Plan((Task(1, "fetch", ("cats",)), Task(2, "fetch", ("$1",)),
                             Task(3, "mix", ("$1", None, ["$2", "x", "$1"])), Task(4, "mix", (3,))))
    assert (rec.id, rec.query, rec.field, rec.plan.has_join) == (5, "do it", "Testing/Unit", True)
    assert sorted(nestools_graph(record(calls, APIS)).edges) == [(1, 2), (1, 3), (2, 3)]


@pytest.mark.parametrize("mutate,message", [
    (lambda r: r["api"][0]["parameters"]["q"].update(type="tuple"), "has type 'tuple'"),
    (lambda r: r["call"][0].update(api_name="nope"), "not among the record's api schemas"),
    (lambda r: r["call"][0]["parameters"].update(zz=1), r"parameters \['zz'\] are not in the schema"),
    (lambda r: r["call"][0]["parameters"].pop("q"), r"required parameters \['q'\] are missing"),
    (lambda r: r["call"][0]["parameters"].update(q="API_call_9"), "'API_call_9' is not produced"),
    (lambda r: r["call"][1].update(responses=["API_call_0"]), "produced twice"),
    (lambda r: r["api"][0].update(required=["q", "w"]), r"required \['w'\] are not parameters"),
    (lambda r: r.pop("task"), "missing key 'task'"),
])
def test_malformed_records_name_the_problem(mutate, message):
    rec = record([{"api_name": "fetch", "parameters": {"q": "a"}, "responses": ["API_call_0"]},
                  {"api_name": "fetch", "parameters": {"q": "b"}, "responses": []}], APIS, test_id=42)
    mutate(rec)
    with pytest.raises(ValueError, match=message) as err:
        convert_record(rec)
    assert "record 42" in str(err.value)


def test_loader_escapes_literal_dollars_and_reports_bad_json(tmp_path):
    good = record([{"api_name": "fetch", "parameters": {"q": "pay $20"}, "responses": []}], APIS)
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(good) + "\n\n")
    (rec,) = load_nestools(path)
    assert literal_refs(good) == [(1, "q", "pay $20")]
    assert rec.plan.tasks[0].args[0] == "pay $$20" and rec.plan.tasks[0].deps == frozenset()
    assert substitute(rec.plan.tasks[0].args, {}) == ("pay $20",)  # what a tool would receive
    path.write_text(json.dumps(good) + "\n{oops\n")
    with pytest.raises(ValueError, match=r"d.jsonl:2: not valid JSON"):
        load_nestools(path)


@pytest.fixture(scope="module")
def nestools():
    raws = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return raws, load_nestools(DATA)


def _round_trip_problems(raw, rec) -> list[str]:
    """Everything wrong with one record's round trip (empty when it passes)."""
    text = render_plan(rec.plan)
    parsed = parse_plan(text)
    problems = [] if parsed == rec.plan else [f"parsed plan differs:\n{text}"]
    problems += [str(i) for i in validate_plan(parsed, rec.catalog)]
    try:
        if not nx.is_isomorphic(plan_graph(parsed), nestools_graph(raw), node_match=TOOL):
            problems.append("DAG not isomorphic to the NesTools placeholders")
    except ValueError as err:  # PlanError: references that are not a DAG
        problems.append(str(err))
    return problems


@needs_data
def test_all_nestools_plans_round_trip(nestools):
    raws, records = nestools
    assert len(records) == len(raws) == 1000  # the README's count
    assert all(r.id == raw["test_id"] for r, raw in zip(records, raws))
    failures = {rec.id: p for raw, rec in zip(raws, records) if (p := _round_trip_problems(raw, rec))}
    logging.getLogger(__name__).info("NesTools round trip: %d of %d records pass", 1000 - len(failures), 1000)
    assert failures == {}


@needs_data
def test_literal_dollar_records_round_trip(nestools):
    raws, records = nestools
    stuck = [(raw, rec) for raw, rec in zip(raws, records) if literal_refs(raw)]
    assert stuck and all(not _round_trip_problems(raw, rec) for raw, rec in stuck)


@needs_data
def test_nestools_gold_scores_itself_strictly_after_reordering(nestools):
    """Rendered gold text, renumbered in a different topological order, is a strict success."""
    raws, records = nestools
    for raw, rec in zip(raws, records):
        g = plan_graph(rec.plan)
        order = list(nx.lexicographical_topological_sort(g, key=lambda n: -n))  # latest roots first
        new = {old: pos + 1 for pos, old in enumerate(order)}

        def remap(v):
            if isinstance(v, str):
                return rename_refs(v, new)
            return [remap(x) for x in v] if isinstance(v, list) else v
        moved = Plan(tuple(Task(new[i], rec.plan.task(i).tool, tuple(map(remap, rec.plan.task(i).args)))
                           for i in order))
        score = score_plan(render_plan(moved), render_plan(rec.plan), strict=True, catalog=rec.catalog)
        assert score.success, (rec.id, score)


@needs_data
def test_first_record_renders_as_expected(nestools):
    """Record 1 by hand: scan_isbn yields two placeholders; engage_ar_experience uses one of each call."""
    _, records = nestools
    assert render_plan(records[0].plan) == (
        '1. scan_isbn("978-3-16-148410-0")\n2. locate_book("$1")\n3. engage_ar_experience("$1", "$2")\n'
        "4. join()<END_OF_PLAN>")
