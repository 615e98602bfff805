"""Evaluation harness with a scripted planner: scores, resume without duplicates, torn lines, config
mismatch, summary keys, NesTools and upstream inputs (the JSON-schema converter: tests/test_catalog.py).

Usage: .venv/bin/python -m pytest tests/test_eval_harness.py -q
"""
import json
import os
from pathlib import Path

import pytest

from tinyagent.agent.scripted import ScriptedBackend
from tinyagent.evaluate import ConfigMismatch, DatasetError, load_eval_records, read_predictions, run_eval
from tinyagent.metrics import score_many
from tinyagent.planner.backends.base import GenerationConfig
from tinyagent.tools import ASSISTANT_TOOLS

NESTOOLS = Path(os.environ.get("NESTOOLS_PATH", Path(__file__).resolve().parents[2]
                               / "shared/data/external/nestools/test_data.jsonl"))
UPSTREAM = Path(__file__).parent / "fixtures" / "upstream_tinyagent_sample.json"

GOLD = {
    "Text Sid I am late": '1. get_phone_number("Sid")\n2. send_sms(["$1"], "I am late")\n3. join()<END_OF_PLAN>',
    "Email Lutfi hi": '1. get_email_address("Lutfi")\n2. compose_new_email(["$1"], [], "Hi", "hi", [])\n'
                      '3. join()<END_OF_PLAN>',
    "Show Paris on the map": '1. maps_open_location("Paris")\n2. join()<END_OF_PLAN>',
    "Note and remind": '1. create_note("A", "b", "")\n'
                       '2. create_reminder("c", "2024-05-28 09:00:00", "", "", 0, False)\n3. join()<END_OF_PLAN>',
}
# What the scripted planner answers: right, right with other wording, wrong tool set, no join.
PRED = {
    "Text Sid I am late": GOLD["Text Sid I am late"],
    "Email Lutfi hi": '1. get_email_address("lutfi")\n2. compose_new_email(["$1"], [], "Hello", "hey", [])\n3. join()',
    "Show Paris on the map": '1. maps_show_directions("", "Paris", "d")\n2. join()',
    "Note and remind": '1. create_note("A", "b", "")',
}
SETTINGS = {"data": "tiny", "backend": "scripted", "grammar": False}


def write_data(path, queries=GOLD):
    path.write_text("".join(json.dumps({"id": f"r{i}", "query": q, "plan": p}) + "\n"
                            for i, (q, p) in enumerate(queries.items())))
    return path


def planner(table=PRED):
    # The question is the last line of the user message ("Question: ...").
    return ScriptedBackend(lambda messages: table[messages[-1]["content"].removeprefix("Question: ")])


def test_scores_rows_and_summary(tmp_path):
    records = load_eval_records(write_data(tmp_path / "d.jsonl"))
    backend = planner()
    summary = run_eval(records, backend, out_dir=tmp_path / "out", settings=SETTINGS, progress=False,
                       command="python -m tinyagent eval ...")
    rows = [json.loads(line) for line in (tmp_path / "out/predictions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["r0", "r1", "r2", "r3"] and backend.calls == 4
    assert [r["success"] for r in rows] == [True, True, False, False]
    assert [r["strict_success"] for r in rows] == [True, False, False, False]
    assert rows[2]["error"] == "wrong_tool_set" and rows[3]["error"] == "missing_join"
    assert rows[1]["strict_error"] == "wrong_arguments"
    # Same verdicts as the metric package's own aggregate.
    expected = score_many([PRED[q] for q in GOLD], list(GOLD.values()), catalog=ASSISTANT_TOOLS)
    assert summary["paper"]["successes"] == expected["successes"] == 2
    assert summary["paper"]["ci95"] == pytest.approx(expected["ci95"])
    assert summary["paper"]["errors"] == expected["errors"]
    assert summary["by_shape"]["chain"] == {"n": 2, "successes": 2, "success_rate": 1.0}
    assert summary["by_shape"]["single"]["successes"] == 0
    for key in ("prompt_tokens", "output_tokens", "latency_s", "model", "command", "settings", "selection"):
        assert key in summary
    assert summary["latency_s"]["first_task"]["n"] == 4 and summary["prompt_tokens"]["p50"] > 0
    assert summary["selection"]["recall"] == 1.0 and summary["complete"]
    assert json.loads((tmp_path / "out/summary.json").read_text())["paper"] == summary["paper"]


def test_resume_skips_done_records_without_duplicates(tmp_path):
    records = load_eval_records(write_data(tmp_path / "d.jsonl"))
    first = planner()
    s1 = run_eval(records[:2], first, out_dir=tmp_path / "out", settings=SETTINGS, progress=False)
    assert first.calls == 2 and s1["n"] == 2
    second = planner()
    s2 = run_eval(records, second, out_dir=tmp_path / "out", settings=SETTINGS, progress=False)
    assert second.calls == 2  # only the two new records
    ids = [json.loads(line)["id"] for line in (tmp_path / "out/predictions.jsonl").read_text().splitlines()]
    assert sorted(ids) == ["r0", "r1", "r2", "r3"] and s2["n"] == 4 and s2["paper"]["successes"] == 2
    third = planner()
    run_eval(records, third, out_dir=tmp_path / "out", settings=SETTINGS, progress=False)
    assert third.calls == 0


def test_config_mismatch_is_a_clear_error(tmp_path):
    records = load_eval_records(write_data(tmp_path / "d.jsonl"))
    run_eval(records[:1], planner(), out_dir=tmp_path / "out", settings=SETTINGS, progress=False)
    with pytest.raises(ConfigMismatch, match=r"grammar: was False, now True"):
        run_eval(records, planner(), out_dir=tmp_path / "out", settings={**SETTINGS, "grammar": True},
                 progress=False)


def test_torn_last_line_is_dropped_and_redone(tmp_path):
    records = load_eval_records(write_data(tmp_path / "d.jsonl"))
    out = tmp_path / "out"
    run_eval(records[:2], planner(), out_dir=out, settings=SETTINGS, progress=False)
    with open(out / "predictions.jsonl", "a") as fh:
        fh.write('{"id": "r2", "succ')  # crash mid-write
    assert set(read_predictions(out / "predictions.jsonl")) == {"r0", "r1"}
    backend = planner()
    run_eval(records, backend, out_dir=out, settings=SETTINGS, progress=False)
    lines = (out / "predictions.jsonl").read_text().splitlines()
    assert backend.calls == 2 and len(lines) == 4 and all(json.loads(x) for x in lines)
    with open(out / "predictions.jsonl", "a") as fh:
        fh.write("garbage\n{}\n")  # corruption that is not a torn tail is not silently dropped
    with pytest.raises(ValueError, match="corrupt line"):
        read_predictions(out / "predictions.jsonl")


def test_backend_errors_are_failed_rows_counted_separately(tmp_path):
    records = load_eval_records(write_data(tmp_path / "d.jsonl"))

    def reply(messages):
        if "Paris" in messages[-1]["content"]:
            raise RuntimeError("context overflow")
        return PRED[messages[-1]["content"].removeprefix("Question: ")]

    summary = run_eval(records, ScriptedBackend(reply), out_dir=tmp_path / "out", settings=SETTINGS,
                       progress=False)
    assert summary["backend_errors"] == 1 and summary["n"] == 4 and summary["paper"]["successes"] == 2
    row = read_predictions(tmp_path / "out/predictions.jsonl")["r2"]
    assert row["backend_error"] == "RuntimeError: context overflow" and row["success"] is False


def test_max_tokens_cut_shows_as_missing_join(tmp_path):
    records = load_eval_records(write_data(tmp_path / "d.jsonl"))[:1]
    summary = run_eval(records, planner(GOLD), out_dir=tmp_path / "out", settings=SETTINGS, progress=False,
                       config=GenerationConfig(max_tokens=10))
    row = read_predictions(tmp_path / "out/predictions.jsonl")["r0"]
    assert row["output_tokens"] == 10 and row["stopped"] == "length"
    assert summary["paper"]["errors"]["missing_join"] == 1


@pytest.mark.skipif(not NESTOOLS.exists(), reason=f"NesTools data not found at {NESTOOLS}")
def test_nestools_records_are_planned_with_their_own_tools(tmp_path):
    data = tmp_path / "nes.jsonl"
    data.write_text("".join(NESTOOLS.read_text().splitlines(keepends=True)[:2]))
    records = load_eval_records(data)
    assert [r.source for r in records] == ["nestools", "nestools"]
    gold = {r.query: r.plan for r in records}
    backend = planner(gold)
    summary = run_eval(records, backend, out_dir=tmp_path / "out", settings=SETTINGS, progress=False)
    assert summary["paper"]["successes"] == 2 and summary["strict"]["successes"] == 2
    for record, prompt in zip(records, backend.prompts):
        system = prompt[0]["content"]
        assert all(f"{tool}(" in system for tool in record.tools)
        assert "send_sms(" not in system  # the assistant tools are not offered here
    rows = read_predictions(tmp_path / "out/predictions.jsonl")
    assert sorted(rows[records[0].id]["selected"]) == sorted(s["function"]["name"] for s in records[0].catalog)


def test_upstream_json_and_format_errors(tmp_path):
    records = load_eval_records(UPSTREAM)
    assert records and all(r.source == "upstream" for r in records)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "x"}\n')
    with pytest.raises(DatasetError, match="unknown format"):
        load_eval_records(bad)
    dup = tmp_path / "dup.jsonl"
    ok = GOLD["Show Paris on the map"]
    dup.write_text(json.dumps({"id": "a", "query": "q", "plan": ok}) + "\n"
                   + json.dumps({"id": "a", "query": "r", "plan": ok}) + "\n")
    with pytest.raises(DatasetError, match="appears twice"):
        load_eval_records(dup)
    dup.write_text(json.dumps({"query": "q", "plan": '1. fly_to("Mars")\n2. join()'}) + "\n")
    with pytest.raises(DatasetError, match=r"dup.jsonl:1: .*unknown_tool"):
        load_eval_records(dup)
    with pytest.raises(DatasetError, match="no such file"):
        load_eval_records(tmp_path / "missing.jsonl")
