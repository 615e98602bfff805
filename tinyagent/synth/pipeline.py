"""End-to-end dataset synthesis: generate, validate, split, write, report (what notebook 01 calls).

Usage:
    >>> import tempfile
    >>> ds = synthesize(40, seed=0, out_dir=tempfile.mkdtemp())
    >>> ds.manifest["splits"]["train"]["records"] + ds.manifest["splits"]["val"]["records"] + \\
    ...     ds.manifest["splits"]["test"]["records"]
    40
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinyagent.data.records import Record, read_jsonl, record_catalog
from tinyagent.synth.offline import DEFAULT_REFERENCE_TIME, generate_offline
from tinyagent.synth.report import diversity, validation_report
from tinyagent.synth.splits import sizes_for, split_records, write_splits

log = logging.getLogger(__name__)
GENERATORS = ("offline", "llm")


@dataclass
class Dataset:
    """What one synthesis run produced."""

    records: list[Record]  # every record, before splitting
    splits: dict[str, list[Record]]  # train / val / test
    manifest: dict[str, Any]  # what was written where, and how
    out_dir: Path  # folder holding <split>.jsonl and manifest.json


def synthesize(size: int, seed: int = 0, generator: str = "offline", out_dir: str | Path = "data/generated",
               reference_time: str = DEFAULT_REFERENCE_TIME, endpoint: str = "", model: str = "",
               llm_requests: int | None = None, val_fraction: float = 0.05,
               test_fraction: float = 0.05, catalog: str = "", seeds: str = "") -> Dataset:
    """Generate `size` records with `generator`, split them and write the split files.

    A `catalog` (a tools module or .py file, tinyagent/tools/loader.py) switches to the user's own
    tools: records are composed from `seeds` (a JSONL file; empty: `seeds.jsonl` beside the tools
    module) by `tinyagent.synth.seed_data` (the offline generator for any catalog), or with
    `generator="llm"` written by the LLM over that catalog, with the composed records as its examples."""
    if generator not in GENERATORS:
        raise ValueError(f"generator must be one of {GENERATORS}, got {generator!r}")
    if catalog and generator == "llm":
        return _llm_dataset(size, seed, Path(out_dir), reference_time, endpoint, model, llm_requests,
                            val_fraction, test_fraction, catalog, seeds)
    if catalog:
        from tinyagent.synth.seed_data import seeds_beside, synthesize_from_seeds
        from tinyagent.tools.loader import load_tools

        return synthesize_from_seeds(load_tools(catalog), seeds or seeds_beside(catalog), size, seed=seed,
                                     out_dir=out_dir, val_fraction=val_fraction, test_fraction=test_fraction,
                                     reference_time=reference_time)
    out_dir = Path(out_dir)
    if generator == "offline":
        records = generate_offline(size, seed=seed, reference_time=reference_time)
    else:
        records = _llm_records(size, seed, out_dir / "llm_run", reference_time, endpoint, model, llm_requests)
    splits = split_records(records, sizes_for(len(records), val_fraction, test_fraction), seed=seed)
    manifest = write_splits(out_dir, splits, generator=generator, seed=seed, reference_time=reference_time,
                            requested=size)
    return Dataset(records, splits, manifest, out_dir)


def _llm_records(size: int, seed: int, run_dir: Path, reference_time: str, endpoint: str, model: str,
                 llm_requests: int | None, catalog: str = "", seeds: str = "") -> list[Record]:
    from tinyagent.synth.llm import LLMConfig, run_llm_synthesis

    cfg = LLMConfig.from_env(base_url=endpoint or None, model=model or None, seed=seed,
                             reference_time=reference_time)
    from tinyagent.tools.loader import load_tools

    tools = load_tools(catalog) if catalog else None
    totals = run_llm_synthesis(cfg, run_dir, llm_requests or size * 4, target_accepted=size, tools=tools,
                               seeds=seeds or None)
    log.info("LLM run totals: %s", totals)
    return read_jsonl(run_dir / "accepted.jsonl")[:size]


def _llm_dataset(size: int, seed: int, out_dir: Path, reference_time: str, endpoint: str, model: str,
                 llm_requests: int | None, val_fraction: float, test_fraction: float, catalog: str,
                 seeds: str) -> Dataset:
    """The LLM generator over a custom catalog: its records (executed, carrying schemas), split and written."""
    records = _llm_records(size, seed, out_dir / "llm_run", reference_time, endpoint, model, llm_requests,
                           catalog, seeds)
    if not records:
        raise RuntimeError(f"the LLM accepted no records for catalog {catalog!r}; see {out_dir / 'llm_run'}"
                           "/rejected.jsonl for why")
    splits = split_records(records, sizes_for(len(records), val_fraction, test_fraction), seed=seed)
    manifest = write_splits(out_dir, splits, generator="llm", seed=seed, reference_time=reference_time,
                            requested=size, catalog=catalog)
    return Dataset(records, splits, manifest, out_dir)


def report(ds: Dataset, execute_sample: int = 0, sandbox_seed: int = 0) -> dict[str, Any]:
    """Validation report (optionally executing the first `execute_sample` records on a sandbox)
    merged with diversity statistics. Records composed from seeds are validated against their own
    catalog, and were all executed on the user's functions when made (`execute_sample` is ignored);
    so were the LLM generator's records for a custom catalog."""
    if ds.records and ds.records[0].catalog is not None:  # a custom catalog: seed-composed or LLM-written
        catalog = record_catalog(ds.records[0])
        rep = validation_report(ds.records, catalog)
        rep.update(executed=len(ds.records), execution_failed=0, execution_failed_ids=[],
                   composed_failed=ds.manifest.get("composed_failed", 0))
        return {"validation": rep, "diversity": diversity(ds.records, catalog)}
    rep = validation_report(ds.records)
    if execute_sample:
        from tinyagent.synth.execcheck import SandboxChecker

        ref = ds.manifest.get("reference_time", DEFAULT_REFERENCE_TIME)
        with SandboxChecker(seed=sandbox_seed, reference_time=ref) as check:
            executed = validation_report(ds.records[:execute_sample], execute=check)
        rep.update(executed=executed["executed"], execution_failed=executed["execution_failed"],
                   execution_failed_ids=executed["execution_failed_ids"])
    return {"validation": rep, "diversity": diversity(ds.records)}
