"""Tests for the LLM generator: validation, rejection accounting, retries, dedup and crash-resume.

The last test is real: it starts `llama_cpp.server` on the offline SmolLM2-135M GGUF, runs the
generator CLI in a subprocess, SIGKILLs it mid-run, resumes, and checks nothing was lost or
duplicated. The others use a scripted stand-in for AsyncOpenAI.

Usage: .venv/bin/python -m pytest tests/test_synth_llm.py -q
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

import openai  # noqa: F401  (a required dependency: fail loudly if missing)

from tinyagent.data.records import normalize_query, plan_shape  # noqa: E402
from tinyagent.plan.parser import parse_plan  # noqa: E402
from tinyagent.plan.validate import check_plan  # noqa: E402
from tinyagent.synth.llm import LLMConfig, run_llm_synthesis  # noqa: E402
from tinyagent.synth.llm_prompt import build_messages, sample_job  # noqa: E402
from tinyagent.synth.offline import generate_offline  # noqa: E402
from tinyagent.synth.store import JsonlLog  # noqa: E402
from tinyagent.tools.assistant import ASSISTANT_TOOLS  # noqa: E402



def good(messages: list[dict[str, str]], query: str) -> str:
    """A valid answer for this request: the first example's plan (it uses only offered tools), new query."""
    example = messages[2]["content"]  # the first example, shown as an earlier assistant answer
    plan = example.split("Plan:\n", 1)[1]
    return f"Query: {query}\nPlan:\n{plan}"


def _resp(*contents: str, pt: int = 100, ct: int = 20) -> SimpleNamespace:
    return SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(content=c)) for c in contents],
                           usage=SimpleNamespace(prompt_tokens=pt, completion_tokens=ct))


class ScriptedClient:
    """Stands in for AsyncOpenAI: `script(n_call, messages)` returns a response or raises."""

    def __init__(self, script):
        self.calls = 0
        self.script = script
        self.chat = SimpleNamespace(completions=SimpleNamespace(create=self._create))

    async def _create(self, **kwargs):
        self.calls += 1
        return self.script(self.calls, kwargs["messages"])


def _cfg(**kw) -> LLMConfig:
    base = dict(base_url="http://unused/v1", model="fake", backoff_s=0.001, pool_size=60,
                price_prompt_per_1k=0.5, price_completion_per_1k=1.5)
    return LLMConfig.from_env(**{**base, **kw})


def _conn_error():
    return openai.APIConnectionError(request=None)  # the request object is not used by our code


def test_rejections_counted_by_reason_and_cost_recorded(tmp_path):
    answers = [lambda m: good(m, "hello there"), lambda m: good(m, "Hello  there!"),  # second is a duplicate
               lambda m: "no plan here",
               lambda m: "\n".join(good(m, "only the first call").splitlines()[:3]),  # no join()
               lambda m: 'Query: fly me\nPlan:\n1. book_flight("SFO")\n2. join()']

    def script(n, messages):
        return _resp(answers[n - 1](messages))

    totals = run_llm_synthesis(_cfg(concurrency=1), tmp_path, n_requests=5, client=ScriptedClient(script))
    assert totals["accepted"] == 1 and totals["rejected"] == 4 and totals["attempts"] == 5
    assert totals["rejected_by_reason"] == {"duplicate": 1, "format": 1, "missing_join": 1, "unknown_tool": 1}
    assert totals["prompt_tokens"] == 500 and totals["completion_tokens"] == 100
    assert totals["cost"] == pytest.approx(5 * (100 * 0.5 + 20 * 1.5) / 1000)
    rec = json.loads((tmp_path / "accepted.jsonl").read_text())
    # the shape is derived from the plan (which example the scripted answer copies depends on the pool)
    assert rec["source"] == "llm" and rec["plan"].endswith("<END_OF_PLAN>")
    assert rec["shape"] == plan_shape(parse_plan(rec["plan"]))


def test_transport_errors_retry_then_give_up(tmp_path):
    def flaky(n, messages):
        if n <= 2:
            raise _conn_error()
        return _resp(good(messages, "after retries"))

    client = ScriptedClient(flaky)
    totals = run_llm_synthesis(_cfg(concurrency=1, max_retries=3), tmp_path / "a", 1, client=client)
    assert client.calls == 3 and totals["accepted"] == 1

    def down(n, messages):
        raise _conn_error()

    client = ScriptedClient(down)
    totals = run_llm_synthesis(_cfg(concurrency=2, max_retries=2), tmp_path / "b", 3, client=client)
    assert client.calls == 9 and totals["rejected_by_reason"] == {"transport": 3} and totals["requests_done"] == 3


def test_resume_writes_only_missing_attempts(tmp_path):
    counter = iter(range(10**6))  # distinct queries across both sessions

    def three(n, messages):
        return _resp(*(good(messages, f"query {next(counter)}") for k in range(3)))

    cfg = _cfg(n_candidates=3, concurrency=1)
    run_llm_synthesis(cfg, tmp_path, 2, client=ScriptedClient(three))
    # Simulate a kill during request 1: its progress line and last attempt never reached the disk.
    for name, keep in (("progress.jsonl", 1), ("accepted.jsonl", 5)):
        lines = (tmp_path / name).read_text().splitlines(keepends=True)
        (tmp_path / name).write_text("".join(lines[:keep]) + lines[keep][:7])  # plus a torn line
    totals = run_llm_synthesis(cfg, tmp_path, 2, client=ScriptedClient(three))
    rows = JsonlLog(tmp_path / "accepted.jsonl").rows
    attempts = [r["meta"]["attempt"] for r in rows]
    assert sorted(attempts) == [f"{j:06d}-{k}" for j in range(2) for k in range(3)]
    assert totals["requests_done"] == 2 and totals["accepted"] == 6 and totals["attempts"] == 6


def test_config_validation_and_prompt():
    with pytest.raises(ValueError, match="base_url and model"):
        LLMConfig.from_env(base_url="", model="")
    with pytest.raises(TypeError, match="unknown LLMConfig fields"):
        LLMConfig.from_env(base_url="x", model="m", temprature=1)
    pool = generate_offline(50, seed=0)
    job = sample_job(3, seed=0, pool=pool)
    assert job == sample_job(3, seed=0, pool=pool)
    assert all(set(ex.tools) <= set(job.tools) for ex in job.examples)
    messages = build_messages(job, "2024-05-27 09:00:00")
    system = messages[0]["content"]
    assert all(f"- {ASSISTANT_TOOLS[t].signature()}" in system for t in job.tools)
    assert "2024-05-27 09:00:00" in system and messages[-1]["role"] == "user"
    assert [m["role"] for m in messages[1:-1]] == ["user", "assistant"] * len(job.examples)
    assert messages[2]["content"] == f"Query: {job.examples[0].query}\nPlan:\n{job.examples[0].plan}"


# --- real server -------------------------------------------------------------------------------

# `llama_server` (a real llama_cpp.server on SmolLM2) is a session fixture in tests/conftest.py.


def test_real_server_kill_and_resume(llama_server, tmp_path):
    out = tmp_path / "run"
    n_requests = 8
    cmd = [sys.executable, "-m", "tinyagent.synth.llm", "--out", str(out), "--requests", str(n_requests),
           "--base-url", llama_server, "--model", "smollm2", "--temperature", "0.8", "--max-tokens", "64",
           "--shots", "1", "--concurrency", "2", "--pool-size", "100", "--price-prompt-per-1k", "0.001"]
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    progress = out / "progress.jsonl"
    deadline = time.time() + 90
    while time.time() < deadline and proc.poll() is None:
        if progress.exists() and progress.read_text().count("\n") >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed; raise n_requests"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = JsonlLog(progress).rows
    assert 2 <= len(done_before) < n_requests

    resumed = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    accepted = JsonlLog(out / "accepted.jsonl").rows
    rejected = JsonlLog(out / "rejected.jsonl").rows
    progress_rows = JsonlLog(progress).rows
    attempts = [r["meta"]["attempt"] for r in accepted] + [r["attempt"] for r in rejected]
    assert sorted(r["job"] for r in progress_rows) == list(range(n_requests))  # every request finished once
    assert len(attempts) == len(set(attempts)) == sum(r["attempts"] for r in progress_rows)
    assert {a.split("-")[0] for a in attempts} == {f"{j:06d}" for j in range(n_requests)}
    assert done_before == progress_rows[: len(done_before)]  # nothing recorded before the kill was lost
    assert len({r["id"] for r in accepted}) == len(accepted)
    assert len({normalize_query(r["query"]) for r in accepted}) == len(accepted)
    for r in accepted:
        assert check_plan(r["plan"], ASSISTANT_TOOLS.subset(r["meta"]["offered_tools"])) == []
    assert all(r["reason"] and r["codes"] for r in rejected)
    assert sum(r["prompt_tokens"] for r in progress_rows) > 0
    print(f"SmolLM2: {len(accepted)} accepted, {len(rejected)} rejected:",
          {k: sum(r['reason'] == k for r in rejected) for k in {r['reason'] for r in rejected}})


def test_pipeline_llm_generator_writes_splits(llama_server, tmp_path):
    from tinyagent.synth.pipeline import report, synthesize

    ds = synthesize(2, seed=1, generator="llm", out_dir=tmp_path, endpoint=llama_server, model="smollm2",
                    llm_requests=2)
    run = JsonlLog(tmp_path / "llm_run" / "progress.jsonl").rows
    assert len(run) == 2 and len(ds.records) <= 2  # every accepted record (maybe none) is in the splits
    assert sum(v["records"] for v in ds.manifest["splits"].values()) == len(ds.records)
    assert report(ds)["validation"]["valid"] == len(ds.records)


# --- any catalog: the example home-automation tools ------------------------------------------------

HOME = "tinyagent.examples.home.tools"


def _home():
    from tinyagent.tools.loader import load_tools
    return load_tools(HOME)


def test_custom_catalog_prompts_validation_and_execution(tmp_path):
    """Prompts show only the home tools; assistant tools are unknown there; a valid plan that the home
    functions refuse is rejected as does_not_run; accepted records carry the home schemas."""
    tools = _home()
    seen_systems = []
    answers = [lambda m: good(m, "please handle the house thing"),
               lambda m: 'Query: text sid hi\nPlan:\n1. send_sms(["+1"], "hi")\n2. join()<END_OF_PLAN>',
               lambda m: 'Query: find the unicorn stable\nPlan:\n1. find_device("a unicorn stable")\n'
                         '2. join()<END_OF_PLAN>']

    def script(n, messages):
        seen_systems.append(messages[0]["content"])
        return _resp(answers[n - 1](messages))

    totals = run_llm_synthesis(_cfg(concurrency=1, pool_size=40), tmp_path, 3, client=ScriptedClient(script),
                               tools=tools)
    assert totals["accepted"] == 1, totals
    assert totals["rejected_by_reason"] == {"unknown_tool": 1, "does_not_run": 1}
    for system in seen_systems:
        listed = [line[2:].split("(")[0] for line in system.splitlines() if line.startswith("- ")]
        assert listed and set(listed) <= set(tools.catalog.names), listed
    rec = JsonlLog(tmp_path / "accepted.jsonl").rows[0]
    assert {s["function"]["name"] for s in rec["catalog"]} == set(tools.catalog.names)
    assert check_plan(rec["plan"], tools.catalog) == []
    with pytest.raises(ValueError, match="catalog"):  # resuming the run over another catalog is refused
        run_llm_synthesis(_cfg(concurrency=1, pool_size=40), tmp_path, 3, client=ScriptedClient(script))


def test_synthesize_llm_on_a_custom_catalog_writes_splits_over_it(tmp_path, monkeypatch):
    from tinyagent.data.records import read_jsonl
    from tinyagent.synth import llm
    from tinyagent.synth.pipeline import report, synthesize

    counter = iter(range(10**6))
    client = ScriptedClient(lambda n, m: _resp(good(m, f"house request number {next(counter)}")))
    monkeypatch.setattr(llm.LLMSynthesizer, "_client", lambda self: client)
    ds = synthesize(6, seed=0, generator="llm", out_dir=tmp_path, endpoint="http://unused/v1", model="fake",
                    llm_requests=6, catalog=HOME)
    names = set(_home().catalog.names)
    assert len(ds.records) == 6 and ds.manifest["generator"] == "llm" and ds.manifest["catalog"] == HOME
    for split in ("train", "val", "test"):
        for r in read_jsonl(tmp_path / f"{split}.jsonl"):
            assert {s["function"]["name"] for s in r.catalog} == names
    rep = report(ds)
    assert rep["validation"]["valid"] == 6 and rep["validation"]["executed"] == 6


def test_real_server_with_a_custom_catalog(llama_server, tmp_path):
    """SmolLM2 behind llama.cpp's OpenAI server writes data for the home tools: every accepted plan
    validates against them and runs on their functions; every answer is accounted for."""
    tools = _home()
    cfg = LLMConfig.from_env(base_url=llama_server, model="smollm2", temperature=0.8, max_tokens=64, shots=1,
                             concurrency=2, pool_size=40)
    totals = run_llm_synthesis(cfg, tmp_path, 4, tools=tools)
    assert totals["requests_done"] == 4 and totals["attempts"] == totals["accepted"] + totals["rejected"] >= 4
    from tinyagent.synth.seed_data import PlanRunner
    runner = PlanRunner(tools)
    try:
        for r in JsonlLog(tmp_path / "accepted.jsonl").rows:
            assert check_plan(r["plan"], tools.catalog) == []
            assert runner.errors(parse_plan(r["plan"])) == []
    finally:
        runner.close()
    print(f"SmolLM2 on the home catalog: {totals['accepted']} accepted, {totals['rejected_by_reason']}")
