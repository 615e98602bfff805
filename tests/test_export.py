"""Export: a merged LoRA model written as f16 GGUF runs in llama.cpp with the same logits as transformers.

A random (non-zero) LoRA adapter on all seven projections makes the merge change every linear layer,
so a wrong Q/K permutation, a missed merge or a wrong tensor name shows up in the logits. Also checks
that llama.cpp's own Q4_0 quantization of the exported file equals our fake quantizer (QAT).

Usage: .venv/bin/python -m pytest tests/test_export.py -q
"""
from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from tinyagent.planner.prompt import build_messages
from tinyagent.tools import ASSISTANT_TOOLS
from tinyagent.train.config import ALL_LINEAR
from tinyagent.train.export import merge_adapter, quantize_gguf, write_gguf
from tinyagent.train.lora import load_base
from tinyagent.train.qat import fake_quant_q4_0

log = logging.getLogger(__name__)

LOGIT_ATOL = 0.15  # f16 weights in llama.cpp vs fp32 in transformers; logits span ~[-20, 30]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from peft import LoraConfig, get_peft_model

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("export")
    base, _ = load_base()
    torch.manual_seed(0)
    lora = get_peft_model(base, LoraConfig(r=4, lora_alpha=4, target_modules=list(ALL_LINEAR), init_lora_weights=False))
    with torch.no_grad():  # random but small B: the merge changes every projection without wrecking the model
        for name, p in lora.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.02)
    lora.save_pretrained(out / "adapter")
    merged, tok = merge_adapter(out / "adapter")
    f16 = write_gguf(merged, out / "planner-f16.gguf")
    q4 = quantize_gguf(f16, out / "planner-q4_0.gguf", "q4_0")
    return merged, tok, f16, q4


def _llama(path):
    from llama_cpp import Llama

    return Llama(model_path=str(path), n_ctx=512, n_threads=1, logits_all=True, verbose=False)


def _prompt_ids(tok, query: str = "Text Sid that I'm late") -> list[int]:
    msgs = build_messages(ASSISTANT_TOOLS.subset(["send_sms", "get_phone_number"]), query)
    ids = tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True)
    return list(ids["input_ids"] if hasattr(ids, "keys") else ids)


def test_llama_cpp_logits_match_transformers(exported):
    merged, tok, f16, _ = exported
    ids = _prompt_ids(tok)[-120:]  # the tail of a real planner prompt (keeps the test fast)
    with torch.no_grad():
        ref = merged(torch.tensor([ids])).logits[0].numpy()
    llm = _llama(f16)
    llm.eval(ids)
    got = np.asarray(llm.scores[: len(ids)])
    diff = np.abs(got - ref).max()
    top1 = (got.argmax(-1) == ref.argmax(-1)).mean()
    log.info("f16 GGUF vs transformers: max |logit diff| %.4f, top-1 agreement %.3f over %d positions",
             diff, top1, len(ids))
    assert diff < LOGIT_ATOL, diff
    assert top1 >= 0.97, top1
    # The tokenizer metadata was copied: llama.cpp tokenizes like transformers, special tokens included.
    text = tok.decode(ids)
    assert llm.tokenize(text.encode(), add_bos=False, special=True) == ids


def test_greedy_outputs_agree(exported):
    merged, tok, f16, _ = exported
    llm = _llama(f16)
    for query in ("Text Sid that I'm late", "What is Lutfi's phone number?"):
        ids = _prompt_ids(tok, query)[-100:]  # prompt tail: same comparison, a quarter of the compute
        with torch.no_grad():
            out = merged.generate(torch.tensor([ids]), max_new_tokens=10, do_sample=False,
                                  pad_token_id=tok.eos_token_id)[0, len(ids):].tolist()
        llm.reset()
        ours = []
        for t in llm.generate(ids, temp=0.0, top_k=1):
            ours.append(t)
            if len(ours) == len(out) or t == tok.eos_token_id:
                break
        k = next((i for i, (a, b) in enumerate(zip(ours, out)) if a != b), None)
        if k is not None:  # greedy paths may part only where the two picks are tied within f16 rounding
            with torch.no_grad():
                logits = merged(torch.tensor([ids + out[:k]])).logits[0, -1]
            margin = float(logits[out[k]] - logits[ours[k]])
            assert 0 <= margin < LOGIT_ATOL, (query, k, margin, tok.decode(ours), tok.decode(out))
            continue
        assert len(ours) == len(out), (query, tok.decode(ours), tok.decode(out))


def test_q4_0_from_llama_cpp_equals_fake_quant(exported):
    import gguf

    _, _, f16, q4 = exported
    src = {t.name: t for t in gguf.GGUFReader(f16).tensors}
    checked = 0
    for t in gguf.GGUFReader(q4).tensors:
        wanted = t.name.startswith("blk.0.") or t.name in ("blk.29.attn_q.weight", "blk.29.attn_k.weight")
        if t.tensor_type != gguf.GGMLQuantizationType.Q4_0 or not wanted:
            continue
        llama_deq = gguf.quants.dequantize(t.data, t.tensor_type)
        ours = fake_quant_q4_0(torch.from_numpy(np.asarray(src[t.name].data, dtype=np.float32))).numpy()
        assert np.array_equal(llama_deq, ours), t.name
        checked += 1
    assert checked == 9  # 7 projections of the first block, Q and K (permuted) of the last


def test_sizes_and_metadata(exported):
    import gguf

    _, _, f16, q4 = exported
    f16_mb, q4_mb = f16.stat().st_size / 1e6, q4.stat().st_size / 1e6
    log.info("f16 GGUF %.1f MB, Q4_0 GGUF %.1f MB", f16_mb, q4_mb)
    assert 250 < f16_mb < 300 and q4_mb < 0.4 * f16_mb
    fields = gguf.GGUFReader(f16).fields
    assert fields["general.file_type"].contents() == gguf.LlamaFileType.MOSTLY_F16
    assert "im_start" in fields["tokenizer.chat_template"].contents()


def test_merged_state_dict_equals_peft_merge_and_leaves_model_unchanged(tmp_path):
    """Validation exports the adapter being trained: the merged copy must equal peft's merge, model untouched."""
    from peft import LoraConfig, PeftModel, get_peft_model

    from tinyagent.train.export import merged_state_dict

    base, _ = load_base()
    torch.manual_seed(1)
    lora = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "down_proj"],
                                           init_lora_weights=False))
    before = {k: v.clone() for k, v in lora.state_dict().items()}
    state = merged_state_dict(lora)
    assert all(torch.equal(before[k], v) for k, v in lora.state_dict().items())  # nothing merged in place
    lora.save_pretrained(tmp_path / "adapter")
    fresh, _ = load_base()  # a new copy read from disk
    want = PeftModel.from_pretrained(fresh, str(tmp_path / "adapter")).merge_and_unload().state_dict()
    assert set(state) == set(want), sorted(set(state) ^ set(want))[:5]
    worst = max(float((state[k].float() - want[k].float()).abs().max()) for k in want)
    assert worst < 1e-5, worst
    q = "model.layers.0.self_attn.q_proj.weight"  # a LoRA layer: merged weight differs from the base weight
    assert float((state[q] - before[f"base_model.model.{q.replace('.weight', '.base_layer.weight')}"]).abs().max()) > 0
