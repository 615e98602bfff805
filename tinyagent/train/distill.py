"""Knowledge distillation in the plan-token loss: a teacher's next-token distribution as a soft target.

Why: our 4-bit planner loses points to the f16 one it is quantized from. With `TrainConfig.distill = w`
QAT trains the fake-quantized student on `(1 - w) * CE(gold) + w * KL(teacher || student)` over the
plan tokens, the teacher being the f16 fine-tuned model (notebook 03's adapter, not fake-quantized):
every plan position then says which tokens the f16 model found nearly as good, not only the gold one.

`soft_targets` runs the teacher once per example (no gradients) and keeps its log-probabilities at the
labelled positions, in order; `plan_token_loss` is the one loss every training path (padded
micro-batches, packed calls, two-pass prefix reuse) ends in, so the rows it receives are the labelled
positions of the same examples in the same order, and the soft targets line up.

Example:
    >>> import torch
    >>> logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]]); target = torch.tensor([0, -100])
    >>> loss, n = plan_token_loss(logits, target)
    >>> n, round(float(loss), 4)
    (1, 0.1269)
    >>> soft = [torch.log_softmax(torch.tensor([[2.0, 0.0]]), -1)]  # the teacher agrees: KL 0
    >>> round(float(plan_token_loss(logits, target, soft, weight=1.0)[0]), 4)
    0.0
"""
from __future__ import annotations

from typing import Any, Sequence

import torch
import torch.nn.functional as F

IGNORE = -100  # label value that is not a plan token (same as tinyagent.train.data.IGNORE)


def plan_token_loss(logits: torch.Tensor, target: torch.Tensor, soft: Sequence[torch.Tensor] | None = None,
                    weight: float = 0.0) -> tuple[torch.Tensor, int]:
    """Summed loss over the rows whose target is a plan token, and their number.

    `logits` (rows, vocab) and `target` (rows) in example order; `soft`: the teacher's log-probabilities
    of those examples' plan tokens (one tensor per example, concatenated in the same order)."""
    target = target.to(logits.device).reshape(-1)
    logits = logits.reshape(-1, logits.shape[-1])
    keep = target != IGNORE
    rows, gold = logits[keep].float(), target[keep]
    ce = F.cross_entropy(rows, gold, reduction="sum")
    if not weight or soft is None:
        return ce, int(keep.sum())
    teacher = torch.cat(list(soft)).to(rows.device)
    if teacher.shape != rows.shape:
        raise ValueError(f"soft targets of shape {tuple(teacher.shape)} for {tuple(rows.shape)} plan-token rows: "
                         "the teacher saw other examples or positions")
    kl = F.kl_div(F.log_softmax(rows, dim=-1), teacher, log_target=True, reduction="sum")
    return (1 - weight) * ce + weight * kl, int(keep.sum())


@torch.no_grad()
def soft_targets(teacher: Any, examples: Sequence[dict[str, Any]], device: torch.device | str = "cpu") -> list[torch.Tensor]:
    """The teacher's log-probabilities at each example's labelled positions (rows in position order)."""
    out = []
    for ex in examples:
        ids, labels = list(ex["input_ids"]), list(ex["labels"])
        rows = [t for t in range(len(ids) - 1) if labels[t + 1] != IGNORE]  # position t predicts token t+1
        if not rows:  # no plan token (a prompt cut to max_seq_len): nothing to teach
            out.append(torch.zeros((0, teacher.config.vocab_size)))
            continue
        first = rows[0]
        logits = teacher(input_ids=torch.tensor([ids], device=device), logits_to_keep=len(ids) - first).logits[0]
        picked = logits[[t - first for t in rows]].float()
        out.append(F.log_softmax(picked, dim=-1))
    return out
