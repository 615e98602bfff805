"""Fine-tuning configuration: one dataclass, a help string per field, unknown keys fail loudly.

Defaults are the CPU recipe that worked here (RESEARCH.md section 6: LoRA r=16 alpha 32 on all seven
linear projections, AdamW lr 1e-3, warmup + cosine, micro-batch 4 x 2 accumulation, loss on the plan
tokens only). Base weights default to `base_dtype="auto"`: bf16 measured 1.5-1.6x faster than fp32 on
the Xeon type and 5-15x slower on an AMD EPYC (RESEARCH.md section 8), yet 1.6x faster on another
EPYC with AVX512-BF16 under torch 2.13 (benchmarks/train_step_bench.py), so the run times a few real
steps in each and keeps the faster (tinyagent.train.precision). A step's examples are packed
into few model calls (tinyagent.train.packing) with the output layer on plan tokens only.
`TrainConfig.paper()` gives the paper's recipe (3 epochs, lr 7e-5, attention projections).

Example:
    >>> cfg = TrainConfig.from_dict({"lora_r": 8, "max_steps": 5})
    >>> cfg.lora_r, cfg.lora_alpha, cfg.max_steps
    (8, 32, 5)
    >>> TrainConfig.from_dict({"lora_rank": 8})
    Traceback (most recent call last):
    ...
    ValueError: unknown TrainConfig keys ['lora_rank'] (did you mean: lora_alpha, lora_r?); see TrainConfig.help()
    >>> TrainConfig.paper().learning_rate, TrainConfig.paper().epochs
    (7e-05, 3)
"""
from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")
QAT_MODES = ("none", "base", "merged")
EVAL_BACKENDS = ("llamacpp", "transformers")
EVAL_QUANTS = ("f16", "q8_0", "q5_0", "q4_k_m", "iq4_nl", "q4_1", "q4_0")  # the llama.cpp types export writes
DTYPES = ("auto", "bfloat16", "float32")


def _f(default: Any, help: str) -> Any:
    if isinstance(default, (list, dict)):
        raise TypeError("use tuples for sequence defaults")
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class TrainConfig:
    """Everything a LoRA fine-tuning run needs; see `TrainConfig.help()` for the meaning of each field."""

    model: str = _f("", "base model: a directory, a hub-format checkpoint or a .gguf file; '' = offline SmolLM2")
    init_adapter: str = _f("", "start from this saved LoRA adapter (e.g. a run's best/) instead of a fresh one")
    out_dir: str = _f("outputs/planner", "run folder: checkpoints/, best/, log.jsonl, config.json")
    lora_r: int = _f(16, "LoRA rank")
    lora_alpha: int = _f(32, "LoRA alpha (scale = alpha / r)")
    lora_dropout: float = _f(0.0, "dropout on the LoRA input (0 keeps resumed runs bit-identical)")
    target_modules: tuple[str, ...] = _f(ALL_LINEAR, "linear layers that get LoRA adapters")
    learning_rate: float = _f(1e-3, "AdamW peak learning rate")
    weight_decay: float = _f(0.0, "AdamW weight decay")
    warmup_steps: int = _f(8, "linear warmup steps before cosine decay")
    scheduler: str = _f("cosine", "transformers scheduler name: cosine, linear, constant_with_warmup, ...")
    micro_batch_size: int = _f(1, "examples per forward pass (per process); 1 avoids padding, fastest on CPU")
    grad_accum: int = _f(8, "micro-batches per optimizer step")
    epochs: int = _f(1, "passes over the training set (ignored when max_steps > 0)")
    max_steps: int = _f(0, "optimizer steps to run; 0 = epochs x steps per epoch")
    max_grad_norm: float = _f(1.0, "gradient clipping norm; 0 disables")
    prompt_grad: bool = _f(False, "back-propagate through the prompt; False runs it once without gradients (faster)")
    max_seq_len: int = _f(1536, "longest prompt+plan in tokens; longer prompts lose their oldest tokens")
    base_dtype: str = _f("auto", "dtype of the frozen base weights: auto (time a few real steps in each, keep the "
                         "faster), float32 or bfloat16 (LoRA stays float32)")
    pack_tokens: int = _f(1, "pack a step's examples into model calls of at most this many tokens (block-diagonal "
                          "attention, per-example positions); 1 = one example per call (measured fastest on CPU: "
                          "benchmarks/train_step_bench.py); 0 = padded micro-batches of micro_batch_size")
    share_prefix: bool = _f(True, "with prompt_grad=False, run the token prefix common to a step's prompts once "
                            "(KV cache) instead of once per example")
    lm_head_plan_only: bool = _f(True, "compute the output layer only where the next token is labelled "
                                 "(False: at every position, slower; for comparison)")
    dtype_probe_tokens: int = _f(256, "tokens of the training example that base_dtype='auto' times its steps on")
    min_negatives: int = _f(0, "fewest irrelevant tools added to the gold tools in a training prompt")
    max_negatives: int = _f(3, "most irrelevant tools added to the gold tools in a training prompt")
    served_tools_p: float = _f(0.6, "share of training prompts showing the ToolRAG classifier's own selection "
                               "(+ gold) when the notebook passes one; see tinyagent.train.served_tools")
    all_tools_p: float = _f(0.1, "share of training prompts showing the whole tool catalog (as no-RAG serving does)")
    n_examples: int = _f(0, "in-context examples per prompt (needs a retriever)")
    qat: str = _f("none", "fake Q4_0 quantization: none, base (frozen base weights), merged (base + LoRA delta)")
    distill: float = _f(0.0, "weight of the KL divergence to a teacher (the model of init_adapter, not fake-quantized) "
                        "in the plan-token loss: (1 - w) CE + w KL; 0 = plain cross-entropy. For QAT: the f16 "
                        "fine-tuned model teaches its 4-bit copy")
    eval_every: int = _f(50, "optimizer steps between validation runs; 0 = only at the end")
    eval_examples: int = _f(20, "validation records decoded per validation run")
    eval_backend: str = _f("llamacpp", "validation decoding: llamacpp (export the adapter to GGUF, plan as served: "
                           "~1 s a plan) or transformers (greedy decoding of the training model: ~12 s a plan)")
    eval_quant: str = _f("f16", "GGUF type validated with eval_backend=llamacpp: f16, or q4_0 etc. to validate "
                         "the 4-bit model that will be served")
    eval_max_new_tokens: int = _f(160, "greedy decoding budget per validation plan")
    save_every: int = _f(50, "optimizer steps between resumable checkpoints; 0 = only at the end")
    seed: int = _f(0, "seed for data order, prompt sampling and LoRA init")
    num_threads: int = _f(2, "torch CPU threads (the target machine has 2 cores)")

    def __post_init__(self) -> None:
        positive = ("lora_r", "lora_alpha", "micro_batch_size", "grad_accum", "epochs", "max_seq_len",
                    "eval_examples", "eval_max_new_tokens", "num_threads")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"TrainConfig.{name} must be >= 1, got {getattr(self, name)}")
        for name in ("max_steps", "warmup_steps", "eval_every", "save_every", "n_examples", "min_negatives",
                     "pack_tokens", "dtype_probe_tokens"):
            if getattr(self, name) < 0:
                raise ValueError(f"TrainConfig.{name} must be >= 0, got {getattr(self, name)}")
        if self.max_negatives < self.min_negatives:
            raise ValueError(f"max_negatives ({self.max_negatives}) < min_negatives ({self.min_negatives})")
        if self.eval_backend not in EVAL_BACKENDS:
            raise ValueError(f"TrainConfig.eval_backend must be one of {EVAL_BACKENDS}, got {self.eval_backend!r}")
        if self.eval_quant not in EVAL_QUANTS:
            raise ValueError(f"TrainConfig.eval_quant must be one of {EVAL_QUANTS}, got {self.eval_quant!r}")
        if self.qat not in QAT_MODES:
            raise ValueError(f"TrainConfig.qat must be one of {QAT_MODES}, got {self.qat!r}")
        if not 0.0 <= self.distill <= 1.0:
            raise ValueError(f"TrainConfig.distill must be in [0, 1], got {self.distill}")
        if self.distill and not self.init_adapter:
            raise ValueError("TrainConfig.distill needs init_adapter: the trained adapter whose model is the teacher")
        if self.base_dtype not in DTYPES:
            raise ValueError(f"TrainConfig.base_dtype must be one of {DTYPES}, got {self.base_dtype!r}")
        if not (0.0 <= self.lora_dropout < 1.0) or self.learning_rate <= 0:
            raise ValueError("lora_dropout must be in [0, 1) and learning_rate > 0")
        unknown = set(self.target_modules) - set(ALL_LINEAR)
        if not self.target_modules or unknown:
            raise ValueError(f"target_modules must be a non-empty subset of {ALL_LINEAR}, got {self.target_modules}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        """Build from a plain dict (JSON/YAML); unknown keys raise ValueError with close matches."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            hints = sorted({m for k in unknown for m in difflib.get_close_matches(k, known, n=2)})
            hint = f" (did you mean: {', '.join(hints)}?)" if hints else ""
            raise ValueError(f"unknown TrainConfig keys {unknown}{hint}; see TrainConfig.help()")
        d = dict(d)
        if "target_modules" in d:
            d["target_modules"] = tuple(d["target_modules"])
        return cls(**d)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Every field name, in declaration order (the parameters notebook 03 accepts).

        >>> TrainConfig.field_names()[:3]
        ('model', 'init_adapter', 'out_dir')
        """
        return tuple(f.name for f in fields(cls))

    @classmethod
    def pick(cls, namespace: dict[str, Any]) -> dict[str, Any]:
        """The entries of `namespace` (e.g. a notebook's `globals()`) named like a field.

        >>> TrainConfig.pick({"lora_r": 4, "threads": 2})
        {'lora_r': 4}
        """
        names = cls.field_names()
        return {k: v for k, v in namespace.items() if k in names}

    @classmethod
    def paper(cls, **overrides: Any) -> TrainConfig:
        """The paper's recipe (80K examples on GPUs): 3 epochs, lr 7e-5, LoRA on attention projections."""
        return cls.from_dict({"epochs": 3, "learning_rate": 7e-5, "target_modules": ATTENTION, **overrides})

    def with_(self, **changes: Any) -> TrainConfig:
        """A copy with some fields changed (validated like `from_dict`)."""
        return TrainConfig.from_dict({**self.to_dict(), **changes}) if changes else replace(self)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["target_modules"] = list(self.target_modules)
        return d

    @classmethod
    def help(cls) -> str:
        """One line per field: name, default, meaning.

        >>> TrainConfig.help().splitlines()[3]
        'lora_r = 16  # LoRA rank'
        """
        return "\n".join(f"{f.name} = {f.default!r}  # {f.metadata['help']}" for f in fields(cls))
