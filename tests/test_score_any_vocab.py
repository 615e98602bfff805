"""`python -m tinyagent score` on any tool vocabulary: gold plans checked up front (exit 2 naming file,
line and issue code), `--catalog` for arity/type checks, and every external data set under
/work/shared/data/external scored gold-against-itself at 100%.

Usage: .venv/bin/python -m pytest tests/test_score_any_vocab.py -q
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tinyagent.data import DatasetError, load_eval_records
from tinyagent.data.formats import detect_format
from tinyagent.tools import ASSISTANT_TOOLS

EXTERNAL = Path("/work/shared/data/external")
BOOK = '1. scan_isbn("978-3-16")\n2. locate_book("$1")\n3. join()<END_OF_PLAN>'
SCHEMAS = [{"type": "function", "function": {"name": "scan_isbn", "parameters": {
    "type": "object", "properties": {"isbn": {"type": "string"}}, "required": ["isbn"]}}},
    {"name": "locate_book", "parameters": {"type": "object", "properties": {"info": {"type": "string"}},
                                           "required": ["info"]}}]


def cli(*args):
    return subprocess.run([sys.executable, "-m", "tinyagent", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def summary_of(tmp_path: Path, *args) -> dict:
    out = tmp_path / "summary.json"
    run = cli("score", *args, "--out", out)
    assert run.returncode == 0, run.stderr
    return json.loads(out.read_text())


def test_external_tools_score_100_percent_against_themselves(tmp_path):
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": "a", "plan": BOOK}])
    assert summary_of(tmp_path, "--gold", gold, "--pred", gold)["success_rate"] == 1.0
    assert summary_of(tmp_path, "--gold", gold, "--pred", gold, "--strict")["success_rate"] == 1.0


def test_a_catalog_checks_arity_and_flags_other_tools(tmp_path):
    catalog = tmp_path / "tools.json"
    catalog.write_text(json.dumps(SCHEMAS))
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": "a", "plan": BOOK}])
    pred = write_jsonl(tmp_path / "pred.jsonl", [{"id": "a", "plan": '1. scan_barcode("978-3-16")\n2. join()'}])
    summary = summary_of(tmp_path, "--gold", gold, "--pred", pred, "--catalog", catalog)
    assert summary["errors"]["hallucinated_tool"] == 1
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"id": "a", "plan": BOOK},
                                               {"id": "b", "plan": '1. scan_isbn("x", 2)\n2. join()'}])
    run = cli("score", "--gold", bad, "--pred", bad, "--catalog", catalog)
    assert run.returncode == 2 and f"{bad}:2:" in run.stderr and "[arity]" in run.stderr and "'b'" in run.stderr
    # Our 16 tools by name; the book tools are then unknown to it.
    run = cli("score", "--gold", gold, "--pred", gold, "--catalog", "assistant")
    assert run.returncode == 2 and "[unknown_tool]" in run.stderr


@pytest.mark.parametrize("plan,code", [
    ('1. f("$3")\n2. join()', "dangling_ref"),
    ('1. f("x")', "missing_join"),
    ('1. f(x=1)\n2. join()', "named_argument"),
    ("garbage", "syntax"),
])
def test_an_invalid_gold_plan_is_bad_input_naming_file_line_and_code(tmp_path, plan, code):
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": "ok", "plan": BOOK}, {"id": "bad", "plan": plan}])
    run = cli("score", "--gold", gold, "--pred", gold)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    line = run.stderr.strip()
    assert "\n" not in line and f"{gold}:2:" in line and f"[{code}]" in line and "'bad'" in line


def test_loaders_refuse_a_garbage_gold_plan_naming_the_line(tmp_path):
    good = {"id": "g", "query": "Find the book", "plan": BOOK,
            "catalog": [s if "type" in s else {"type": "function", "function": s} for s in SCHEMAS]}
    bad = dict(good, id="b", plan='1. scan_isbn("x")\n2. locate_book("$5")\n3. join()')
    path = write_jsonl(tmp_path / "data.jsonl", [good, bad])
    with pytest.raises(DatasetError, match=r"data.jsonl:2: .*dangling_ref"):
        load_eval_records(path)
    full = load_eval_records(write_jsonl(tmp_path / "one.jsonl", [good]))[0].to_dict()
    broken = dict(full, id="x", plan='1. get_phone_number("Sid", 3)\n2. join()', catalog=None)
    with pytest.raises(DatasetError, match=r"full.jsonl:2: record 'x': invalid gold plan: .*\[arity\]"):
        load_eval_records(write_jsonl(tmp_path / "full.jsonl", [full, broken]))
    nes = json.loads(next(iter((EXTERNAL / "nestools" / "test_data.jsonl").open()))) if EXTERNAL.exists() else None
    if nes is not None:  # a NesTools gold call to a tool the record does not offer
        nes["call"][0]["api_name"] = "no_such_api"
        with pytest.raises(DatasetError, match=r"nes.jsonl:1: .*no_such_api"):
            load_eval_records(write_jsonl(tmp_path / "nes.jsonl", [nes]))


def _external_files() -> list[Path]:
    if not EXTERNAL.is_dir():
        return []
    return sorted(p for p in EXTERNAL.rglob("*") if p.is_file() and p.suffix in (".jsonl", ".json"))


@pytest.mark.skipif(not _external_files(), reason=f"no external data under {EXTERNAL}")
@pytest.mark.parametrize("path", _external_files(), ids=lambda p: str(p.relative_to(EXTERNAL)))
def test_every_external_file_scores_100_percent_against_itself(tmp_path, path):
    try:
        fmt = detect_format(path)
        records = load_eval_records(path)
    except DatasetError as e:
        pytest.skip(f"{path}: its plans cannot be expressed as our plans: {e}")
    assert records, f"{fmt} file {path} holds no records"
    for strict in ((), ("--strict",)):
        summary = summary_of(tmp_path, "--gold", path, "--pred", path, *strict)
        assert summary["n"] == len(records) and summary["success_rate"] == 1.0, summary["errors"]
    assert ASSISTANT_TOOLS  # the built-in catalog played no part: each record brought its own tools
