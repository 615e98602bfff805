"""Registry of scenario builders: one small function per family of user request.

A builder receives a `Ctx`, picks a phrasing template and slot fillers, adds the gold tool calls
with `ctx.call(...)` (which returns the `$N` reference of the new task) and returns the query.
Families register themselves with `@scenario(name, weight)`; `SCENARIOS` is the registry the
generator samples from (modules `families_single`, `families_multi` and `families_extra` fill it).

Example:
    >>> import random
    >>> from datetime import datetime
    >>> from tinyagent.synth.world import World
    >>> c = Ctx(random.Random(0), World(("Sid Patel", "Ann Lee", "Bo Chen", "Kim Ito")), datetime(2024, 5, 27))
    >>> ref = c.call("get_phone_number", "Sid")
    >>> ref, c.tasks[0].tool
    ('$1', 'get_phone_number')
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Sequence

from tinyagent.plan.types import Task
from tinyagent.synth import dates, vocab
from tinyagent.synth.world import World
from tinyagent.tools.assistant import DATE_FORMAT


@dataclass(frozen=True)
class Scenario:
    """A registered family: `build(ctx) -> query`; `weight` sets how often it is sampled."""

    name: str
    build: Callable[["Ctx"], str]
    weight: float
    templates: int  # number of phrasing templates (for diversity reports)


SCENARIOS: dict[str, Scenario] = {}
NICKNAME_RATE = 0.12  # share of mentions of a person with a known nickname that use it
CORRECTION_RATE = 0.05  # share of times and travel modes the user corrects mid-sentence
_WORDS = re.compile(r"[A-Za-z]{4,}")  # words long enough to get a typo
_LOOKUP_TOOLS = frozenset({"get_phone_number", "get_email_address"})


def scenario(name: str, weight: float = 1.0, templates: int = 1) -> Callable:
    """Decorator registering a builder under `name` (duplicate names raise ValueError)."""

    def register(fn: Callable[["Ctx"], str]) -> Callable[["Ctx"], str]:
        if name in SCENARIOS:
            raise ValueError(f"scenario {name!r} registered twice")
        SCENARIOS[name] = Scenario(name, fn, weight, templates)
        return fn

    return register


@dataclass
class Ctx:
    """Mutable state of one record being built: the random source, the world and the tasks so far."""

    rng: random.Random
    world: World
    ref: datetime  # "now" for relative dates
    tasks: list[Task] = field(default_factory=list)
    template: int = -1  # index of the phrasing template used (for diversity stats)
    thought: str | None = None  # closing Thought before join()
    inner: bool = False  # building a later part of a combined request: no opener
    said: list[str] = field(default_factory=list)  # names and phrases the user typed (kept free of typos)
    dates: list[str] = field(default_factory=list)  # date phrases the user typed
    _spoken: tuple[tuple[str, ...], ...] | None = None
    _formal: dict[str, str] = field(default_factory=dict)  # nickname said -> first name to look up

    def call(self, tool: str, *args: Any) -> str:
        """Append a task calling `tool` with positional `args`; return its `$N` reference.

        A contact lookup of a nickname the user said ("Mike") asks for the first name ("Michael"):
        the address book stores first names, and a nickname is too far from them for fuzzy lookup."""
        idx = len(self.tasks) + 1
        if tool in _LOOKUP_TOOLS and args and args[0] in self._formal:
            args = (self._formal[args[0]], *args[1:])
        self.tasks.append(Task(idx, tool, tuple(args)))
        return f"${idx}"

    def pick(self, templates: Sequence[str], **slots: Any) -> str:
        """Choose one template, remember which, and fill it."""
        self.template = self.rng.randrange(len(templates))
        return templates[self.template].format(**slots)

    def people(self, k: int) -> list[str]:
        """`k` distinct people, each as the user would say them."""
        if self._spoken is None:
            self._spoken = self.world.spoken_names()
        chosen = self.rng.sample(self._spoken, k)
        out = []
        for forms in chosen:
            name = self.rng.choice(forms)
            nick = self.world.nickname(forms[-1]) if self.rng.random() < NICKNAME_RATE else None
            if nick:
                self._formal[nick] = forms[-1].split()[0]
                name = nick
            out.append(name)
        self.said.extend(out)
        return out

    def when(self) -> tuple[str, datetime]:
        """A future time as typed (sometimes self-corrected: 'at 3pm, no, 4pm') and what it means."""
        w = dates.sample(self.rng, self.ref)
        phrase = dates.corrected(self.rng, w) if self.rng.random() < CORRECTION_RATE else None
        phrase = phrase or dates.say(w)
        self.dates.append(phrase)
        return phrase, dates.resolve(w, self.ref)

    def day(self) -> tuple[str, datetime]:
        """A future day with no time ('tmrw', 'next Fri', 'the 14th') and its midnight."""
        phrase, when = dates.date_phrase(self.rng, self.ref, all_day=True)
        self.dates.append(phrase)
        return phrase, when

    def transport(self) -> tuple[str, str]:
        """(mode code, how it was said), sometimes self-corrected: 'by bike, no, on foot' means walking."""
        mode, said = self.choice(vocab.TRANSPORT)
        if self.rng.random() < CORRECTION_RATE:
            wrong = self.choice([s for m, s in vocab.TRANSPORT if m != mode] + ["by bike", "cycling"])
            said = f"{wrong}{self.choice((', no, ', ', sorry, ', ' - no, ', ', actually '))}{said}"
        self.said.append(said)
        return mode, said

    def protected(self) -> list[str]:
        """Everything typos must leave alone: the plan's literal strings and what the user named."""
        out = list(self.said)
        for t in self.tasks:
            for a in t.args:
                for v in (a if isinstance(a, (list, tuple)) else [a]):
                    if isinstance(v, str) and not v.startswith("$"):
                        out.append(v)
        # Each word too: a plan string the user said only in part ("Q3 budget report" of the file
        # "Q3 budget report.pdf", "design review" of the reminder "Prepare for design review").
        return out + sorted({w for v in out for w in _WORDS.findall(v)})

    def choice(self, options: Sequence[Any]) -> Any:
        return self.rng.choice(options)


def fmt(when: datetime) -> str:
    """A datetime as a plan date string (DATE_FORMAT)."""
    return when.strftime(DATE_FORMAT)


def end_of(start: datetime, minutes: int) -> str:
    return fmt(start + timedelta(minutes=minutes))


def and_list(items: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'.

    >>> and_list(["Sid", "Bo", "Ann"])
    'Sid, Bo and Ann'
    """
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def stem(file_name: str) -> str:
    """How a user names a file: without its extension.

    >>> stem("Q3 budget report.pdf")
    'Q3 budget report'
    """
    return file_name.rsplit(".", 1)[0] if "." in file_name else file_name


def lookups(ctx: Ctx, tool: str, names: Sequence[str]) -> list[str]:
    """One `tool(name)` lookup per person; the `$N` references in order."""
    return [ctx.call(tool, n) for n in names]


_VERB_STARTS = frozenset(
    "text send email call what's what find open show create make add remind set put schedule book get "
    "look reply forward draft write summarize give take start save note jot let tell share invite pull "
    "navigate how where i please".split())


def opener(ctx: Ctx, text: str) -> str:
    """Vary the start of a request: politeness, or an irrelevant distractor sentence."""
    if ctx.inner:
        return text
    r = ctx.rng.random()
    if r < 0.12:
        lead = ctx.choice(vocab.DISTRACTOR_PREFIXES)
    elif r < 0.45:
        lead = ctx.choice(vocab.POLITE_OPENERS)
    else:
        return text
    if not lead:
        return text
    first = text.split(" ", 1)[0].casefold()
    if lead.endswith((". ", "! ")):
        return lead + text
    if first not in _VERB_STARTS or (lead and first in ("what's", "what", "how", "where", "i")):
        return text  # "Can you Sid's number" or "Please what's ..." would read wrong
    return lead + (text if first == "i" else text[0].lower() + text[1:])
