"""Training examples: record -> planner prompt (gold + negative tools, examples) -> tokens, loss on the plan.

As in the paper, each prompt lists the gold tools plus a random number of irrelevant tools, shuffled,
and (when a retriever is given) in-context examples of *other* records. Prompts are built with the
serving prompt builder (`tinyagent.planner.prompt.build_messages`) and the tokenizer's chat template,
so training and serving see the same text. The target is the gold plan text (ending `<END_OF_PLAN>`)
followed by the end-of-turn token; labels are -100 on every prompt token.

Randomness is a pure function of (seed, epoch, record position): an example rebuilt after a resume is
identical to the one an uninterrupted run would have seen.

Example:
    >>> import random
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> rng = random.Random(0)
    >>> cat = prompt_tools(("send_sms",), ASSISTANT_TOOLS, rng, 2, 2)
    >>> len(cat), "send_sms" in cat
    (3, True)
    >>> epoch_order(5, seed=0, epoch=0) == epoch_order(5, seed=0, epoch=0) != epoch_order(5, seed=0, epoch=1)
    True
"""
from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import torch

from tinyagent.data.records import Record, record_catalog
from tinyagent.planner.prompt import Example, build_messages
from tinyagent.tools.catalog import ToolCatalog

log = logging.getLogger(__name__)

IGNORE = -100  # label value that cross-entropy skips


class Retriever(Protocol):
    """What `tinyagent.toolrag.ExampleRetriever` offers: k examples similar to a query."""

    def retrieve(self, query: str, tools: ToolCatalog, k: int) -> list[Example]: ...


def epoch_order(n: int, *, seed: int, epoch: int) -> list[int]:
    """The order in which the n training records are visited in `epoch` (a seeded permutation)."""
    order = list(range(n))
    random.Random(f"order-{seed}-{epoch}").shuffle(order)
    return order


def prompt_tools(gold: Sequence[str], catalog: ToolCatalog, rng: random.Random, lo: int, hi: int) -> ToolCatalog:
    """The gold tools plus between lo and hi irrelevant tools from `catalog`, in shuffled order."""
    missing = [t for t in gold if t not in catalog]
    if missing:
        raise ValueError(f"gold tools {missing} are not in the tool catalog")
    others = [t for t in catalog.names if t not in gold]
    k = min(rng.randint(lo, hi), len(others))
    names = list(dict.fromkeys(gold)) + rng.sample(others, k)
    rng.shuffle(names)  # tool order must not leak which tools are gold
    return ToolCatalog(tuple(catalog[n] for n in names))


record_now = Record.now  # kept name: the date the record's relative dates were resolved against


class ToolMix(Protocol):
    """Chooses a training prompt's tool list (`tinyagent.train.served_tools.ServedToolMix` is one)."""

    def tools(self, query: str, gold: Sequence[str], catalog: ToolCatalog, rng: random.Random) -> ToolCatalog: ...


def record_messages(record: Record, rng: random.Random, *, catalog: ToolCatalog | None = None,
                    min_negatives: int = 0, max_negatives: int = 4, retriever: Retriever | None = None,
                    n_examples: int = 0, tool_mix: ToolMix | None = None) -> list[dict[str, str]]:
    """The chat messages of one training prompt for `record` (tools sampled with `rng`).

    Without `tool_mix` the tools are gold + min..max random distractors (the paper's recipe). The
    distractors come from `catalog`, by default the record's own (`record_catalog`: the assistant's
    16 tools unless the record carries a custom catalog's schemas).
    """
    catalog = record_catalog(record) if catalog is None else catalog
    if tool_mix is not None:
        tools = tool_mix.tools(record.query, record.tools, catalog, rng)
    else:
        tools = prompt_tools(record.tools, catalog, rng, min_negatives, max_negatives)
    examples: list[Example] = []
    if retriever is not None and n_examples > 0:
        # Fetch one spare: the record itself is usually the nearest neighbour and must not be its own example.
        found = retriever.retrieve(record.query, tools, n_examples + 1)
        examples = [e for e in found if e.query.strip() != record.query.strip()][:n_examples]
    return build_messages(tools, record.query, now=record.now(), examples=examples)


def encode(tokenizer: Any, messages: list[dict[str, str]], plan: str, max_len: int) -> dict[str, list[int]]:
    """Token ids of prompt + plan + end-of-turn, with labels only on the plan part.

    A prompt that does not fit loses its oldest tokens (logged); a plan that alone does not fit raises.
    """
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
    prompt = list(prompt["input_ids"] if hasattr(prompt, "keys") else prompt)
    target = tokenizer(plan.strip(), add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    if len(target) >= max_len:
        raise ValueError(f"plan of {len(target)} tokens does not fit max_seq_len={max_len}")
    if len(prompt) + len(target) > max_len:
        log.warning("prompt of %d tokens cut to %d to fit max_seq_len", len(prompt), max_len - len(target))
        prompt = prompt[len(prompt) + len(target) - max_len:]
    return {"input_ids": prompt + target, "labels": [IGNORE] * len(prompt) + target}


@dataclass
class PlanDataset(torch.utils.data.Dataset):
    """Records as tokenized examples; `epoch` selects the prompt sampling (set it before each epoch)."""

    records: Sequence[Record]
    tokenizer: Any
    seed: int = 0
    min_negatives: int = 0
    max_negatives: int = 4
    max_len: int = 1536
    catalog: ToolCatalog | None = None  # None: each record's own (`record_catalog`)
    retriever: Retriever | None = None
    n_examples: int = 0
    tool_mix: ToolMix | None = None  # None: gold + random distractors
    epoch: int = 0

    def __len__(self) -> int:
        return len(self.records)

    def messages(self, i: int) -> list[dict[str, str]]:
        rng = random.Random(f"prompt-{self.seed}-{self.epoch}-{i}")
        return record_messages(self.records[i], rng, catalog=self.catalog, min_negatives=self.min_negatives,
                               max_negatives=self.max_negatives, retriever=self.retriever,
                               n_examples=self.n_examples, tool_mix=self.tool_mix)

    def __getitem__(self, i: int) -> dict[str, Any]:
        item: dict[str, Any] = encode(self.tokenizer, self.messages(i), self.records[i].plan, self.max_len)
        item["index"] = i
        return item


def collate(batch: list[dict[str, Any]], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-pad a list of examples into tensors (labels padded with IGNORE).

    >>> b = collate([{"input_ids": [5, 6, 7], "labels": [-100, 6, 7], "index": 0},
    ...              {"input_ids": [8], "labels": [8], "index": 3}], pad_id=0)
    >>> b["input_ids"].tolist(), b["labels"].tolist(), b["attention_mask"].tolist(), b["index"].tolist()
    ([[5, 6, 7], [8, 0, 0]], [[-100, 6, 7], [8, -100, -100]], [[1, 1, 1], [1, 0, 0]], [0, 3])
    """
    width = max(len(x["input_ids"]) for x in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, x in enumerate(batch):
        n = len(x["input_ids"])
        ids[row, :n] = torch.tensor(x["input_ids"])
        labels[row, :n] = torch.tensor(x["labels"])
        mask[row, :n] = 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask,
            "index": torch.tensor([x["index"] for x in batch])}
