"""LLM generator: queries and plans from any OpenAI-compatible endpoint, validated and resumable.

Each request `job` samples a tool subset and few-shot examples (`llm_prompt.sample_job`), asks the
model for `n_candidates` answers, validates each with the plan validator, deduplicates accepted
queries, and records every answer exactly once: accepted.jsonl or rejected.jsonl (reason = issue
code), then a progress line with token usage and cost. Requests run concurrently (asyncio,
AsyncOpenAI, a semaphore) and retry transport errors with exponential backoff. Re-running with the
same output directory resumes: finished requests are skipped, an interrupted one is redone and
only its unrecorded answers are written.

Any catalog: given the user's tools (`tools=load_tools(...)`, `--catalog`) the prompts show that
catalog's tools, the few-shot pool is composed from its seed examples (`seeds`, `--seeds`;
tinyagent/synth/seed_data.py), every accepted plan is executed on the user's functions (a plan
that does not run is rejected as `does_not_run`), and the records carry the catalog's schemas, as
the seed composer's do, so notebooks 02-05 read them unchanged.

Usage:
    .venv/bin/python -m tinyagent.synth.llm --out data/generated/llm --requests 200 \\
        --base-url http://127.0.0.1:8000/v1 --model smollm2 --concurrency 4
    .venv/bin/python -m tinyagent.synth.llm --out data/generated/home --requests 200 \\
        --base-url http://127.0.0.1:8000/v1 --model smollm2 --catalog tinyagent.examples.home.tools
Settings also come from TINYAGENT_LLM_BASE_URL, TINYAGENT_LLM_MODEL, TINYAGENT_LLM_API_KEY
(falling back to OPENAI_BASE_URL / OPENAI_API_KEY).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from tinyagent.data.records import Record, normalize_query, record_from_plan
from tinyagent.plan.render import render_plan
from tinyagent.synth.llm_prompt import Job, build_messages, check_answer, sample_job
from tinyagent.synth.offline import DEFAULT_REFERENCE_TIME, generate_offline
from tinyagent.synth.store import SynthStore
from tinyagent.tools.assistant import ASSISTANT_TOOLS
from tinyagent.tools.catalog import ToolCatalog
from tinyagent.tools.loader import LoadedTools
from tinyagent.tools.schema import catalog_schemas

log = logging.getLogger(__name__)


@dataclass
class LLMConfig:
    """Settings of one LLM synthesis run (the fields marked * must not change on resume)."""

    base_url: str = ""  # OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1
    model: str = ""  # * model name as the endpoint knows it
    api_key: str = "sk-no-key"  # local servers accept any key
    seed: int = 0  # * decides each request's tool subset and examples
    reference_time: str = DEFAULT_REFERENCE_TIME  # * "now" shown to the model
    n_candidates: int = 1  # * answers asked per request (`n`; servers may return fewer)
    temperature: float = 0.9  # * sampling temperature
    max_tokens: int = 256  # * per answer
    concurrency: int = 4  # requests in flight at once
    max_retries: int = 4  # transport retries per request
    backoff_s: float = 0.5  # first retry delay; doubles each retry (plus jitter)
    timeout_s: float = 120.0  # per HTTP request
    price_prompt_per_1k: float = 0.0  # currency per 1K prompt tokens, for the cost estimate
    price_completion_per_1k: float = 0.0  # currency per 1K completion tokens
    shots: int = 2  # few-shot examples per request
    pool_size: int = 500  # offline records the examples are drawn from

    RESUME_KEYS = ("model", "seed", "reference_time", "n_candidates", "temperature", "max_tokens")

    @classmethod
    def from_env(cls, **overrides: Any) -> "LLMConfig":
        """Defaults, then environment variables, then `overrides` (unknown keys raise TypeError)."""
        env = {"base_url": os.environ.get("TINYAGENT_LLM_BASE_URL") or os.environ.get("OPENAI_BASE_URL", ""),
               "model": os.environ.get("TINYAGENT_LLM_MODEL", ""),
               "api_key": os.environ.get("TINYAGENT_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY", "sk-no-key")}
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(f"unknown LLMConfig fields {sorted(unknown)}; known: {sorted(known)}")
        values = {k: v for k, v in env.items() if v}
        values.update({k: v for k, v in overrides.items() if v is not None})
        cfg = cls(**values)
        if not cfg.base_url or not cfg.model:
            raise ValueError("LLM generator needs base_url and model (flags or TINYAGENT_LLM_BASE_URL / "
                             "TINYAGENT_LLM_MODEL)")
        if cfg.concurrency < 1 or cfg.n_candidates < 1 or cfg.max_tokens < 1:
            raise ValueError(f"concurrency, n_candidates and max_tokens must be >= 1: {cfg}")
        return cfg

    def resume_key(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.RESUME_KEYS}

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.price_prompt_per_1k + completion_tokens * self.price_completion_per_1k) / 1000


def _transport_errors() -> tuple[type[BaseException], ...]:
    import openai

    return (openai.APIConnectionError, openai.APITimeoutError, openai.RateLimitError, openai.InternalServerError)


async def _complete(client: Any, cfg: LLMConfig, messages: list[dict[str, str]]) -> Any:
    """One chat completion, retrying transport errors with exponential backoff and jitter."""
    retryable = _transport_errors()
    for attempt in range(cfg.max_retries + 1):
        try:
            return await client.chat.completions.create(
                model=cfg.model, messages=messages, temperature=cfg.temperature, max_tokens=cfg.max_tokens,
                n=cfg.n_candidates, stop=["<END_OF_PLAN>\n\n", "\nQuery:"])
        except retryable as exc:
            if attempt == cfg.max_retries:
                raise
            delay = cfg.backoff_s * 2 ** attempt * (1 + random.random() / 4)
            log.warning("transport error (%s); retry %d/%d in %.1fs", type(exc).__name__, attempt + 1,
                        cfg.max_retries, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


CUSTOM_POOL_MAX = 200  # composed few-shot records for a custom catalog (each one is executed once)


class LLMSynthesizer:
    """Runs requests against `client` (an AsyncOpenAI or compatible object) into a SynthStore.

    `tools`: a user's catalog with its functions (default: the 16 assistant tools and the offline
    generator's pool); `seeds`: its seed examples (default: seeds.jsonl beside the tools module)."""

    def __init__(self, cfg: LLMConfig, out_dir: str | Path, client: Any = None, *,
                 tools: LoadedTools | None = None, seeds: str | Path | None = None) -> None:
        if tools is not None and tools.functions is None:
            raise ValueError(f"catalog {tools.source!r}: JSON schemas have no functions, so no seed examples can "
                             "be composed or plans executed; give a Python tools module")
        self.cfg = cfg
        self.tools = tools
        self.catalog: ToolCatalog = tools.catalog if tools else ASSISTANT_TOOLS
        # None for the assistant's tools: runs written before catalogs existed have no such key
        key = cfg.resume_key() | {"catalog": tools.source if tools else None}
        self.store = SynthStore(out_dir, key)
        self.client = client or self._client()
        self.pool = self._pool(seeds)
        self.schemas = tuple(catalog_schemas(self.catalog, extensions=True)) if tools else None
        self.runner = self._runner()
        self.seen = {normalize_query(r["query"]) for r in self.store.accepted.rows}

    def _pool(self, seeds: str | Path | None) -> list[Record]:
        """Few-shot examples: the offline generator's, or records composed from the catalog's seeds."""
        if self.tools is None:
            return generate_offline(self.cfg.pool_size, seed=self.cfg.seed, reference_time=self.cfg.reference_time)
        from tinyagent.synth.seed_data import compose_records, seeds_beside
        from tinyagent.synth.seeds import load_seeds

        seed_list = load_seeds(seeds or seeds_beside(self.tools.source), self.catalog)
        n = min(self.cfg.pool_size, CUSTOM_POOL_MAX)
        return compose_records(self.tools, seed_list, n, seed=self.cfg.seed, reference_time=self.cfg.reference_time)[0]

    def _runner(self) -> Any:
        """Executes accepted plans on the user's functions (None for the assistant's tools: the sandbox
        check of the offline generator's records is notebook 01's `execute_sample`)."""
        if self.tools is None:
            return None
        from tinyagent.synth.seed_data import PlanRunner

        return PlanRunner(self.tools)

    def _client(self) -> Any:
        from openai import AsyncOpenAI

        return AsyncOpenAI(base_url=self.cfg.base_url, api_key=self.cfg.api_key, timeout=self.cfg.timeout_s,
                           max_retries=0)  # our own backoff, so attempts are counted once

    async def _request(self, job: Job, sem: asyncio.Semaphore) -> tuple[Job, Any, str | None]:
        async with sem:
            try:
                messages = build_messages(job, self.cfg.reference_time, self.catalog)
                resp = await _complete(self.client, self.cfg, messages)
                return job, resp, None
            except Exception as exc:  # recorded as a rejection with the error's type, never swallowed silently
                log.error("request %d failed: %s: %s", job.job, type(exc).__name__, exc)
                return job, None, "transport" if isinstance(exc, _transport_errors()) else "api_error"

    def _record(self, job: Job, resp: Any, error: str | None) -> None:
        """Write every answer of a finished request once, then its progress line."""
        answers = [] if resp is None else [c.message.content or "" for c in resp.choices]
        catalog = self.catalog.subset(job.tools)
        for k, answer in enumerate(answers or [""]):
            attempt = f"{job.job:06d}-{k}"
            if attempt in self.store.attempt_ids:
                continue  # recorded before an interruption; keep the first version
            if error:
                self.store.add_rejected({"attempt": attempt, "job": job.job, "reason": error, "codes": [error],
                                         "query": "", "answer": ""})
                continue
            self._record_answer(job, attempt, answer, catalog)
        usage = getattr(resp, "usage", None)
        pt, ct = (usage.prompt_tokens or 0, usage.completion_tokens or 0) if usage else (0, 0)
        # Count what is on disk for this request: a redo after a crash may get fewer answers than the first try.
        self.store.finish_job({"job": job.job, "attempts": self.store.attempts_per_job.get(job.job, 0),
                               "prompt_tokens": pt,
                               "completion_tokens": ct, "cost": self.cfg.cost(pt, ct), "time": time.time()})

    def _record_answer(self, job: Job, attempt: str, answer: str, catalog: Any) -> None:
        query, plan, reason, codes = check_answer(answer, catalog)
        if reason is None and normalize_query(query) in {normalize_query(r.query) for r in job.examples}:
            reason, codes = "copied_example", ["copied_example"]  # small models echo the few-shot example
        elif reason is None and normalize_query(query) in self.seen:
            reason, codes = "duplicate", ["duplicate"]
        elif reason is None and self.runner is not None and self.runner.errors(plan):
            reason, codes = "does_not_run", ["does_not_run"]  # valid, but the user's functions refuse it
        if reason:
            self.store.add_rejected({"attempt": attempt, "job": job.job, "reason": reason, "codes": codes,
                                     "query": query, "answer": answer})
            return
        self.seen.add(normalize_query(query))
        rec = record_from_plan(f"llm-{attempt}", query, plan, render_plan(plan), source="llm",
                               catalog=self.schemas,
                               meta={"attempt": attempt, "job": job.job, "model": self.cfg.model,
                                     "offered_tools": list(job.tools)})
        self.store.add_accepted(rec.to_dict())

    async def run(self, n_requests: int, target_accepted: int | None = None) -> dict[str, Any]:
        """Finish requests 0..n_requests-1 (skipping done ones); stop early at `target_accepted`."""
        pending = [j for j in range(n_requests) if j not in self.store.done_jobs]
        log.info("%d of %d requests to run", len(pending), n_requests)
        sem = asyncio.Semaphore(self.cfg.concurrency)
        tasks = [asyncio.create_task(self._request(sample_job(j, self.cfg.seed, self.pool, shots=self.cfg.shots,
                                                              catalog=self.catalog),
                                                   sem)) for j in pending]
        try:
            for fut in asyncio.as_completed(tasks):
                self._record(*await fut)
                if target_accepted is not None and len(self.store.accepted.rows) >= target_accepted:
                    break
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return self.store.totals()

    def close(self) -> None:
        self.store.close()
        if self.runner is not None:
            self.runner.close()


def run_llm_synthesis(cfg: LLMConfig, out_dir: str | Path, n_requests: int,
                      target_accepted: int | None = None, client: Any = None, *,
                      tools: LoadedTools | None = None, seeds: str | Path | None = None) -> dict[str, Any]:
    """Synchronous wrapper: run (or resume) and return the run's totals (`tools`, `seeds`: any catalog)."""
    synth = LLMSynthesizer(cfg, out_dir, client, tools=tools, seeds=seeds)
    try:
        return asyncio.run(synth.run(n_requests, target_accepted))
    finally:
        synth.close()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="LLM data synthesis (resumable).")
    ap.add_argument("--out", required=True, help="run directory (resumed if it exists)")
    ap.add_argument("--requests", type=int, required=True, help="number of requests in the run")
    ap.add_argument("--target", type=int, default=None, help="stop once this many records are accepted")
    ap.add_argument("--catalog", default="", help="your own tools: a module path or .py file (default: the assistant's)")
    ap.add_argument("--seeds", default="", help="seed examples for --catalog (default: seeds.jsonl beside it)")
    for f in fields(LLMConfig):
        ap.add_argument(f"--{f.name.replace('_', '-')}", type=type(f.default), default=None)
    args = vars(ap.parse_args(argv))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    out, n, target = args.pop("out"), args.pop("requests"), args.pop("target")
    catalog, seeds = args.pop("catalog"), args.pop("seeds")
    from tinyagent.tools.loader import load_tools

    tools = load_tools(catalog) if catalog else None
    totals = run_llm_synthesis(LLMConfig.from_env(**args), out, n, target, tools=tools, seeds=seeds or None)
    print(totals)


if __name__ == "__main__":
    main()
