"""Offline generator: realistic user requests with gold plans, deterministic from a seed.

Families (see `families_single`, `families_multi`, `families_extra`, `families_compose`) are sampled by weight; each record draws its
own `random.Random` from (seed, attempt number), so output depends only on the arguments; the same
random source then restyles the query (`tinyagent.synth.phrasing`). Queries
are deduplicated on their normalised text; the generator gives up loudly if it cannot find enough
distinct ones. Each record also lists `distractors`: tools outside the gold set to show the planner
as negatives (the paper trained with gold plus irrelevant tools).

Example:
    >>> from datetime import datetime
    >>> from tinyagent.synth.world import World
    >>> w = World(("Sid Patel", "Ann Lee", "Bo Chen", "Kim Ito", "Raj Rao"))
    >>> recs = generate_offline(20, seed=1, reference_time=datetime(2024, 5, 27, 9), world=w)
    >>> len(recs), len({r.query for r in recs}), recs[0].plan.endswith("<END_OF_PLAN>")
    (20, 20, True)
"""
from __future__ import annotations

import argparse
import logging
import random
from datetime import datetime
from typing import Iterator

from tinyagent.data.records import Record, normalize_query, record_from_plan
from tinyagent.plan.render import render_plan
from tinyagent.plan.types import Plan
from tinyagent.synth import families_compose, families_extra, families_multi, families_single  # noqa: F401
from tinyagent.synth.phrasing import restyle
from tinyagent.synth.scenarios import SCENARIOS, Ctx
from tinyagent.synth.world import World
from tinyagent.tools.assistant import ASSISTANT_TOOLS, DATE_FORMAT

log = logging.getLogger(__name__)

DEFAULT_REFERENCE_TIME = Record.DEFAULT_NOW.strftime(DATE_FORMAT)  # Record.DEFAULT_NOW as text (CLI, configs)
SANDBOX_SEED = 0  # the default world is the sandbox seeded with this (independent of the generator seed)
MAX_ATTEMPTS_PER_RECORD = 50  # average tries per kept record before we call the space exhausted


def build_one(rng: random.Random, world: World, ref: datetime, family: str,
              phrasing: bool = True) -> tuple[str, Plan, int | str]:
    """Run one family's builder: (query, gold plan, template id); `phrasing` restyles the query
    the way people type (`tinyagent.synth.phrasing.restyle`)."""
    ctx = Ctx(rng, world, ref)
    query = SCENARIOS[family].build(ctx)
    if phrasing:
        query = restyle(rng, query, ctx.protected(), ctx.dates)
    return query, Plan(tuple(ctx.tasks), thought=ctx.thought), ctx.template


def iter_offline(seed: int, reference_time: datetime, world: World,
                 families: list[str] | None = None, phrasing: bool = True) -> Iterator[Record]:
    """Endless stream of records with distinct normalised queries (ids `off-<seed>-<n>`)."""
    names = families or sorted(SCENARIOS)
    unknown = set(names) - set(SCENARIOS)
    if unknown:
        raise ValueError(f"unknown scenario families {sorted(unknown)}; known: {sorted(SCENARIOS)}")
    weights = [SCENARIOS[n].weight for n in names]
    picker = random.Random(seed)
    seen: set[str] = set()
    n_kept = attempt = 0
    while True:
        attempt += 1
        if attempt > MAX_ATTEMPTS_PER_RECORD * (n_kept + 10):
            raise RuntimeError(f"offline generator exhausted: {n_kept} distinct queries after {attempt} tries")
        family = picker.choices(names, weights)[0]
        rng = random.Random(f"{seed}:{attempt}")  # str seeds hash deterministically (not PYTHONHASHSEED)
        query, plan, template = build_one(rng, world, reference_time, family, phrasing)
        key = normalize_query(query)
        if key in seen:
            continue
        seen.add(key)
        gold = set(plan.tools)
        others = [t for t in ASSISTANT_TOOLS.names if t not in gold]
        distractors = sorted(rng.sample(others, min(len(others), rng.randint(1, 4))))
        meta = {"family": family, "template": template, "distractors": distractors, "seed": seed,
                "reference_time": reference_time.strftime(DATE_FORMAT)}
        yield record_from_plan(f"off-{seed}-{n_kept:06d}", query, plan, render_plan(plan), meta=meta)
        n_kept += 1


def generate_offline(n: int, seed: int = 0, reference_time: datetime | str = DEFAULT_REFERENCE_TIME,
                     world: World | None = None, families: list[str] | None = None,
                     phrasing: bool = True) -> list[Record]:
    """`n` records with distinct queries; `reference_time` is "now" for relative dates.

    `world` defaults to `World.default(SANDBOX_SEED)`: the people and files of a default sandbox.
    `phrasing=False` keeps the templates' own wording (no register, case, typo or order changes)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    ref = parse_reference_time(reference_time)
    stream = iter_offline(seed, ref, world or World.default(SANDBOX_SEED), families, phrasing)
    return [next(stream) for _ in range(n)]


def parse_reference_time(value: datetime | str) -> datetime:
    """A datetime, or a 'YYYY-MM-DD HH:MM:SS' string (ValueError naming the expected format)."""
    if isinstance(value, datetime):
        return value
    try:
        return datetime.strptime(value, DATE_FORMAT)
    except (TypeError, ValueError):
        raise ValueError(f"reference_time {value!r} is not a datetime or 'YYYY-MM-DD HH:MM:SS'") from None


def main(argv: list[str] | None = None) -> None:
    """CLI: `.venv/bin/python -m tinyagent.synth.offline --n 1000 --out data/generated/offline.jsonl`."""
    from tinyagent.data.records import write_jsonl_atomic

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="number of records")
    ap.add_argument("--seed", type=int, default=0, help="random seed")
    ap.add_argument("--reference-time", default=DEFAULT_REFERENCE_TIME, help="'now' for relative dates")
    ap.add_argument("--out", default="data/generated/offline.jsonl", help="JSONL output path")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    n = write_jsonl_atomic(args.out, generate_offline(args.n, args.seed, args.reference_time))
    print(f"wrote {n} records to {args.out}")


if __name__ == "__main__":
    main()
