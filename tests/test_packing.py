"""Packed steps, shared prefixes, plan-only output layer and the measured precision choice, on a tiny Llama.

Each packed/shared way of computing a step must give the loss and LoRA gradients of running the
examples one at a time with full logits (the tests compare both, for eager and sdpa attention).

Usage: .venv/bin/python -m pytest tests/test_packing.py -q
"""
from __future__ import annotations

import pytest
import torch

from tinyagent.train import precision
from tinyagent.train.config import TrainConfig
from tinyagent.train.data import IGNORE, collate
from tinyagent.train.lora import build_lora_model, plan_loss, step_losses
from tinyagent.train.packing import StepBatch, common_prefix_len, greedy_packs


def tiny_lora(attn: str = "sdpa"):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=96, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True,
                      attn_implementation=attn)
    model = build_lora_model(LlamaForCausalLM(cfg), TrainConfig(lora_r=4, lora_alpha=8, base_dtype="float32"))
    for name, p in model.named_parameters():  # LoRA B starts at zero: make the adapters matter
        if "lora_B" in name:
            p.data.normal_(0, 0.05)
    return model


def examples(n: int = 4) -> list[dict]:
    """Prompts sharing a 9-token prefix (the static instructions), then their own text and plan."""
    g = torch.Generator().manual_seed(1)
    shared = torch.randint(3, 96, (9,), generator=g).tolist()
    out = []
    for i in range(n):
        own = torch.randint(3, 96, (4 + 3 * i,), generator=g).tolist()
        plan = torch.randint(3, 96, (5 + 2 * (i % 2),), generator=g).tolist()
        out.append({"input_ids": shared + own + plan, "labels": [IGNORE] * (9 + len(own)) + plan, "index": i})
    return out


def reference(model, exs, prompt_grad: bool):
    """Loss sum and LoRA gradients, one example at a time, output layer everywhere."""
    model.zero_grad(set_to_none=True)
    total = 0.0
    for e in exs:
        loss, _ = plan_loss(model, collate([e], 0), prompt_grad=prompt_grad, head_plan_only=False)
        loss.backward()
        total += float(loss.detach())
    return total, lora_grads(model)


def lora_grads(model):
    return {n: p.grad.clone() for n, p in model.named_parameters() if "lora_" in n and p.grad is not None}


def packed(model, exs, **kw):
    model.zero_grad(set_to_none=True)
    sb = StepBatch(exs, **kw)
    total = 0.0
    for j in range(len(sb.packs)):
        loss, _ = sb.loss(model, j)
        loss.backward()
        total += float(loss.detach())
    return total, lora_grads(model), sb


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
@pytest.mark.parametrize("prompt_grad", [True, False])
@pytest.mark.parametrize("pack_tokens", [1, 40, 1000])
def test_packed_and_shared_prefix_equal_separate_examples(attn, prompt_grad, pack_tokens):
    model = tiny_lora(attn)
    exs = examples()
    ref_loss, ref_grads = reference(model, exs, prompt_grad)
    loss, grads, sb = packed(model, exs, prompt_grad=prompt_grad, pack_tokens=pack_tokens, share_prefix=True)
    assert sb.n_tokens == sum(sum(t != IGNORE for t in e["labels"]) for e in exs)
    assert len(sb.packs) == {1: 4, 40: 3 if prompt_grad else 2, 1000: 1}[pack_tokens]  # some packs mix examples
    assert sb.prefix == (0 if prompt_grad else 9)  # prompts of example 0 and 1 diverge after the shared 9
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    assert grads.keys() == ref_grads.keys() and len(grads) == 28  # 2 layers x 7 projections x (A, B)
    for name, g in grads.items():
        assert torch.allclose(g, ref_grads[name], rtol=1e-4, atol=1e-6), name
        assert float(g.abs().sum()) > 0, name


def test_plan_only_head_gives_the_full_logits_loss_and_gradients():
    model = tiny_lora()
    exs = examples(3)
    full, g_full, _ = packed(model, exs, prompt_grad=True, pack_tokens=1000, head_plan_only=False)
    plan, g_plan, _ = packed(model, exs, prompt_grad=True, pack_tokens=1000, head_plan_only=True)
    assert plan == pytest.approx(full, rel=1e-6)
    assert all(torch.allclose(g_plan[n], g_full[n], rtol=1e-5, atol=1e-7) for n in g_full)
    batch = collate(exs, 0)  # the padded path too
    a, _ = plan_loss(model, batch, head_plan_only=True)
    b, _ = plan_loss(model, batch, head_plan_only=False)
    assert float(a.detach()) == pytest.approx(float(b.detach()), rel=1e-6) and float(a.detach()) == pytest.approx(full, rel=1e-5)


def test_step_losses_count_plan_tokens_both_ways():
    exs = examples(3)
    for pack in (0, 1, 64):
        fns, n = step_losses(exs, TrainConfig(pack_tokens=pack, micro_batch_size=2), pad_id=0)
        assert n == 5 + 7 + 5 and len(fns) == {0: 2, 1: 3, 64: 1}[pack]


def test_helpers_and_bad_input():
    assert common_prefix_len([]) == 0 and common_prefix_len([[1, 2], [1, 2]]) == 2
    assert greedy_packs([10, 10], budget=5) == [[0], [1]]
    with pytest.raises(ValueError, match="without labelled"):
        StepBatch([{"input_ids": [1, 2], "labels": [IGNORE, IGNORE]}], prompt_grad=True, pack_tokens=8)
    with pytest.raises(ValueError, match="at least one example"):
        StepBatch([], prompt_grad=True, pack_tokens=8)


@pytest.mark.parametrize("faster", ["float32", "bfloat16"])
def test_auto_dtype_picks_the_measured_faster_side(monkeypatch, faster):
    model = tiny_lora()
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    exs = examples(1)
    calls = []

    def step():  # fresh calls each time: a step's shared-prefix cache (prompt_grad=False) serves one backward
        fns, n = step_losses(exs, TrainConfig(), pad_id=0)
        for f in fns:
            loss, _ = f(model)
            (loss / n).backward()

    def fake_time_steps(step_fn, k):  # seconds by the precision the frozen weights are in right now
        step_fn()
        dtype = str(model.base_model.model.lm_head.weight.dtype).removeprefix("torch.")
        calls.append(dtype)
        return [1.0 if dtype == faster else 2.0] * k

    monkeypatch.setattr(precision, "time_steps", fake_time_steps)
    choice = precision.choose_base_dtype(model, step, repeats=2)
    assert choice.dtype == faster and choice.median_s == {faster: 1.0, ({"float32", "bfloat16"} - {faster}).pop(): 2.0}
    frozen = [p for p in model.parameters() if not p.requires_grad]
    assert all(p.dtype == getattr(torch, faster) for p in frozen)
    assert all(p.dtype == torch.float32 for p in model.parameters() if p.requires_grad)  # LoRA stays fp32
    if faster == "float32":  # put back exactly, not through a bf16 round trip
        assert all(torch.equal(p, before[n]) for n, p in model.named_parameters())
    assert all(p.grad is None for p in model.parameters())  # the probe leaves no gradients behind


def test_auto_dtype_gives_up_early_on_a_much_slower_bf16(monkeypatch):
    model = tiny_lora()
    seen = []

    def fake_time_steps(step_fn, k):
        dtype = str(model.base_model.model.lm_head.weight.dtype)
        seen.append((dtype, k))
        return [10.0 if "bfloat16" in dtype else 1.0] * k

    monkeypatch.setattr(precision, "time_steps", fake_time_steps)
    choice = precision.choose_base_dtype(model, lambda: None, repeats=2)
    assert choice.dtype == "float32" and choice.seconds["bfloat16"] == [10.0]
    assert seen == [("torch.float32", 1), ("torch.float32", 2), ("torch.bfloat16", 1)]
