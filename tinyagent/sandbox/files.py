"""The documents root: seeded files (real PDFs made with fpdf2), fuzzy file search, PDF summaries.

Summary method: lead-N extraction. The text pypdf extracts is split into sentences and the first
`LEAD_SENTENCES` are returned (capped at `MAX_SUMMARY_CHARS`). Lead sentences are the standard
extractive baseline for reports and news, which put the point first; it needs no model and is
exactly reproducible. Reading the PDF (and its errors) is shared with the macOS backend in
tinyagent/tools/pdf.py, which summarises by key-word sentences instead.

Example:
    >>> import tempfile, pathlib
    >>> docs = pathlib.Path(tempfile.mkdtemp())
    >>> _ = seed_documents(docs)
    >>> path = find_file(docs, "quartely report")  # typo tolerated
    >>> path.name
    'Quarterly Report Q2 2024.pdf'
    >>> summarize_pdf(path).startswith("Quarterly Report Q2 2024.pdf (1 page): Revenue grew")
    True
"""
from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from rapidfuzz import fuzz, process, utils

from tinyagent.sandbox.workspace import confine, inside_workspace, write_in
from tinyagent.tools.backend import ToolError
from tinyagent.tools.pdf import pdf_text

log = logging.getLogger(__name__)

FUZZY_THRESHOLD = 70.0  # WRatio (0-100) a file name must reach; partial names score ~90
LEAD_SENTENCES = 3  # sentences in a summary
MAX_SUMMARY_CHARS = 600  # hard cap on the summary length
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")

# name -> paragraphs. Plain ASCII: fpdf2's core fonts are Latin-1 only.
PDF_DOCUMENTS = {
    "Quarterly Report Q2 2024.pdf": [
        "Revenue grew 14 percent over the first quarter, driven by the new subscription tier. "
        "Operating costs stayed flat because the data center migration finished early. "
        "The team recommends hiring two support engineers before the autumn launch. "
        "Churn fell to 2.1 percent, the lowest level in three years.",
        "Risks: a delayed payment integration and rising cloud prices in Europe.",
    ],
    "Project Proposal - Edge Assistant.pdf": [
        "We propose an on-device assistant that plans tool calls with a small language model. "
        "Running locally keeps personal data on the phone and removes network latency. "
        "The prototype needs eight weeks and one GPU for fine-tuning. "
        "Success means matching a cloud model on a held-out test set of user requests.",
    ],
    "Travel/Flight Itinerary.pdf": [
        "Flight UA 857 departs San Francisco on June 12 at 11:05 and lands in Tokyo at 14:30 the next day. "
        "Check-in opens 24 hours before departure. Seat 32A is confirmed.",
    ],
}
TEXT_DOCUMENTS = {
    "Meeting Notes 2024-05-28.txt": "Agreed to ship the beta on June 3.\nSid owns the release checklist.\n",
    "Budget 2024.csv": "item,amount\ncloud,12000\nsalaries,240000\ntravel,8000\n",
}


def make_pdf(paragraphs: list[str], title: str) -> bytes:
    """A one-font PDF with real, extractable text (fixed creation date: identical bytes each time)."""
    pdf = FPDF()
    pdf.set_creation_date(datetime(2024, 1, 1))
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for para in paragraphs:
        pdf.multi_cell(0, 6, para)
        pdf.ln(4)
    return bytes(pdf.output())


def seed_documents(documents: Path) -> list[Path]:
    """Write the sample documents under `documents`; returns their paths."""
    paths = []
    for rel, paragraphs in PDF_DOCUMENTS.items():
        paths.append(write_in(documents, documents / rel, make_pdf(paragraphs, Path(rel).stem)))
    for rel, text in TEXT_DOCUMENTS.items():
        paths.append(write_in(documents, documents / rel, text.encode("utf-8")))
    log.info("seeded %d documents under %s", len(paths), documents)
    return paths


def list_files(documents: Path) -> list[Path]:
    """Regular, non-hidden files under `documents` whose real location is inside it."""
    files = []
    for p in sorted(documents.rglob("*")):
        if any(part.startswith(".") for part in p.relative_to(documents).parts):
            continue
        try:
            real = confine(documents, p)
        except ToolError:  # a symlink pointing out of the documents root: never offered
            continue
        if real.is_file():
            files.append(p)
    return files


def find_file(documents: Path, file_name: str) -> Path:
    """A path-like name is resolved inside `documents`; otherwise the closest file name wins."""
    if not isinstance(file_name, str) or not file_name.strip():
        raise ToolError(f"expected a file name, got {file_name!r}")
    if "/" in file_name or "\\" in file_name or "\x00" in file_name:
        path = inside_workspace(documents, file_name)
        if not path.is_file():
            raise ToolError(f"no file at {file_name!r} in the documents folder")
        return path
    files = list_files(documents)
    query = file_name.strip().casefold()
    exact = [p for p in files if p.name.casefold() == query]
    contained = sorted((p for p in files if query in p.name.casefold()), key=lambda p: len(p.name))
    if exact or contained:  # short queries like "Q2" score low on WRatio but are unambiguous substrings
        return (exact or contained)[0]
    best = process.extractOne(file_name, {p: p.name for p in files}, scorer=fuzz.WRatio,
                              processor=utils.default_process, score_cutoff=FUZZY_THRESHOLD)
    if best is None:
        names = ", ".join(p.name for p in files[:10]) or "none"
        raise ToolError(f"no file matching {file_name!r} in the documents folder; files: {names}")
    return best[2]


def extract_pdf_text(path: Path) -> tuple[str, int]:
    """All text of the PDF with whitespace collapsed, and its page count (ToolError if unreadable)."""
    text, pages = pdf_text(path)
    return " ".join(text.split()), pages


def summarize_pdf(path: Path) -> str:
    """'<name> (<n> pages): <lead sentences>'; ToolError for non-PDFs or PDFs without text."""
    text, pages = extract_pdf_text(path)
    if not text:
        raise ToolError(f"{path.name!r} has no extractable text (a scanned PDF?)")
    lead = " ".join(_SENTENCE_END.split(text)[:LEAD_SENTENCES])
    if len(lead) > MAX_SUMMARY_CHARS:
        lead = lead[:MAX_SUMMARY_CHARS].rsplit(" ", 1)[0] + " ..."
    return f"{path.name} ({pages} page{'s' if pages != 1 else ''}): {lead}"
