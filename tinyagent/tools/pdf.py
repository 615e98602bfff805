"""PDF text and its extractive summary, shared by every tool backend (sandbox and macOS).

The summary keeps the sentences richest in the document's key words, in document order. No model
is involved, so it is fast and deterministic; the joiner LLM can rephrase the result. Backends
check where a path may point before calling in here.

Example:
    >>> text = ("Budgets rose. The budget for travel rose by ten percent. Cats sleep. "
    ...         "Travel budget changes need approval.")
    >>> summarize_text(text, max_sentences=2)
    'The budget for travel rose by ten percent. Travel budget changes need approval.'
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

from tinyagent.tools.backend import ToolError

log = logging.getLogger(__name__)

MAX_PAGES = 30  # enough for a summary; long PDFs would otherwise take seconds to extract
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[^\W\d_]{3,}")  # words of 3+ letters, any script
_STOPWORDS = frozenset("""the and for are but not you all any can had her was one our out has him his how man new
now old see two way who did its let put say she too use that with have this will your from they been were what
when them than then there their which would could should into only also more most such some very just over
""".split())


def pdf_text(path: str | Path, max_pages: int = MAX_PAGES) -> tuple[str, int]:
    """Text of the first `max_pages` pages and the page count; ToolError if the file is missing or
    not a readable PDF."""
    from pypdf import PdfReader  # imported here so backends load without pypdf until it is needed
    from pypdf.errors import PyPdfError

    file = Path(path).expanduser()
    if not file.is_file():
        raise ToolError(f"no PDF file at {str(path)!r}")
    try:
        with file.open("rb") as f:
            if f.read(5) != b"%PDF-":
                raise ToolError(f"{file.name!r} is not a PDF file")
        reader = PdfReader(file)
        pages = [page.extract_text() or "" for page in reader.pages[:max_pages]]
    except (PyPdfError, ValueError, OSError) as e:
        raise ToolError(f"could not read PDF {str(path)!r}: {e}") from None
    return "\n".join(pages), len(reader.pages)


def summarize_text(text: str, max_sentences: int = 3, max_chars: int = 800) -> str:
    """The `max_sentences` sentences with the highest mean key-word frequency, in document order."""
    sentences = [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]
    if len(sentences) <= max_sentences:
        return " ".join(sentences)[:max_chars]
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]
    freq = Counter(words)

    def score(sentence: str) -> float:
        ws = [w for w in _WORD.findall(sentence.lower()) if w not in _STOPWORDS]
        return sum(freq[w] for w in ws) / (len(ws) + 1)  # +1: favour substance over one-word lines

    ranked = sorted(range(len(sentences)), key=lambda i: (-score(sentences[i]), i))[:max_sentences]
    return " ".join(sentences[i] for i in sorted(ranked))[:max_chars]


def summarize_pdf(path: str | Path, max_sentences: int = 3) -> str:
    """'<name> (<n> pages): <key sentences>'; ToolError when there is no extractable text."""
    text, pages = pdf_text(path)
    if not text.strip():
        raise ToolError(f"{Path(path).name!r} has no extractable text (a scanned PDF?)")
    return f"{Path(path).name} ({pages} page{'s' if pages != 1 else ''}): " \
           f"{summarize_text(text, max_sentences=max_sentences)}"
