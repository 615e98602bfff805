"""A planner backend that replays canned replies token by token: for tests, demos and dry runs.

`ScriptedBackend(replies)` answers its n-th `stream` call with `replies[n]` (the last reply repeats),
split into small word-like pieces with an optional delay between them, so streaming code can be
exercised without a model. It follows the PlannerBackend contract of tinyagent.planner.backends:
stop strings end the reply and are not yielded, `max_tokens` cuts it, `last_stats` is filled in.

Example:
    >>> b = ScriptedBackend(['1. get_phone_number("Sid")\\n2. join()<END_OF_PLAN>ignored'])
    >>> "".join(b.stream([{"role": "user", "content": "Call Sid"}], GenerationConfig()))
    '1. get_phone_number("Sid")\\n2. join()'
    >>> b.calls, b.last_stats.stopped
    (1, 'stop')
"""
from __future__ import annotations

import re
import threading
import time
from typing import Callable, Iterator, Sequence

from tinyagent.planner.backends.base import GenerationConfig, GenerationStats, Messages, StopScanner

_PIECE = re.compile(r"\w+|\s|[^\w\s]")  # roughly what a BPE tokenizer yields: words, spaces, symbols


def pieces(text: str) -> list[str]:
    """Split text into token-like pieces that join back to it exactly.

    >>> pieces('1. f("a b")')
    ['1', '.', ' ', 'f', '(', '"', 'a', ' ', 'b', '"', ')']
    """
    return _PIECE.findall(text)


class ScriptedBackend:
    """Replays `replies` (one per call, the last one repeats); `delay` seconds between pieces."""

    name = "scripted"
    model_size_bytes: int | None = None

    def __init__(self, replies: Sequence[str] | Callable[[Messages], str], *, delay: float = 0.0) -> None:
        if not callable(replies) and not replies:
            raise ValueError("ScriptedBackend needs at least one reply")
        self.replies = replies  # list of replies, or a function of the messages
        self.delay = delay  # seconds slept before each piece (simulates decode speed)
        self.calls = 0  # stream() calls so far
        self.prompts: list[Messages] = []  # the messages of every call, for inspection
        self.finished_at: list[float] = []  # perf_counter when each call yielded its last piece
        self.last_stats: GenerationStats | None = None
        self._lock = threading.Lock()

    def _reply(self, messages: Messages) -> str:
        with self._lock:
            n = self.calls
            self.calls += 1
            self.prompts.append([dict(m) for m in messages])
        if callable(self.replies):
            return self.replies(messages)
        return self.replies[min(n, len(self.replies) - 1)]

    def stream(self, messages: Messages, config: GenerationConfig,
               stats: GenerationStats | None = None) -> Iterator[str]:
        stats = self.last_stats = (stats or GenerationStats()).reset(self.count_tokens(messages))
        scanner, stopped = StopScanner(config.stop), "length"
        for n, piece in enumerate(pieces(self._reply(messages))):
            if n >= config.max_tokens:
                break
            if self.delay:
                time.sleep(self.delay)
            stats.completion_tokens += 1
            out = scanner.feed(piece)
            if out:
                stats.piece(out)
                yield out
            if scanner.stopped:
                break
        else:
            stopped = "stop"  # the reply ended by itself: end of sequence
        rest = scanner.flush()
        if rest:
            stats.piece(rest)
            yield rest
        stats.finish("stop" if scanner.stopped else stopped)
        self.finished_at.append(time.perf_counter())

    def count_tokens(self, messages: Messages) -> int:
        """Pieces of all message contents (a stand-in for a tokenizer)."""
        return sum(len(pieces(m.get("content", ""))) for m in messages)
