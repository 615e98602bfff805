"""Score many plans: success rate with a 95% Wilson interval and counts per error category.

The Wilson score interval stays inside [0, 1] and behaves at 0% and 100% success, where the normal
approximation collapses to a zero-width interval; with test sets of a few hundred plans it is the
honest way to say whether 78% and 80% differ.

Example:
    >>> lo, hi = wilson_interval(8, 10)
    >>> round(lo, 4), round(hi, 4)
    (0.4902, 0.9433)
"""
from __future__ import annotations

import math
from collections import Counter
from statistics import NormalDist
from typing import Any, Iterable, Sequence

from tinyagent.metrics.dag import PlanScore, score_plan
from tinyagent.metrics.taxonomy import ERROR_ORDER
from tinyagent.plan.types import Plan
from tinyagent.tools.catalog import ToolCatalog


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion `successes / n`."""
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n > 0, got successes={successes}, n={n}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At 0 or n successes the bound is exactly 0 or 1; pin it rather than keep rounding noise.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def _catalogs(catalog: ToolCatalog | Sequence[ToolCatalog | None] | None, n: int) -> list[ToolCatalog | None]:
    if catalog is None or isinstance(catalog, ToolCatalog):
        return [catalog] * n
    catalogs = list(catalog)
    if len(catalogs) != n:
        raise ValueError(f"got {len(catalogs)} catalogs for {n} plans; pass one catalog or one per plan")
    return catalogs


def score_many(preds: Iterable[Plan | str | None], golds: Iterable[Plan | str], *, strict: bool = False,
               catalog: ToolCatalog | Sequence[ToolCatalog | None] | None = None) -> dict[str, Any]:
    """Score paired predictions and golds. `catalog`: one for all, or one per plan (e.g. NesTools).

    Returns a JSON-ready dict: n, successes, success_rate, ci95 [low, high], strict, and errors
    (a count for every category of ERROR_CATEGORIES, zeros included, in priority order).
    """
    preds, golds = list(preds), list(golds)
    if len(preds) != len(golds):
        raise ValueError(f"got {len(preds)} predictions but {len(golds)} gold plans")
    if not golds:
        raise ValueError("no plans to score")
    scores: list[PlanScore] = [score_plan(p, g, strict=strict, catalog=c)
                               for p, g, c in zip(preds, golds, _catalogs(catalog, len(golds)))]
    successes = sum(s.success for s in scores)
    errors = Counter(s.error for s in scores if s.error is not None)
    low, high = wilson_interval(successes, len(scores))
    return {
        "n": len(scores),
        "successes": successes,
        "success_rate": successes / len(scores),
        "ci95": [low, high],
        "strict": strict,
        "errors": {category: errors.get(category, 0) for category in ERROR_ORDER},
    }
