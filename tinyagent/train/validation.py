"""Validation during fine-tuning: greedy-decode plans with transformers and score them (DAG success).

Prompts are built like training prompts (gold + sampled negative tools) with a fixed seed, so every
validation run sees the same prompts and scores are comparable across steps.

Example:
    >>> cut_plan("1. join()<END_OF_PLAN>junk")
    '1. join()<END_OF_PLAN>'
    >>> cut_plan("1. send_sms([], \\"hi\\")")
    '1. send_sms([], "hi")'
"""
from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

import torch

from tinyagent.data.records import Record
from tinyagent.metrics.dag import score_plan
from tinyagent.plan.types import END_OF_PLAN
from tinyagent.tools.assistant import ASSISTANT_TOOLS
from tinyagent.tools.catalog import ToolCatalog
from tinyagent.train.data import Retriever, record_messages

log = logging.getLogger(__name__)


def cut_plan(text: str) -> str:
    """The generated text up to and including the first `<END_OF_PLAN>` (or all of it)."""
    head, sep, _ = text.partition(END_OF_PLAN)
    return head + sep


@torch.no_grad()
def greedy_plan(model: Any, tokenizer: Any, messages: list[dict[str, str]], max_new_tokens: int) -> str:
    """Greedy plan text for chat `messages`, cut after `<END_OF_PLAN>`."""
    ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_tensors="pt",
                                        return_dict=True)
    device = next(model.parameters()).device
    out = model.generate(input_ids=ids["input_ids"].to(device), attention_mask=ids["attention_mask"].to(device),
                         max_new_tokens=max_new_tokens, do_sample=False, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
                         stop_strings=[END_OF_PLAN], tokenizer=tokenizer)
    return cut_plan(tokenizer.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True))


def validate(model: Any, tokenizer: Any, records: Sequence[Record], *, seed: int = 0, min_negatives: int = 0,
             max_negatives: int = 4, max_new_tokens: int = 192, catalog: ToolCatalog = ASSISTANT_TOOLS,
             retriever: Retriever | None = None, n_examples: int = 0) -> dict[str, Any]:
    """Decode a plan per record and score it; returns success rate, counts per error and samples."""
    if not records:
        raise ValueError("validate() needs at least one record")
    was_training = model.training
    model.eval()
    errors: Counter[str] = Counter()
    samples = []
    try:
        for i, rec in enumerate(records):
            rng = random.Random(f"val-{seed}-{i}")
            msgs = record_messages(rec, rng, catalog=catalog, min_negatives=min_negatives,
                                   max_negatives=max_negatives, retriever=retriever, n_examples=n_examples)
            pred = greedy_plan(model, tokenizer, msgs, max_new_tokens)
            score = score_plan(pred, rec.plan, catalog=catalog)
            errors[score.error or "success"] += 1
            if len(samples) < 3:
                samples.append({"id": rec.id, "pred": pred, "success": score.success})
    finally:
        model.train(was_training)
    return {"success": errors["success"] / len(records), "n": len(records), "errors": dict(errors),
            "samples": samples}
