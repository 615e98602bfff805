"""Make a templated request read like a person typed it: register, case, typos, word order, joins.

`restyle(rng, query, protected, dates)` varies what users vary, deterministically from `rng`:
- register: plain, terse ("sids number", "pls", "u"), polite ("..., thanks!") or chatty ("ok so ...");
- case and punctuation: all lowercase, no final period;
- light typos (a keyboard-adjacent key, a dropped, doubled or swapped letter) in at most two words;
- word order: a trailing date phrase moved to the front ("tmrw at 3, remind me to ...").
Nothing inside a `protected` span (the strings the gold plan copies: names, titles, messages, and
the date phrases) is changed except its case, which the strict metric ignores (it casefolds), so the
gold plan still matches what the user typed. `join_requests` glues several requests into one message.

Example:
    >>> import random
    >>> q = restyle(random.Random(3), "Text Sid that I'm outside.", ["Sid", "I'm outside"])
    >>> "sid" in q.lower() and "i'm outside" in q.lower()
    True
    >>> join_requests(random.Random(3), ["Text Sid hi.", "Remind me to pay rent."])
    'Text Sid hi. Also, remind me to pay rent.'
"""
from __future__ import annotations

import random
import re
from typing import Sequence

# Neighbours on a QWERTY keyboard (what a thumb hits instead).
_NEAR = {c: n for c, n in zip("qwertyuiopasdfghjklzxcvbnm",
                               ("wa", "qes", "wrd", "etf", "ryg", "tuh", "yij", "uok", "ipl", "ol", "qsz", "adwx",
                                "sfce", "dgrv", "fhtb", "gjyn", "hkum", "jli", "kop", "xas", "zcsd", "xvdf", "cbfg",
                                "vnhg", "bmjh", "njk"))}
_WORD = re.compile(r"[A-Za-z]{4,}")
_TERSE_SWAPS = ((r"\bplease\b", "pls"), (r"\byou\b", "u"), (r"\byour\b", "ur"), (r"\bthanks\b", "thx"),
                (r"\bwith\b", "w/"), (r"\bphone number\b", "number"), (r"\bCan you\s+", ""),
                (r"\bCould you\s+", ""), (r"^Please\s+", ""), (r"\bI need you to\s+", ""))
_POLITE_TAILS = (", please", ", thanks!", ", thank you", " please", ". Thanks so much!", ", if you can")
_CHATTY_HEADS = ("ok so ", "so ", "um ", "hey, ", "hi! ", "alright, ", "quick thing: ", "hmm, ")
_CHATTY_TAILS = (" thx", " lol", ", ty", " asap", " when you get a sec", "!!", " :)")
_JOINERS = (("; ", True), (" and also ", True), (", and ", True), (". Also, ", True), (". Oh and ", True),
            (", then ", True), (". ", False), (" and ", True), (". Plus ", True), (". And ", True))
_LEADING = re.compile(r"^(\W*)(\w+)")


def protect_mask(text: str, protected: Sequence[str]) -> list[bool]:
    """Per character of `text`: True where it lies inside any `protected` string (case-insensitive).

    >>> protect_mask("Text Sid now", ["sid"])[5:8]
    [True, True, True]
    """
    mask = [False] * len(text)
    low = _lower(text)
    for p in protected:
        p = _lower(p.strip())
        start = low.find(p) if p else -1
        while start >= 0:
            mask[start:start + len(p)] = [True] * len(p)
            start = low.find(p, start + 1)
    return mask


def _lower(text: str) -> str:
    """Lowercase, one character per character (so positions line up with `text`)."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def typo(rng: random.Random, word: str) -> str:
    """One slip of the thumb inside `word` (never its first letter).

    >>> typo(random.Random(0), "remind") != "remind"
    True
    """
    i = rng.randrange(1, len(word))
    op = rng.randrange(4)
    if op == 0 and word[i].lower() in _NEAR:
        return word[:i] + rng.choice(_NEAR[word[i].lower()]) + word[i + 1:]
    if op == 1 and i < len(word) - 1 and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if op == 2:
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1:]


def add_typos(rng: random.Random, text: str, protected: Sequence[str], k: int = 1) -> str:
    """Put `k` typos into distinct unprotected words of four letters or more."""
    mask = protect_mask(text, protected)
    spans = [m.span() for m in _WORD.finditer(text) if not any(mask[m.start():m.end()])]
    for a, b in sorted(rng.sample(spans, min(k, len(spans))), reverse=True):
        text = text[:a] + typo(rng, text[a:b]) + text[b:]
    return text


def _sub_outside(text: str, pattern: str, repl: str, mask: list[bool]) -> str:
    """re.sub that skips matches touching a protected character."""
    def one(m: re.Match) -> str:
        return m.group(0) if any(mask[m.start():m.end()]) else repl
    return re.sub(pattern, one, text, flags=re.IGNORECASE)


def terse(rng: random.Random, text: str, protected: Sequence[str]) -> str:
    """Texting style: drop politeness, shorten words, drop possessive apostrophes ("sids number")."""
    for pattern, repl in _TERSE_SWAPS:
        if rng.random() < 0.7:
            text = _sub_outside(text, pattern, repl, protect_mask(text, protected))
    if rng.random() < 0.6:
        text = _sub_outside(text, r"'s\b", "s", protect_mask(text, [p for p in protected if "'" in p]))
    text = _sub_outside(text, r"\b(the|a|an) ", "", protect_mask(text, protected)) if rng.random() < 0.3 else text
    return strip_end(text, protected)


def strip_end(text: str, protected: Sequence[str], chars: str = ".!") -> str:
    """`text` without its final `chars`, unless they end a protected span ("happy birthday!" keeps its '!').

    >>> strip_end("Text Bo: happy birthday!.", ["happy birthday!"]), strip_end("Text Bo.", ["Bo"])
    ('Text Bo: happy birthday!', 'Text Bo')
    """
    mask = protect_mask(text, protected)
    end = len(text)
    while end and text[end - 1] in chars and not mask[end - 1]:
        end -= 1
    return text[:end]


def front_date(text: str, dates: Sequence[str]) -> str:
    """Move a date phrase that ends the request to its front: 'Remind me X tmrw.' -> 'tmrw, remind me X.'

    >>> front_date("Remind me to pay rent tmrw at 3.", ["tmrw at 3"])
    'tmrw at 3, remind me to pay rent.'
    """
    body, end = text.rstrip(".!?"), text[len(text.rstrip(".!?")):]
    for d in dates:
        if d and body.endswith(" " + d) and body.count(d) == 1:
            rest = body[: -len(d) - 1].rstrip(",")
            return f"{d}, {lower_first(rest)}{end}"
    return text


def lower_first(text: str) -> str:
    """Lowercase the first word unless it looks like a name or acronym ('I', 'Sid', 'PDF' stay)."""
    m = _LEADING.match(text)
    if not m:
        return text
    word = m.group(2)
    if word == "I" or word.isupper() or word.lower() not in _COMMON_STARTS:
        return text
    return text[:m.start(2)] + word[0].lower() + word[1:] + text[m.end(2):]


_COMMON_STARTS = frozenset(
    "text send email call what's what whats find open show create make add remind set put schedule book get look "
    "reply respond forward draft write summarize give take start save note jot let tell share invite pull navigate "
    "how where please can could go hey answer pass message shoot compose attach read zoom i'm directions "
    "append update which tl read remember ring summarise sms mail grab text".split())


def join_requests(rng: random.Random, parts: Sequence[str]) -> str:
    """Several requests as one message, joined loosely ('...; ...', '... and also ...', '. Oh and ...')."""
    out = parts[0]
    for part in parts[1:]:
        joiner, lower = rng.choice(_JOINERS)
        if out.endswith("?"):
            joiner, lower = rng.choice(((" Also, ", True), (" And ", True), (" Then ", True), (" ", False)))
        else:
            out = out.rstrip(".")
        out += joiner + (lower_first(part) if lower else part)
    return out


def restyle(rng: random.Random, query: str, protected: Sequence[str] = (), dates: Sequence[str] = ()) -> str:
    """One person's way of typing `query` (see the module docstring); `dates` are its date phrases."""
    protected = [*protected, *dates]
    text = query
    if dates and rng.random() < 0.15:
        text = front_date(text, dates)
    register = rng.choices(("plain", "terse", "polite", "chatty"), (0.45, 0.25, 0.15, 0.15))[0]
    if register == "terse":
        text = terse(rng, text, protected)
    elif register == "polite" and not text.endswith("?"):
        text = strip_end(text, protected) + rng.choice(_POLITE_TAILS)
    elif register == "chatty":
        if rng.random() < 0.6:
            text = rng.choice(_CHATTY_HEADS) + lower_first(text)
        if rng.random() < 0.5:
            text = strip_end(text, protected) + rng.choice(_CHATTY_TAILS)
    if rng.random() < 0.15:
        text = add_typos(rng, text, protected, k=rng.choice((1, 1, 2)))
    r = rng.random()
    if r < 0.25 or (register == "terse" and r < 0.6):
        text = text.lower()
    if rng.random() < 0.3:
        text = strip_end(text, protected, ".")
    return text[0].upper() + text[1:] if register == "plain" and text[:1].islower() and r >= 0.25 else text
