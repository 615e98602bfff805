"""Validation during fine-tuning: greedy-decode plans through a `Planner` and score them (DAG success).

`validate(model, tokenizer, ...)` wraps the in-memory transformers model as a planner backend;
`validate_planner(planner, ...)` takes any Planner (e.g. llama.cpp on an exported GGUF). Prompts
are built like training prompts (gold + sampled negative tools) with a fixed seed, so every
validation run sees the same prompts and scores are comparable across steps.

Example:
    >>> from tinyagent.agent.scripted import ScriptedBackend
    >>> from tinyagent.data.records import Record, record_catalog
    >>> gold = '1. get_phone_number("Sid")\\n2. join()<END_OF_PLAN>'
    >>> rec = Record("r1", "What is Sid's number?", gold, ("get_phone_number",), "single")
    >>> validate_planner(Planner(ScriptedBackend([gold])), [rec])["success"]
    1.0
"""
from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from tinyagent.data.records import Record, record_catalog
from tinyagent.metrics.dag import score_plan
from tinyagent.planner import Planner
from tinyagent.tools.catalog import ToolCatalog
from tinyagent.train.data import Retriever, record_messages

log = logging.getLogger(__name__)


def model_planner(model: Any, tokenizer: Any) -> Planner:
    """A Planner over an in-memory transformers model (greedy decoding; the model stays on its device)."""
    from tinyagent.planner.backends.hf import TransformersBackend

    return Planner(TransformersBackend.from_loaded(model, tokenizer, name="in-training"))


def validate(model: Any, tokenizer: Any, records: Sequence[Record], *, seed: int = 0, min_negatives: int = 0,
             max_negatives: int = 4, max_new_tokens: int = 192, catalog: ToolCatalog | None = None,
             retriever: Retriever | None = None, n_examples: int = 0) -> dict[str, Any]:
    """Greedy-decode a plan per record with the in-memory `model` and score it (see `validate_planner`)."""
    was_training = model.training
    try:
        return validate_planner(model_planner(model, tokenizer), records, seed=seed, min_negatives=min_negatives,
                                max_negatives=max_negatives, max_new_tokens=max_new_tokens, catalog=catalog,
                                retriever=retriever, n_examples=n_examples)
    finally:
        model.train(was_training)


def validate_planner(planner: Planner, records: Sequence[Record], *, seed: int = 0, min_negatives: int = 0,
                     max_negatives: int = 4, max_new_tokens: int = 192, catalog: ToolCatalog | None = None,
                     retriever: Retriever | None = None, n_examples: int = 0) -> dict[str, Any]:
    """Plan each record with `planner` (any backend: in-memory model, exported GGUF, ...) and score it.

    Returns the success rate, counts per error and three samples. Prompts are the training prompts
    (`record_messages`); the planner's own selector and retriever are not used. `catalog` None: each
    record's own (`record_catalog`).
    """
    if not records:
        raise ValueError("validate() needs at least one record")
    config = replace(planner.config, max_tokens=max_new_tokens, temperature=0.0)
    errors: Counter[str] = Counter()
    samples = []
    for i, rec in enumerate(records):
        rng = random.Random(f"val-{seed}-{i}")
        tools = record_catalog(rec) if catalog is None else catalog
        msgs = record_messages(rec, rng, catalog=tools, min_negatives=min_negatives,
                               max_negatives=max_negatives, retriever=retriever, n_examples=n_examples)
        run = planner.start_messages(msgs, tools, config=config).finish()
        pred = run.text  # the stop string is not part of it; the metric does not need it
        score = score_plan(pred, rec.plan, catalog=tools)
        errors[score.error or "success"] += 1
        if len(samples) < 3:
            samples.append({"id": rec.id, "pred": pred, "success": score.success})
    return {"success": errors["success"] / len(records), "n": len(records), "errors": dict(errors),
            "samples": samples}
