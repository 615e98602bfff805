"""LoRA fine-tuning: prompt/label construction, data order, and real steps on the offline SmolLM2-135M.

The model tests use the shortest training records, prompts cut to 96 tokens, micro-batch 1 and one
torch thread (on a busy 2-core host a second thread made steps ~5x slower), so they stay short.

Usage: .venv/bin/python -m pytest tests/test_train.py -q
"""
from __future__ import annotations

import copy
import logging
import random
import re
from collections import Counter
from pathlib import Path

import pytest
import torch

from tinyagent.data.records import read_jsonl
from tinyagent.planner.prompt import Example
from tinyagent.synth.pipeline import synthesize
from tinyagent.train.checkpoint import read_log
from tinyagent.train.config import TrainConfig
from tinyagent.train.data import IGNORE, PlanDataset, epoch_order, record_messages
from tinyagent.train.lora import Trainer, _step_micro_batches, load_base

@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """A small synthetic train split made here, so the test needs no earlier notebook run."""
    out = tmp_path_factory.mktemp("data")
    synthesize(400, seed=0, out_dir=out)
    return read_jsonl(out / "train.jsonl")


@pytest.fixture(scope="module")
def base():
    torch.set_num_threads(1)
    return load_base()


class FakeRetriever:
    """Returns the record's own query first, as a real nearest-neighbour retriever would."""

    def __init__(self, recs):
        self.recs = recs

    def retrieve(self, query, tools, k):
        same = [r for r in self.recs if r.query == query]
        others = [r for r in self.recs if r.query != query]
        return [Example(r.query, r.plan) for r in (same + others)[:k]]


def test_prompt_has_gold_tools_negatives_and_no_self_example(records):
    rec = next(r for r in records[:5] if len(r.tools) >= 2)
    sizes = set()
    for i in range(30):
        msgs = record_messages(rec, random.Random(i), min_negatives=1, max_negatives=3,
                               retriever=FakeRetriever(records[:5]), n_examples=2)
        system = msgs[0]["content"]
        tool_list = system.split("\nFunctions:\n")[1].split("\n\nExamples:")[0]  # the tools, not the examples
        listed = re.findall(r"^\d+\. (\w+)\(", tool_list, re.MULTILINE)
        assert all(t in system for t in rec.tools)
        assert system.count(f"Question: {rec.query}\n") == 0  # the record is never its own example
        assert system.count("Question: ") == 2
        assert set(rec.tools) <= set(listed) and "join" not in listed  # join is described once, in the rules
        sizes.add(len(listed) - len(rec.tools))
        assert msgs[1]["content"] == f"Question: {rec.query}"
    assert sizes == {1, 2, 3}  # varied numbers of negatives


def test_labels_cover_exactly_the_plan_and_eos(records, base):
    _, tok = base
    ds = PlanDataset(records[:3], tok, max_negatives=2)
    item = ds[1]
    labelled = [t for t in item["labels"] if t != IGNORE]
    n_prompt = item["labels"].index(labelled[0])
    assert item["input_ids"][n_prompt:] == labelled  # labels are the tail of the sequence
    assert tok.decode(labelled[:-1]) == records[1].plan and labelled[-1] == tok.eos_token_id
    prompt = tok.decode(item["input_ids"][:n_prompt])
    assert prompt.endswith("<|im_start|>assistant\n") and f"Question: {records[1].query}" in prompt
    assert ds[1] == item  # same (seed, epoch, index): same example
    ds.epoch = 1
    assert ds[1]["input_ids"] != item["input_ids"]  # a new epoch samples new negatives


def test_every_example_once_per_epoch_single_and_two_processes():
    cfg = TrainConfig(micro_batch_size=3, grad_accum=2)
    order = epoch_order(20, seed=0, epoch=0)
    seen = [i for s in range(4) for mb in _step_micro_batches(order, s, cfg, 0, 1) for i in mb]
    assert sorted(seen) == list(range(20))
    shards = [[i for mb in _step_micro_batches(order, 0, cfg, r, 2) for i in mb] for r in (0, 1)]
    assert not set(shards[0]) & set(shards[1]) and len(shards[0]) == len(shards[1]) == 6


def _cfg(out: Path, **kw) -> TrainConfig:
    base = {"out_dir": str(out), "max_steps": 4, "micro_batch_size": 1, "grad_accum": 2, "max_negatives": 0,
            "warmup_steps": 0, "max_seq_len": 96, "learning_rate": 2e-3, "eval_every": 0, "save_every": 0,
            "eval_examples": 1, "eval_max_new_tokens": 8, "num_threads": 1, "scheduler": "constant",
            "base_dtype": "float32"}  # fixed: a timing-based choice could differ between two runs compared here
    return TrainConfig.from_dict({**base, **kw})


@pytest.fixture(scope="module")
def short(records):
    return sorted(records, key=lambda r: len(r.plan))[:4]


@pytest.fixture(scope="module")
def uninterrupted(base, short, tmp_path_factory):
    model, tok = base
    out = tmp_path_factory.mktemp("run_a")
    result = Trainer(_cfg(out), short, short[:1], model=copy.deepcopy(model), tokenizer=tok).run()
    return out, result


def test_loss_falls_and_log_and_best_checkpoint(uninterrupted):
    out, result = uninterrupted
    losses = [result.losses[s] for s in sorted(result.losses)]
    logging.getLogger(__name__).info("plan-token loss per step: %s", [round(x, 4) for x in losses])
    assert len(losses) == 4
    assert losses[-1] < 0.7 * losses[0], losses  # 2 epochs over 4 short records
    rows = [r for r in read_log(out / "log.jsonl") if "loss" in r]
    assert [r["step"] for r in rows] == [1, 2, 3, 4]
    evals = [r for r in read_log(out / "log.jsonl") if "eval" in r]
    assert len(evals) == 1 and evals[0]["eval"]["n"] == 1
    assert (out / "best" / "adapter_model.safetensors").is_file() and (out / "best" / "score.json").is_file()
    assert result.best_step == 4
    ckpts = sorted((out / "checkpoints").glob("step-*"))
    assert [p.name for p in ckpts] == ["step-000004"]


def test_resume_gives_same_batches_and_losses(base, short, uninterrupted, tmp_path):
    out_a, result_a = uninterrupted
    model, tok = base

    class Interrupt(Exception):
        pass

    def stop_at_2(step, loss):
        if step == 2:
            raise Interrupt

    cfg = _cfg(tmp_path, save_every=2)
    with pytest.raises(Interrupt):
        Trainer(cfg, short, short[:1], model=copy.deepcopy(model), tokenizer=tok).run(on_step=stop_at_2)
    assert sorted(p.name for p in (tmp_path / "checkpoints").glob("step-*")) == ["step-000002"]
    result_b = Trainer(cfg, short, short[:1], model=copy.deepcopy(model), tokenizer=tok).run()
    assert sorted(result_b.losses) == [3, 4]  # resumed after step 2, nothing redone
    for step in (3, 4):
        assert result_b.losses[step] == pytest.approx(result_a.losses[step], rel=1e-4, abs=1e-5)
    rows_a = [r for r in read_log(out_a / "log.jsonl") if "loss" in r]
    rows_b = [r for r in read_log(tmp_path / "log.jsonl") if "loss" in r]
    assert [r["examples"] for r in rows_b] == [r["examples"] for r in rows_a]
    per_epoch = Counter((r["epoch"], e) for r in rows_b for e in r["examples"])
    assert set(per_epoch.values()) == {1} and len(per_epoch) == 8  # 4 records x 2 epochs, each once


def test_config_rejects_bad_values_and_round_trips():
    cfg = TrainConfig(max_steps=3)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    for bad in ({"qat": "q4"}, {"lora_r": 0}, {"min_negatives": 3, "max_negatives": 1},
                {"target_modules": ["lm_head"]}, {"base_dtype": "float16"}, {"pack_tokens": -1}):
        with pytest.raises(ValueError):
            TrainConfig.from_dict(bad)
    assert "lora_alpha = 32" in TrainConfig.help()


def test_resume_refuses_a_checkpoint_of_other_data(base, records, short, uninterrupted):
    out_a, _ = uninterrupted
    model, tok = base
    other = sorted(records, key=lambda r: len(r.plan))[4:8]
    with pytest.raises(ValueError, match="other training data"):
        Trainer(_cfg(out_a), other, model=copy.deepcopy(model), tokenizer=tok).run()


def test_prompt_without_gradient_gives_the_same_loss_and_trains_lora(base, short):
    """prompt_grad=False runs the prompt as a no-grad KV cache: same loss value, LoRA still gets gradients."""
    from tinyagent.train.data import collate
    from tinyagent.train.lora import build_lora_model, plan_loss
    model, tok = base
    cfg = _cfg(Path("unused"))
    lora = build_lora_model(copy.deepcopy(model), cfg)
    ds = PlanDataset(short, tok, seed=0, min_negatives=0, max_negatives=0, max_len=cfg.max_seq_len)
    batch = collate([ds[0], ds[1]], tok.pad_token_id or 0)  # two lengths: right padding is exercised
    losses, grads = {}, {}
    for prompt_grad in (True, False):
        lora.zero_grad(set_to_none=True)
        loss, n = plan_loss(lora, batch, prompt_grad=prompt_grad)
        (loss / n).backward()
        losses[prompt_grad] = float(loss)
        grads[prompt_grad] = [p.grad for name, p in lora.named_parameters() if "lora_B" in name]
    assert losses[False] == pytest.approx(losses[True], rel=1e-4)
    assert all(g is not None and float(g.abs().sum()) > 0 for g in grads[False])
    # Without the prompt's backward pass the gradients differ (they miss the prompt positions' share).
    assert any(not torch.allclose(a, b) for a, b in zip(grads[True], grads[False]))


def test_training_continues_from_a_saved_adapter(base, short, uninterrupted, tmp_path):
    """init_adapter starts from trained LoRA weights: the first loss is near the end of the first run."""
    out_a, result_a = uninterrupted
    model, tok = base
    cfg = _cfg(tmp_path, init_adapter=str(out_a / "best"), max_steps=1, seed=0)
    result = Trainer(cfg, short, model=copy.deepcopy(model), tokenizer=tok).run()
    first_a, last_a = result_a.losses[1], result_a.losses[4]
    assert result.losses[1] < 0.5 * (first_a + last_a), (result.losses, result_a.losses)
    with pytest.raises(ValueError, match="unknown TrainConfig keys"):
        TrainConfig.from_dict({"init_adaptor": "x"})
    with pytest.raises(FileNotFoundError, match="no saved LoRA adapter"):
        Trainer(_cfg(tmp_path / "b", init_adapter=str(tmp_path)), short, model=copy.deepcopy(model), tokenizer=tok)


def test_packed_step_with_shared_prefix_matches_separate_examples_on_real_prompts(base, short):
    """SmolLM2 on real training prompts: one packed call with the common prefix run once = 3 separate calls."""
    from tinyagent.train.data import collate
    from tinyagent.train.lora import build_lora_model, plan_loss
    from tinyagent.train.packing import StepBatch
    model, tok = base
    lora = build_lora_model(copy.deepcopy(model), _cfg(Path("unused")))
    ds = PlanDataset(short[:3], tok, seed=0, min_negatives=0, max_negatives=1, max_len=1536)
    exs = [ds[i] for i in range(3)]
    lora.zero_grad(set_to_none=True)
    ref = 0.0
    for e in exs:
        loss, _ = plan_loss(lora, collate([e], 0), prompt_grad=False)
        loss.backward()
        ref += float(loss)
    ref_grads = [p.grad.clone() for n, p in lora.named_parameters() if "lora_B" in n]
    lora.zero_grad(set_to_none=True)
    sb = StepBatch(exs, prompt_grad=False, pack_tokens=4096, share_prefix=True)
    assert len(sb.packs) == 1 and sb.prefix > 20  # chat template header and the planner intro
    loss, n = sb.loss(lora, 0)
    loss.backward()
    assert n == sb.n_tokens and float(loss) == pytest.approx(ref, rel=1e-4)
    grads = [p.grad for n, p in lora.named_parameters() if "lora_B" in n]
    for a, b in zip(grads, ref_grads):
        assert torch.allclose(a, b, rtol=1e-3, atol=1e-5)


def test_auto_dtype_is_recorded_and_reused_on_resume(base, short, tmp_path, monkeypatch):
    """base_dtype='auto' logs its choice and timings; a resumed run keeps it whatever it would measure now."""
    import json

    from tinyagent.train import precision
    model, tok = base
    favour, now = {"dtype": "float32"}, {"dtype": "float32"}  # the faster side; the side being timed

    def fake_time_steps(step, k):
        step()  # the probe runs real steps
        return [0.5 if now["dtype"] == favour["dtype"] else 1.0] * k

    real_cast = precision.cast_frozen

    def tracking_cast(m, dtype):
        now["dtype"] = str(dtype).removeprefix("torch.")
        return real_cast(m, dtype)

    monkeypatch.setattr(precision, "time_steps", fake_time_steps)
    monkeypatch.setattr(precision, "cast_frozen", tracking_cast)
    cfg = _cfg(tmp_path, base_dtype="auto", max_steps=1, save_every=1, dtype_probe_tokens=64)
    trainer = Trainer(cfg, short, model=copy.deepcopy(model), tokenizer=tok)
    assert trainer.dtype_choice.dtype == "float32"
    trainer.run()
    recorded = json.loads((tmp_path / "base_dtype.json").read_text())
    assert recorded["dtype"] == "float32" and set(recorded["median_s"]) == {"float32", "bfloat16"}
    assert 64 <= recorded["probe_tokens"] <= 96
    rows = [r for r in read_log(tmp_path / "log.jsonl") if "base_dtype" in r]
    assert len(rows) == 1 and rows[0]["base_dtype"] == recorded
    favour["dtype"] = "bfloat16"  # a fresh probe would now pick bf16; the resumed run must not
    resumed = Trainer(cfg.with_(max_steps=2), short, model=copy.deepcopy(model), tokenizer=tok)
    assert resumed.dtype_choice.dtype == "float32"
    assert all(p.dtype == torch.float32 for p in resumed.model.parameters())
    fresh = Trainer(cfg.with_(out_dir=str(tmp_path / "fresh")), short, model=copy.deepcopy(model), tokenizer=tok)
    assert fresh.dtype_choice.dtype == "bfloat16"
    assert {p.dtype for p in fresh.model.parameters() if not p.requires_grad} == {torch.bfloat16}
