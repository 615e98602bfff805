"""tinyagent.study.quantization: several real GGUF planners on the same records, interleaved, one row each.

Two candidates share the offline SmolLM2 GGUF (a copy under another name), so the test needs no
fine-tuned model; a few tokens per plan keep it short.

Usage: .venv/bin/python -m pytest tests/test_study_quantization.py -q
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.test_study import write_test_data
from tinyagent.evaluate import load_eval_records
from tinyagent.evaluate.harness import read_predictions
from tinyagent.planner.models import default_planner_gguf
from tinyagent.study.quantization import Candidate, compare_models, with_grammar
from tinyagent.report.tables import table2_markdown
from tinyagent.toolrag.selection import AllTools


def test_models_are_compared_on_the_same_records(tmp_path: Path):
    data = write_test_data(tmp_path)
    records = load_eval_records(data)[:3]
    copy = tmp_path / "copy.gguf"
    shutil.copyfile(default_planner_gguf(), copy)
    models = [Candidate("base", "shipped Q4_1", default_planner_gguf(), "Q4_1", False),
              Candidate("copy", "same weights, copied", copy, "Q4_1", False)]
    rows = compare_models(models, records, AllTools(), data=data, out_dir=tmp_path / "eval", max_tokens=4,
                          threads=1, chunk=2)
    assert [r["name"] for r in rows] == ["base", "copy"]
    for row in rows:
        assert row["n"] == 3 and row["size_bytes"] == default_planner_gguf().stat().st_size
        assert 0 <= row["ci95"][0] <= row["success_rate"] <= row["ci95"][1] <= 1
        assert row["latency_p50_s"] > 0
        assert set(read_predictions(Path(row["eval_dir"]) / "predictions.jsonl")) == {r.id for r in records}
    # Identical weights and greedy decoding: the same plans.
    preds = [read_predictions(Path(r["eval_dir"]) / "predictions.jsonl") for r in rows]
    assert {i: p["pred"] for i, p in preds[0].items()} == {i: p["pred"] for i, p in preds[1].items()}
    assert "| shipped Q4_1 | test | Q4_1 | no |" in table2_markdown(rows)


def test_bad_candidates_are_refused(tmp_path: Path):
    data = write_test_data(tmp_path)
    records = load_eval_records(data)[:1]
    same = [Candidate("a", "x", default_planner_gguf(), "Q4_1", False)] * 2
    with pytest.raises(ValueError, match="unique"):
        compare_models(same, records, AllTools(), data=data, out_dir=tmp_path)
    gone = [Candidate("a", "x", tmp_path / "missing.gguf", "Q4_0", False)]
    with pytest.raises(FileNotFoundError, match="missing.gguf"):
        compare_models(gone, records, AllTools(), data=data, out_dir=tmp_path)


def test_a_grammar_row_plans_the_same_model_constrained(tmp_path: Path):
    data = write_test_data(tmp_path)
    records = load_eval_records(data)[:2]
    models = with_grammar([Candidate("base", "shipped Q4_1", default_planner_gguf(), "Q4_1", False)], ["base"])
    rows = compare_models(models, records, AllTools(), data=data, out_dir=tmp_path / "eval", max_tokens=4, threads=1)
    assert [(r["name"], r["grammar"]) for r in rows] == [("base", False), ("base_grammar", True)]
    configs = [json.loads((Path(r["eval_dir"]) / "config.json").read_text()) for r in rows]
    assert [c["grammar"] for c in configs] == [False, True]
    assert all(r["n"] == 2 for r in rows)
    with pytest.raises(KeyError, match="no Table 2 row named"):
        with_grammar(models, ["f16"])


def test_grammar_is_served_only_when_it_wins_on_validation(monkeypatch):
    from tinyagent.study import quantization

    served = Candidate("q4_0_qat", "x", Path("q.gguf"), "Q4_0", True, max_records=5)
    for off, on, want in ((0.5, 0.6, True), (0.6, 0.6, False), (0.7, 0.5, False)):
        seen = []

        def fake(models, records, selector, **kw):
            seen.append([(m.name, m.grammar, m.max_records) for m in models])
            return [{"success_rate": off}, {"success_rate": on}]

        monkeypatch.setattr(quantization, "compare_models", fake)
        chosen, success = quantization.choose_grammar(served, [], AllTools(), data=Path("v.jsonl"), out_dir=Path("o"))
        assert (chosen, success) == (want, {"off": off, "on": on})
        assert seen == [[("q4_0_qat", False, None), ("q4_0_qat_grammar", True, None)]]


def test_grammar_choice_reuses_the_unconstrained_plans_of_the_model_choice(tmp_path: Path):
    from tinyagent.study.quantization import choose_grammar, choose_served

    data = write_test_data(tmp_path)
    records = load_eval_records(data)[:2]
    base = Candidate("base", "shipped Q4_1", default_planner_gguf(), "Q4_1", False)
    choice = tmp_path / "choice"
    best, _ = choose_served([base], records, AllTools(), data=data, out_dir=choice, max_tokens=4, threads=1)
    before = (choice / "base" / "predictions.jsonl").read_bytes()
    chosen, success = choose_grammar(base, records, AllTools(), data=data, out_dir=choice, max_tokens=4, threads=1)
    assert best == "base" and (choice / "base" / "predictions.jsonl").read_bytes() == before
    assert set(read_predictions(choice / "base_grammar" / "predictions.jsonl")) == {r.id for r in records}
    assert chosen is (success["on"] > success["off"])
