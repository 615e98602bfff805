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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Sequence

from tinyagent.plan.types import Task
from tinyagent.synth import vocab
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
    _spoken: tuple[tuple[str, ...], ...] | None = None

    def call(self, tool: str, *args: Any) -> str:
        """Append a task calling `tool` with positional `args`; return its `$N` reference."""
        idx = len(self.tasks) + 1
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
        return [self.rng.choice(forms) for forms in chosen]

    def when(self) -> tuple[str, datetime]:
        return vocab.date_phrase(self.rng, self.ref)

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
