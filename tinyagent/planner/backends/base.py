"""What every planner backend offers: streamed generation, prompt token counts, model size.

Contract of `stream(messages, config)`: yields text pieces as the model produces them and stops at
the first stop string (`config.stop`, default ``<END_OF_PLAN>``) or after `config.max_tokens`
tokens. The stop string itself is NOT yielded (as llama.cpp and OpenAI servers do), so a caller
feeding a `StreamingPlanParser` must call its `close()` at the end. The caller passes its own
`GenerationStats` (`stats=`), which the backend fills in while it streams (tokens, time to first
token, why it stopped): each call has its own record, so a joiner call in between cannot replace
it. `backend.last_stats` also points at the latest record, for interactive use only.

Example:
    >>> cut_at_stop("1. join()<END_OF_PLAN>junk", ("<END_OF_PLAN>",))
    ('1. join()', True)
    >>> StopScanner(("<END",)).feed("a<EN"), StopScanner(("<END",)).feed("ab")
    ('a', 'ab')
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterator, Protocol, Sequence, runtime_checkable

from tinyagent.plan.types import END_OF_PLAN

Messages = Sequence[dict[str, str]]


@dataclass
class GenerationConfig:
    """Decoding settings shared by all backends."""

    max_tokens: int = 384  # completion tokens at most
    temperature: float = 0.0  # 0 = greedy
    stop: tuple[str, ...] = (END_OF_PLAN,)  # generation ends at the first of these (not yielded)
    grammar: str | None = None  # GBNF from tinyagent.planner.grammar.plan_grammar; None = unconstrained
    seed: int = 0  # sampling seed when temperature > 0

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {self.max_tokens}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if isinstance(self.stop, str):
            raise TypeError("stop must be a tuple of strings, not a single string")


@dataclass
class GenerationStats:
    """Measurements of one `stream` call (filled in while it runs; `reset` when the call starts)."""

    prompt_tokens: int = 0  # after the chat template
    completion_tokens: int = 0  # tokens generated (including a stop string's tokens when reported)
    ttft_s: float | None = None  # seconds from the call to the first yielded text
    total_s: float = 0.0  # seconds from the call to the end of generation
    stopped: str = ""  # "stop" (stop string or end of sequence), "length" (max_tokens) or ""
    text: str = ""  # everything yielded
    _t0: float = field(default_factory=time.perf_counter, repr=False)

    def reset(self, prompt_tokens: int = 0) -> "GenerationStats":
        """Start the clock (the call begins now) with the prompt's token count; returns self."""
        self.prompt_tokens, self.completion_tokens, self.ttft_s, self.total_s = prompt_tokens, 0, None, 0.0
        self.stopped, self.text, self._t0 = "", "", time.perf_counter()
        return self

    def piece(self, text: str) -> None:
        """Record one yielded piece."""
        if text and self.ttft_s is None:
            self.ttft_s = time.perf_counter() - self._t0
        self.text += text

    def finish(self, stopped: str) -> None:
        self.total_s = time.perf_counter() - self._t0
        self.stopped = stopped

    @property
    def tokens_per_s(self) -> float | None:
        """Decode speed after the first token (None when fewer than 2 tokens)."""
        if self.ttft_s is None or self.completion_tokens < 2 or self.total_s <= self.ttft_s:
            return None
        return (self.completion_tokens - 1) / (self.total_s - self.ttft_s)


@runtime_checkable
class PlannerBackend(Protocol):
    """A chat model that streams plan text."""

    name: str  # short human-readable id, e.g. "llamacpp:SmolLM2-135M-Instruct.Q4_1.gguf"
    model_size_bytes: int | None  # bytes of the weights file(s), None when unknown (remote)

    def stream(self, messages: Messages, config: GenerationConfig,
               stats: GenerationStats | None = None) -> Iterator[str]:
        """Yield generated text pieces, filling `stats` (see the module docstring for the stop contract)."""
        ...

    def count_tokens(self, messages: Messages) -> int:
        """Prompt tokens of `messages` after the chat template, with this backend's tokenizer."""
        ...


def generate(backend: PlannerBackend, messages: Messages, config: GenerationConfig | None = None,
             stats: GenerationStats | None = None) -> str:
    """The whole completion as one string (convenience over `stream`)."""
    return "".join(backend.stream(messages, config or GenerationConfig(), stats))


def cut_at_stop(text: str, stop: Sequence[str]) -> tuple[str, bool]:
    """`text` up to the first stop string, and whether one was found."""
    cut = min((i for i in (text.find(s) for s in stop if s) if i >= 0), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


class StopScanner:
    """Finds stop strings across streamed pieces: holds back only text that could begin one."""

    def __init__(self, stop: Sequence[str]):
        self.stop = tuple(s for s in stop if s)
        self._held = ""  # text not yet released: a possible prefix of a stop string
        self.stopped = False

    def feed(self, piece: str) -> str:
        """Text that is safe to release now ('' after a stop string was seen)."""
        if self.stopped:
            return ""
        text, found = cut_at_stop(self._held + piece, self.stop)
        if found:
            self.stopped, self._held = True, ""
            return text
        keep = max((k for s in self.stop for k in range(1, len(s)) if text.endswith(s[:k])), default=0)
        self._held = text[len(text) - keep:] if keep else ""
        return text[: len(text) - keep] if keep else text

    def flush(self) -> str:
        """The held-back text at the end of the stream (it was no stop string after all)."""
        held, self._held = self._held, ""
        return "" if self.stopped else held
