"""Prompt token counts with the planner's own tokenizer and chat template (ToolRAG's Table 1).

The default tokenizer is SmolLM2's, read by transformers from the offline GGUF once per process.
Any Hugging Face tokenizer with a chat template can be passed instead. llama.cpp tokenizes the same
templated text almost identically: on the full 16-tool prompt it merged one "\n\n" that
transformers splits (1771 vs 1772 tokens), so counts agree to about 0.1%.

Example:
    >>> from datetime import datetime
    >>> from tinyagent.tools import ASSISTANT_TOOLS
    >>> one = count_prompt_tokens(ASSISTANT_TOOLS.subset(["send_sms"]), "Text Sid", now=datetime(2024, 1, 1))
    >>> every = count_prompt_tokens(ASSISTANT_TOOLS, "Text Sid", now=datetime(2024, 1, 1))
    >>> 100 < one < every
    True
"""
from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import Any, Sequence

from tinyagent.planner.models import default_planner_gguf
from tinyagent.planner.prompt import Example, build_messages
from tinyagent.tools.catalog import ToolCatalog

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def default_tokenizer() -> Any:
    """SmolLM2's tokenizer (with its ChatML template) from the offline GGUF, loaded once."""
    from transformers import AutoTokenizer

    path = default_planner_gguf()
    return AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)


def count_message_tokens(messages: Sequence[dict[str, str]], tokenizer: Any = None) -> int:
    """Tokens of `messages` after the chat template, including the assistant-turn header."""
    tok = tokenizer if tokenizer is not None else default_tokenizer()
    ids = tok.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=True)
    if isinstance(ids, dict) or hasattr(ids, "keys"):  # some versions return a BatchEncoding
        ids = ids["input_ids"]
    return len(ids)


def count_prompt_tokens(tools: ToolCatalog, query: str, *, examples: Sequence[Example] = (), tokenizer: Any = None,
                        instructions: str = "", now: datetime | None = None) -> int:
    """Prompt tokens the planner would read for `query` with `tools` (and `examples`)."""
    messages = build_messages(tools, query, now=now, examples=examples, instructions=instructions)
    return count_message_tokens(messages, tokenizer)
