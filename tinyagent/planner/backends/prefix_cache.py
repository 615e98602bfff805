"""Keep the KV cache of shared prompt prefixes across unrelated llama.cpp calls.

llama-cpp-python already reuses the evaluated prefix that a new prompt shares with the *previous*
call. A joiner call in between (another system prompt) replaces that context, so the next plan
would read the planner's static instructions again. `PrefixCache` keeps a few snapshots of
sequence 0's KV cells (`llama_state_seq_get_data`, ~23 KB per token for SmolLM2-135M, without the
logits that `Llama.save_state` also copies), each for a token prefix that two recent prompts
shared. Before a call, the longest snapshot that prefixes the new prompt and beats what the live
context already holds is loaded back; llama.cpp's own prefix matching then evaluates only the rest.

Learning costs nothing extra: when a prompt shares >= `min_tokens` with a recent prompt, that
prefix is evaluated on its own (it had to be evaluated for this call anyway) and snapshotted.

Usage (inside LlamaCppBackend.stream):
    cache = PrefixCache(llm)
    cache.prepare(prompt_tokens)   # then llm.create_completion(prompt_tokens, ...)
"""
from __future__ import annotations

import ctypes
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any, Sequence

log = logging.getLogger(__name__)


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the common prefix of two token sequences.

    >>> common_prefix([1, 2, 3], [1, 2, 4, 5]), common_prefix([], [1])
    (2, 0)
    """
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


@dataclass(frozen=True)
class Snapshot:
    """The KV cells of sequence 0 after evaluating exactly `tokens`."""

    tokens: tuple[int, ...]
    data: bytes


class PrefixCache:
    """Snapshots of shared prompt prefixes for one `llama_cpp.Llama` (see the module docstring)."""

    def __init__(self, llm: Any, *, min_tokens: int = 64, max_snapshots: int = 4, remember: int = 4) -> None:
        self.llm = llm
        self.min_tokens = min_tokens  # shorter shared prefixes are not worth a snapshot
        self.snapshots: deque[Snapshot] = deque(maxlen=max_snapshots)  # oldest dropped first
        self.recent: deque[tuple[int, ...]] = deque(maxlen=remember)  # recent prompts, to spot shared prefixes
        self.hits = 0  # prompts that started from a loaded snapshot
        self.learned = 0  # snapshots taken

    def _live(self, tokens: Sequence[int]) -> int:
        return common_prefix(self.llm.input_ids[: self.llm.n_tokens].tolist(), tokens)

    def _take(self, tokens: tuple[int, ...]) -> None:
        """Evaluate exactly `tokens` (reusing what the live context shares) and snapshot the KV cells."""
        llm, ctx = self.llm, self.llm.ctx
        live = self._live(tokens)
        keep = min(live, len(tokens) - 1)  # decode at least one token so the context is consistent
        llm.n_tokens = keep
        llm.eval(list(tokens[keep:]))  # drops cells from `keep` on, then decodes the rest of the prefix
        size = self.llm_api().llama_state_seq_get_size(ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        n = self.llm_api().llama_state_seq_get_data(ctx, buf, size, 0)
        self.snapshots.append(Snapshot(tokens, bytes(buf[:n])))
        self.learned += 1
        log.info("prefix cache: snapshot of %d tokens (%d KB)", len(tokens), n // 1024)

    def _load(self, snap: Snapshot) -> None:
        llm, ctx = self.llm, self.llm.ctx
        llm._ctx.kv_cache_clear()
        buf = (ctypes.c_uint8 * len(snap.data)).from_buffer_copy(snap.data)
        if self.llm_api().llama_state_seq_set_data(ctx, buf, len(snap.data), 0) == 0:
            raise RuntimeError("llama_state_seq_set_data failed to restore a prompt prefix")
        n = len(snap.tokens)
        llm.input_ids[:n] = snap.tokens
        llm.n_tokens = n
        llm._requires_eval = True  # logits are not restored: llama-cpp-python must decode before sampling

    @staticmethod
    def llm_api() -> Any:
        import llama_cpp
        return llama_cpp

    def prepare(self, tokens: Sequence[int]) -> None:
        """Make the live context start with the longest known prefix of `tokens`; learn new prefixes."""
        key = tuple(tokens)
        live = self._live(key)
        fits = [s for s in self.snapshots if len(s.tokens) < len(key) and key[: len(s.tokens)] == s.tokens]
        best = max(fits, key=lambda s: len(s.tokens), default=None)
        if best is not None:
            if len(best.tokens) > live:
                self._load(best)
                self.hits += 1
        else:
            shared = max((common_prefix(p, key) for p in self.recent), default=0)
            shared = min(shared, len(key) - 1)
            if shared >= self.min_tokens:
                self._take(key[:shared])
        self.recent.append(key)
