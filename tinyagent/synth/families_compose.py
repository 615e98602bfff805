"""Composed requests: one app's output wired into another app's input, or several requests in one message.

`wired`: a producer (Zoom link, PDF summary, note contents, file path, map link, directions, phone
number) feeds one or two consumers (a text, an email, a new note, a note append, a reminder's notes,
a calendar event, a reply, a forward) through `$N`, e.g. "make a zoom for the 1:1 tmrw at 3 and text
it to Sid". `combo`: two or three requests of the other families in one message, joined loosely
("...; also ...", "oh and ..."). Both keep plans at 7 calls or fewer and never create two notes with
the same title (the second would fail on the sandbox). Importing this module registers them.

Example:
    >>> import random
    >>> from datetime import datetime
    >>> from tinyagent.synth.world import World
    >>> from tinyagent.synth.scenarios import Ctx
    >>> c = Ctx(random.Random(4), World(("Sid Patel", "Ann Lee", "Bo Chen", "Kim Ito")), datetime(2024, 5, 27, 9))
    >>> q = wired(c)
    >>> any("$" in str(t.args) for t in c.tasks), 2 <= len(c.tasks) <= MAX_CALLS
    (True, True)
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Callable

from tinyagent.synth import vocab
from tinyagent.synth.phrasing import join_requests
from tinyagent.synth.scenarios import SCENARIOS, Ctx, and_list, fmt, lookups, opener, scenario, stem

MAX_CALLS = 7  # longest plan a composed request may have
NEW_NOTE_TITLES = ("Inbox", "To do", "Quick notes", "Follow ups", "Work stuff", "Scratchpad")
# Titles that fit what a producer made (plus the general NEW_NOTE_TITLES).
_TITLES = {"zoom": ("Zoom links", "Meeting links", "Links"), "summary": ("Summaries", "Reading notes", "TLDR"),
           "note": ("Copy", "Backup", "Shared"), "file": (), "place": ("Places to go", "Links", "Map pins"),
           "directions": ("Directions", "Routes", "Getting there"), "phone": ("Numbers", "Phone numbers", "Contacts")}


@dataclass(frozen=True)
class Output:
    """What a producer made: its `$N`, its kind, and the ways a request can mention it."""

    ref: str  # "$N" of the task whose result it is
    kind: str  # "link", "text" or "path" (what a consumer may do with it)
    said: str  # the producer's own clause: "make a Zoom for the 1:1 tmrw at 3"
    np: str  # a noun phrase standing alone: "a Zoom link for the 1:1 tmrw at 3"
    pronoun: str  # how a later clause refers back: "it", "the link"
    topic: str = ""  # meeting topic, when the producer is a meeting
    start: datetime | None = None  # meeting start, when the producer is a meeting
    path: str = ""  # `$N` of the opened file, when the producer read one
    producer: str = ""  # PRODUCERS key (picks fitting note titles)


def _zoom(c: Ctx) -> Output:
    topic, minutes = c.choice(vocab.MEETING_TOPICS), c.choice(vocab.DURATIONS)
    phrase, start = c.when()
    said_len = c.rng.random() < 0.4
    m = f"{minutes}-minute " if said_len else ""
    ref = c.call("get_zoom_meeting_link", topic.capitalize(), fmt(start), minutes if said_len else 60, [])
    said = c.choice((f"make a {m}Zoom for the {topic} {phrase}", f"set up a {m}zoom call about {topic} {phrase}",
                     f"create a {m}Zoom meeting for {topic} {phrase}", f"get me a {m}zoom link for {topic} {phrase}"))
    return Output(ref, "link", said, f"a {m}Zoom link for the {topic} {phrase}",
                  c.choice(("it", "the link", "the zoom link")), topic, start)


def _summary(c: Ctx) -> Output:
    name = c.choice(c.world.pdfs)
    f = stem(name)
    path = c.call("open_and_get_file_path", name)
    ref = c.call("summarize_pdf", path)
    said = c.choice((f"summarize the {f} pdf", f"give me the gist of {f}", f"read {f} and summarize it",
                     f"sum up my {f} document"))
    return Output(ref, "text", said, f"a summary of {f}", c.choice(("the summary", "it", "the gist")), path=path)


def _note_text(c: Ctx) -> Output:
    title, folder = c.choice(c.world.notes)
    ref = c.call("open_note", title, folder)
    said = c.choice((f"open my {title} note", f"grab what's in my {title} note", f"pull up the {title} note"))
    return Output(ref, "text", said, f"my {title} note", c.choice(("it", "the note", "what it says")))


def _file(c: Ctx) -> Output:
    f = c.choice(c.world.pdfs + c.world.files)
    ref = c.call("open_and_get_file_path", f)
    said = c.choice((f"find the {stem(f)} file", f"pull up {stem(f)}", f"locate my {stem(f)} document"))
    return Output(ref, "path", said, f"the {stem(f)} file", c.choice(("it", "the file", "that file")))


def _place(c: Ctx) -> Output:
    loc = c.choice(vocab.PLACES)
    ref = c.call("maps_open_location", loc)
    said = c.choice((f"look up {loc} on the map", f"find {loc} in maps", f"show me {loc} on the map"))
    return Output(ref, "link", said, f"the location of {loc}", c.choice(("the location", "the map link", "it")))


def _directions(c: Ctx) -> Output:
    a, b = c.rng.sample(vocab.PLACES, 2)
    mode, m = c.transport()
    start = a if c.rng.random() < 0.3 else ""
    ref = c.call("maps_show_directions", start, b, mode)
    frm = f"from {a} " if start else ""
    said = c.choice((f"get directions {frm}to {b} {m}", f"find the route {frm}to {b} {m}"))
    return Output(ref, "link", said, f"directions {frm}to {b} {m}", c.choice(("the directions", "them", "the route")))


def _phone(c: Ctx) -> Output:
    (p,) = c.people(1)
    ref = c.call("get_phone_number", p)
    said = c.choice((f"get {p}'s number", f"look up {p}'s phone number", f"find {p}'s cell"))
    return Output(ref, "text", said, f"{p}'s number", c.choice(("the number", "it")))


PRODUCERS: dict[str, Callable[[Ctx], Output]] = {
    "zoom": _zoom, "summary": _summary, "note": _note_text, "file": _file, "place": _place,
    "directions": _directions, "phone": _phone}


def _n_people(c: Ctx, per_person: int = 1) -> int:
    """1 or 2 people, keeping the plan within MAX_CALLS (each person costs a lookup)."""
    room = MAX_CALLS - len(c.tasks) - 1 - per_person  # minus the consumer's own call and one lookup
    return 2 if room >= per_person and c.rng.random() < 0.35 else 1


def _to_sms(c: Ctx, out: Output) -> list[str]:
    names = c.people(_n_people(c))
    c.call("send_sms", lookups(c, "get_phone_number", names), out.ref)
    ps = and_list(names)
    return [f"text {{x}} to {ps}", f"send {{x}} to {ps} by text", f"shoot {{x}} over to {ps} in a text",
            f"sms {{x}} to {ps}"]


def _to_email(c: Ctx, out: Output) -> list[str]:
    names = c.people(_n_people(c))
    addrs = lookups(c, "get_email_address", names)
    attach = [out.ref] if out.kind == "path" else []
    also_file = bool(out.path) and c.rng.random() < 0.4
    c.call("compose_new_email", addrs, [], "", "" if out.kind == "path" else out.ref,
           attach + ([out.path] if also_file else []))
    ps, tail = and_list(names), (" with the file attached" if also_file else "")
    return [f"email {{x}} to {ps}{tail}", f"send {{x}} to {ps} by email{tail}", f"mail {{x}} to {ps}{tail}",
            f"put {{x}} in an email to {ps}{tail}"]


def _fresh_title(c: Ctx, out: Output) -> str:
    used = {str(t.args[0]).casefold() for t in c.tasks if t.tool == "create_note"}
    fitting = _TITLES.get(out.producer, ())
    pool = fitting if fitting and c.rng.random() < 0.7 else fitting + NEW_NOTE_TITLES
    return c.choice([t for t in pool if t.casefold() not in used] or [t for t in NEW_NOTE_TITLES if t.casefold() not in used])


def _to_new_note(c: Ctx, out: Output) -> list[str]:
    title = _fresh_title(c, out)
    c.call("create_note", title, out.ref, "")
    return [f"save {{x}} in a note called {title}", f"put {{x}} in a new note titled '{title}'",
            f"jot {{x}} down in a note named {title}"]


def _to_append(c: Ctx, out: Output) -> list[str]:
    title, folder = c.choice(c.world.notes)
    c.call("append_note_content", title, out.ref, folder)
    return [f"add {{x}} to my {title} note", f"append {{x}} to the {title} note",
            f"stick {{x}} at the end of my {title} note"]


def _to_reminder(c: Ctx, out: Output) -> list[str]:
    task = c.choice(vocab.REMINDER_TASKS)
    phrase, when = c.when()
    c.call("create_reminder", task, fmt(when), out.ref, "", 0, False)
    return [f"remind me to {task} {phrase} with {{x}} in the notes", f"set a reminder to {task} {phrase} and put {{x}} in it"]


def _to_event(c: Ctx, out: Output) -> list[str]:
    if out.start is not None:  # the producer was a meeting: calendar that meeting, the link as its place
        c.call("create_calendar_event", out.topic.capitalize(), fmt(out.start), "", out.ref, [], "", "")
        return ["put it on my calendar with the link", "add it to my calendar too", "calendar it with the link as the location"]
    topic = c.choice(vocab.MEETING_TOPICS)
    phrase, start = c.when()
    link = out.kind == "link"
    c.call("create_calendar_event", topic.capitalize(), fmt(start), "", out.ref if link else "", [],
           "" if link else out.ref, "")
    field = "location" if link else "notes"
    a = "an" if topic[0] in "aeiouAEIOU" else "a"
    return [f"schedule {a} {topic} {phrase} with {{x}} in the {field}",
            f"add {a} {topic} to my calendar {phrase} and put {{x}} in the event {field}"]


def _to_reply(c: Ctx, out: Output) -> list[str]:
    if out.kind == "path":
        c.call("reply_to_email", [], "Please find the file attached.", [out.ref])
        return ["reply to this email with {x} attached", "attach {x} to a reply to this email"]
    c.call("reply_to_email", [], out.ref, [])
    return ["reply to this email with {x}", "answer this email with {x}"]


def _to_forward(c: Ctx, out: Output) -> list[str]:
    names = c.people(_n_people(c))
    c.call("forward_email", lookups(c, "get_email_address", names), [], "", [out.ref])
    ps = and_list(names)
    return [f"forward this email to {ps} with {{x}} attached", f"forward this to {ps} and attach {{x}}"]


CONSUMERS: dict[str, tuple[Callable[[Ctx, Output], list[str]], frozenset[str]]] = {
    "sms": (_to_sms, frozenset({"link", "text"})), "email": (_to_email, frozenset({"link", "text", "path"})),
    "new_note": (_to_new_note, frozenset({"link", "text"})), "append": (_to_append, frozenset({"link", "text"})),
    "reminder": (_to_reminder, frozenset({"link", "text"})), "event": (_to_event, frozenset({"link", "text"})),
    "reply": (_to_reply, frozenset({"link", "text", "path"})), "forward": (_to_forward, frozenset({"path"})),
}
_THEN = (" and ", ", then ", " and then ", "; then ", ", and ", " then ")


@scenario("wired", 7.0, len(PRODUCERS) * len(CONSUMERS))
def wired(c: Ctx) -> str:
    pname = c.choice(sorted(PRODUCERS))
    out = replace(PRODUCERS[pname](c), producer=pname)
    usable = [k for k, (_, kinds) in CONSUMERS.items() if out.kind in kinds]
    chosen = c.rng.sample(usable, 2 if c.rng.random() < 0.4 and len(c.tasks) <= 3 else 1)
    clauses = [c.choice(CONSUMERS[k][0](c, out)) for k in chosen]
    if c.rng.random() < 0.3 and "{x}" in clauses[0]:  # "text Sid a Zoom link for ..." (no producer clause)
        text = clauses[0].format(x=out.np)
        rest = clauses[1:]
    else:
        text = out.said + c.choice(_THEN) + clauses[0].format(x=out.pronoun)
        rest = clauses[1:]
    for clause in rest:
        text += c.choice((" and ", ", and also ", ", plus ", " and also ")) + clause.format(x=out.pronoun)
    template = f"{pname}>{'+'.join(chosen)}"
    text = opener(c, text[0].upper() + text[1:] + ".")
    if c.rng.random() < 0.2 and len(c.tasks) <= MAX_CALLS - 1:
        extra = _add_part(c, 0)
        if extra:
            text = join_requests(c.rng, [text, extra[0]])
            template += f"|{extra[1]}"
    c.template, c.thought = template, None
    return text


def _combinable() -> list[str]:
    return sorted(n for n in SCENARIOS if n not in ("wired", "combo"))


def _add_part(c: Ctx, tries: int = 4) -> tuple[str, str] | None:
    """Append one more family's request to `c`; (its query, 'family.template'), or None if none fits."""
    for _ in range(tries + 1):
        family = c.choice(_combinable())
        mark, inner = len(c.tasks), c.inner
        c.inner = True
        query = SCENARIOS[family].build(c)
        c.inner = inner
        titles = [str(t.args[0]).casefold() for t in c.tasks if t.tool == "create_note"]
        replies = sum(t.tool == "reply_to_email" for t in c.tasks)  # one reply per message reads right
        if len(c.tasks) <= MAX_CALLS and len(titles) == len(set(titles)) and replies <= 1:
            return query, f"{family}.{c.template}"
        del c.tasks[mark:]  # nothing refers to the dropped tasks: they are the last ones
    return None


@scenario("combo", 6.0, 1)
def combo(c: Ctx) -> str:
    first = c.choice(_combinable())
    parts = [SCENARIOS[first].build(c)]
    names = [f"{first}.{c.template}"]
    for _ in range(1 if c.rng.random() < 0.75 else 2):
        extra = _add_part(c)
        if extra:
            parts.append(extra[0])
            names.append(extra[1])
    c.template, c.thought = "+".join(names), None
    return join_requests(c.rng, parts)
