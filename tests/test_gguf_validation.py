"""Validation on the served path: a LoRA model in training exported to GGUF and planned by llama.cpp.

Usage: .venv/bin/python -m pytest tests/test_gguf_validation.py -q
"""
from __future__ import annotations

import torch

from tinyagent.data.records import Record
from tinyagent.toolrag.selection import AllTools
from tinyagent.train.gguf_validation import GGUFValidator
from tinyagent.train.lora import load_base

GOLD = '1. get_phone_number("Sid")\n2. join()<END_OF_PLAN>'
RECORDS = [Record(f"v{i}", q, GOLD, ("get_phone_number",), "single") for i, q in
           enumerate(["What is Sid's number?", "sids number pls"])]


def _lora_model():
    from peft import LoraConfig, get_peft_model

    base, tok = load_base()
    torch.manual_seed(0)
    return get_peft_model(base, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj"])), tok


def test_validator_exports_plans_scores_and_cleans_up(tmp_path):
    model, tok = _lora_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    work = tmp_path / "val_gguf"
    result = GGUFValidator(RECORDS, work_dir=work, quant="q4_0", max_new_tokens=8, n_threads=1)(model, tok)
    assert result["n"] == 2 and 0.0 <= result["success"] <= 1.0
    assert sum(result["errors"].values()) == 2 and result["backend"] == "llamacpp q4_0"
    assert result["selector"] == "training" and result["export_s"] > 0
    assert not work.exists()  # the exported GGUFs are temporary
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # training model untouched


def test_validator_with_a_selector_plans_as_served(tmp_path):
    model, tok = _lora_model()
    result = GGUFValidator(RECORDS[:1], work_dir=tmp_path / "v", selector=AllTools(), max_new_tokens=8,
                           n_threads=1)(model, tok)
    assert result["selector"] == "served" and result["n"] == 1 and result["backend"] == "llamacpp f16"
