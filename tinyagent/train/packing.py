"""One optimizer step's examples as few model calls: packing, a shared prompt prefix, the head on plan tokens only.

A step's loss is the sum of cross-entropy over every plan token of its examples, divided by their
count; how the examples are grouped into forward passes does not change it. `StepBatch` groups them
to cost less on a CPU:
- packing: consecutive examples are concatenated into one sequence of at most `pack_tokens` tokens,
  with per-example position ids and a block-diagonal causal attention mask (an explicit 4D mask,
  which transformers passes through unchanged to eager and sdpa attention), so one call replaces many;
- prefix sharing: the longest token prefix common to the prompts (the static instructions) is
  computed once and every example attends to it, instead of once per example;
- the output head (49,152 x 576 in SmolLM2, tied to the embedding) runs only at positions whose next
  token is labelled.
With `prompt_grad=False` the prompts run without gradients (pass 1, a KV cache; the shared prefix
once per step) and only the plan positions are back-propagated (pass 2). Attention is exactly that of
separate examples, so the loss equals the one-example-at-a-time loss up to float rounding.

Example:
    >>> common_prefix_len([[1, 2, 3, 4], [1, 2, 5], [1, 2, 3]])
    2
    >>> greedy_packs([5, 3, 4, 9, 1], budget=8)
    [[0, 1], [2], [3], [4]]
    >>> m = attention_allowed(torch.tensor([-1, 0, 0, 1]), torch.tensor([0, 1, 2, 1]),
    ...                       torch.tensor([-1, 0, 0, 1]), torch.tensor([0, 1, 2, 1]))
    >>> m.int().tolist()  # token 3 (example 1) sees the shared token 0 and itself, not example 0
    [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 0, 0, 1]]
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch

from tinyagent.train.distill import IGNORE, plan_token_loss  # IGNORE: labels that are not plan tokens

SHARED = -1  # segment id of the shared prefix: every example attends to it


class CausalLM(Protocol):
    """A transformers causal LM (or a peft / DDP wrapper of one)."""

    def __call__(self, **kwargs: Any) -> Any: ...


def common_prefix_len(seqs: Sequence[Sequence[int]]) -> int:
    """Length of the longest prefix shared by all sequences (0 for none)."""
    if not seqs:
        return 0
    n = min(len(s) for s in seqs)
    first = seqs[0]
    for i in range(n):
        if any(s[i] != first[i] for s in seqs[1:]):
            return i
    return n


def greedy_packs(lengths: Sequence[int], budget: int) -> list[list[int]]:
    """Consecutive indices grouped so that each group's lengths sum to <= budget (a longer one stands alone)."""
    packs: list[list[int]] = []
    total = 0
    for i, n in enumerate(lengths):
        if packs and total + n <= budget:
            packs[-1].append(i)
            total += n
        else:
            packs.append([i])
            total = n
    return packs


def attention_allowed(q_seg: torch.Tensor, q_pos: torch.Tensor, k_seg: torch.Tensor,
                      k_pos: torch.Tensor) -> torch.Tensor:
    """Boolean (query, key) matrix: a query sees keys of its own segment or the shared one, not later ones."""
    same = (k_seg[None, :] == q_seg[:, None]) | (k_seg[None, :] == SHARED)
    return same & (k_pos[None, :] <= q_pos[:, None])


def additive_mask(allowed: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(1, 1, q, k) additive mask (0 where allowed, dtype's minimum elsewhere) for eager and sdpa attention."""
    mask = torch.zeros(allowed.shape, dtype=dtype)
    mask.masked_fill_(~allowed, torch.finfo(dtype).min)
    return mask[None, None]


@dataclass
class _Segments:
    """Tokens of one model call: ids, position ids and segment (example) ids, plus loss targets."""

    ids: list[int] = field(default_factory=list)
    pos: list[int] = field(default_factory=list)
    seg: list[int] = field(default_factory=list)
    target: list[int] = field(default_factory=list)  # the token each position predicts, IGNORE for none

    def add(self, ids: Sequence[int], start: int, seg: int, target: Sequence[int] | None = None) -> None:
        self.ids += ids
        self.pos += range(start, start + len(ids))
        self.seg += [seg] * len(ids)
        self.target += target if target is not None else [IGNORE] * len(ids)

    def __add__(self, other: _Segments) -> _Segments:
        return _Segments(self.ids + other.ids, self.pos + other.pos, self.seg + other.seg, self.target + other.target)

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return (torch.tensor([self.ids]), torch.tensor([self.pos]), torch.tensor(self.seg))


def _plan_start(labels: Sequence[int]) -> int:
    """Index of the first labelled token; labels are IGNORE on the prompt and the plan is the tail."""
    for i, t in enumerate(labels):
        if t != IGNORE:
            return i
    raise ValueError("an example without labelled (plan) tokens cannot be trained on")


class StepBatch:
    """A step's tokenized examples ({"input_ids", "labels"}) grouped into packs; `loss(model, j)` per pack.

    `pack_tokens` bounds the tokens per model call (1 = one example per call); `share_prefix` computes
    the prompts' common prefix once. Call `loss` for every pack j in order, back-propagating each.
    """

    def __init__(self, examples: Sequence[dict[str, Any]], *, prompt_grad: bool, pack_tokens: int,
                 share_prefix: bool = True, head_plan_only: bool = True, device: torch.device | str = "cpu",
                 soft: Sequence[torch.Tensor] | None = None, distill: float = 0.0):
        if not examples:
            raise ValueError("a step needs at least one example")
        self.ids = [list(e["input_ids"]) for e in examples]
        self.labels = [list(e["labels"]) for e in examples]
        self.starts = [_plan_start(lab) for lab in self.labels]
        self.prompt_grad, self.device = prompt_grad, torch.device(device)
        self.n_tokens = sum(len(lab) - s for lab, s in zip(self.labels, self.starts))
        prompts = [ids[:max(s - 1, 0)] for ids, s in zip(self.ids, self.starts)]
        self.prefix = common_prefix_len(prompts) if share_prefix and not prompt_grad else 0
        sizes = [len(ids) - 1 - self.prefix for ids in self.ids]  # tokens each example adds to a call
        self.packs = greedy_packs(sizes, max(pack_tokens, 1))
        self.share_prefix, self.head_plan_only = share_prefix, head_plan_only
        self._cache: Any = None  # KV cache of the step's shared prefix (prompt_grad=False)
        self.soft, self.distill = soft, distill  # a teacher's log-probs per example (tinyagent.train.distill)

    def loss(self, model: CausalLM, j: int) -> tuple[torch.Tensor, int]:
        """Summed plan-token cross-entropy of pack j, and its number of plan tokens."""
        pack = self.packs[j]
        if self.prompt_grad:
            return self._loss_one_pass(model, pack)
        return self._loss_two_pass(model, pack)

    @staticmethod
    def _dtype(model: Any) -> torch.dtype:
        """The frozen base weights' dtype: hidden states (and so the attention mask) have it."""
        frozen = (p.dtype for p in model.parameters() if p.is_floating_point() and not p.requires_grad)
        return next(frozen, torch.float32)

    def _call(self, model: CausalLM, segs: _Segments, keys: _Segments, cache: Any, **kw: Any) -> Any:
        ids, pos, seg = segs.tensors()
        one_example = len(set(keys.seg) - {SHARED}) <= 1
        mask = None  # a single example (after its shared prefix) is plain causal: sdpa's fast path
        if not one_example:
            k_seg, k_pos = torch.tensor(keys.seg), torch.tensor(keys.pos)
            mask = additive_mask(attention_allowed(seg, pos[0], k_seg, k_pos), self._dtype(model)).to(self.device)
        return model(input_ids=ids.to(self.device), position_ids=pos.to(self.device), attention_mask=mask,
                     past_key_values=cache, **kw)

    def _loss_one_pass(self, model: CausalLM, pack: list[int]) -> tuple[torch.Tensor, int]:
        """prompt_grad=True: the pack's prefix once, then each example's rest, all in one call with gradients."""
        p = common_prefix_len([self.ids[i][:max(self.starts[i] - 1, 0)] for i in pack]) if self.share_prefix else 0
        segs = _Segments()
        first = self.ids[pack[0]]
        segs.add(first[:p], 0, SHARED, self.labels[pack[0]][1:p + 1])
        for i in pack:
            ids, lab = self.ids[i], self.labels[i]
            segs.add(ids[p:-1], p, i, lab[p + 1:])  # the last token predicts nothing: not an input
        keep = torch.tensor([k for k, t in enumerate(segs.target) if t != IGNORE])
        if self.head_plan_only:  # the head only where a plan token is predicted
            out = self._call(model, segs, segs, None, use_cache=False, logits_to_keep=keep.to(self.device))
            logits = out.logits[0]
        else:
            logits = self._call(model, segs, segs, None, use_cache=False, logits_to_keep=0).logits[0, keep.to(self.device)]
        return self._ce(logits, torch.tensor(segs.target)[keep], pack)

    def _prefix_cache(self, model: CausalLM) -> Any:
        """KV cache of the step's shared prefix (no gradients), computed on first use."""
        if self._cache is None and self.prefix:
            segs = _Segments()
            segs.add(self.ids[0][:self.prefix], 0, SHARED)
            with torch.no_grad():
                self._cache = self._call(model, segs, segs, None, use_cache=True, logits_to_keep=1).past_key_values
        return self._cache

    def _loss_two_pass(self, model: CausalLM, pack: list[int]) -> tuple[torch.Tensor, int]:
        """prompt_grad=False: prompts without gradients into a KV cache, then plan positions with gradients."""
        p = self.prefix
        shared, prompt, plan = _Segments(), _Segments(), _Segments()
        shared.add(self.ids[0][:p], 0, SHARED)
        for i in pack:
            s, ids = self.starts[i], self.ids[i]
            prompt.add(ids[p:s - 1], p, i)
            plan.add(ids[s - 1:-1], s - 1, i, self.labels[i][s:])  # position s-1 predicts the first plan token
        cache = self._prefix_cache(model)
        keys = shared + prompt
        if prompt.ids:
            with torch.no_grad():
                cache = self._call(model, prompt, keys, cache, use_cache=True,
                                   logits_to_keep=1 if self.head_plan_only else 0).past_key_values
        try:
            out = self._call(model, plan, keys + plan, cache, use_cache=True)
        finally:
            extra = cache.get_seq_length() - p if cache is not None else 0
            if extra > 0:
                cache.crop(-extra)  # back to the shared prefix for the next pack
        return self._ce(out.logits[0], torch.tensor(plan.target), pack)

    def _ce(self, logits: torch.Tensor, target: torch.Tensor, pack: list[int]) -> tuple[torch.Tensor, int]:
        soft = [self.soft[i] for i in pack] if self.soft is not None else None  # rows: the pack's examples in order
        return plan_token_loss(logits, target, soft, self.distill)
