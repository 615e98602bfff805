"""A training set for a user's own tools from their seed examples: compose, execute, keep, split, write.

`synthesize_from_seeds` runs each seed once on the user's functions (its real output decides which
str results may feed which parameters, `seed_compose`), draws compositions, executes every gold plan
on a fresh state folder with `PythonToolBackend`, keeps only plans whose tasks all finish, drops
repeated requests, and writes `train/val/test.jsonl` + `manifest.json` like `synthesize` does, so
notebooks 02-05 read them unchanged. Each record carries the catalog's schemas (`Record.catalog`,
with app and side effects) so readers know its tools.

Example:
    >>> import tempfile
    >>> from tinyagent.examples.home import SEEDS
    >>> from tinyagent.tools.loader import load_tools
    >>> ds = synthesize_from_seeds(load_tools("tinyagent.examples.home.tools"), SEEDS, 30,
    ...                            out_dir=tempfile.mkdtemp())
    >>> sum(v["records"] for v in ds.manifest["splits"].values()), ds.manifest["generator"]
    (30, 'seeds')
"""
from __future__ import annotations

import importlib.util
import logging
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

from tinyagent.data.records import Record, normalize_query, record_from_plan
from tinyagent.execute.python_backend import PythonToolBackend
from tinyagent.plan.render import render_plan
from tinyagent.plan.types import Plan
from tinyagent.synth.offline import DEFAULT_REFERENCE_TIME
from tinyagent.synth.pipeline import Dataset
from tinyagent.synth.seed_compose import SeedComposer
from tinyagent.synth.seeds import Seed, load_seeds
from tinyagent.synth.splits import sizes_for, split_records, write_splits
from tinyagent.tools.functions import ToolRegistry
from tinyagent.tools.loader import LoadedTools
from tinyagent.tools.schema import catalog_schemas

log = logging.getLogger(__name__)
MAX_ATTEMPTS_PER_RECORD = 30  # give up loudly when the seeds cannot make enough distinct requests


class PlanRunner:
    """Runs gold plans on the user's functions, each on a fresh copy of an empty state folder."""

    def __init__(self, tools: ToolRegistry | LoadedTools, timeout: float = 10.0) -> None:
        self.tools = tools
        self.timeout = timeout
        self._tmp = Path(tempfile.mkdtemp(prefix="tinyagent-seed-check-"))
        self._n = 0

    def backend(self) -> PythonToolBackend:
        self._n += 1
        return PythonToolBackend(self.tools, workdir=self._tmp / f"run-{self._n}", timeout=self.timeout)

    def errors(self, plan: Plan) -> list[str]:
        """Empty when every task finished; else one line per task that did not."""
        backend = self.backend()
        try:
            report = backend.run(plan)
        finally:
            shutil.rmtree(backend.workdir, ignore_errors=True)
        return [f"task {r.idx} {r.tool}: {r.status}: {r.error}" for r in report.results if r.status != "done"]

    def seed_outputs(self, seeds: Iterable[Seed]) -> dict[str, Any]:
        """Each seed's own result (ValueError naming a seed whose call fails: fix the seed)."""
        backend, out = self.backend(), {}
        for s in seeds:
            try:
                out[s.id] = backend.call(s.tool, list(s.args))
            except Exception as exc:
                raise ValueError(f"{s.id}: {s.tool}{s.args!r} fails on your functions: {exc}") from exc
            finally:
                shutil.rmtree(backend.workdir, ignore_errors=True)
        return out

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


def compose_records(tools: ToolRegistry | LoadedTools, seeds: list[Seed], n: int, seed: int = 0,
                    phrasing: bool = True, reference_time: str = DEFAULT_REFERENCE_TIME) -> tuple[list[Record], int]:
    """`n` executed records with distinct requests, and how many composed plans failed to run."""
    catalog = tools.catalog
    runner = PlanRunner(tools)
    schemas = tuple(catalog_schemas(catalog, extensions=True))
    try:
        composer = SeedComposer(seeds, catalog, runner.seed_outputs(seeds))
        records: list[Record] = []
        seen: set[str] = set()
        failed = attempt = 0
        while len(records) < n:
            attempt += 1
            if attempt > MAX_ATTEMPTS_PER_RECORD * (len(records) + 10):
                raise RuntimeError(f"seed composer exhausted: {len(records)} distinct runnable requests after "
                                   f"{attempt} tries; add seeds or ask for fewer records")
            rng = random.Random(f"{seed}:{attempt}")
            query, plan, kind = composer.compose(rng, phrasing=phrasing)
            if normalize_query(query) in seen:
                continue
            problems = runner.errors(plan)
            if problems:
                failed += 1
                log.debug("dropped a composed plan that does not run: %s", problems)
                continue
            seen.add(normalize_query(query))
            others = [t for t in catalog.names if t not in plan.tools]
            meta = {"family": f"seeds_{kind}", "composition": kind, "seed": seed, "reference_time": reference_time,
                    "distractors": sorted(rng.sample(others, min(len(others), rng.randint(1, 3))))}
            records.append(record_from_plan(f"seed-{seed}-{len(records):06d}", query, plan, render_plan(plan),
                                            source="seeds", catalog=schemas, meta=meta))
        return records, failed
    finally:
        runner.close()


def seeds_beside(catalog: str) -> Path:
    """`seeds.jsonl` in the folder of the tools module or .py file `catalog` names (where the example keeps it).

    >>> seeds_beside("tinyagent.examples.home.tools").name
    'seeds.jsonl'
    """
    if catalog.endswith(".py"):
        return Path(catalog).with_name("seeds.jsonl")
    try:
        spec = importlib.util.find_spec(catalog)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None:
        raise ValueError(f"catalog {catalog!r}: cannot find the module, so no seeds.jsonl beside it; give seeds")
    return Path(spec.origin).with_name("seeds.jsonl")


def synthesize_from_seeds(tools: ToolRegistry | LoadedTools, seeds: str | Path | Iterable[Mapping[str, Any]],
                          size: int, seed: int = 0, out_dir: str | Path = "data/generated", phrasing: bool = True,
                          val_fraction: float = 0.05, test_fraction: float = 0.05,
                          reference_time: str = DEFAULT_REFERENCE_TIME) -> Dataset:
    """Compose `size` records from `seeds`, split them and write the split files (see the module docstring)."""
    if tools.functions is None:
        raise ValueError("seed synthesis executes every plan: give a Python tools module, not JSON schemas")
    seed_list = load_seeds(seeds, tools.catalog)
    records, failed = compose_records(tools, seed_list, size, seed, phrasing, reference_time)
    splits = split_records(records, sizes_for(len(records), val_fraction, test_fraction), seed=seed)
    manifest = write_splits(out_dir, splits, generator="seeds", seed=seed, reference_time=reference_time,
                            requested=size, seeds=len(seed_list), composed_failed=failed,
                            catalog=getattr(tools, "source", "registry"))
    return Dataset(records, splits, manifest, Path(out_dir))
