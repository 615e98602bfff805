"""LoRA fine-tuning of the planner (peft + accelerate): loss on plan tokens, validation, resumable checkpoints.

Runs on CPU by default, on a GPU when present, and on several GPUs with `accelerate launch` (no code
change: the loop uses `Accelerator`; each process takes every P-th micro-batch of the shared order).
Base weights are kept in `base_dtype` ("auto": whichever of fp32 and bf16 ran a few real training
steps faster on this machine, see tinyagent.train.precision), LoRA weights in fp32. A step's examples
are packed into few model calls, the prompts' common prefix runs once, and the output layer is
evaluated only at plan positions (tinyagent.train.packing).

Usage:
    from tinyagent.data.records import read_jsonl
    cfg = TrainConfig(out_dir="outputs/planner", max_steps=231)
    result = train(cfg, read_jsonl("data/generated/train.jsonl"), read_jsonl("data/generated/val.jsonl"))
    # multi-GPU: accelerate launch my_script.py  (same code)
"""
from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from tinyagent.progress import progress

from tinyagent.atomic import write_json_atomic
from tinyagent.data.records import Record
from tinyagent.planner.models import default_planner_gguf, split_gguf_path
from tinyagent.planner.planner import ToolSelector
from tinyagent.train.checkpoint import (
    append_log,
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
    truncate_log,
)
from tinyagent.train.config import TrainConfig
from tinyagent.train.data import IGNORE, PlanDataset, Retriever, ToolMix, collate, epoch_order
from tinyagent.train.packing import StepBatch
from tinyagent.train.precision import DtypeChoice, cast_frozen, choose_base_dtype
from tinyagent.train.distill import plan_token_loss, soft_targets
from tinyagent.train.qat import apply_qat
from tinyagent.train.validation import validate

log = logging.getLogger(__name__)

Validator = Callable[[Any, Any], dict]  # (model in training, tokenizer) -> {"success": ..., "n": ..., ...}

DTYPE_FILE = "base_dtype.json"  # the run's base_dtype='auto' choice and the step timings behind it


@dataclass
class TrainResult:
    """What a run did: per-step losses of this call and the best validation score so far."""

    out_dir: Path
    steps: int  # optimizer steps done in total (including before a resume)
    losses: dict[int, float] = field(default_factory=dict)  # step -> mean plan-token loss
    best_success: float | None = None  # best validation success rate, None when never validated
    best_step: int | None = None


def load_base(model: str = "", dtype: torch.dtype = torch.float32, *, cache: bool = True) -> tuple[Any, Any]:
    """(model, tokenizer) from a directory, hub-format checkpoint or .gguf file ('' = offline SmolLM2).

    transformers takes minutes to dequantize a GGUF on a busy 2-core machine, so with `cache` the
    dequantized fp32 model is saved once under `gguf_cache_dir(path)` and loaded from there later.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if model and not model.endswith(".gguf"):
        return (AutoModelForCausalLM.from_pretrained(model, dtype=dtype), AutoTokenizer.from_pretrained(model))
    gguf_path = Path(model or default_planner_gguf())
    cached = gguf_cache_dir(gguf_path)
    if cache and (cached / "config.json").is_file():
        return (AutoModelForCausalLM.from_pretrained(cached, dtype=dtype), AutoTokenizer.from_pretrained(cached))
    path, name = split_gguf_path(gguf_path)
    tokenizer = AutoTokenizer.from_pretrained(path, gguf_file=name)
    base = AutoModelForCausalLM.from_pretrained(path, gguf_file=name, dtype=torch.float32)
    # A GGUF load is dequantized already; drop the quantizer marks so peft and save_pretrained treat it as dense.
    base.hf_quantizer = None
    if hasattr(base.config, "quantization_config"):
        del base.config.quantization_config
    if cache:
        tmp = cached.with_name(f".{cached.name}.tmp-{os.getpid()}")
        base.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        shutil.rmtree(cached, ignore_errors=True)
        os.replace(tmp, cached)
        log.info("cached the dequantized model in %s", cached)
    return base.to(dtype), tokenizer


def gguf_cache_dir(gguf_path: Path) -> Path:
    """Where the dequantized copy of a GGUF is cached ($TINYAGENT_CACHE or ~/.cache/tinyagent)."""
    root = Path(os.environ.get("TINYAGENT_CACHE", Path.home() / ".cache" / "tinyagent"))
    st = gguf_path.stat()
    return root / "hf" / f"{gguf_path.stem}-{st.st_size}-{int(st.st_mtime)}"


def build_lora_model(base: Any, cfg: TrainConfig) -> Any:
    """Wrap `base` (fp32) in a peft LoRA model (fresh or cfg.init_adapter); apply QAT; cast frozen weights.

    With base_dtype "auto" everything stays fp32 here; `Trainer` then times both precisions.
    """
    from peft import LoraConfig, get_peft_model

    if cfg.qat == "base":
        apply_qat(base, "base")  # before the bf16 cast: quantize from the full-precision weights
    torch.manual_seed(cfg.seed)  # LoRA A init
    if cfg.init_adapter:  # continue from a trained adapter (its rank and targets win over cfg's)
        from peft import PeftModel
        if not (Path(cfg.init_adapter) / "adapter_config.json").is_file():
            raise FileNotFoundError(f"TrainConfig.init_adapter {cfg.init_adapter!r} holds no saved LoRA adapter "
                                    "(adapter_config.json); point it at a run's best/ or checkpoints/step-N/adapter")
        model = PeftModel.from_pretrained(base, cfg.init_adapter, is_trainable=True)
    else:
        lcfg = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                          target_modules=list(cfg.target_modules), task_type="CAUSAL_LM")
        model = get_peft_model(base, lcfg)
    if cfg.qat == "merged":
        apply_qat(model, "merged")
    dtype = torch.float32 if cfg.base_dtype == "auto" else getattr(torch, cfg.base_dtype)
    for p in model.parameters():
        p.data = p.data.to(torch.float32 if p.requires_grad else dtype)
    return model


def plan_loss(model: Any, batch: dict[str, torch.Tensor], *, prompt_grad: bool = True,
              head_plan_only: bool = True, soft: Sequence[torch.Tensor] | None = None,
              distill: float = 0.0) -> tuple[torch.Tensor, int]:
    """Summed cross-entropy over plan tokens of a padded micro-batch, and their count.

    With `prompt_grad=False` the shared prompt part (up to the earliest plan position) is run once
    without gradients and handed on as a KV cache; only the plan positions are back-propagated. Plan
    tokens still attend to the whole prompt, but LoRA learns only from what the plan positions
    compute, so a step costs about a forward pass over the prompt instead of forward + backward.
    The output layer runs from the earliest plan position on (`head_plan_only=False`: everywhere).
    `soft` / `distill`: a teacher's log-probabilities of the batch's examples and the weight of the KL
    term (tinyagent.train.distill).
    """
    labels = batch["labels"]
    plan_pos = (labels != IGNORE).any(dim=0).nonzero()
    first = int(plan_pos[0]) if len(plan_pos) else labels.shape[1] - 1
    split = max(first - 1, 0)  # the position whose logits predict the first plan token
    ids, mask = batch["input_ids"], batch["attention_mask"]
    if prompt_grad or split == 0:
        out = model(input_ids=ids, attention_mask=mask, logits_to_keep=labels.shape[1] - split if head_plan_only else 0)
    else:
        with torch.no_grad():
            prefix = model(input_ids=ids[:, :split], attention_mask=mask[:, :split], use_cache=True,
                           logits_to_keep=1 if head_plan_only else 0)
        out = model(input_ids=ids[:, split:], attention_mask=mask, past_key_values=prefix.past_key_values,
                    use_cache=False)
    logits = out.logits[:, -(labels.shape[1] - split):-1]
    return plan_token_loss(logits, labels[:, split + 1:], soft, distill)  # rows: example by example, in order


LossFn = Callable[[Any], tuple[torch.Tensor, int]]  # model -> (summed plan-token loss, plan tokens)


def step_losses(examples: Sequence[dict[str, Any]], cfg: TrainConfig, pad_id: int,
                device: torch.device | str = "cpu", soft: Sequence[torch.Tensor] | None = None) -> tuple[list[LossFn], int]:
    """The model calls of one step over `examples` (tokenized), and the step's plan-token count.

    pack_tokens > 0: packed calls (tinyagent.train.packing.StepBatch); 0: padded micro-batches of
    micro_batch_size. Call each function in order and back-propagate its loss divided by the count.
    `soft`: the teacher's log-probabilities per example when cfg.distill > 0.
    """
    if cfg.pack_tokens:
        sb = StepBatch(examples, prompt_grad=cfg.prompt_grad, pack_tokens=cfg.pack_tokens,
                       share_prefix=cfg.share_prefix, head_plan_only=cfg.lm_head_plan_only, device=device,
                       soft=soft, distill=cfg.distill)
        return [lambda m, j=j: sb.loss(m, j) for j in range(len(sb.packs))], sb.n_tokens
    mb = cfg.micro_batch_size
    starts = range(0, len(examples), mb)
    batches = [collate(list(examples[j:j + mb]), pad_id) for j in starts]
    n_tok = sum(int((b["labels"][:, 1:] != IGNORE).sum()) for b in batches)

    def fn(batch: dict[str, torch.Tensor], j: int) -> LossFn:
        batch = {k: v.to(device) for k, v in batch.items()}
        part = list(soft[j:j + mb]) if soft is not None else None
        return lambda m: plan_loss(m, batch, prompt_grad=cfg.prompt_grad, head_plan_only=cfg.lm_head_plan_only,
                                   soft=part, distill=cfg.distill)
    return [fn(b, j) for b, j in zip(batches, starts)], n_tok


def teacher_model(cfg: TrainConfig, device: torch.device | str = "cpu") -> Any:
    """The distillation teacher: cfg.model with cfg.init_adapter merged, not fake-quantized, frozen, in
    eval mode (what notebook 03 exported as f16). The student's base dtype is not known yet (auto
    probe), so the teacher stays fp32: its logits are the reference."""
    from peft import PeftModel

    base, _ = load_base(cfg.model)
    teacher = PeftModel.from_pretrained(base, cfg.init_adapter).merge_and_unload()
    teacher.requires_grad_(False)
    return teacher.to(device).eval()


def probe_example(example: dict[str, Any], tokens: int) -> dict[str, Any]:
    """The example's last `tokens` tokens (at least its plan and a few prompt tokens): a real-length probe."""
    n_plan = sum(t != IGNORE for t in example["labels"])
    keep = min(len(example["input_ids"]), max(tokens, n_plan + 8))
    return {"input_ids": example["input_ids"][-keep:], "labels": example["labels"][-keep:]}


def _step_micro_batches(order: list[int], step_in_epoch: int, cfg: TrainConfig, rank: int,
                        world: int) -> list[list[int]]:
    """Record positions of this process's micro-batches for one optimizer step.

    A step covers `micro_batch_size * grad_accum * world` consecutive positions of the epoch order;
    process r takes micro-batches r, r + world, ... With several processes the last step of an epoch
    wraps around to the order's start so all processes do equal work (single process: no wrap).
    """
    mb, per_step = cfg.micro_batch_size, cfg.micro_batch_size * cfg.grad_accum * world
    start = step_in_epoch * per_step
    span = list(range(start, min(start + per_step, len(order)))) if world == 1 else \
        [i % len(order) for i in range(start, start + per_step)]
    micro = [[order[i] for i in span[j:j + mb]] for j in range(0, len(span), mb)]
    return micro[rank::world]


class Trainer:
    """One fine-tuning run; `run()` resumes from the newest checkpoint in cfg.out_dir when there is one."""

    def __init__(self, cfg: TrainConfig, train_records: Sequence[Record], val_records: Sequence[Record] = (), *,
                 model: Any = None, tokenizer: Any = None, retriever: Retriever | None = None,
                 tool_mix: ToolMix | None = None, validator: Validator | None = None,
                 eval_selector: ToolSelector | None = None):
        from accelerate import Accelerator

        if not train_records:
            raise ValueError("no training records")
        if cfg.n_examples and retriever is None:
            raise ValueError("TrainConfig.n_examples > 0 needs a retriever")
        torch.set_num_threads(cfg.num_threads)
        self.cfg, self.val_records, self.retriever = cfg, list(val_records), retriever
        self.validator = validator  # None: cfg.eval_backend decides (llama.cpp on an exported GGUF by default)
        self.eval_selector = eval_selector  # with llama.cpp validation: pick the tools shown as served (ToolRAG)
        self.acc = Accelerator()
        if model is None:
            model, tokenizer = load_base(cfg.model)
        elif tokenizer is None:
            raise ValueError("a model passed to Trainer needs its tokenizer too")
        self.tokenizer = tokenizer
        self.dataset = PlanDataset(list(train_records), tokenizer, seed=cfg.seed, min_negatives=cfg.min_negatives,
                                   max_negatives=cfg.max_negatives, max_len=cfg.max_seq_len, retriever=retriever,
                                   n_examples=cfg.n_examples, tool_mix=tool_mix)
        world = self.acc.num_processes
        self.steps_per_epoch = math.ceil(len(train_records) / (cfg.micro_batch_size * cfg.grad_accum * world))
        self.total_steps = cfg.max_steps or cfg.epochs * self.steps_per_epoch
        model = build_lora_model(model, cfg)
        self.teacher = teacher_model(cfg, self.acc.device) if cfg.distill else None
        self.out = Path(cfg.out_dir)
        self._dtype_probed = False
        self.dtype_choice = self._resolve_dtype(model) if cfg.base_dtype == "auto" else None
        from transformers import get_scheduler
        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.learning_rate,
                                      weight_decay=cfg.weight_decay)
        self.scheduler = get_scheduler(cfg.scheduler, optimizer, num_warmup_steps=cfg.warmup_steps,
                                       num_training_steps=self.total_steps)
        # The scheduler is stepped by hand once per optimizer step (accelerate would step it per process).
        self.model, self.optimizer = self.acc.prepare(model, optimizer)
        self.step, self.best = 0, {"success": None, "step": None}

    @property
    def _pad_id(self) -> int:
        tok = self.tokenizer
        return tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id

    def _resolve_dtype(self, model: Any) -> DtypeChoice:
        """base_dtype='auto': the recorded choice when resuming (exact resume), else time both; all processes agree."""
        from accelerate.utils import broadcast_object_list

        recorded = self.out / DTYPE_FILE
        if latest_checkpoint(self.out) is not None and recorded.is_file():
            choice = DtypeChoice(**json.loads(recorded.read_text(encoding="utf-8")))
        else:
            model.to(self.acc.device).train()  # time where it will train
            first = epoch_order(len(self.dataset), seed=self.cfg.seed, epoch=0)[0]
            ex = probe_example(self.dataset[first], self.cfg.dtype_probe_tokens)

            def step() -> None:  # fresh model calls every time: a step's shared-prefix cache serves one backward
                fns, n_tok = step_losses([ex], self.cfg, self._pad_id, self.acc.device)
                for f in fns:
                    loss, _ = f(model)
                    (loss / max(n_tok, 1)).backward()
            choice = choose_base_dtype(model, step, probe_tokens=len(ex["input_ids"]))
            self._dtype_probed = True
        choice = DtypeChoice(**broadcast_object_list([choice.to_dict()], from_process=0)[0])
        cast_frozen(model, getattr(torch, choice.dtype))
        return choice

    def _resume(self) -> None:
        ckpt = latest_checkpoint(self.out)
        if ckpt is None:
            return
        pos = load_checkpoint(ckpt, self.acc.unwrap_model(self.model), self.optimizer, self.scheduler)
        if pos["order"] != self._order_ids(pos["epoch"]):
            raise ValueError(f"{ckpt} was written for other training data or seed (data order differs)")
        self.step, self.best = pos["step"], pos["best"]
        if self.acc.is_main_process:
            truncate_log(self.out / "log.jsonl", after_step=self.step)
        log.info("resumed from %s at step %d", ckpt, self.step)

    def _order_ids(self, epoch: int) -> list[str]:
        """Record ids in the epoch's visiting order: a resumed run checks it sees the same data."""
        return [self.dataset.records[i].id for i in epoch_order(len(self.dataset), seed=self.cfg.seed, epoch=epoch)]

    def _one_step(self, epoch: int, step_in_epoch: int) -> tuple[float, int, list[str]]:
        order = epoch_order(len(self.dataset), seed=self.cfg.seed, epoch=epoch)
        self.dataset.epoch = epoch
        micro = _step_micro_batches(order, step_in_epoch, self.cfg, self.acc.process_index, self.acc.num_processes)
        examples = [self.dataset[i] for idx in micro for i in idx]
        soft = soft_targets(self.teacher, examples, self.acc.device) if self.teacher is not None else None
        fns, n_tok = step_losses(examples, self.cfg, self._pad_id, self.acc.device, soft)
        total = 0.0
        for j, fn in enumerate(fns):
            ctx = self.acc.no_sync(self.model) if j < len(fns) - 1 else contextlib.nullcontext()
            with ctx:
                loss_sum, _ = fn(self.model)
                self.acc.backward(loss_sum / max(n_tok, 1))
            total += float(loss_sum.detach())
        if self.cfg.max_grad_norm:
            self.acc.clip_grad_norm_(self.model.parameters(), self.cfg.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        mean = self.acc.reduce(torch.tensor([total / max(n_tok, 1)], device=self.acc.device), "mean")
        ids = [self.dataset.records[i].id for idx in micro for i in idx]
        return float(mean), n_tok, ids

    def _validator(self) -> Validator:
        """The validation callable: the one given, else llama.cpp on an export, else transformers greedy decoding."""
        if self.validator is not None:
            return self.validator
        c, records = self.cfg, self.val_records[:self.cfg.eval_examples]
        if c.eval_backend == "llamacpp":
            from tinyagent.train.gguf_validation import GGUFValidator
            base = c.model if c.model.endswith(".gguf") else None
            self.validator = GGUFValidator(records, work_dir=self.out / "val_gguf", base_gguf=base, quant=c.eval_quant,
                                           selector=self.eval_selector, max_new_tokens=c.eval_max_new_tokens, n_threads=c.num_threads, seed=c.seed,
                                           min_negatives=c.min_negatives, max_negatives=c.max_negatives,
                                           retriever=self.retriever, n_examples=c.n_examples)
        else:
            self.validator = functools.partial(_validate_in_memory, records=records, cfg=c, retriever=self.retriever)
        return self.validator

    def _validate(self) -> dict[str, Any] | None:
        if not self.val_records:
            return None
        self.acc.wait_for_everyone()
        result = None
        if self.acc.is_main_process:
            result = self._validator()(self.acc.unwrap_model(self.model), self.tokenizer)
            append_log(self.out / "log.jsonl", {"step": self.step, "eval": result})
            if self.best["success"] is None or result["success"] > self.best["success"]:
                self.best = {"success": result["success"], "step": self.step}
                self.acc.unwrap_model(self.model).save_pretrained(self.out / "best")
                write_json_atomic(self.out / "best" / "score.json", {"step": self.step, **result})
            log.info("step %d: validation success %.3f (best %.3f at step %s)", self.step, result["success"],
                     self.best["success"], self.best["step"])
        self.acc.wait_for_everyone()
        return result

    def _checkpoint(self) -> None:
        self.acc.wait_for_everyone()
        if self.acc.is_main_process:
            epoch = self.step // self.steps_per_epoch  # the epoch the next step belongs to
            save_checkpoint(self.out, self.acc.unwrap_model(self.model), self.optimizer, self.scheduler,
                            {"step": self.step, "epoch": epoch, "best": self.best, "order": self._order_ids(epoch)})
        self.acc.wait_for_everyone()

    def run(self, *, resume: bool = True, on_step: Callable[[int, float], None] | None = None) -> TrainResult:
        """Train to `total_steps`; `on_step(step, loss)` is called after each optimizer step."""
        c = self.cfg
        if self.acc.is_main_process:
            write_json_atomic(self.out / "config.json", c.to_dict())
            if self._dtype_probed:  # a fresh choice (a resumed run reuses the recorded one)
                write_json_atomic(self.out / DTYPE_FILE, self.dtype_choice.to_dict())
                append_log(self.out / "log.jsonl", {"step": 0, "base_dtype": self.dtype_choice.to_dict()})
        if resume:
            self._resume()
        result = TrainResult(self.out, self.step, best_success=self.best["success"], best_step=self.best["step"])
        self.model.train()
        bar = progress(total=self.total_steps, initial=self.step, disable=not self.acc.is_main_process, desc="train")
        while self.step < self.total_steps:
            epoch, in_epoch = divmod(self.step, self.steps_per_epoch)
            t0 = time.perf_counter()
            loss, n_tok, ids = self._one_step(epoch, in_epoch)
            self.step += 1
            result.losses[self.step] = loss
            if self.acc.is_main_process:
                dt = time.perf_counter() - t0
                append_log(self.out / "log.jsonl", {"step": self.step, "epoch": epoch, "loss": loss,
                                                    "lr": self.scheduler.get_last_lr()[0], "plan_tokens": n_tok,
                                                    "seconds": round(dt, 3), "examples": ids})
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.3f}")
            last = self.step == self.total_steps
            if (c.eval_every and self.step % c.eval_every == 0) or last:
                self._validate()
            if (c.save_every and self.step % c.save_every == 0) or last:
                self._checkpoint()
            if on_step is not None:
                on_step(self.step, loss)
        bar.close()
        result.steps, result.best_success, result.best_step = self.step, self.best["success"], self.best["step"]
        return result


def _validate_in_memory(model: Any, tokenizer: Any, *, records: Sequence[Record], cfg: TrainConfig,
                        retriever: Retriever | None) -> dict[str, Any]:
    """Greedy transformers decoding of the training model itself (slow; for bases llama.cpp cannot load)."""
    return validate(model, tokenizer, records, seed=cfg.seed, min_negatives=cfg.min_negatives,
                    max_negatives=cfg.max_negatives, max_new_tokens=cfg.eval_max_new_tokens, retriever=retriever,
                    n_examples=cfg.n_examples)


def train(cfg: TrainConfig, train_records: Sequence[Record], val_records: Sequence[Record] = (),
          **kw: Any) -> TrainResult:
    """Build a `Trainer` and run it (resuming when cfg.out_dir has a checkpoint)."""
    return Trainer(cfg, train_records, val_records, **kw).run()


def read_config(path: str | Path) -> TrainConfig:
    """A TrainConfig from a JSON file (unknown keys fail loudly)."""
    return TrainConfig.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
