"""Any OpenAI-compatible chat endpoint (OpenAI, vLLM, `python -m llama_cpp.server`, ...), streamed.

Grammar-constrained decoding is passed through as llama.cpp servers understand it (the
`grammar` field in the request body); other servers reject or ignore it, so it is sent only when
`config.grammar` is set. `count_tokens` needs a local tokenizer: by default SmolLM2's (see
`tinyagent.planner.tokens`), which is exact only when the server runs that model.

Usage:
    b = OpenAIBackend("http://127.0.0.1:8000/v1", "smollm2")
    print("".join(b.stream(messages, GenerationConfig(max_tokens=64))))
"""
from __future__ import annotations

import logging
from typing import Callable, Iterator

from tinyagent.planner.backends.base import GenerationConfig, GenerationStats, Messages, StopScanner

log = logging.getLogger(__name__)


class OpenAIBackend:
    """Planner behind an OpenAI-compatible `/v1/chat/completions` endpoint."""

    model_size_bytes: int | None = None  # unknown for a remote model

    def __init__(self, base_url: str, model: str, api_key: str = "sk-no-key", *, timeout_s: float = 120.0,
                 token_counter: Callable[[Messages], int] | None = None):
        import openai

        if not base_url or not model:
            raise ValueError(f"OpenAIBackend needs base_url and model, got {base_url!r}, {model!r}")
        self.client = openai.OpenAI(base_url=base_url, api_key=api_key, timeout=timeout_s, max_retries=2)
        self.model = model
        self.name = f"openai:{model}@{base_url}"
        self.last_stats: GenerationStats | None = None
        self._count = token_counter

    def count_tokens(self, messages: Messages) -> int:
        """Prompt tokens with the local counter (default: SmolLM2's tokenizer and chat template)."""
        if self._count is None:
            from tinyagent.planner.tokens import count_message_tokens
            self._count = count_message_tokens
        return self._count(messages)

    def stream(self, messages: Messages, config: GenerationConfig,
               stats: GenerationStats | None = None) -> Iterator[str]:
        """Yield content deltas; the stop string is not yielded (the server cuts it, and so do we)."""
        stats = self.last_stats = (stats or GenerationStats()).reset()
        extra = {"grammar": config.grammar} if config.grammar else None
        response = self.client.chat.completions.create(
            model=self.model, messages=list(messages), max_tokens=config.max_tokens,
            temperature=config.temperature, stop=list(config.stop) or None, seed=config.seed, stream=True,
            stream_options={"include_usage": True}, extra_body=extra)
        scanner, finish = StopScanner(config.stop), ""
        try:
            for chunk in response:
                if chunk.usage is not None:  # the last chunk, when the server reports usage
                    stats.prompt_tokens = chunk.usage.prompt_tokens
                    stats.completion_tokens = chunk.usage.completion_tokens
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                finish = choice.finish_reason or finish
                text = scanner.feed(choice.delta.content or "") if choice.delta else ""
                if chunk.usage is None and (choice.delta and choice.delta.content):
                    stats.completion_tokens += 1  # servers without usage: count content chunks
                if text:
                    stats.piece(text)
                    yield text
                if scanner.stopped:
                    finish = "stop"
                    break
        finally:
            response.close()
        tail = scanner.flush()
        if tail:
            stats.piece(tail)
            yield tail
        stats.finish(finish or "stop")
