"""Export a fine-tuned planner to llama.cpp: merge LoRA, write an f16 GGUF, quantize (Q4_0, Q4_K_M, Q8_0).

Route: the `gguf` package's GGUFWriter. Metadata (architecture hyper-parameters, tokenizer vocab and
merges, special tokens, chat template) is copied from the base GGUF; tensors are the merged weights.
llama.cpp stores Llama Q and K projection rows in an interleaved rotary order: its converter permutes
them, and transformers' GGUF loader un-permutes them on load, so we permute again on write
(`permute_qk`). Embeddings are tied (no `output.weight`), as in the base file. 2-D weights are
written as f16, norms as f32 (as llama.cpp's converter does). Quantization uses llama.cpp itself
(`llama_cpp.llama_model_quantize`).

Usage:
    paths = export_planner("outputs/planner/best", "outputs/planner/gguf", quants=("q4_0",))
    # -> {"f16": Path(".../planner-f16.gguf"), "q4_0": Path(".../planner-q4_0.gguf")}

Example:
    >>> import numpy as np
    >>> w = np.arange(8.0).reshape(4, 2)  # 1 head, head_dim 4: rows (0, 1, 2, 3) -> (0, 2, 1, 3)
    >>> permute_qk(w, 1)[:, 0].tolist()
    [0.0, 4.0, 2.0, 6.0]
"""
from __future__ import annotations

import ctypes
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tinyagent.planner.models import default_planner_gguf

log = logging.getLogger(__name__)

# 4-bit types: q4_0/q4_1 (linear, blocks of 32), iq4_nl (non-linear 16-level codebook, blocks of 32, no
# importance matrix needed) and q4_k_m (super-blocks of 256: SmolLM2's 576-wide rows do not divide, so
# llama.cpp stores those tensors as q5_0 and only the 1536-wide ffn_down rows as k-quants).
QUANT_TYPES = {"q4_0": "LLAMA_FTYPE_MOSTLY_Q4_0", "q4_1": "LLAMA_FTYPE_MOSTLY_Q4_1",
               "iq4_nl": "LLAMA_FTYPE_MOSTLY_IQ4_NL", "q4_k_m": "LLAMA_FTYPE_MOSTLY_Q4_K_M",
               "q5_0": "LLAMA_FTYPE_MOSTLY_Q5_0", "q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0", "f16": "LLAMA_FTYPE_MOSTLY_F16"}
_SKIP_KEYS = ("GGUF.", "general.architecture", "general.file_type")  # written by GGUFWriter / replaced


def permute_qk(w: np.ndarray, n_head: int) -> np.ndarray:
    """HF rotary layout -> llama.cpp layout for a Q or K weight (llama.cpp convert_hf_to_gguf `permute`)."""
    if w.shape[0] % (2 * n_head):
        raise ValueError(f"rows {w.shape[0]} are not a multiple of 2 x {n_head} heads")
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def merge_adapter(adapter_dir: str | Path, base: str | Path = "") -> tuple[Any, Any]:
    """Base model (fp32) with the LoRA adapter in `adapter_dir` merged in; returns (model, tokenizer)."""
    from peft import PeftModel

    from tinyagent.train.lora import load_base

    if not (Path(adapter_dir) / "adapter_config.json").is_file():
        raise FileNotFoundError(f"{adapter_dir} is not a peft adapter folder (no adapter_config.json)")
    model, tokenizer = load_base(str(base))
    merged = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
    return merged.eval(), tokenizer


def merged_state_dict(model: Any) -> dict[str, torch.Tensor]:
    """Weights of a model with any LoRA deltas folded in, under the base model's names; `model` is unchanged.

    Validation exports the adapter being trained every few steps: merging in place and unmerging
    would round the base weights (bf16) and perturb training, so the merged copy is computed aside.
    A model without LoRA layers gives its own state dict.
    """
    state = {k: v.detach() for k, v in model.state_dict().items()}
    out: dict[str, torch.Tensor] = {}
    for name, module in model.named_modules():
        lora_a, lora_b = getattr(module, "lora_A", None), getattr(module, "lora_B", None)
        if not lora_a or not hasattr(module, "base_layer"):
            continue
        w = module.base_layer.weight.detach().to(torch.float32)
        for key in lora_a:  # one delta per active adapter
            delta = lora_b[key].weight.detach().float() @ lora_a[key].weight.detach().float()
            w = w + delta * module.scaling[key]
        out[name + ".weight"] = w
    for k, v in state.items():
        if "lora_" not in k:  # LoRA factors are folded in above; a wrapped layer's own weight is "base_layer"
            out.setdefault(k.replace(".base_layer.", "."), v)
    prefix = "base_model.model."
    return {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in out.items()}


def gguf_tensors(model: Any, state: dict[str, torch.Tensor] | None = None) -> dict[str, np.ndarray]:
    """The model's weights (or `state`, HF names) under llama.cpp names, Q/K permuted, 2-D f16, 1-D f32."""
    import gguf

    cfg = model.config
    tmap = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, cfg.num_hidden_layers)
    out: dict[str, np.ndarray] = {}
    for name, t in (state if state is not None else model.state_dict()).items():
        if name == "lm_head.weight" and cfg.tie_word_embeddings:
            continue  # tied: llama.cpp reuses token_embd
        new = tmap.get_name(name, try_suffixes=(".weight", ".bias"))
        if new is None:
            raise ValueError(f"no llama.cpp name for tensor {name!r}")
        w = t.detach().to(torch.float32).cpu().numpy()
        if name.endswith("q_proj.weight"):
            w = permute_qk(w, cfg.num_attention_heads)
        elif name.endswith("k_proj.weight"):
            w = permute_qk(w, cfg.num_key_value_heads)
        out[new] = w.astype(np.float16 if w.ndim == 2 else np.float32)
    return out


def write_gguf(model: Any, out_path: str | Path, base_gguf: str | Path | None = None, *,
               state: dict[str, torch.Tensor] | None = None) -> Path:
    """Write `model` (or its weights `state`, e.g. `merged_state_dict(peft_model)`) as an f16 GGUF with the
    metadata of `base_gguf` (default: offline SmolLM2); atomic."""
    import gguf

    base_gguf = Path(base_gguf or default_planner_gguf())
    reader = gguf.GGUFReader(base_gguf)
    arch = reader.fields["general.architecture"].contents()
    if arch != "llama":
        raise ValueError(f"only Llama-architecture GGUFs are supported, {base_gguf} is {arch!r}")
    tensors = gguf_tensors(model, state)
    expected = {t.name for t in reader.tensors}
    if set(tensors) != expected:
        raise ValueError(f"tensor sets differ from {base_gguf.name}: missing {sorted(expected - set(tensors))[:5]}, "
                         f"extra {sorted(set(tensors) - expected)[:5]}")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    writer = gguf.GGUFWriter(tmp, arch)
    for field in reader.fields.values():
        if field.name.startswith(_SKIP_KEYS):
            continue
        vtype = field.types[0]
        sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), vtype, sub_type=sub)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    for t in reader.tensors:  # the base file's order
        writer.add_tensor(t.name, tensors[t.name])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(tmp, out_path)
    log.info("wrote %s (%.1f MB)", out_path, out_path.stat().st_size / 1e6)
    return out_path


def quantize_gguf(src: str | Path, dst: str | Path, qtype: str = "q4_0", n_threads: int = 2) -> Path:
    """Quantize a GGUF with llama.cpp (`llama_model_quantize`); qtype in QUANT_TYPES. Atomic."""
    import llama_cpp

    if qtype not in QUANT_TYPES:
        raise ValueError(f"unknown quantization {qtype!r}; choose from {sorted(QUANT_TYPES)}")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, QUANT_TYPES[qtype])
    params.nthread = n_threads
    dst = Path(dst)
    tmp = dst.with_name(f".{dst.name}.tmp")
    rc = llama_cpp.llama_model_quantize(str(src).encode(), str(tmp).encode(), ctypes.byref(params))
    if rc != 0:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"llama_model_quantize({src} -> {qtype}) failed with code {rc}")
    os.replace(tmp, dst)
    log.info("wrote %s (%.1f MB)", dst, dst.stat().st_size / 1e6)
    return dst


def export_planner(adapter_dir: str | Path, out_dir: str | Path, *, base: str | Path = "",
                   quants: Sequence[str] = ("q4_0",), name: str = "planner") -> dict[str, Path]:
    """Merge the adapter, write `<name>-f16.gguf`, then one quantized file per entry of `quants`."""
    base_gguf = Path(base) if str(base).endswith(".gguf") else None
    if base and base_gguf is None:
        raise ValueError("export needs a .gguf base for its tokenizer metadata (or '' for the offline SmolLM2)")
    unknown = sorted(set(quants) - set(QUANT_TYPES))
    if unknown:
        raise ValueError(f"unknown quantizations {unknown}; choose from {sorted(QUANT_TYPES)}")
    model, _ = merge_adapter(adapter_dir, base)
    f16 = write_gguf(model, Path(out_dir) / f"{name}-f16.gguf", base_gguf)
    paths = {"f16": f16}
    for q in quants:
        paths[q] = quantize_gguf(f16, Path(out_dir) / f"{name}-{q}.gguf", q)
    return paths
