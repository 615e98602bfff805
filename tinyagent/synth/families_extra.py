"""More multi-app families: forwarding with files, Zoom links by text, events with directions.

Importing this module registers its builders in `tinyagent.synth.scenarios.SCENARIOS`.

Example:
    >>> from tinyagent.synth.scenarios import SCENARIOS
    >>> "zoom_sms" in SCENARIOS and "forward_with_file" in SCENARIOS
    True
"""
from __future__ import annotations

from datetime import timedelta

from tinyagent.synth import vocab
from tinyagent.synth.scenarios import Ctx, and_list, fmt, lookups, opener, scenario, stem

_SUM_APPEND = ("Summarize {f} and add the summary to my {t} note.",
               "Append a summary of the {f} PDF to the note {t}",
               "Put the gist of {f} at the end of my {t} note")


@scenario("summary_append", 0.6, len(_SUM_APPEND))
def summary_append(c: Ctx) -> str:
    f = c.choice(c.world.pdfs)
    title, folder = c.choice(c.world.notes)
    path = c.call("open_and_get_file_path", f)
    summary = c.call("summarize_pdf", path)
    c.call("append_note_content", title, summary, folder)
    return opener(c, c.pick(_SUM_APPEND, f=stem(f), t=title))


_FWD_FILE = ("Forward this email to {ps} and attach {f}.", "Send this message on to {ps} with the {f} file",
             "Forward this to {ps}, adding {f} as an attachment, and say {x}")


@scenario("forward_with_file", 0.8, len(_FWD_FILE))
def forward_with_file(c: Ctx) -> str:
    f = c.choice(c.world.pdfs + c.world.files)
    names = c.people(c.rng.randint(1, 3))
    text = c.choice(vocab.EMAIL_CONTEXTS)
    query = c.pick(_FWD_FILE, ps=and_list(names), f=stem(f), x=text)
    path = c.call("open_and_get_file_path", f)
    refs = lookups(c, "get_email_address", names)
    c.call("forward_email", refs, [], text if c.template == 2 else "", [path])
    return opener(c, query)


_EVENT_REMIND = ("Schedule {t} {w} and remind me the day before.",
                 "Put {t} on my calendar {w}, plus a reminder a day earlier",
                 "Add a calendar event for {t} {w} and a reminder to prepare the day before")


@scenario("event_and_reminder", 0.8, len(_EVENT_REMIND))
def event_and_reminder(c: Ctx) -> str:
    topic = c.choice(vocab.MEETING_TOPICS)
    phrase, start = c.when()
    query = c.pick(_EVENT_REMIND, t=topic, w=phrase)
    c.call("create_calendar_event", topic.capitalize(), fmt(start), "", "", [], "", "")
    c.call("create_reminder", f"Prepare for {topic}", fmt(start - timedelta(days=1)), "", "", 0, False)
    return opener(c, query)


_EVENT_DIRECTIONS = ("Book {t} at {l} {w} and show me how to get there {m}.",
                     "Schedule a {t} at {l} {w}; also directions there {m}",
                     "Put {t} at {l} on the calendar {w} and open directions {m}")


@scenario("event_with_directions", 0.8, len(_EVENT_DIRECTIONS))
def event_with_directions(c: Ctx) -> str:
    topic, loc = c.choice(vocab.MEETING_TOPICS), c.choice(vocab.PLACES)
    phrase, start = c.when()
    mode, said = c.transport()
    c.call("create_calendar_event", topic.capitalize(), fmt(start), "", loc, [], "", "")
    c.call("maps_show_directions", "", loc, mode)
    return opener(c, c.pick(_EVENT_DIRECTIONS, t=topic, l=loc, w=phrase, m=said))


_ZOOM_SMS = ("Make a Zoom for {t} {w} and text the link to {ps}.",
             "Create a Zoom meeting about {t} {w}; send {ps} the link by SMS",
             "Text {ps} a Zoom link for the {t} {w}")


@scenario("zoom_sms", 1.0, len(_ZOOM_SMS))
def zoom_sms(c: Ctx) -> str:
    topic = c.choice(vocab.MEETING_TOPICS)
    phrase, start = c.when()
    names = c.people(c.rng.randint(1, 3))
    link = c.call("get_zoom_meeting_link", topic.capitalize(), fmt(start), 60, [])
    nums = lookups(c, "get_phone_number", names)
    c.call("send_sms", nums, f"Join the {topic} here: {link}")
    return opener(c, c.pick(_ZOOM_SMS, t=topic, w=phrase, ps=and_list(names)))


_MEET_AT = ("Text {p} to meet me at {l} and show it on the map.", "Show {l} on the map and tell {p} to meet me there",
            "Let {p} know by text that we meet at {l}, and open it in Maps")


@scenario("meet_at_place", 0.7, len(_MEET_AT))
def meet_at_place(c: Ctx) -> str:
    (p,) = c.people(1)
    loc = c.choice(vocab.PLACES)
    query = c.pick(_MEET_AT, p=p, l=loc)
    if c.template == 1:
        c.call("maps_open_location", loc)
    num = c.call("get_phone_number", p)
    c.call("send_sms", [num], f"Meet me at {loc}")
    if c.template != 1:
        c.call("maps_open_location", loc)
    return opener(c, query)
