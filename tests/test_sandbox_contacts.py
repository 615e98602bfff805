"""Sandbox contacts: seeded people, fuzzy lookup, errors with suggestions, persistence, threads.

Usage: .venv/bin/python -m pytest tests/test_sandbox_contacts.py -q
"""
from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tinyagent.sandbox import SandboxBackend
from tinyagent.sandbox.contacts import FIXED_PEOPLE, N_GENERATED, ContactBook
from tinyagent.tools.backend import ToolError


@pytest.fixture()
def sb(tmp_path: Path) -> SandboxBackend:
    return SandboxBackend(tmp_path / "ws", seed=0)


@pytest.mark.parametrize("query,email", [
    ("Sid", "sid.patel@example.com"), ("sid", "sid.patel@example.com"), ("SID PATEL", "sid.patel@example.com"),
    ("  Lutfi  ", "lutfi.demir@example.com"), ("Lutfy", "lutfi.demir@example.com"),
    ("Lufti Demir", "lutfi.demir@example.com"), ("Niina", "nina.alvarez@example.org"),
    ("Haddad", "amir.haddad@example.net"), ("o'neil", "ryan.oneil@example.org"),
])
def test_lookup_tolerates_case_and_typos(sb: SandboxBackend, query: str, email: str) -> None:
    assert sb.call("get_email_address", [query]) == email


def test_phone_lookup(sb: SandboxBackend) -> None:
    assert sb.call("get_phone_number", ["kurt"]) == "+1-415-555-0105"


def test_unknown_name_names_it_and_suggests_closest(sb: SandboxBackend) -> None:
    with pytest.raises(ToolError) as err:
        sb.call("get_phone_number", ["Zebulon Quixote"])
    msg = str(err.value)
    assert "Zebulon Quixote" in msg and "closest contacts:" in msg
    suggestions = msg.split("closest contacts:")[1].split(",")
    assert len(suggestions) == 3 and all(s.strip() for s in suggestions)


def test_far_names_do_not_match(sb: SandboxBackend) -> None:
    with pytest.raises(ToolError, match="no contact named 'Sam'"):
        sb.call("get_email_address", ["Sam"])  # 'Sid' is too far (ratio 33) to be a typo


def test_ambiguous_first_name_asks_for_full_name(sb: SandboxBackend) -> None:
    sb.add_contact("Jo", "Smith", "jo.smith@example.com", "+1-212-555-0111")
    sb.add_contact("Jo", "Brown", "jo.brown@example.com", "+1-212-555-0112")
    with pytest.raises(ToolError, match="several contacts: Jo Smith, Jo Brown"):
        sb.call("get_email_address", ["jo"])
    assert sb.call("get_email_address", ["Jo Brown"]) == "jo.brown@example.com"


def test_seeding_is_deterministic_and_seed_dependent(tmp_path: Path) -> None:
    a = ContactBook(tmp_path / "a.sqlite", seed=7).all()
    b = ContactBook(tmp_path / "b.sqlite", seed=7).all()
    c = ContactBook(tmp_path / "c.sqlite", seed=8).all()
    assert a == b
    assert a != c
    assert len(a) == len(FIXED_PEOPLE) + N_GENERATED
    assert len({p.email for p in a}) == len(a)  # unique emails
    generated = a[len(FIXED_PEOPLE):]
    assert all(p.first_name and p.last_name and "@example." in p.email and p.phone.startswith("+1-")
               for p in generated)
    fixed_first = {f[0].casefold() for f in FIXED_PEOPLE}
    assert not any(p.first_name.casefold() in fixed_first for p in generated)  # "Sid" stays unambiguous


def test_contacts_survive_a_restart_in_a_fresh_process(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    first = SandboxBackend(root, seed=3)
    first.add_contact("Zoë", "Ünal", "zoe.unal@example.com", "+1-617-555-0142")
    count = len(first.contacts.all())
    del first
    code = ("import sys; from pathlib import Path; from tinyagent.sandbox import SandboxBackend;"
            "sb = SandboxBackend(Path(sys.argv[1]), seed=3);"
            "print(sb.call('get_email_address', ['zoe unal']), len(sb.contacts.all()))")
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1]).stdout.split()
    assert out == ["zoe.unal@example.com", str(count)]  # found, and the book was not seeded twice


def test_lookups_from_worker_threads(sb: SandboxBackend) -> None:
    names = ["Sid", "Lutfi", "Nina", "Amir", "Kurt", "Ryan"] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        emails = list(pool.map(lambda n: sb.call("get_email_address", [n]), names))
    assert emails == [sb.call("get_email_address", [n]) for n in names]
    assert len(set(emails)) == 6


@pytest.mark.parametrize("bad", ["", "   ", None, 42])
def test_bad_names_are_refused(sb: SandboxBackend, bad: object) -> None:
    with pytest.raises(ToolError, match="expected a contact name"):
        sb.call("get_email_address", [bad])
