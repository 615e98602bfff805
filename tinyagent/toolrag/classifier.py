"""ToolRAG classifier: a pretrained encoder with a 16-way multi-label head (sigmoid, BCE), as in the paper.

Labels are the tools of a catalog in catalog order (`ASSISTANT_TOOLS.label_index`). A tool is selected
when its probability is above `threshold` (0.5 by default; `tune_threshold` picks the highest threshold
that still reaches a recall target on a validation split). Saved as a normal Hugging Face model folder
plus `toolrag.json` (labels, threshold, max_length, encoder, loss history).

Usage:
    clf = train_classifier(read_jsonl("data/generated/train.jsonl"), ClassifierConfig(epochs=3))
    clf.tune_threshold(read_jsonl("data/generated/val.jsonl"), recall_target=0.998)
    clf.save("outputs/toolrag/classifier"); clf = ToolClassifier.load("outputs/toolrag/classifier")
    clf.select("Text Sid that I'm late", ASSISTANT_TOOLS).tools.names

Example:
    >>> from tinyagent.data.records import Record
    >>> r = Record("a", "Text Sid", "1. ...", ("send_sms",), "single")
    >>> multi_hot([r], ("get_phone_number", "send_sms")).tolist()
    [[0.0, 1.0]]
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from tinyagent.progress import progress as progress_bar

from tinyagent.data.records import Record
from tinyagent.tools import ASSISTANT_TOOLS
from tinyagent.tools.catalog import ToolCatalog
from tinyagent.toolrag.embed import DEFAULT_ENCODER, quiet_loading, resolve_encoder, set_cpu_threads
from tinyagent.toolrag.selection import ToolSelection, finish_selection

log = logging.getLogger(__name__)

META_FILE = "toolrag.json"  # beside the HF files in a saved classifier folder
THRESHOLD_GRID = tuple(round(x, 2) for x in np.arange(0.01, 1.0, 0.01))  # candidates for tuning


@dataclass
class ClassifierConfig:
    """Training settings for the ToolRAG classifier."""

    encoder: str = DEFAULT_ENCODER  # HF encoder name or folder; the MiniLM alias loads offline
    allow_download: bool = False  # let transformers fetch `encoder` from the hub (never in our tests)
    max_length: int = 64  # queries are short; 64 tokens keeps CPU training fast
    epochs: int = 3  # passes over the training records
    batch_size: int = 32  # records per optimiser step
    lr: float = 1e-3  # AdamW peak learning rate (new head + top 2 layers: 3e-4 underfit in 2 epochs)
    weight_decay: float = 0.01  # AdamW weight decay
    warmup_ratio: float = 0.1  # share of steps with a linear learning-rate warm-up
    seed: int = 0  # shuffling and head initialisation
    threshold: float = 0.5  # selection threshold before any tuning
    num_threads: int | None = None  # torch CPU threads (None: all cores, at most 4)
    train_layers: int | None = 2  # top encoder layers fine-tuned with the head; None: all (slower on CPU)

    def __post_init__(self) -> None:
        for name in ("max_length", "epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"ClassifierConfig.{name} must be >= 1, got {getattr(self, name)}")
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"ClassifierConfig.threshold must be in (0, 1), got {self.threshold}")


def multi_hot(records: Sequence[Record], labels: Sequence[str]) -> np.ndarray:
    """Gold tool sets as a (records, labels) 0/1 float matrix; a tool outside `labels` raises ValueError."""
    index = {name: i for i, name in enumerate(labels)}
    y = np.zeros((len(records), len(labels)), dtype=np.float32)
    for row, rec in enumerate(records):
        for tool in rec.tools:
            if tool not in index:
                raise ValueError(f"record {rec.id}: tool {tool!r} is not a classifier label; labels: {list(labels)}")
            y[row, index[tool]] = 1.0
    return y


@dataclass
class ToolClassifier:
    """A trained (or freshly initialised) multi-label tool classifier."""

    model: torch.nn.Module  # AutoModelForSequenceClassification, problem_type multi_label_classification
    tokenizer: object  # the encoder's tokenizer
    labels: tuple[str, ...]  # tool names in label-index order
    threshold: float = 0.5  # select tools with probability > threshold
    max_length: int = 64  # tokenizer truncation length
    encoder: str = DEFAULT_ENCODER  # what the weights started from
    history: list[float] = field(default_factory=list)  # training loss per step
    name: str = "classifier"

    @classmethod
    def fresh(cls, config: ClassifierConfig, labels: Sequence[str] = ASSISTANT_TOOLS.names,
              prior: np.ndarray | None = None) -> "ToolClassifier":
        """The pretrained encoder with a new head; `prior` (label frequencies) sets the head's bias."""
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        torch.manual_seed(config.seed)
        path = resolve_encoder(config.encoder)
        kw = {"local_files_only": not config.allow_download}
        with quiet_loading():
            tokenizer = AutoTokenizer.from_pretrained(path, **kw)
            model = AutoModelForSequenceClassification.from_pretrained(
                path, num_labels=len(labels), problem_type="multi_label_classification",
                id2label=dict(enumerate(labels)), label2id={n: i for i, n in enumerate(labels)}, **kw)
        head = getattr(model, "classifier", None)
        if prior is not None and isinstance(head, torch.nn.Linear):
            # Start at the label base rates: BCE then need not spend its first steps pushing every logit down.
            p = torch.as_tensor(prior, dtype=torch.float32).clamp(1e-3, 1 - 1e-3)
            with torch.no_grad():
                head.bias.copy_(torch.log(p / (1 - p)))
        return cls(model.eval(), tokenizer, tuple(labels), config.threshold, config.max_length, config.encoder)

    @torch.inference_mode()
    def predict_proba(self, queries: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Sigmoid probabilities, shape (len(queries), len(labels))."""
        if isinstance(queries, str):
            raise TypeError("predict_proba() takes a sequence of queries, not one string")
        self.model.eval()
        out = [np.zeros((0, len(self.labels)), dtype=np.float32)]
        for i in range(0, len(queries), batch_size):
            batch = self.tokenizer(list(queries[i:i + batch_size]), padding=True, truncation=True,
                                   max_length=self.max_length, return_tensors="pt")
            out.append(torch.sigmoid(self.model(**batch).logits).float().numpy())
        return np.concatenate(out)

    def select(self, query: str, enabled: ToolCatalog) -> ToolSelection:
        """Tools with probability > threshold, intersected with `enabled` (empty -> all enabled)."""
        probs = self.predict_proba([query])[0]
        scores = dict(zip(self.labels, probs.tolist()))
        return finish_selection([n for n, p in scores.items() if p > self.threshold], scores, enabled)

    def tune_threshold(self, records: Sequence[Record], recall_target: float = 0.998,
                       grid: Sequence[float] = THRESHOLD_GRID) -> float:
        """Set (and return) the highest grid threshold whose record recall on `records` >= recall_target.

        Record recall = share of records whose gold tools are all selected. If no threshold reaches
        the target, the lowest grid value is used (the most tools, the best recall available).
        """
        if not records:
            raise ValueError("tune_threshold needs at least one record")
        probs, gold = self.predict_proba([r.query for r in records]), multi_hot(records, self.labels)
        curve = threshold_curve(probs, gold, grid)
        ok = [t for t, r in zip(curve["threshold"], curve["record_recall"]) if r >= recall_target]
        self.threshold = max(ok) if ok else min(grid)
        log.info("threshold %.2f (record recall target %.3f on %d records; %s)", self.threshold, recall_target,
                 len(records), "reached" if ok else "not reachable, using the lowest threshold")
        return self.threshold

    def save(self, out_dir: str | Path) -> Path:
        """Write the HF model + tokenizer + toolrag.json; the folder is replaced as a whole (atomic rename)."""
        out_dir = Path(out_dir)
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}."))
        try:
            self.model.save_pretrained(tmp)
            self.tokenizer.save_pretrained(tmp)
            meta = {"labels": list(self.labels), "threshold": self.threshold, "max_length": self.max_length,
                    "encoder": self.encoder, "history": self.history}
            (tmp / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
            old = out_dir.with_name(f".{out_dir.name}.old")
            if out_dir.exists():
                os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return out_dir

    @classmethod
    def load(cls, model_dir: str | Path) -> "ToolClassifier":
        """Load a folder written by `save` (offline: local files only)."""
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        model_dir = Path(model_dir)
        meta_path = model_dir / META_FILE
        if not meta_path.is_file():
            raise FileNotFoundError(f"{model_dir} is not a saved ToolRAG classifier: {META_FILE} is missing")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with quiet_loading():
            model = AutoModelForSequenceClassification.from_pretrained(model_dir, local_files_only=True)
        if model.config.num_labels != len(meta["labels"]):
            raise ValueError(f"{model_dir}: model has {model.config.num_labels} labels, "
                             f"{META_FILE} names {len(meta['labels'])}")
        tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        return cls(model.eval(), tokenizer, tuple(meta["labels"]), float(meta["threshold"]),
                   int(meta["max_length"]), meta.get("encoder", DEFAULT_ENCODER), list(meta.get("history", [])))


def threshold_curve(probs: np.ndarray, gold: np.ndarray, thresholds: Sequence[float]) -> dict[str, list[float]]:
    """Per threshold: record recall, mean per-record recall, micro precision (0 when nothing is selected)
    and average tools selected.

    >>> p = np.array([[0.9, 0.4], [0.2, 0.7]]); g = np.array([[1, 1], [0, 1]])
    >>> c = threshold_curve(p, g, [0.3, 0.5])
    >>> c["record_recall"], c["mean_recall"], c["avg_tools"]
    ([1.0, 0.5], [1.0, 0.75], [1.5, 1.0])
    """
    curve: dict[str, list[float]] = {k: [] for k in
                                     ("threshold", "record_recall", "mean_recall", "precision", "avg_tools")}
    gold = gold.astype(bool)
    n_gold = np.maximum(gold.sum(axis=1), 1)
    for t in thresholds:
        sel = probs > t
        hit = (sel & gold).sum(axis=1)
        curve["threshold"].append(float(t))
        curve["record_recall"].append(float(np.mean(hit == gold.sum(axis=1))))
        curve["mean_recall"].append(float(np.mean(hit / n_gold)))
        curve["precision"].append(float(hit.sum() / max(sel.sum(), 1)))
        curve["avg_tools"].append(float(sel.sum(axis=1).mean()))
    return curve


def freeze_lower_layers(model: torch.nn.Module, train_layers: int | None) -> int:
    """Freeze embeddings and all but the top `train_layers` encoder layers; returns trainable parameters.

    Backward then stops `train_layers` layers below the head, which makes CPU training several times
    cheaper; the head, the pooler and the top layers still adapt to the tool labels.
    """
    if train_layers is None:
        return sum(p.numel() for p in model.parameters() if p.requires_grad)
    base = getattr(model, model.base_model_prefix, None)
    layers = getattr(getattr(base, "encoder", None), "layer", None)
    if base is None or layers is None:
        raise ValueError(f"train_layers={train_layers} needs an encoder with .encoder.layer "
                         f"({type(model).__name__} has none); use train_layers=None")
    for p in base.parameters():
        p.requires_grad_(False)
    for layer in list(layers)[len(layers) - train_layers:] if train_layers > 0 else []:
        for p in layer.parameters():
            p.requires_grad_(True)
    for p in (getattr(base, "pooler", None) or torch.nn.Identity()).parameters():
        p.requires_grad_(True)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def train_classifier(records: Sequence[Record], config: ClassifierConfig | None = None,
                     labels: Sequence[str] = ASSISTANT_TOOLS.names, progress: bool = True) -> ToolClassifier:
    """Fine-tune encoder + head with BCE on the records' gold tool sets; loss per step in `.history`."""
    from transformers import get_linear_schedule_with_warmup
    config = config or ClassifierConfig()
    if not records:
        raise ValueError("train_classifier needs at least one training record")
    set_cpu_threads(config.num_threads)
    y = torch.from_numpy(multi_hot(records, labels))
    clf = ToolClassifier.fresh(config, labels, prior=y.mean(dim=0).numpy())
    model, queries = clf.model, [r.query for r in records]
    trainable = freeze_lower_layers(model, config.train_layers)
    log.info("training %d of %d parameters", trainable, sum(p.numel() for p in model.parameters()))
    steps_per_epoch = (len(records) + config.batch_size - 1) // config.batch_size
    total = steps_per_epoch * config.epochs
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr, weight_decay=config.weight_decay)
    sched = get_linear_schedule_with_warmup(opt, int(config.warmup_ratio * total), total)
    gen = torch.Generator().manual_seed(config.seed)
    model.train()
    bar = progress_bar(total=total, desc="train ToolRAG classifier", disable=not progress)
    for epoch in range(config.epochs):
        for idx in torch.randperm(len(records), generator=gen).split(config.batch_size):
            batch = clf.tokenizer([queries[i] for i in idx], padding=True, truncation=True,
                                  max_length=config.max_length, return_tensors="pt")
            loss = model(**batch, labels=y[idx]).loss  # BCE-with-logits (problem_type multi_label)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step(), sched.step(), opt.zero_grad()
            clf.history.append(float(loss.detach()))
            bar.update(1)
            bar.set_postfix(epoch=epoch + 1, loss=f"{clf.history[-1]:.4f}")
    bar.close()
    model.eval()
    return clf


def config_dict(config: ClassifierConfig) -> dict:
    """The config as a JSON-ready dict (for metrics files)."""
    return asdict(config)
