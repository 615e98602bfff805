"""llama-cpp-python backend: one `Llama` per backend, chat template from the GGUF, optional GBNF.

The GGUF's own chat template (Jinja, ChatML for SmolLM2) is applied here, and the templated
prompt is tokenized once, so `count_tokens` and generation see exactly the same tokens. Keeping one
`Llama` object alive lets llama.cpp reuse the KV cache of the prompt prefix shared with the
previous call; `prefix_cache=True` (`PrefixCache`) also keeps snapshots of prefixes shared by
recent prompts (the planner's static instructions come first in every prompt), so a joiner call
in between does not make the next plan read them again. With `config.grammar` set,
decoding is constrained by a `LlamaGrammar` (parsed once per grammar text and cached).

Example (real model, ~1 s):
    >>> from tinyagent.planner.backends.base import GenerationConfig
    >>> b = LlamaCppBackend(n_ctx=512)
    >>> text = "".join(b.stream([{"role": "user", "content": "Say hi"}], GenerationConfig(max_tokens=4)))
    >>> b.last_stats.completion_tokens <= 4 and b.last_stats.prompt_tokens == b.count_tokens(
    ...     [{"role": "user", "content": "Say hi"}])
    True
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Iterator

from tinyagent.planner.backends.base import GenerationConfig, GenerationStats, Messages, StopScanner
from tinyagent.planner.backends.prefix_cache import PrefixCache
from tinyagent.planner.models import default_planner_gguf

log = logging.getLogger(__name__)


class LlamaCppBackend:
    """Planner on a GGUF file through llama-cpp-python (CPU, `n_threads` threads)."""

    def __init__(self, model_path: str | Path | None = None, *, n_ctx: int = 4096, n_threads: int = 2,
                 seed: int = 0, verbose: bool = False, prefix_cache: bool = True):
        from llama_cpp import Llama  # imported here: loading the shared library is slow
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        path = Path(model_path) if model_path is not None else default_planner_gguf()
        if not path.is_file():
            raise FileNotFoundError(f"GGUF model not found: {path}")
        self.model_path = path
        self.name = f"llamacpp:{path.name}"
        self.model_size_bytes: int | None = os.path.getsize(path)
        self.last_stats: GenerationStats | None = None
        self.llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                         seed=seed, verbose=verbose)
        template = self.llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ValueError(f"{path.name} has no tokenizer.chat_template in its metadata")
        model = self.llm._model  # token texts for the template's bos/eos variables
        self._formatter = Jinja2ChatFormatter(template=template, eos_token=model.token_get_text(self.llm.token_eos()),
                                              bos_token=model.token_get_text(self.llm.token_bos()))
        self._grammars: dict[str, object] = {}  # GBNF text -> LlamaGrammar
        # Snapshots of shared prompt prefixes (the planner's static instructions), kept across joiner calls.
        self.prefix_cache = PrefixCache(self.llm) if prefix_cache else None

    def close(self) -> None:
        """Free the model now (idempotent). Left to `Llama.__del__` at interpreter exit, freeing runs
        after llama.cpp's bindings are gone and prints an 'Exception ignored' TypeError traceback."""
        llm, self.llm, self.prefix_cache = getattr(self, "llm", None), None, None
        if llm is not None:
            llm.close()

    def __enter__(self) -> "LlamaCppBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prompt_text(self, messages: Messages) -> str:
        """`messages` rendered with the model's chat template, ready for the assistant's answer."""
        return self._formatter(messages=list(messages)).prompt

    def prompt_tokens(self, messages: Messages) -> list[int]:
        return self.llm.tokenize(self.prompt_text(messages).encode("utf-8"), add_bos=False, special=True)

    def count_tokens(self, messages: Messages) -> int:
        return len(self.prompt_tokens(messages))

    def _grammar(self, gbnf: str):
        from llama_cpp import LlamaGrammar

        if gbnf not in self._grammars:
            self._grammars[gbnf] = LlamaGrammar.from_string(gbnf, verbose=False)
        return self._grammars[gbnf]

    def stream(self, messages: Messages, config: GenerationConfig,
               stats: GenerationStats | None = None) -> Iterator[str]:
        """Yield text pieces (about one per token); the stop string is not yielded."""
        tokens = self.prompt_tokens(messages)
        if len(tokens) + config.max_tokens > self.llm.n_ctx():
            raise ValueError(f"prompt ({len(tokens)} tokens) + max_tokens ({config.max_tokens}) exceeds "
                             f"n_ctx={self.llm.n_ctx()}; raise n_ctx or select fewer tools")
        stats = self.last_stats = (stats or GenerationStats()).reset(len(tokens))
        grammar = self._grammar(config.grammar) if config.grammar else None
        if self.prefix_cache is not None:
            self.prefix_cache.prepare(tokens)
        chunks = self.llm.create_completion(tokens, max_tokens=config.max_tokens, temperature=config.temperature,
                                            stop=list(config.stop), stream=True, grammar=grammar, seed=config.seed)
        scanner = StopScanner(config.stop)  # belt and braces: llama.cpp already cuts at stop strings
        finish = ""
        for chunk in chunks:
            choice = chunk["choices"][0]
            if choice.get("finish_reason") is None or choice["text"]:
                stats.completion_tokens += 1  # one chunk per token; the closing chunk is empty
            text = scanner.feed(choice["text"])
            if text:
                stats.piece(text)
                yield text
            finish = choice.get("finish_reason") or finish
            if scanner.stopped:
                finish = "stop"
                break
        tail = scanner.flush()
        if tail:
            stats.piece(tail)
            yield tail
        stats.finish(finish or "stop")
