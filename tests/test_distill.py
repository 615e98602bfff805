"""Distillation in the plan-token loss (tinyagent.train.distill) on a tiny Llama: every training path
(padded micro-batches, packed calls, the two-pass prefix reuse) gives the loss of computing
(1 - w) CE + w KL(teacher || student) one example at a time with full logits.

Usage: .venv/bin/python -m pytest tests/test_distill.py -q
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from tests.test_packing import examples, tiny_lora
from tinyagent.train.config import TrainConfig
from tinyagent.train.data import IGNORE
from tinyagent.train.distill import plan_token_loss, soft_targets
from tinyagent.train.lora import step_losses

W = 0.5


def reference(student, teacher, exs, weight: float) -> float:
    """Per example, full logits of both models, the loss written out by hand."""
    total = 0.0
    with torch.no_grad():
        for e in exs:
            ids = torch.tensor([e["input_ids"]])
            s_log = F.log_softmax(student(input_ids=ids).logits[0, :-1].float(), -1)
            t_log = F.log_softmax(teacher(input_ids=ids).logits[0, :-1].float(), -1)
            target = torch.tensor(e["labels"][1:])
            keep = target != IGNORE
            ce = -s_log[keep].gather(1, target[keep][:, None]).sum()
            kl = (t_log[keep].exp() * (t_log[keep] - s_log[keep])).sum()
            total += float((1 - weight) * ce + weight * kl)
    return total


def step_total(student, exs, cfg: TrainConfig, soft) -> float:
    fns, _ = step_losses(exs, cfg, pad_id=0, soft=soft)
    return sum(float(f(student)[0].detach()) for f in fns)


@pytest.mark.parametrize("prompt_grad", [True, False])
@pytest.mark.parametrize("pack_tokens,micro", [(0, 2), (1, 1), (40, 1), (1000, 1)])
def test_every_training_path_gives_the_per_example_distillation_loss(prompt_grad, pack_tokens, micro):
    student, teacher = tiny_lora(), tiny_lora()
    for name, p in teacher.named_parameters():  # another model: the KL term is not zero
        if "lora_B" in name:
            p.data.normal_(0, 0.2)
    exs = examples()
    soft = soft_targets(teacher, exs)
    assert [s.shape[0] for s in soft] == [sum(t != IGNORE for t in e["labels"]) for e in exs]
    cfg = TrainConfig(pack_tokens=pack_tokens, micro_batch_size=micro, prompt_grad=prompt_grad, distill=W,
                      init_adapter="unused", base_dtype="float32")
    assert step_total(student, exs, cfg, soft) == pytest.approx(reference(student, teacher, exs, W), rel=1e-4)


def test_a_teacher_equal_to_the_student_adds_nothing_and_gradients_flow():
    student = tiny_lora()
    exs = examples(2)
    soft = soft_targets(student, exs)
    cfg = TrainConfig(pack_tokens=1, distill=W, init_adapter="unused", base_dtype="float32")
    plain = step_total(student, exs, TrainConfig(pack_tokens=1, base_dtype="float32"), None)
    assert step_total(student, exs, cfg, soft) == pytest.approx((1 - W) * plain, rel=1e-4)
    fns, _ = step_losses(exs, cfg, pad_id=0, soft=soft)
    fns[0](student)[0].backward()
    assert any(p.grad is not None and float(p.grad.abs().sum()) > 0 for n, p in student.named_parameters()
               if "lora_" in n)


def test_bad_settings_and_misaligned_targets_are_refused():
    with pytest.raises(ValueError, match="init_adapter"):
        TrainConfig(distill=0.5)
    with pytest.raises(ValueError, match="distill must be in"):
        TrainConfig(distill=1.5, init_adapter="a")
    logits, target = torch.zeros(3, 5), torch.tensor([1, IGNORE, 2])
    with pytest.raises(ValueError, match="soft targets of shape"):
        plan_token_loss(logits, target, [torch.zeros(3, 5)], weight=0.5)
