"""Find the user's file that best matches an (approximate) name, under one folder.

Candidates come from Spotlight (`mdfind -onlyin DIR -name NAME`) when it is available and finds
something, else from a bounded walk of the folder; `best_match` ranks them (exact name, then exact
stem, then substring, then fuzzy similarity of the stem).

Example:
    >>> best_match("q3 report", ["/d/notes.txt", "/d/Q3_Report.pdf", "/d/old/Q3 report draft.pdf"])
    '/d/Q3_Report.pdf'
"""
from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Iterable

MAX_WALK = 50_000  # files visited at most when Spotlight is unavailable (a huge home folder stays fast)
FUZZY_CUTOFF = 0.6  # difflib ratio below which a name is not considered a match


def _norm(name: str) -> str:
    """Lower case, separators (_ - . and runs of space) as one space."""
    return " ".join(re.sub(r"[_\-.]+", " ", name.casefold()).split())


def _score(query: str, path: str) -> float:
    name = os.path.basename(path)
    q, full, stem = _norm(query), _norm(name), _norm(os.path.splitext(name)[0])
    if q == full:
        return 4.0
    if q == stem:
        return 3.0
    if q and q in full:
        return 2.0 + len(q) / len(full)  # the closer the name is to the query, the better
    ratio = difflib.SequenceMatcher(None, q, stem).ratio()
    return ratio if ratio >= FUZZY_CUTOFF else 0.0


def best_match(query: str, paths: Iterable[str]) -> str | None:
    """The path whose file name matches `query` best (ties: shorter path, then alphabetical)."""
    scored = [(-_score(query, p), len(p), p) for p in paths]
    scored = [s for s in scored if s[0] < 0]
    return min(scored)[2] if scored else None


def walk_files(root: Path, limit: int = MAX_WALK) -> list[str]:
    """Paths of regular files under `root`, skipping hidden folders, at most `limit` of them."""
    found: list[str] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if not name.startswith("."):
                found.append(os.path.join(folder, name))
                if len(found) >= limit:
                    return found
    return found


def inside(root: Path, path: str) -> bool:
    """Whether `path` is an existing file inside `root` (after resolving links)."""
    try:
        resolved = Path(path).resolve()
        return resolved.is_file() and resolved.is_relative_to(root.resolve())
    except OSError:
        return False
