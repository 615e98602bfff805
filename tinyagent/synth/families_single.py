"""Scenario families with one call, or one lookup feeding one action (chains of two).

Importing this module registers its builders in `tinyagent.synth.scenarios.SCENARIOS`.

Example:
    >>> from tinyagent.synth.scenarios import SCENARIOS
    >>> "text_person" in SCENARIOS and "phone_lookup" in SCENARIOS
    True
"""
from __future__ import annotations

from tinyagent.synth import vocab
from tinyagent.synth.scenarios import Ctx, end_of, fmt, opener, scenario, stem

_PHONE = ("What's {p}'s phone number?", "Find {p}'s number.", "Look up the phone number for {p}.",
          "Get me {p}'s cell number", "I need {p}'s phone number", "What number do I have for {p}?")


@scenario("phone_lookup", 0.5, len(_PHONE))
def phone_lookup(c: Ctx) -> str:
    (p,) = c.people(1)
    c.call("get_phone_number", p)
    return opener(c, c.pick(_PHONE, p=p))


_EMAIL = ("What's {p}'s email address?", "Find the email for {p}.", "Look up {p}'s email",
          "Get me {p}'s email address", "Which address should I use to email {p}?")


@scenario("email_lookup", 0.5, len(_EMAIL))
def email_lookup(c: Ctx) -> str:
    (p,) = c.people(1)
    c.call("get_email_address", p)
    return opener(c, c.pick(_EMAIL, p=p))


_OPEN = ("Open the {f} file.", "Find {f} and open it", "Pull up my {f} document", "Where is the {f} file?",
         "Open {f} for me")


@scenario("open_file", 0.6, len(_OPEN))
def open_file(c: Ctx) -> str:
    f = c.choice(c.world.pdfs + c.world.files)
    c.call("open_and_get_file_path", f)
    return opener(c, c.pick(_OPEN, f=stem(f)))


_LOC = ("Show {l} on the map.", "Where is {l}?", "Open {l} in Maps", "Find {l} on the map",
        "Pull up {l} in maps")


@scenario("show_location", 0.6, len(_LOC))
def show_location(c: Ctx) -> str:
    loc = c.choice(vocab.PLACES)
    c.call("maps_open_location", loc)
    return opener(c, c.pick(_LOC, l=loc))


_DIR = ("How do I get from {a} to {b} {m}?", "Show me directions from {a} to {b} {m}.",
        "Directions to {b} from {a}, {m}", "Navigate from {a} to {b} {m}",
        "Take me to {b} {m}", "How do I get to {b} {m}?")


@scenario("directions", 0.8, len(_DIR))
def directions(c: Ctx) -> str:
    a, b = c.rng.sample(vocab.PLACES, 2)
    mode, said = c.transport()
    query = c.pick(_DIR, a=a, b=b, m=said)
    c.call("maps_show_directions", "" if c.template >= 4 else a, b, mode)
    return opener(c, query)


_NOTE = ("Create a note called '{t}' that says {x}.", "Make a new note named {t}: {x}",
         "Jot down {x} in a note titled {t}", "Start a note '{t}' with {x}",
         "Save a note in {fo} called {t}: {x}")


@scenario("create_note", 0.8, len(_NOTE))
def create_note(c: Ctx) -> str:
    title = c.choice(vocab.NOTE_TOPICS).capitalize()
    text = c.choice(vocab.NOTE_LINES)
    folder = c.choice(vocab.NOTE_FOLDERS) or "Personal"
    query = c.pick(_NOTE, t=title, x=text, fo=folder)
    c.call("create_note", title, text, folder if c.template == 4 else "")
    c.thought = "I have created the note."
    return opener(c, query)


_OPEN_NOTE = ("Open my note '{t}'.", "Show me the {t} note", "What's in my {t} note?",
              "Pull up the note called {t}")


@scenario("open_note", 0.5, len(_OPEN_NOTE))
def open_note(c: Ctx) -> str:
    title, folder = c.choice(c.world.notes)
    c.call("open_note", title, folder)
    return opener(c, c.pick(_OPEN_NOTE, t=title))


_APPEND = ("Add {x} to my {t} note.", "Append '{x}' to the note {t}", "Put {x} on the {t} note",
           "Update my {t} note with {x}")


@scenario("append_note", 0.6, len(_APPEND))
def append_note(c: Ctx) -> str:
    title, folder = c.choice(c.world.notes)
    text = c.choice(vocab.NOTE_LINES)
    c.call("append_note_content", title, text, folder)
    return opener(c, c.pick(_APPEND, t=title, x=text))


_REMIND = ("Remind me to {r} {w}.", "Set a reminder to {r} {w}{pr}", "Create a {pr2}reminder: {r}, {w}",
           "Add a reminder in my {ls} list to {r} {w}", "Remind me {w} to {r}", "Remind me to {r} {d}, all day")


@scenario("reminder", 1.2, len(_REMIND))
def reminder(c: Ctx) -> str:
    task = c.choice(vocab.REMINDER_TASKS)
    phrase, when = c.when()
    prio, prio_said = c.choice(vocab.PRIORITIES)
    lst = c.choice(vocab.REMINDER_LISTS) or "Errands"
    day, midnight = c.day()
    query = c.pick(_REMIND, r=task, w=phrase, pr=f", {prio_said}" if prio_said else "",
                   pr2=f"{prio_said} " if prio_said else "", ls=lst, d=day)
    said_prio = prio if c.template in (1, 2) else 0
    all_day = c.template == 5
    due = fmt(midnight) if all_day else fmt(when)
    c.call("create_reminder", task, due, "", lst if c.template == 3 else "", said_prio, all_day)
    c.thought = "I have created the reminder."
    return opener(c, query)


_EVENT = ("Schedule a {t} {w}{at}.", "Put a {t} on my calendar {w}{at}", "Book {w} for a {t}{at}, {m} minutes",
          "Add {t} to my {cal} calendar {w}", "Create an event called {t} {w}{at}")


@scenario("calendar_event", 1.2, len(_EVENT))
def calendar_event(c: Ctx) -> str:
    topic = c.choice(vocab.MEETING_TOPICS)
    phrase, start = c.when()
    place = c.choice(vocab.ROOMS + vocab.PLACES) if c.rng.random() < 0.5 else ""
    minutes = c.choice(vocab.DURATIONS)
    cal = c.choice(vocab.CALENDARS) or "Work"
    query = c.pick(_EVENT, t=topic, w=phrase, at=f" at {place}" if place else "", m=minutes, cal=cal)
    use_place = place if c.template != 3 else ""
    end = end_of(start, minutes) if c.template == 2 else ""
    c.call("create_calendar_event", topic.capitalize(), fmt(start), end, use_place, [], "",
           cal if c.template == 3 else "")
    c.thought = "I have created the calendar event."
    return opener(c, query)


_REPLY = ("Reply to this email saying {x}.", "Respond to this email: {x}", "Write back that {x}",
          "Answer this email and say {x}")


@scenario("reply_email", 0.5, len(_REPLY))
def reply_email(c: Ctx) -> str:
    text = c.choice(vocab.REPLIES)
    c.call("reply_to_email", [], text, [])
    return opener(c, c.pick(_REPLY, x=text))


_ZOOM = ("Create a Zoom meeting for the {t} {w}.", "Set up a {m}-minute Zoom call about {t} {w}",
         "I need a Zoom link for {t} {w}", "Make a zoom for {t}, {w}, {m} minutes")


@scenario("zoom_solo", 0.6, len(_ZOOM))
def zoom_solo(c: Ctx) -> str:
    topic = c.choice(vocab.MEETING_TOPICS)
    phrase, start = c.when()
    minutes = c.choice(vocab.DURATIONS)
    query = c.pick(_ZOOM, t=topic, w=phrase, m=minutes)
    c.call("get_zoom_meeting_link", topic.capitalize(), fmt(start), minutes if c.template in (1, 3) else 60, [])
    return opener(c, query)


_SMS = ("Text {p} that {x}.", "Send {p} a message: {x}", "Message {p} saying {x}", "Let {p} know {x} by text",
        "Shoot {p} a text: {x}", "Can you tell {p} via SMS that {x}")


@scenario("text_person", 1.5, len(_SMS))
def text_person(c: Ctx) -> str:
    (p,) = c.people(1)
    msg = c.choice(vocab.SMS_MESSAGES)
    ref = c.call("get_phone_number", p)
    c.call("send_sms", [ref], msg)
    c.thought = "I have sent the message."
    return opener(c, c.pick(_SMS, p=p, x=msg))


_MAIL = ("Email {p} to {x}.", "Send an email to {p} to {x}", "Write {p} an email with the subject '{s}' to {x}",
         "Draft an email to {p}: {x}", "Compose a note to {p} by email to {x}")


@scenario("email_person", 1.5, len(_MAIL))
def email_person(c: Ctx) -> str:
    (p,) = c.people(1)
    ctx_text = c.choice(vocab.EMAIL_CONTEXTS)
    subject = c.choice(vocab.MEETING_TOPICS).capitalize()
    query = c.pick(_MAIL, p=p, x=ctx_text, s=subject)
    ref = c.call("get_email_address", p)
    c.call("compose_new_email", [ref], [], subject if c.template == 2 else "", ctx_text, [])
    c.thought = "I have drafted the email."
    return opener(c, query)


_FWD = ("Forward this email to {p}.", "Send this email on to {p} and {x}", "Forward this to {p}, saying {x}",
        "Pass this email along to {p}")


@scenario("forward_person", 0.8, len(_FWD))
def forward_person(c: Ctx) -> str:
    (p,) = c.people(1)
    text = c.choice(vocab.EMAIL_CONTEXTS)
    query = c.pick(_FWD, p=p, x=text)
    ref = c.call("get_email_address", p)
    c.call("forward_email", [ref], [], text if c.template in (1, 2) else "", [])
    return opener(c, query)


_CALL_REMIND = ("Remind me to call {p} {w}, and put their number in the reminder.",
                "Set a reminder {w} to call {p} with their phone number in the notes",
                "Add a reminder to ring {p} {w}; include {p}'s number")


@scenario("call_reminder", 0.6, len(_CALL_REMIND))
def call_reminder(c: Ctx) -> str:
    (p,) = c.people(1)
    phrase, when = c.when()
    ref = c.call("get_phone_number", p)
    c.call("create_reminder", f"Call {p}", fmt(when), ref, "", 0, False)
    return opener(c, c.pick(_CALL_REMIND, p=p, w=phrase))
