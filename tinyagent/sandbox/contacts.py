"""Address book in SQLite: seeded people (Faker, deterministic per seed) and fuzzy lookup by name.

A fresh connection is opened per operation, so the book is safe to use from executor worker
threads. Lookup order: exact full name, then exact first or last name (case-insensitive), then the
closest alias by RapidFuzz ratio above `FUZZY_THRESHOLD` (typos such as "Lutfy"). The database
file and SQLite's side files (-journal, -wal, -shm) are confined to `root` (the workspace) at every
connection, so a symlinked contacts.sqlite leading outside is refused; SQLite itself locks the file
between processes.

Example:
    >>> import tempfile, pathlib
    >>> book = ContactBook(pathlib.Path(tempfile.mkdtemp()) / "c.sqlite", seed=0)
    >>> book.find("sid").first_name, book.find("Lutfy").first_name
    ('Sid', 'Lutfi')
"""
from __future__ import annotations

import logging
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from faker import Faker
from rapidfuzz import fuzz, process, utils

from tinyagent.sandbox.workspace import confine
from tinyagent.tools.backend import ToolError
from tinyagent.tools.cancel import commit

log = logging.getLogger(__name__)

FUZZY_THRESHOLD = 75.0  # ratio (0-100) a typo must reach; "Lutfy"~"Lutfi" = 80, "Sam"~"Sid" = 33
N_GENERATED = 40  # Faker people added to the fixed ones
# Short first names used in the paper's examples and our tests; always present, never duplicated.
FIXED_PEOPLE = (
    ("Sid", "Patel", "sid.patel@example.com", "+1-415-555-0101"),
    ("Lutfi", "Demir", "lutfi.demir@example.com", "+1-415-555-0102"),
    ("Nina", "Alvarez", "nina.alvarez@example.org", "+1-415-555-0103"),
    ("Amir", "Haddad", "amir.haddad@example.net", "+1-415-555-0104"),
    ("Kurt", "Berger", "kurt.berger@example.com", "+1-415-555-0105"),
    ("Ryan", "O'Neil", "ryan.oneil@example.org", "+1-415-555-0106"),
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Contact:
    """One row of the address book."""

    first_name: str
    last_name: str
    email: str
    phone: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def generated_people(seed: int, n: int = N_GENERATED) -> list[Contact]:
    """`n` realistic people from a seeded Faker; first names never clash with FIXED_PEOPLE."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    taken = {p[0].casefold() for p in FIXED_PEOPLE}
    emails: set[str] = {p[2] for p in FIXED_PEOPLE}
    people: list[Contact] = []
    while len(people) < n:
        first, last = fake.first_name(), fake.last_name()
        email = f"{first}.{last}@{fake.safe_domain_name()}".lower().replace("'", "")  # example.* only
        if first.casefold() in taken or email in emails:
            continue
        emails.add(email)
        phone = fake.numerify("+1-%##-555-01##")  # 555-01xx numbers are reserved for fiction
        people.append(Contact(first, last, email, phone))
    return people


class ContactBook:
    """SQLite-backed contacts at `path`; seeded once (the `seeded` meta key marks it)."""

    def __init__(self, path: Path, *, seed: int = 0, root: Path | None = None) -> None:
        self.path = Path(path)
        self.root = Path(root) if root is not None else self.path.parent  # files must stay below it
        with self._db() as conn, conn:
            conn.executescript(_SCHEMA)
            if conn.execute("SELECT 1 FROM meta WHERE key = 'seeded'").fetchone() is None:
                fixed = [Contact(*p) for p in FIXED_PEOPLE]
                rows = [(c.first_name, c.last_name, c.email, c.phone) for c in fixed + generated_people(seed)]
                conn.executemany("INSERT INTO contacts (first_name, last_name, email, phone) "
                                 "VALUES (?, ?, ?, ?)", rows)
                conn.execute("INSERT INTO meta VALUES ('seeded', ?)", (str(seed),))
                log.info("seeded %d contacts into %s", len(rows), self.path)

    def _connect(self) -> sqlite3.Connection:
        # One short-lived connection per call: sqlite3 connections must not cross threads.
        for side in ("-journal", "-wal", "-shm"):
            confine(self.root, self.path.with_name(self.path.name + side))
        return sqlite3.connect(confine(self.root, self.path), timeout=10)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """A connection, closed afterwards; a database SQLite cannot use (its journal replaced by a folder,
        a corrupt file) is a ToolError naming the file, like every other refusal of a tool."""
        try:
            with closing(self._connect()) as conn:
                yield conn
        except sqlite3.Error as exc:
            raise ToolError(f"contacts database {self.path.name} cannot be used: {exc}") from None

    def add_contact(self, first_name: str, last_name: str = "", email: str = "", phone: str = "") -> Contact:
        """Insert a person (kept across restarts) and return it."""
        if not isinstance(first_name, str) or not first_name.strip():
            raise ToolError(f"a contact needs a first name, got {first_name!r}")
        contact = Contact(first_name.strip(), last_name.strip(), email.strip(), phone.strip())
        with commit(f"contact {contact.full_name!r}"), self._db() as conn, conn:
            conn.execute("INSERT INTO contacts (first_name, last_name, email, phone) VALUES (?, ?, ?, ?)",
                         (contact.first_name, contact.last_name, contact.email, contact.phone))
        return contact

    def all(self) -> list[Contact]:
        with self._db() as conn:
            rows = conn.execute("SELECT first_name, last_name, email, phone FROM contacts ORDER BY id").fetchall()
        return [Contact(*r) for r in rows]

    def find(self, name: str) -> Contact:
        """The contact `name` refers to; ToolError if none is close enough or several are."""
        if not isinstance(name, str) or not name.strip():
            raise ToolError(f"expected a contact name, got {name!r}")
        query = " ".join(name.split()).casefold()
        people = self.all()
        for key in (lambda c: c.full_name, lambda c: c.first_name, lambda c: c.last_name):
            hits = _distinct([c for c in people if key(c).casefold() == query])
            if len(hits) == 1:
                return hits[0]
            if hits:
                raise ToolError(f"{name!r} matches several contacts: "
                                f"{', '.join(c.full_name for c in hits)}; say the full name")
        return self._fuzzy(name, people)

    def _fuzzy(self, name: str, people: list[Contact]) -> Contact:
        aliases: list[tuple[str, Contact]] = []
        for c in people:
            aliases += [(c.full_name, c), (c.first_name, c)] + ([(c.last_name, c)] if c.last_name else [])
        scored = process.extract(name, [a for a, _ in aliases], scorer=fuzz.ratio,
                                 processor=utils.default_process, limit=None)
        best: dict[Contact, float] = {}
        for _, score, i in scored:  # best score per contact
            best[aliases[i][1]] = max(best.get(aliases[i][1], 0.0), score)
        ranked = sorted(best.items(), key=lambda kv: -kv[1])
        if not ranked or ranked[0][1] < FUZZY_THRESHOLD:
            close = ", ".join(c.full_name for c, _ in ranked[:3])
            raise ToolError(f"no contact named {name!r}; closest contacts: {close}")
        top = [c for c, s in ranked if s == ranked[0][1]]
        if len(top) > 1:
            raise ToolError(f"{name!r} is ambiguous: {', '.join(c.full_name for c in top)}; say the full name")
        log.debug("fuzzy contact match %r -> %s (%.0f)", name, top[0].full_name, ranked[0][1])
        return top[0]


def _distinct(contacts: list[Contact]) -> list[Contact]:
    return list(dict.fromkeys(contacts))
