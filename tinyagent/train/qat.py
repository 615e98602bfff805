"""Quantization-aware LoRA training: fake Q4_0 quantization exactly as llama.cpp stores weights.

Q4_0 (ggml `quantize_row_q4_0_ref`): blocks of 32 consecutive weights along the input dimension; in
each block the value with the largest magnitude (first one on ties) is `max`, the scale is
`d = max / -8` (so `max` maps to q = 0, i.e. -8 after the offset), `q = min(15, trunc(x / d + 8.5))`,
and the scale is *stored as fp16*, so dequantized weights are `(q - 8) * fp16(d)` while q itself was
computed with the fp32 scale. `fake_quant_q4_0` reproduces that bit for bit (tests compare it with
the `gguf` package's reference and with tensors quantized by llama.cpp itself).

Two modes (`apply_qat`):
- "base": the frozen base weights of every decoder linear layer are replaced by their Q4_0 values.
  They are frozen, so this is done once; LoRA trains against the weights llama.cpp will hold.
- "merged": each LoRA layer computes `x @ fq(W + s * B @ A)^T`, the weight that export will merge
  and quantize; `fq` passes gradients straight through (STE) so A and B still learn. The quantized
  weight is cached per weight state (once per optimizer step, not once per model call), and the
  factors' gradients come through the low-rank path (no full-size weight gradient).
`round_f16=True` first rounds to fp16, as our export writes an f16 GGUF that llama.cpp then quantizes.

Example:
    >>> import torch
    >>> w = torch.linspace(-1, 0.5, 32).reshape(1, 32)
    >>> q = fake_quant_q4_0(w)
    >>> float(q[0, 0]), len(torch.unique(q)) <= 16
    (-1.0, True)
    >>> w = w.requires_grad_(True)
    >>> fake_quant_q4_0(w).sum().backward()
    >>> float(w.grad.sum())  # straight-through: every weight gets the upstream gradient 1
    32.0
"""
from __future__ import annotations

import functools
import logging

import torch
import torch.nn.functional as F
from torch import nn

log = logging.getLogger(__name__)

QK4_0 = 32  # weights per Q4_0 block


def _q4_0_values(w: torch.Tensor, round_f16: bool) -> torch.Tensor:
    if w.shape[-1] % QK4_0:
        raise ValueError(f"Q4_0 needs the last dimension to be a multiple of {QK4_0}, got shape {tuple(w.shape)}")
    x = w.detach().to(torch.float32)
    if round_f16:
        x = x.to(torch.float16).to(torch.float32)
    blocks = x.reshape(-1, QK4_0)
    imax = blocks.abs().argmax(dim=-1, keepdim=True)  # first index of the largest magnitude, as ggml
    d = blocks.gather(-1, imax) / -8
    inv = torch.where(d == 0, torch.zeros_like(d), 1.0 / d)
    q = torch.trunc(blocks * inv + 8.5).clamp_(0, 15)
    d16 = d.to(torch.float16).to(torch.float32)  # the scale llama.cpp keeps is fp16
    return ((q - 8) * d16).reshape(w.shape)


class _FakeQuantSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, w: torch.Tensor, round_f16: bool) -> torch.Tensor:  # type: ignore[override]
        return _q4_0_values(w, round_f16).to(w.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:  # type: ignore[override]
        return grad, None  # straight-through: d fq(w) / dw := identity


def fake_quant_q4_0(w: torch.Tensor, *, round_f16: bool = False) -> torch.Tensor:
    """Quantize-dequantize `w` (last dim a multiple of 32) as llama.cpp Q4_0, with a straight-through gradient."""
    return _FakeQuantSTE.apply(w, round_f16)


def _decoder_linears(model: nn.Module) -> list[tuple[str, nn.Linear]]:
    """Linear layers llama.cpp quantizes to Q4_0: all but the LoRA factors and the output head."""
    return [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear)
            and "lora_" not in n and not n.endswith("lm_head")]


def _cache_key(layer: nn.Module, name: str, dtype: torch.dtype) -> tuple:
    """What the fake-quantized merged weight depends on: the tensors (identity and in-place version) and dtypes."""
    tensors = (layer.get_base_layer().weight, layer.lora_A[name].weight, layer.lora_B[name].weight)
    return (name, dtype, *((t.data_ptr(), t._version, t.dtype) for t in tensors))


@torch.no_grad()
def _quantized_merged_weight(layer: nn.Module, name: str, dtype: torch.dtype) -> torch.Tensor:
    """fq(W + delta) in `dtype`, cached until the weights change.

    The quantization is a pass over every weight, and its value changes only when the optimizer or a
    checkpoint load changes the weights, so it is done once per weight state (once per optimizer
    step), not once per model call (the prompt prefix and each example of a step).
    """
    key = _cache_key(layer, name, dtype)
    cached = getattr(layer, "_qat_cache", None)
    if cached is None or cached[0] != key:
        w = layer.get_base_layer().weight.to(torch.float32) + layer.get_delta_weight(name).to(torch.float32)
        cached = layer._qat_cache = (key, _q4_0_values(w, layer._qat_round_f16).to(dtype))
    return cached[1]


def _merged_forward(layer: nn.Module, x: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """peft LoRA Linear forward with the fake-quantized merged weight (single active adapter).

    Value: x @ fq(W + delta)^T. Gradients as the straight-through estimator gives them: to x through
    fq(W + delta), and to the LoRA factors as if through delta (dL/d delta = g^T x). The factors'
    share goes through the low-rank LoRA path on a detached x, `lora - lora.detach()` (exactly zero),
    which gives the same gradients as the full g^T x product without forming it.
    """
    name = layer.active_adapters[0]
    bias = layer.get_base_layer().bias
    y = F.linear(x, _quantized_merged_weight(layer, name, x.dtype), None if bias is None else bias.to(x.dtype))
    a, b = layer.lora_A[name], layer.lora_B[name]
    lora = b(a(x.detach().to(a.weight.dtype))) * layer.scaling[name]
    return y + (lora - lora.detach()).to(y.dtype)


@torch.no_grad()
def apply_qat(model: nn.Module, mode: str = "base", *, round_f16: bool = True) -> int:
    """Make `model` (a peft LoRA model, or any model for mode "base") train against Q4_0 weights.

    Call it before casting the base weights to a lower precision. Returns the number of layers changed.
    """
    if mode not in ("base", "merged"):
        raise ValueError(f"QAT mode must be 'base' or 'merged', got {mode!r}")
    lora_layers = {n: m for n, m in model.named_modules() if hasattr(m, "get_delta_weight")}
    if mode == "merged" and not lora_layers:
        raise ValueError("QAT mode 'merged' needs a peft LoRA model (no LoRA layers found)")
    changed = 0
    for name, linear in _decoder_linears(model):
        owner = name.rsplit(".base_layer", 1)[0]
        if mode == "merged" and owner in lora_layers:
            layer = lora_layers[owner]
            layer._qat_round_f16 = round_f16
            layer.forward = functools.partial(_merged_forward, layer)
        else:
            linear.weight.copy_(_q4_0_values(linear.weight, round_f16))
        changed += 1
    log.info("QAT %s: %d linear layers fake-quantized to Q4_0", mode, changed)
    return changed
