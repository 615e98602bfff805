"""Compose multi-step requests from single-call seeds by wiring one tool's output into another's input.

A *wiring* feeds producer seed A's result into parameter p of consumer seed B when B's request
mentions B's literal value for p (replaced by a referring phrase, "it", "that", ..., while the plan
gets `$N`) and the result fits: a number into a number parameter (int into float too); anything
into a text-like parameter (`TEXT_PARAMS`: message, content, ...); and for other str parameters
only when A's real output (`outputs`: each seed run once on the user's functions) *is* B's value,
case-insensitively ("find the lamp in the bedroom" -> "bedroom lamp" -> `set_light("bedroom lamp")`),
so chains make sense instead of feeding any string anywhere. Compositions, drawn by weight:

    single    a seed as written            parallel  two seeds of different tools, joined
    chain     A -> B                       chain3    A -> B -> C
    fan_in    A1 -> B.p, A2 -> B.q         mixed     a chain plus an unrelated seed

Requests are joined with sequential connectives (chains) or `phrasing.join_requests` (independent
parts), then restyled by `phrasing.restyle` with every literal the plan copies protected.

Example:
    >>> import random
    >>> from tinyagent.examples.home import SEEDS
    >>> from tinyagent.examples.home.tools import tools
    >>> from tinyagent.synth.seeds import load_seeds
    >>> seeds = load_seeds(SEEDS, tools.catalog)
    >>> composer = SeedComposer(seeds, tools.catalog, outputs={"seed-5": "bedroom lamp"})  # find_device's
    >>> [(a.tool, b.tool, b.request) for a, b, i in composer.wirings if a.id == "seed-5" and b.tool == "set_light"]
    [('find_device', 'set_light', 'Dim the bedroom lamp to 30 percent.')]
    >>> query, plan, kind = composer.compose(random.Random(4), "chain", phrasing=False)
    >>> kind, len(plan.tasks), sorted(plan.tasks[1].deps)
    ('chain', 2, [1])
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any, Sequence

from tinyagent.plan.refs import rename_refs
from tinyagent.plan.types import Plan, Task
from tinyagent.synth.phrasing import join_requests, restyle
from tinyagent.synth.seeds import Seed
from tinyagent.tools.catalog import ToolCatalog, ToolParam

KINDS: dict[str, float] = {"single": 0.2, "parallel": 0.15, "chain": 0.35, "chain3": 0.1, "fan_in": 0.1,
                           "mixed": 0.1}
TEXT_PARAMS = frozenset({"message", "text", "content", "body", "note", "notes", "context", "summary", "query"})
_THEN = (", then ", " and then ", ". Then ", ", and after that ", " and ", "; then ")
_REFER = {"str": ("it", "that one", "the one you found"), "int": ("that", "that number"),
          "float": ("that", "that value", "the same value"), "text": ("the result", "what you found")}
_ARTICLE = re.compile(r"(?:\b(?:the|my)\s+)$", re.IGNORECASE)  # "lock the back door" -> "lock it"
_SAYING = re.compile(r"(?:\s*(?:\bthat|\bsaying|:)\s*)$", re.IGNORECASE)  # "notify me that X" -> "... with it"


class ComposeError(RuntimeError):
    """The seeds cannot make the composition asked for (no compatible producer and consumer)."""


@dataclass
class Unit:
    """Tasks (local `$k` refs, 1-based) and the request that asks for them."""

    tasks: list[Task]
    request: str
    protected: list[str]  # literals the plan copies from the request (kept intact by restyle)


def _base(kind: str) -> str:
    return kind.removesuffix(" | None")


def compatible(returns: str, param: ToolParam, output: Any = None, value: Any = None) -> bool:
    """Can a result of type `returns` (a producer's real `output`) stand for `param` (whose seed value is `value`)?

    >>> compatible("float", ToolParam("target", "float", "")), compatible("int", ToolParam("t", "float", ""))
    (True, True)
    >>> compatible("float", ToolParam("message", "str", "")), compatible("str", ToolParam("room", "str", ""))
    (True, False)
    >>> compatible("str", ToolParam("device", "str", ""), output="Bedroom lamp", value="bedroom lamp")
    True
    """
    kind = _base(returns)
    if kind in ("any", "None", "list[str]") or param.choices:
        return False
    if param.type == "str" and param.name in TEXT_PARAMS:
        return kind in ("str", "int", "float")
    if param.type in ("int", "float"):
        return kind == param.type or (kind == "int" and param.type == "float")
    return (param.type == "str" and kind == "str" and isinstance(output, str) and isinstance(value, str)
            and output.strip().casefold() == value.strip().casefold())


def _mention(request: str, value: Any) -> re.Match | None:
    """Where `value` (a str or number literal) appears in `request` as whole words, case-insensitively."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or value == "":
        return None
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return re.search(rf"(?<!\w){re.escape(text)}(?!\w)", request, flags=re.IGNORECASE)


def _lower_start(text: str) -> str:
    """Lowercase the first letter unless the first word is 'I' or all capitals ('Lock it' -> 'lock it')."""
    word = text.split(" ", 1)[0]
    return text if word == "I" or (word.isupper() and len(word) > 1) else text[:1].lower() + text[1:]


def _literals(args: Sequence[Any]) -> list[str]:
    out: list[str] = []
    for a in args:
        if isinstance(a, str) and a and "$" not in a:
            out.append(a)
        elif isinstance(a, (int, float)) and not isinstance(a, bool):
            out.append(f"{a:g}" if isinstance(a, float) else str(a))
        elif isinstance(a, list):
            out += _literals(a)
    return out


def seed_unit(seed: Seed) -> Unit:
    return Unit([Task(1, seed.tool, seed.args)], seed.request, _literals(seed.args))


def shift(unit: Unit, offset: int) -> list[Task]:
    """The unit's tasks renumbered to start after `offset` (references follow)."""
    return [Task(t.idx + offset, t.tool, tuple(rename_refs(a, lambda i: f"${i + offset}") for a in t.args))
            for t in unit.tasks]


class SeedComposer:
    """Draws compositions of `seeds` over `catalog` (see the module docstring)."""

    def __init__(self, seeds: Sequence[Seed], catalog: ToolCatalog, outputs: dict[str, Any] | None = None) -> None:
        self.seeds = list(seeds)
        self.catalog = catalog
        outputs = outputs or {}
        # (producer seed, consumer seed, parameter index) for every usable wiring
        self.wirings = [(a, b, i) for b in self.seeds for i, p in enumerate(catalog[b.tool].params)
                        if i < len(b.args) and _mention(b.request, b.args[i])
                        for a in self.seeds if a.tool != b.tool
                        and compatible(catalog[a.tool].returns, p, outputs.get(a.id), b.args[i])]

    def kinds(self) -> list[str]:
        """The compositions these seeds can make."""
        ok = ["single"] + (["parallel"] if len({s.tool for s in self.seeds}) > 1 else [])
        if self.wirings:
            ok += ["chain", "mixed"]
            if any(self._feeders(b) for _, b, _ in self.wirings):
                ok.append("chain3")
            if any(len({i for _, c, i in self.wirings if c is b}) > 1 for _, b, _ in self.wirings):
                ok.append("fan_in")
        return ok

    @staticmethod
    def _pick(rng: random.Random, wirings: list[tuple[Seed, Seed, int]]) -> tuple[Seed, Seed, int]:
        """A wiring, the consumer tool drawn first: a text parameter that takes anything must not
        make its tool the end of most chains."""
        tool = rng.choice(sorted({b.tool for _, b, _ in wirings}))
        return rng.choice([w for w in wirings if w[1].tool == tool])

    def _feeders(self, seed: Seed) -> list[tuple[Seed, Seed, int]]:
        return [w for w in self.wirings if w[1] is seed]

    def wire(self, rng: random.Random, producers: list[Unit], consumer: Seed, params: list[int]) -> Unit:
        """`consumer` with parameter `params[k]` taken from the last task of `producers[k]`."""
        tasks: list[Task] = []
        request, args = consumer.request, list(consumer.args)
        protected = _literals(consumer.args)
        for unit, i in zip(producers, params):
            tasks += shift(unit, len(tasks))
            request = self._refer(rng, request, self.catalog[consumer.tool].params[i], consumer.args[i])
            args[i] = f"${len(tasks)}"
            protected = [p for p in protected if p != _literals([consumer.args[i]])[0]] + unit.protected
        tasks.append(Task(len(tasks) + 1, consumer.tool, tuple(args)))
        parts = [u.request for u in producers]
        head = (parts[0] if len(parts) == 1 else join_requests(rng, parts)).rstrip(".! ")
        joiner = rng.choice(_THEN) if not head.endswith("?") else rng.choice((" Then ", " And then ", " After that, "))
        return Unit(tasks, head + joiner + _lower_start(request), protected)

    @staticmethod
    def _refer(rng: random.Random, request: str, param: ToolParam, value: Any) -> str:
        """`request` with its mention of `value` replaced by a phrase referring to an earlier result."""
        match = _mention(request, value)
        assert match is not None
        before, after = request[:match.start()], request[match.end():]
        if param.type == "str" and param.name in TEXT_PARAMS:
            phrase = rng.choice(_REFER["text"])
            cut = _SAYING.search(before)
            if cut:
                before, phrase = before[:cut.start()].rstrip() + " ", "with " + phrase
        else:
            phrase = rng.choice(_REFER.get(param.type, ("that",)))
            cut = _ARTICLE.search(before)
            before = before[:cut.start()] if cut else before
        return before + phrase + after

    def parallel(self, rng: random.Random, units: list[Unit]) -> Unit:
        tasks: list[Task] = []
        for unit in units:
            tasks += shift(unit, len(tasks))
        return Unit(tasks, join_requests(rng, [u.request for u in units]),
                    [p for u in units for p in u.protected])

    def unit(self, rng: random.Random, kind: str) -> Unit:
        """One composition of `kind` (ComposeError when the seeds cannot make it)."""
        if kind not in self.kinds():
            raise ComposeError(f"the seeds cannot make a {kind!r} composition; they can make {self.kinds()}")
        if kind == "single":
            return seed_unit(rng.choice(self.seeds))
        if kind == "parallel":
            a = rng.choice(self.seeds)
            b = rng.choice([s for s in self.seeds if s.tool != a.tool])
            return self.parallel(rng, [seed_unit(a), seed_unit(b)])
        if kind == "chain":
            a, b, i = self._pick(rng, self.wirings)
            return self.wire(rng, [seed_unit(a)], b, [i])
        if kind == "chain3":
            a, b, i = self._pick(rng, [w for w in self.wirings if self._feeders(w[0])])
            z, _, j = rng.choice(self._feeders(a))
            return self.wire(rng, [self.wire(rng, [seed_unit(z)], a, [j])], b, [i])
        if kind == "fan_in":
            b = rng.choice([b for _, b, _ in self.wirings if len({i for _, c, i in self.wirings if c is b}) > 1])
            i, j = sorted(rng.sample(sorted({i for _, c, i in self.wirings if c is b}), 2))
            feed = [rng.choice([a for a, c, k in self.wirings if c is b and k == n]) for n in (i, j)]
            return self.wire(rng, [seed_unit(f) for f in feed], b, [i, j])
        chain = self.unit(rng, "chain")
        used = {t.tool for t in chain.tasks}
        others = [s for s in self.seeds if s.tool not in used] or self.seeds
        units = [chain, seed_unit(rng.choice(others))]
        rng.shuffle(units)
        return self.parallel(rng, units)

    def compose(self, rng: random.Random, kind: str | None = None, phrasing: bool = True) -> tuple[str, Plan, str]:
        """(request, gold plan, kind); `kind` drawn by `KINDS` weight among `kinds()` when None."""
        if kind is None:
            names = self.kinds()
            kind = rng.choices(names, [KINDS[n] for n in names])[0]
        unit = self.unit(rng, kind)
        request = restyle(rng, unit.request, unit.protected) if phrasing else unit.request
        return request, Plan(tuple(unit.tasks)), kind
