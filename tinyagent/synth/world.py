"""What the generator may mention: people in the address book, documents, existing notes.

Gold plans must execute on the sandbox, so names, files and note titles come from the sandbox
itself (`World.from_sandbox`) or from the same seeded Faker people the sandbox contacts use
(`World.default`). `spoken_names` maps each person to the ways a user would say them: the first
name when it is unique in the book, otherwise the full name.

Example:
    >>> w = World(contacts=("Sid Patel", "Ann Lee", "Ann Kim", "Bo Chen"), pdfs=("a.pdf",))
    >>> w.spoken_names()
    (('Sid', 'Sid Patel'), ('Ann Lee',), ('Ann Kim',), ('Bo', 'Bo Chen'))
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Extra documents a user plausibly has; `seed_world` writes them into a sandbox (real PDFs with text).
DEFAULT_PDFS = (
    "Q3 budget report.pdf", "project proposal.pdf", "lease agreement.pdf", "flight itinerary.pdf",
    "research paper draft.pdf", "quarterly earnings.pdf", "meeting minutes.pdf", "invoice 2291.pdf",
    "employee handbook.pdf", "conference schedule.pdf", "insurance policy.pdf", "tax return 2023.pdf",
)
DEFAULT_FILES = ("slides for the offsite.pptx", "team roster.xlsx", "wedding guest list.docx", "resume.docx")
# Existing notes (title, folder). Titles differ from the ones the families create (vocab.NOTE_TOPICS),
# because creating a note whose title exists is an error on the sandbox.
DEFAULT_NOTES = (("Shopping", ""), ("Birthday gifts", "Personal"), ("Team meeting notes", "Work"),
                 ("Books to read", ""), ("Japan trip", "Travel"), ("Wifi passwords", "Home"))


# Common English nicknames (first name -> what friends type). Used only where unambiguous in the book.
NICKNAMES = {
    "Michael": "Mike", "William": "Will", "Robert": "Rob", "Jennifer": "Jen", "Christopher": "Chris",
    "Elizabeth": "Liz", "Katherine": "Kate", "Jessica": "Jess", "Matthew": "Matt", "Daniel": "Dan",
    "Joseph": "Joe", "Thomas": "Tom", "Anthony": "Tony", "Benjamin": "Ben", "Samuel": "Sam",
    "Nicholas": "Nick", "Alexander": "Alex", "Jonathan": "Jon", "Andrew": "Andy", "Timothy": "Tim",
    "Patricia": "Pat", "Rebecca": "Becky", "Stephanie": "Steph", "Margaret": "Maggie", "Kimberly": "Kim",
    "Victoria": "Vicky", "Zachary": "Zach", "Joshua": "Josh", "Gregory": "Greg", "Jeffrey": "Jeff",
    "Richard": "Rick", "James": "Jim", "Charles": "Charlie", "Edward": "Ed", "Steven": "Steve",
    "Kenneth": "Ken", "Ronald": "Ron", "Donald": "Don", "Douglas": "Doug", "Raymond": "Ray",
    "Lawrence": "Larry", "Susan": "Sue", "Cynthia": "Cindy", "Pamela": "Pam", "Amanda": "Mandy",
    "Christina": "Tina", "Kathleen": "Kathy", "Peter": "Pete", "Abigail": "Abby", "Jacob": "Jake",
    "Gabriel": "Gabe", "Deborah": "Deb", "Frederick": "Fred", "Theodore": "Ted", "Nathaniel": "Nate",
    "Nathan": "Nate", "Cassandra": "Cassie", "Alexandra": "Alex", "Angela": "Angie", "Jacqueline": "Jackie",
    "Natalie": "Nat", "Madison": "Maddie", "Isabella": "Bella", "Olivia": "Liv", "David": "Dave",
    "Kevin": "Kev", "Jason": "Jay",
}


@dataclass(frozen=True)
class World:
    """The user's data the generator may refer to (all names must resolve on the sandbox)."""

    contacts: tuple[str, ...]  # full names in the address book
    pdfs: tuple[str, ...] = DEFAULT_PDFS  # PDF names in the documents folder (summarize_pdf needs PDFs)
    files: tuple[str, ...] = DEFAULT_FILES  # other documents (attachable, not summarizable)
    notes: tuple[tuple[str, str], ...] = DEFAULT_NOTES  # (title, folder) of notes that already exist

    def __post_init__(self) -> None:
        if len(self.contacts) < 4:
            raise ValueError(f"World needs at least 4 contacts for group scenarios, got {len(self.contacts)}")
        if not self.pdfs:
            raise ValueError("World needs at least one PDF in `pdfs`")
        if not self.notes:
            raise ValueError("World needs at least one existing note in `notes`")

    def spoken_names(self) -> tuple[tuple[str, ...], ...]:
        """Per contact, the forms a user says: first name (if unique) and full name."""
        firsts = Counter(n.split()[0].casefold() for n in self.contacts)
        out = []
        for name in self.contacts:
            first = name.split()[0]
            out.append((first, name) if firsts[first.casefold()] == 1 and first != name else (name,))
        return tuple(out)

    def nickname(self, full_name: str) -> str | None:
        """The nickname a user may type for `full_name`, if it points to nobody else in the book.

        >>> World(("Michael Ross", "Ann Lee", "Bo Chen", "Kim Ito")).nickname("Michael Ross")
        'Mike'
        """
        return self._nicknames.get(full_name)

    @cached_property
    def _nicknames(self) -> dict[str, str]:
        firsts = Counter(n.split()[0].casefold() for n in self.contacts)
        taken = {part.casefold() for n in self.contacts for part in n.split()}
        out = {}
        for name in self.contacts:
            first = name.split()[0]
            nick = NICKNAMES.get(first)
            if nick and firsts[first.casefold()] == 1 and nick.casefold() not in taken:
                out[name] = nick
        uses = Counter(n.casefold() for n in out.values())
        return {name: nick for name, nick in out.items() if uses[nick.casefold()] == 1}

    @classmethod
    def default(cls, seed: int = 0) -> "World":
        """The sandbox's people for `seed`, its seeded documents plus DEFAULT_PDFS/FILES, DEFAULT_NOTES."""
        from tinyagent.sandbox import files
        from tinyagent.sandbox.contacts import FIXED_PEOPLE, generated_people

        names = [f"{p[0]} {p[1]}" for p in FIXED_PEOPLE] + [p.full_name for p in generated_people(seed)]
        pdfs = tuple(Path(n).name for n in files.PDF_DOCUMENTS) + DEFAULT_PDFS
        others = tuple(Path(n).name for n in files.TEXT_DOCUMENTS) + DEFAULT_FILES
        return cls(contacts=_unique(names), pdfs=pdfs, files=others)

    @classmethod
    def from_sandbox(cls, backend: Any, notes: tuple[tuple[str, str], ...] = DEFAULT_NOTES) -> "World":
        """Contacts and documents read from a `tinyagent.sandbox.SandboxBackend`; notes as given
        (a fresh sandbox has none; `seed_world` creates them)."""
        names = _unique([c.full_name for c in backend.contacts.all()])
        docs = [Path(d).name for d in backend.workspace_summary()["documents"]]
        pdfs = tuple(d for d in docs if d.lower().endswith(".pdf"))
        others = tuple(d for d in docs if not d.lower().endswith(".pdf"))
        log.info("world from sandbox: %d contacts, %d pdfs, %d other files", len(names), len(pdfs), len(others))
        return cls(contacts=names, pdfs=pdfs, files=others, notes=notes)


def _unique(names: list[str]) -> tuple[str, ...]:
    """Drop full names that occur twice: a lookup by such a name is ambiguous on the sandbox."""
    counts = Counter(n.casefold() for n in names)
    return tuple(n for n in names if counts[n.casefold()] == 1)


def seed_world(backend: Any, world: World) -> None:
    """Make a sandbox hold the world's documents and notes (missing ones are created).

    PDFs get a short paragraph of real text so `summarize_pdf` has something to summarize.
    """
    from tinyagent.sandbox import files
    from tinyagent.sandbox.workspace import atomic_write_bytes

    docs = Path(backend.ws.documents)
    present = {p.name for p in docs.rglob("*") if p.is_file()}
    for name in world.pdfs + world.files:
        if name in present:
            continue
        title = name.rsplit(".", 1)[0]
        text = (f"{title.capitalize()}. This document covers the main points about {title}. "
                f"Key dates and owners are listed below. Please review before the next meeting.")
        data = files.make_pdf([text], title) if name.lower().endswith(".pdf") else text.encode("utf-8")
        atomic_write_bytes(docs / name, data)
    existing = {(n["title"].casefold()) for n in backend.notes.list()}
    for title, folder in world.notes:
        if title.casefold() not in existing:
            backend.call("create_note", [title, f"{title}: first entry", folder])
