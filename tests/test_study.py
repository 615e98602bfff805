"""tinyagent.study: the paper's numbers, reading notebook 02/04 results, Tables 1 and 2, plots.

Summaries come from the real harness (`run_eval` with a scripted planner), not hand-typed JSON.

Usage: .venv/bin/python -m pytest tests/test_study.py -q
"""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image as mpimg
import pytest

from tinyagent.agent.scripted import ScriptedBackend
from tinyagent.artifacts import QuantResult, ToolRAGResult
from tinyagent.evaluate import load_eval_records, run_eval
from tinyagent.report import paper, tables
from tinyagent.study import inputs, plots
from tinyagent.toolrag.selection import AllTools
from tinyagent.toolrag.table import table1 as toolrag_table1

GOLD = {  # query -> gold plan; shapes: chain, single, fan_in, parallel
    "Text Sid I am late": '1. get_phone_number("Sid")\n2. send_sms(["$1"], "I am late")\n3. join()<END_OF_PLAN>',
    "Show Paris on the map": '1. maps_open_location("Paris")\n2. join()<END_OF_PLAN>',
    "Email Sid and Bo": '1. get_email_address("Sid")\n2. get_email_address("Bo")\n'
                        '3. compose_new_email(["$1", "$2"], [], "Hi", "hi", [])\n4. join()<END_OF_PLAN>',
    "Note and remind": '1. create_note("A", "b", "")\n'
                       '2. create_reminder("c", "2024-05-28 09:00:00", "", "", 0, False)\n3. join()<END_OF_PLAN>',
}
WRONG = '1. maps_show_directions("", "Paris", "d")\n2. join()'


def write_test_data(tmp_path: Path) -> Path:
    path = tmp_path / "test.jsonl"
    path.write_text("".join(json.dumps({"id": f"r{i}", "query": q, "plan": p}) + "\n"
                            for i, (q, p) in enumerate(GOLD.items())))
    return path


def scripted_eval(tmp_path: Path, name: str, right: set[str]) -> Path:
    """A genuine eval dir: the scripted planner answers the gold plan for `right` queries, else WRONG."""
    records = load_eval_records(write_test_data(tmp_path))
    backend = ScriptedBackend(lambda m: GOLD[q] if (q := m[-1]["content"].removeprefix("Question: ")) in right
                              else WRONG)
    run_eval(records, backend, out_dir=tmp_path / name, settings={"model": name}, progress=False)
    return tmp_path / name


def quant_row(eval_dir: Path, name: str, quant: str, qat: bool, size: int) -> dict:
    """A notebook-04 Table 2 row built from an eval dir's summary, as 04 builds it."""
    s = json.loads((eval_dir / "summary.json").read_text())
    return {"name": name, "label": f"model {name}", "gguf": f"{name}.gguf", "quant": quant, "qat": qat,
            "size_bytes": size, **{k: s["paper"][k] for k in ("n", "successes", "success_rate", "ci95")},
            "latency_p50_s": s["latency_s"]["plan"]["p50"], "latency_p95_s": s["latency_s"]["plan"]["p95"],
            "eval_dir": str(eval_dir)}


@pytest.fixture
def quant_dir(tmp_path: Path) -> Path:
    """04's result with base (no success), f16 and q4_0_qat (2 of 4 right); no q4_0 row."""
    base = scripted_eval(tmp_path, "base", set())
    good = scripted_eval(tmp_path, "good", {"Text Sid I am late", "Show Paris on the map"})
    rows = [quant_row(base, "base", "Q4_1", False, 98_000_000), quant_row(good, "f16", "F16", False, 270_000_000),
            quant_row(good, "q4_0_qat", "Q4_0", True, 80_000_000)]
    QuantResult({r["name"]: Path(r["gguf"]) for r in rows}, tmp_path / "p.gguf", rows).save(tmp_path / "04")
    return tmp_path / "04"


def test_paper_tables_agree_with_each_other():
    # The paper's Table 2 f16 rows are its Table 1 classifier setting: a transcription slip would show here.
    for model in paper.MODELS:
        assert paper.paper_quant_row(model, "f16").success == paper.PAPER_TABLE1["classifier"].success[model]
    assert paper.PAPER_TABLE1["no_rag"].tool_recall == 1.0 and paper.PAPER_TABLE1["no_rag"].avg_tools == 16
    with pytest.raises(KeyError, match="no row for model 'TinyLlama-1.1B' with quant 'Q8'"):
        paper.paper_quant_row("TinyLlama-1.1B", "Q8")


def test_load_quant_reads_rows_summaries_and_notes_missing(quant_dir: Path):
    q = inputs.load_quant(quant_dir)
    assert [r["name"] for r in q.rows] == ["base", "f16", "q4_0_qat"]
    assert q.summaries["f16"]["paper"]["successes"] == 2 and q.summaries["base"]["paper"]["successes"] == 0
    assert q.planner_gguf.endswith("p.gguf")
    assert len(q.notes) == 1 and "no Table 2 row for q4_0 " in q.notes[0]


def test_load_quant_notes_a_missing_summary_and_an_empty_table(quant_dir: Path):
    (Path(inputs.load_quant(quant_dir).rows[0]["eval_dir"]) / "summary.json").unlink()
    q = inputs.load_quant(quant_dir)
    assert q.summaries["base"] is None and any("'base'" in n and "summary.json is missing" in n for n in q.notes)
    QuantResult({}, None, []).save(quant_dir)
    q = inputs.load_quant(quant_dir)
    assert q.rows == [] and q.planner_gguf is None
    assert any("base, f16, q4_0, q4_0_qat" in n for n in q.notes) and any("no planner_gguf" in n for n in q.notes)


def test_load_quant_fails_clearly(tmp_path: Path, quant_dir: Path):
    with pytest.raises(FileNotFoundError, match="run notebooks/04_qat_quantize.ipynb first"):
        inputs.load_quant(tmp_path / "nowhere")
    (tmp_path / "base" / "summary.json").write_text('{"n": ')
    with pytest.raises(inputs.StudyInputError, match=r"base/summary.json: not valid JSON"):
        inputs.load_quant(quant_dir)
    data = json.loads((quant_dir / "result.json").read_text())
    del data["table2"][1]["latency_p50_s"]
    (quant_dir / "result.json").write_text(json.dumps(data))
    with pytest.raises(inputs.StudyInputError, match=r"table2 row 1: missing key\(s\) \['latency_p50_s'\]"):
        inputs.load_quant(quant_dir)
    (quant_dir / "result.json").write_text(json.dumps({**data, "step": "02_toolrag"}))
    with pytest.raises(inputs.StudyInputError, match="not a 04_qat_quantize result"):
        inputs.load_quant(quant_dir)
    (quant_dir / "result.json").write_text("{not json")
    with pytest.raises(inputs.StudyInputError, match="not valid JSON"):
        inputs.load_quant(quant_dir)


def toolrag_dir(tmp_path: Path, out: Path | None = None) -> Path:
    """02's result in `out` (default tmp_path/02): genuine Table 1 rows (no-RAG and a one-tool selector;
    token count = 100 per tool); the classifier folder it names is not written."""
    class FirstTool:
        def select(self, query, enabled):
            return AllTools().select(query, enabled.subset([enabled.names[0]]))
    records = load_eval_records(write_test_data(tmp_path))
    rows = toolrag_table1({"no RAG": AllTools(), "classifier (t=0.50)": FirstTool()}, records,
                          count_tokens=lambda tools, q: 100 * len(tools))
    out = out or tmp_path / "02"
    ToolRAGResult(out / "classifier", 0.5, "test", [r.to_dict() for r in rows]).save(out)
    return out


def test_load_toolrag_needs_metrics_and_classifier(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="run notebooks/02_toolrag.ipynb first"):
        inputs.load_toolrag(tmp_path / "02")
    d = toolrag_dir(tmp_path)
    with pytest.raises(FileNotFoundError, match="holds no saved classifier"):
        inputs.load_toolrag(d)


def test_resolve_planner_order(tmp_path: Path, quant_dir: Path):
    q = inputs.load_quant(quant_dir)
    with pytest.raises(FileNotFoundError, match=r"p\.gguf \(from planner_gguf of .*result.json\) does not exist"):
        inputs.resolve_planner("", q)
    (tmp_path / "p.gguf").write_bytes(b"GGUF")
    assert inputs.resolve_planner("", q) == (tmp_path / "p.gguf", f"planner_gguf of {q.path}")
    (tmp_path / "mine.gguf").write_bytes(b"GGUF")
    assert inputs.resolve_planner(str(tmp_path / "mine.gguf"), q)[1] == "the planner_gguf parameter"
    q.planner_gguf = None
    path, how = inputs.resolve_planner("", q)
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and "untuned" in how


def test_table1_puts_our_success_beside_the_paper(tmp_path: Path):
    rows = list(ToolRAGResult.load(toolrag_dir(tmp_path)).table1)
    rows.append({**rows[0], "selector": "basic RAG top-6"})
    summary = json.loads((scripted_eval(tmp_path, "e", {"Text Sid I am late"}) / "summary.json").read_text())
    md = tables.table1_success_markdown(rows, {"no_rag": summary})
    lines = {line.split(" | ")[0].strip("| "): line for line in md.splitlines() if line.startswith("| ")}
    assert "paper (TinyLlama-1.1B)" in lines["selector"] and "paper (Wizard-2-7B)" in lines["selector"]
    assert "25.0% [" in lines["no RAG"] and "(1/4)" in lines["no RAG"]
    assert "| 2762 | 78.89% | 83.09% |" in lines["no RAG"]
    assert "not run" in lines["classifier (t=0.50)"] and "| 0.998 | 1397 | 80.06% | 84.95% |" in lines[
        "classifier (t=0.50)"]
    assert "| 0.968 | — | — | — |" in lines["basic RAG top-6"]
    assert "| 1.000 | 16.00 | 1600 |" in lines["no RAG"]  # notebook 02's figures, unchanged


def test_table2_matches_rows_to_paper_rows(quant_dir: Path):
    rows = inputs.load_quant(quant_dir).rows
    rows.append({**rows[2], "name": "q4_0", "label": "model q4_0", "qat": False})
    md = tables.table2_markdown(rows)
    lines = {line.split(" | ")[0].strip("| "): line for line in md.splitlines() if line.startswith("| model ")}
    assert "off the shelf: 12.71% | off the shelf: 41.25%" in lines["model base"]
    assert "| 50.0% [" in lines["model f16"] and "3.9 s, 2.2 GB, 80.06% | 19.5 s, 14.5 GB, 84.95%" in lines["model f16"]
    assert "2.9 s, 0.68 GB, 80.35% | 13.1 s, 4.37 GB, 85.14%" in lines["model q4_0_qat"]
    assert lines["model q4_0"].endswith("| — | — |") and "| 270 MB |" in lines["model f16"]
    assert "| GPT-3.5 | hosted | 3.2 s | — | 65.04% |" in tables.paper_table2_markdown()


def test_runs_table_lists_errors(tmp_path: Path):
    s = json.loads((scripted_eval(tmp_path, "e", {"Show Paris on the map"}) / "summary.json").read_text())
    md = tables.runs_markdown({"x": s})
    row = md.splitlines()[2]
    assert row.startswith("| x | 25.0% [") and "| 16.0 |" in row
    assert row.endswith("| wrong_tool_set 3 | 0 |")  # three wrong plans, no backend errors
    assert sum(s["paper"]["errors"].values()) == 3


def test_plots_write_pngs_and_refuse_empty_input(tmp_path: Path, quant_dir: Path):
    q = inputs.load_quant(quant_dir)
    runs = {r["label"]: q.summaries[r["name"]] for r in q.rows}
    paths = [plots.plot_success_latency_size(q.rows, tmp_path / "a.png"),
             plots.plot_error_taxonomy(runs, tmp_path / "b.png"),
             plots.plot_success_by_shape(runs, tmp_path / "c.png"),
             plots.plot_nestools(runs, tmp_path / "d.png")]
    for p in paths:
        height, width, _ = mpimg.imread(p).shape
        assert width > 400 and height > 200
    assert not list(tmp_path.glob(".*.png"))  # no temporary files left behind
    for fn in (plots.plot_error_taxonomy, plots.plot_success_by_shape, plots.plot_nestools):
        with pytest.raises(ValueError, match="nothing to plot"):
            fn({}, tmp_path / "e.png")
    # Without one usable model row the paper's panel is still drawn (notebook 04 may have evaluated nothing).
    no_latency = [{**q.rows[0], "latency_p50_s": None}]
    assert mpimg.imread(plots.plot_success_latency_size(no_latency, tmp_path / "f.png")).shape[1] > 400
