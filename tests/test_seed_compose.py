"""Offline data from seed examples: composed plans validate, run on the user's functions, and split."""
from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

import pytest

from tinyagent.data.records import read_jsonl, record_catalog
from tinyagent.examples.home import SEEDS
from tinyagent.examples.home.tools import tools as home_tools
from tinyagent.execute.python_backend import PythonToolBackend
from tinyagent.plan.parser import parse_plan
from tinyagent.plan.refs import whole_ref
from tinyagent.plan.validate import check_plan
from tinyagent.synth.seed_data import compose_records, synthesize_from_seeds
from tinyagent.synth.seeds import SeedError, load_seeds
from tinyagent.tools.backend import ToolError
from tinyagent.tools.functions import ToolRegistry
from tinyagent.tools.loader import LoadedTools, load_tools


@pytest.fixture(scope="module")
def home_records():
    records, failed = compose_records(home_tools, load_seeds(SEEDS, home_tools.catalog), 80, seed=3)
    return records


def test_composed_plans_validate_and_execute_on_the_functions(home_records, tmp_path):
    for n, rec in enumerate(home_records):
        assert check_plan(rec.plan, record_catalog(rec)) == [], rec.plan
        report = PythonToolBackend(home_tools, workdir=tmp_path / str(n)).run(parse_plan(rec.plan))
        assert [r.status for r in report.results] == ["done"] * len(report.results), (rec.query, rec.plan)


def test_compositions_cover_chains_and_parallel_requests(home_records):
    kinds = {r.meta["composition"] for r in home_records}
    assert {"single", "parallel", "chain", "chain3", "mixed"} <= kinds
    assert {r.shape for r in home_records} >= {"single", "parallel", "chain"}
    assert len({r.query.casefold() for r in home_records}) == len(home_records)


def test_requests_keep_every_literal_the_plan_copies(home_records):
    for rec in home_records:
        for task in parse_plan(rec.plan).tasks:
            for arg in task.args:
                if isinstance(arg, str) and arg and whole_ref(arg) is None:
                    assert arg.casefold() in rec.query.casefold(), (arg, rec.query)


def test_str_references_feed_only_what_the_producer_really_returns(home_records):
    """A device name comes from find_device only where find_device's output was that device."""
    for rec in home_records:
        plan = parse_plan(rec.plan)
        for task in plan.tasks:
            if task.tool in ("set_light", "lock_door", "get_device_state") and whole_ref(task.args[0]):
                assert plan.task(whole_ref(task.args[0])).tool == "find_device", rec.plan


def _fragile_tools() -> ToolRegistry:
    reg = ToolRegistry()

    @reg.tool
    def word_count(text: str) -> int:
        """Count the words of a text.

        Args:
            text: The text.
        """
        return len(text.split())

    @reg.tool(side_effect=True)
    def repeat(word: str, times: int) -> str:
        """Say a word a few times (at most 3).

        Args:
            word: The word.
            times: How often, 1 to 3.
        """
        if times > 3:
            raise ToolError(f"at most 3 times, got {times}")
        return " ".join([word] * times)

    return reg


FRAGILE_SEEDS = [
    {"request": "Count the words in 'one two three four five'", "plan": 'word_count("one two three four five")'},
    {"request": "How many words are in 'a b'?", "plan": 'word_count("a b")'},
    {"request": "Say hi 2 times", "plan": 'repeat("hi", 2)'},
    {"request": "Say yo 3 times", "plan": 'repeat("yo", 3)'},
]


def test_plans_that_fail_on_the_functions_are_dropped():
    reg = _fragile_tools()
    records, failed = compose_records(reg, load_seeds(FRAGILE_SEEDS, reg.catalog), 25, seed=0)
    assert failed > 0  # word_count -> repeat with 5 words fails, and is not kept
    for rec in records:
        with tempfile.TemporaryDirectory() as root:
            report = PythonToolBackend(reg, workdir=root).run(parse_plan(rec.plan))
        assert all(r.status == "done" for r in report.results)
    assert any(r.meta["composition"] == "chain" for r in records)


def test_synthesize_from_seeds_writes_splits_the_notebooks_read(tmp_path):
    tools = load_tools("tinyagent.examples.home.tools")
    ds = synthesize_from_seeds(tools, SEEDS, 40, seed=1, out_dir=tmp_path, val_fraction=0.1, test_fraction=0.1)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {k: v["records"] for k, v in manifest["splits"].items()} == {"train": 32, "val": 4, "test": 4}
    assert manifest["generator"] == "seeds" and manifest["catalog"] == "tinyagent.examples.home.tools"
    test = read_jsonl(tmp_path / "test.jsonl", check_plans=True)
    assert [r.id for r in test] == [r.id for r in ds.splits["test"]]
    assert record_catalog(test[0]) == tools.catalog  # app and side effects travel with the records
    train_queries = {r.query for r in read_jsonl(tmp_path / "train.jsonl")}
    assert train_queries.isdisjoint(r.query for r in test)


def test_same_seed_same_dataset(tmp_path):
    a = compose_records(home_tools, load_seeds(SEEDS, home_tools.catalog), 15, seed=7)[0]
    b = compose_records(home_tools, load_seeds(SEEDS, home_tools.catalog), 15, seed=7)[0]
    assert [(r.query, r.plan) for r in a] == [(r.query, r.plan) for r in b]


@pytest.mark.parametrize("item, words", [
    ({"request": "x", "plan": 'fly("home")'}, ["seed-1", "unknown tool"]),
    ({"request": "x", "plan": 'get_temperature("a", "b")'}, ["seed-1", "arity"]),
    ({"request": "x", "plan": '1. find_device("a")\n2. set_light("$1", True)\n3. join()<END_OF_PLAN>'},
     ["seed-1", "one call"]),
    ({"request": "", "plan": 'get_temperature("a")'}, ["seed-1", "request"]),
    ({"request": "x", "plan": 'get_temperature("a")', "answer": 3}, ["seed-1", "answer"]),
    ({"id": "mine", "request": "x", "plan": "get_temperature(("}, ["mine", "bad plan"]),
])
def test_bad_seeds_raise_naming_the_seed(item, words):
    with pytest.raises(SeedError) as err:
        load_seeds([item], home_tools.catalog)
    for word in words:
        assert word in str(err.value)


def test_bad_seed_file_line_is_named(tmp_path):
    path = tmp_path / "seeds.jsonl"
    path.write_text('{"request": "Lock it", "plan": "lock_door(\\"back door\\")"}\nnot json\n')
    with pytest.raises(SeedError, match=r"seeds.jsonl:2: not JSON"):
        load_seeds(path, home_tools.catalog)


def test_seed_that_fails_on_the_functions_is_named():
    bad = [{"request": "Warmth of the attic?", "plan": 'get_temperature("attic")'}]
    with pytest.raises(ValueError, match=r"seed-1: get_temperature\('attic',\) fails"):
        compose_records(home_tools, load_seeds(bad, home_tools.catalog), 1)


def test_json_only_tools_cannot_be_synthesized(tmp_path):
    with pytest.raises(ValueError, match="executes every plan"):
        synthesize_from_seeds(LoadedTools("t.json", home_tools.catalog, None), SEEDS, 5, out_dir=tmp_path)


def test_notebook_01_composes_from_seeds_for_a_custom_catalog(tmp_path):
    import papermill as pm

    from tinyagent.artifacts import SynthResult
    from tinyagent.layout import RunLayout

    repo = Path(__file__).resolve().parents[1]
    run = RunLayout(tmp_path / "run")
    pm.execute_notebook(str(repo / "notebooks" / "01_data_synthesis.ipynb"), str(tmp_path / "01.ipynb"),
                        cwd=str(repo), progress_bar=False,
                        parameters={"size": 40, "catalog": "tinyagent.examples.home.tools", "run_dir": str(run.run_dir)})
    metrics = json.loads((run.step_dir("01_data_synthesis") / "metrics.json").read_text())
    assert metrics["generator"] == "seeds" and metrics["validation"]["valid"] == 40
    assert metrics["validation"]["executed"] == 40 and metrics["diversity"]["app_pairs_total"] == 15
    test = read_jsonl(run.split("test"), check_plans=True)
    assert record_catalog(test[0]) == home_tools.catalog
    assert SynthResult.load(run.step_dir("01_data_synthesis")).generator == "seeds"


def test_training_prompts_and_tool_selection_use_the_records_catalog(home_records):
    import random

    from tinyagent.data.records import dataset_catalog
    from tinyagent.toolrag.selection import AllTools
    from tinyagent.toolrag.table import table1
    from tinyagent.train.data import record_messages
    from tinyagent.tools import ASSISTANT_TOOLS

    assert dataset_catalog(home_records) == home_tools.catalog  # notebook 02's classifier labels
    chain = next(r for r in home_records if r.shape == "chain")
    system = record_messages(chain, random.Random(0), max_negatives=3)[0]["content"]
    assert all(t in system for t in chain.tools)
    assert not any(f"{t}(" in system for t in ASSISTANT_TOOLS.names)
    rows = table1({"no RAG": AllTools()}, home_records[:5], count_tokens=lambda tools, query: len(tools))
    assert rows[0].to_dict()["avg_tools"] == len(home_tools.catalog)
    with pytest.raises(ValueError, match="different tool catalogs"):
        dataset_catalog([home_records[0], dataclasses.replace(home_records[1], catalog=None)])
