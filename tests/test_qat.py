"""Fake Q4_0 quantization matches llama.cpp's Q4_0 (the `gguf` package's reference numpy port), bit for bit.

The end-to-end check against tensors quantized by llama.cpp itself lives in tests/test_export.py
(it reuses the exported f16 GGUF).

Usage: .venv/bin/python -m pytest tests/test_qat.py -q
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from gguf import GGMLQuantizationType, quants
from torch import nn

from tinyagent.train.qat import apply_qat, fake_quant_q4_0


def reference_q4_0(w: np.ndarray) -> np.ndarray:
    """Quantize + dequantize with the gguf package's port of ggml's quantize_row_q4_0_ref."""
    return quants.dequantize(quants.quantize(w, GGMLQuantizationType.Q4_0), GGMLQuantizationType.Q4_0)


def test_matches_reference_on_random_and_edge_blocks():
    g = torch.Generator().manual_seed(0)
    w = torch.randn(64, 256, generator=g) * torch.rand(64, 1, generator=g) * 3
    w[0, :32] = 0.0  # all-zero block: scale 0, everything dequantizes to 0
    w[1, :32] = 1.0
    w[1, 7] = -1.0  # tie in magnitude: the first one (+1.0) sets the sign of the scale
    w[2, :32] = torch.linspace(-0.5, 2.0, 32)  # positive max maps to -8 (negative scale)
    w[3, :32] = 1e-6 * torch.arange(32)  # tiny scale, below fp16 normal range
    ours = fake_quant_q4_0(w).numpy()
    ref = reference_q4_0(w.numpy())
    assert np.array_equal(ours, ref), f"max diff {np.abs(ours - ref).max()}"
    assert np.all(ours[0, :32] == 0)
    assert ours[2, 31] == pytest.approx(2.0, rel=1e-3)  # the largest magnitude is represented (up to fp16)


def test_scale_is_rounded_to_fp16():
    # 1/3 is not representable in fp16: the dequantized extreme is fp16(-(1/3)/-8) * -8, not 1/3.
    w = torch.full((1, 32), 0.1)
    w[0, 0] = 1 / 3
    got = float(fake_quant_q4_0(w)[0, 0])
    expected = float(np.float16(np.float32(1 / 3) / -8)) * -8
    assert got == expected and got != pytest.approx(1 / 3, abs=1e-7)


def test_at_most_16_levels_per_block_and_bad_shape():
    w = torch.randn(4, 64)
    q = fake_quant_q4_0(w).reshape(-1, 32)
    assert all(len(torch.unique(row)) <= 16 for row in q)
    with pytest.raises(ValueError, match="multiple of 32"):
        fake_quant_q4_0(torch.randn(2, 30))


def test_straight_through_gradient():
    w = torch.randn(8, 64, requires_grad=True)
    upstream = torch.randn(8, 64)
    (fake_quant_q4_0(w) * upstream).sum().backward()
    assert torch.equal(w.grad, upstream)


def test_round_f16_quantizes_the_f16_copy():
    w = torch.randn(16, 64, dtype=torch.float64).float()
    via16 = fake_quant_q4_0(w, round_f16=True).numpy()
    assert np.array_equal(via16, reference_q4_0(w.half().float().numpy()))


def test_apply_qat_base_replaces_linear_weights_but_not_head():
    torch.manual_seed(0)
    model = nn.Sequential()
    model.add_module("proj", nn.Linear(64, 32))
    model.add_module("lm_head", nn.Linear(32, 64))
    head_before = model.lm_head.weight.clone()
    expected = reference_q4_0(model.proj.weight.detach().half().float().numpy())
    assert apply_qat(model, "base") == 1
    assert np.array_equal(model.proj.weight.detach().numpy(), expected)
    assert torch.equal(model.lm_head.weight, head_before)
    with pytest.raises(ValueError, match="needs a peft LoRA model"):
        apply_qat(model, "merged")


def test_apply_qat_merged_trains_lora_through_quantized_weight():
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    base = nn.Sequential()
    base.add_module("proj", nn.Linear(64, 64, bias=False))
    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["proj"], init_lora_weights=False))
    assert apply_qat(model, "merged") == 1
    layer = model.base_model.model.proj
    x = torch.randn(5, 64)
    merged = layer.base_layer.weight + layer.get_delta_weight("default")
    expected = x @ torch.from_numpy(reference_q4_0(merged.detach().half().float().numpy())).T
    out = model(x)
    assert torch.allclose(out, expected, atol=1e-5)
    out.pow(2).sum().backward()
    assert layer.lora_A["default"].weight.grad.abs().sum() > 0  # gradients reach LoRA through the STE
    assert layer.base_layer.weight.grad is None  # the base stays frozen


@pytest.mark.parametrize("mode", ["base", "merged"])
def test_trainer_model_with_qat_trains_on_a_tiny_llama(mode):
    from transformers import LlamaConfig, LlamaForCausalLM

    from tinyagent.train.config import TrainConfig
    from tinyagent.train.lora import build_lora_model, plan_loss

    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=96, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True)
    base = LlamaForCausalLM(cfg)
    q_before = base.model.layers[0].self_attn.q_proj.weight.detach().clone()
    model = build_lora_model(base, TrainConfig(qat=mode, lora_r=4, lora_alpha=8))
    q = model.base_model.model.model.layers[0].self_attn.q_proj
    if mode == "base":  # the frozen weight now holds Q4_0 values
        assert torch.equal(q.base_layer.weight, fake_quant_q4_0(q_before, round_f16=True))
    else:  # the weight is untouched; the forward quantizes base + delta
        assert torch.equal(q.base_layer.weight, q_before)
    ids = torch.randint(0, 96, (2, 12))
    labels = ids.clone()
    labels[:, :6] = -100
    batch = {"input_ids": ids, "labels": labels, "attention_mask": torch.ones_like(ids)}
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    losses = []
    for _ in range(5):
        loss, n = plan_loss(model, batch)
        (loss / n).backward()
        opt.step()
        opt.zero_grad()
        losses.append(float(loss.detach()) / n)
    assert n == 12 and losses[-1] < losses[0], losses


def _uncached_merged_output(layer, x: torch.Tensor) -> torch.Tensor:
    """The merged QAT forward computed from scratch: x @ fq(W + delta)^T with a straight-through gradient."""
    w = layer.base_layer.weight.to(torch.float32) + layer.get_delta_weight("default").to(torch.float32)
    return x @ fake_quant_q4_0(w, round_f16=True).to(x.dtype).T


def test_merged_qat_cache_gives_the_uncached_outputs_and_gradients_across_weight_changes():
    # The quantized weight is cached per weight state: after optimizer steps, a checkpoint load and a
    # dtype change it must still equal a from-scratch computation, and so must the LoRA gradients.
    from peft import LoraConfig, get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict

    torch.manual_seed(0)
    base = nn.Sequential()
    base.add_module("proj", nn.Linear(64, 64, bias=False))
    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["proj"], init_lora_weights=False))
    apply_qat(model, "merged")
    layer = model.base_model.model.proj
    factors = [layer.lora_A["default"].weight, layer.lora_B["default"].weight]
    opt = torch.optim.AdamW(factors, lr=5e-2)
    saved = {k: v.clone() for k, v in get_peft_model_state_dict(model).items()}
    x = torch.randn(5, 64)

    def check(x: torch.Tensor, grad_tol: float = 1e-5) -> None:
        xs = [x.clone().requires_grad_(True) for _ in range(2)]
        out = model(xs[0])
        out.pow(2).sum().backward()
        cached_grads = [f.grad.clone() for f in factors]
        opt.zero_grad()
        ref = _uncached_merged_output(layer, xs[1])
        ref.pow(2).sum().backward()
        assert torch.equal(out, ref)
        assert torch.equal(xs[0].grad, xs[1].grad)  # the input's gradient goes through fq(W + delta) only
        for got, want in zip(cached_grads, (f.grad for f in factors)):  # low-rank path vs full g^T x
            assert float((got - want).norm() / want.norm()) < grad_tol
        opt.zero_grad()

    before = model(x).detach()
    for _ in range(3):  # each optimizer step changes the factors in place: the cache must follow
        check(x)
        model(x).pow(2).sum().backward()
        opt.step()
        opt.zero_grad()
    assert not torch.equal(model(x).detach(), before)  # the steps did change the quantized weight
    set_peft_model_state_dict(model, saved)  # a checkpoint load (in-place copy)
    assert torch.equal(model(x).detach(), before)
    check(x)
    layer.base_layer.weight.data = layer.base_layer.weight.data.to(torch.bfloat16)  # the dtype probe's recast
    check(x.to(torch.bfloat16), grad_tol=2e-2)  # the reference forms g^T x in bf16; ours stays fp32
