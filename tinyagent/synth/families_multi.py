"""Scenario families with several calls: fan-in, fan-out, parallel, long chains and cross-app plans.

Importing this module registers its builders in `tinyagent.synth.scenarios.SCENARIOS`.

Example:
    >>> from tinyagent.synth.scenarios import SCENARIOS
    >>> "zoom_event" in SCENARIOS and "group_sms" in SCENARIOS
    True
"""
from __future__ import annotations

from tinyagent.synth import vocab
from tinyagent.synth.scenarios import Ctx, and_list, end_of, fmt, lookups, opener, scenario, stem

_SUMMARIZE = ("Summarize the {f} PDF.", "Give me a summary of {f}", "What does the {f} document say?",
              "Open {f} and summarize it", "TL;DR of my {f} file please")


@scenario("summarize_file", 1.0, len(_SUMMARIZE))
def summarize_file(c: Ctx) -> str:
    f = c.choice(c.world.pdfs)
    path = c.call("open_and_get_file_path", f)
    c.call("summarize_pdf", path)
    c.thought = "I have summarized the document."
    return opener(c, c.pick(_SUMMARIZE, f=stem(f)))


_SUM_NOTE = ("Summarize {f} and save the summary as a note called '{t}'.",
             "Make a note named {t} with a summary of the {f} PDF",
             "Read {f}, summarize it and put the summary in my {fo} notes as {t}")


@scenario("summary_to_note", 0.8, len(_SUM_NOTE))
def summary_to_note(c: Ctx) -> str:
    f = c.choice(c.world.pdfs)
    title = f"{stem(f).capitalize()} summary"
    folder = c.choice(("Work", "Personal", "Ideas"))
    query = c.pick(_SUM_NOTE, f=stem(f), t=title, fo=folder)
    path = c.call("open_and_get_file_path", f)
    summary = c.call("summarize_pdf", path)
    c.call("create_note", title, summary, folder if c.template == 2 else "")
    return opener(c, query)


_FILE_MAIL = ("Find the {f} file and email it to {p}.", "Send {f} to {p} by email",
              "Email {p} the {f} document and {x}", "Attach {f} to an email for {p}",
              "Can you find {f} and send it to {p}?")


@scenario("file_to_person", 1.5, len(_FILE_MAIL))
def file_to_person(c: Ctx) -> str:
    f = c.choice(c.world.pdfs + c.world.files)
    (p,) = c.people(1)
    text = c.choice(vocab.EMAIL_CONTEXTS)
    query = c.pick(_FILE_MAIL, f=stem(f), p=p, x=text)
    path = c.call("open_and_get_file_path", f)
    addr = c.call("get_email_address", p)
    c.call("compose_new_email", [addr], [], stem(f).capitalize(), text if c.template == 2 else "", [path])
    c.thought = "I have drafted the email with the attachment."
    return opener(c, query)


_SUM_MAIL = ("Summarize {f} and email the summary to {p} with the file attached.",
             "Send {p} a summary of {f}, and attach the PDF",
             "Email {p} a short summary of the {f} document along with the document itself")


@scenario("summary_email", 1.0, len(_SUM_MAIL))
def summary_email(c: Ctx) -> str:
    f = c.choice(c.world.pdfs)
    (p,) = c.people(1)
    path = c.call("open_and_get_file_path", f)
    summary = c.call("summarize_pdf", path)
    addr = c.call("get_email_address", p)
    c.call("compose_new_email", [addr], [], f"Summary of {stem(f)}", summary, [path])
    return opener(c, c.pick(_SUM_MAIL, f=stem(f), p=p))


_GROUP_SMS = ("Text {ps} that {x}.", "Send a group text to {ps}: {x}", "Message {ps} saying {x}",
              "Let {ps} know by SMS that {x}")


@scenario("group_sms", 1.5, len(_GROUP_SMS))
def group_sms(c: Ctx) -> str:
    names = c.people(c.rng.randint(2, 4))
    msg = c.choice(vocab.SMS_MESSAGES)
    refs = lookups(c, "get_phone_number", names)
    c.call("send_sms", refs, msg)
    c.thought = "I have sent the group message."
    return opener(c, c.pick(_GROUP_SMS, ps=and_list(names), x=msg))


_GROUP_MAIL = ("Email {ps} to {x}.", "Send an email to {ps} about the {t} to {x}",
               "Write to {ps}, cc {cc}, to {x}", "Draft a message to {ps} with {cc} in cc: {x}")


@scenario("group_email", 1.5, len(_GROUP_MAIL))
def group_email(c: Ctx) -> str:
    names = c.people(c.rng.randint(2, 4))
    to, cc = (names[:-1], names[-1:]) if c.rng.random() < 0.5 else (names, [])
    text, topic = c.choice(vocab.EMAIL_CONTEXTS), c.choice(vocab.MEETING_TOPICS)
    # Templates 0-1 name everyone as recipients; 2-3 say who is in cc.
    if cc:
        query = c.pick(_GROUP_MAIL[2:], ps=and_list(to), cc=and_list(cc), x=text)
        c.template += 2
    else:
        query = c.pick(_GROUP_MAIL[:2], ps=and_list(names), x=text, t=topic)
    to_refs = lookups(c, "get_email_address", to)
    cc_refs = lookups(c, "get_email_address", cc)
    c.call("compose_new_email", to_refs, cc_refs, topic.capitalize() if c.template == 1 else "", text, [])
    return opener(c, query)


_INVITE = ("Schedule a {t} with {ps} {w}{at}.", "Set up a meeting with {ps} {w} for the {t}",
           "Invite {ps} to a {t} {w}{at}, {m} minutes", "Put a {t} with {ps} on the calendar {w}",
           "Book {w} with {ps}: {t}{at}")


@scenario("meeting_invite", 1.8, len(_INVITE))
def meeting_invite(c: Ctx) -> str:
    names = c.people(c.rng.randint(1, 4))
    topic = c.choice(vocab.MEETING_TOPICS)
    phrase, start = c.when()
    place = c.choice(vocab.ROOMS + vocab.PLACES) if c.rng.random() < 0.5 else ""
    minutes = c.choice(vocab.DURATIONS)
    query = c.pick(_INVITE, t=topic, ps=and_list(names), w=phrase, at=f" at {place}" if place else "", m=minutes)
    refs = lookups(c, "get_email_address", names)
    loc = place if c.template in (0, 2, 4) else ""
    c.call("create_calendar_event", topic.capitalize(), fmt(start), end_of(start, minutes) if c.template == 2 else "",
           loc, refs, "", "")
    c.thought = "I have created the event and invited everyone."
    return opener(c, query)


_ZOOM_EVENT = ("Set up a Zoom meeting with {ps} {w} about {t} and add it to my calendar.",
               "Create a {m}-minute {t} with {ps} {w}, with a Zoom link, and invite them",
               "Schedule a {t} on Zoom with {ps} {w}; put the link in the calendar event",
               "I want a calendar invite plus Zoom link for a {t} with {ps}, {w}")


@scenario("zoom_event", 1.8, len(_ZOOM_EVENT))
def zoom_event(c: Ctx) -> str:
    names = c.people(c.rng.randint(1, 3))
    topic = c.choice(vocab.MEETING_TOPICS)
    phrase, start = c.when()
    minutes = c.choice(vocab.DURATIONS) if c.rng.random() < 0.7 else 60
    query = c.pick(_ZOOM_EVENT, ps=and_list(names), w=phrase, t=topic, m=minutes)
    refs = lookups(c, "get_email_address", names)
    link = c.call("get_zoom_meeting_link", topic.capitalize(), fmt(start), minutes, refs)
    c.call("create_calendar_event", topic.capitalize(), fmt(start), end_of(start, minutes), link, refs, "", "")
    c.thought = "I have created the Zoom meeting and the calendar event."
    return opener(c, query)


_ZOOM_SHARE = ("Create a Zoom for {t} {w}, then put it on my calendar and save the link in a note.",
               "Make a Zoom link for the {t} {w}; add a calendar event and note it down",
               "Zoom call about {t} {w}: calendar it and keep the link in my notes")


@scenario("zoom_share", 0.7, len(_ZOOM_SHARE))
def zoom_share(c: Ctx) -> str:
    topic = c.choice(vocab.MEETING_TOPICS)
    phrase, start = c.when()
    link = c.call("get_zoom_meeting_link", topic.capitalize(), fmt(start), 60, [])
    c.call("create_calendar_event", topic.capitalize(), fmt(start), "", link, [], "", "")
    c.call("create_note", f"{topic.capitalize()} link", link, "")
    return opener(c, c.pick(_ZOOM_SHARE, t=topic, w=phrase))


_NUMBER_TWICE = ("Get {p}'s number, text them that {x}, and save the number in a note.",
                 "Look up {p}'s phone, message them '{x}', and write the number down in my notes",
                 "Text {p} that {x} and keep their number in a note called {p} phone")


@scenario("number_fanout", 0.7, len(_NUMBER_TWICE))
def number_fanout(c: Ctx) -> str:
    (p,) = c.people(1)
    msg = c.choice(vocab.SMS_MESSAGES)
    num = c.call("get_phone_number", p)
    c.call("send_sms", [num], msg)
    c.call("create_note", f"{p} phone", num, "")
    return opener(c, c.pick(_NUMBER_TWICE, p=p, x=msg))


_FILE_FANOUT = ("Summarize {f} and also attach it to my reply to this email.",
                "Reply to this email with {f} attached, and give me a summary of it",
                "Attach the {f} PDF to a reply here, then summarize the PDF for me")


@scenario("file_fanout", 0.8, len(_FILE_FANOUT))
def file_fanout(c: Ctx) -> str:
    f = c.choice(c.world.pdfs)
    path = c.call("open_and_get_file_path", f)
    c.call("summarize_pdf", path)
    c.call("reply_to_email", [], f"Attached is {stem(f)}.", [path])
    return opener(c, c.pick(_FILE_FANOUT, f=stem(f)))


_REPLY_FILE = ("Reply to this email with the {f} file attached.", "Answer this email and attach {f}",
               "Send {f} as a reply to this message, cc {p}")


@scenario("reply_with_file", 0.8, len(_REPLY_FILE))
def reply_with_file(c: Ctx) -> str:
    f = c.choice(c.world.pdfs + c.world.files)
    (p,) = c.people(1)
    query = c.pick(_REPLY_FILE, f=stem(f), p=p)
    path = c.call("open_and_get_file_path", f)
    cc = [c.call("get_email_address", p)] if c.template == 2 else []
    c.call("reply_to_email", cc, f"Please find {stem(f)} attached.", [path])
    return opener(c, query)


_LOOKUPS = ("What are the phone numbers of {ps}?", "Get me the numbers for {ps}",
            "Find the email addresses of {ps}", "Look up emails for {ps}")


@scenario("parallel_lookups", 0.7, len(_LOOKUPS))
def parallel_lookups(c: Ctx) -> str:
    names = c.people(c.rng.randint(2, 4))
    query = c.pick(_LOOKUPS, ps=and_list(names))
    lookups(c, "get_phone_number" if c.template < 2 else "get_email_address", names)
    return opener(c, query)


_ERRANDS = ("Remind me to {r} {w}, and show {l} on the map.", "Create a note '{t}' saying {x} and remind me to {r} {w}",
            "Show me directions to {l} {m} and remind me to {r} {w}",
            "Remind me to {r} {w} and to {r2} {w2}")


@scenario("errands", 1.0, len(_ERRANDS))
def errands(c: Ctx) -> str:
    r, r2 = c.rng.sample(vocab.REMINDER_TASKS, 2)
    (w, when), (w2, when2) = c.when(), c.when()
    loc, mode = c.choice(vocab.PLACES), c.transport()
    title, text = c.choice(vocab.NOTE_TOPICS).capitalize(), c.choice(vocab.NOTE_LINES)
    query = c.pick(_ERRANDS, r=r, w=w, l=loc, t=title, x=text, m=mode[1], r2=r2, w2=w2)
    if c.template == 1:
        c.call("create_note", title, text, "")
    if c.template == 2:
        c.call("maps_show_directions", "", loc, mode[0])
    c.call("create_reminder", r, fmt(when), "", "", 0, False)
    if c.template == 0:
        c.call("maps_open_location", loc)
    if c.template == 3:
        c.call("create_reminder", r2, fmt(when2), "", "", 0, False)
    return opener(c, query)


_ON_MY_WAY = ("Show me directions to {l} {m} and text {p} that I'm on my way.",
              "I'm heading to {l} {m}; get directions and let {p} know by text",
              "Text {p} I'm coming to {l}, and open directions there {m}")


@scenario("directions_and_text", 0.8, len(_ON_MY_WAY))
def directions_and_text(c: Ctx) -> str:
    (p,) = c.people(1)
    loc = c.choice(vocab.PLACES)
    mode, said = c.transport()
    c.call("maps_show_directions", "", loc, mode)
    num = c.call("get_phone_number", p)
    c.call("send_sms", [num], f"I'm on my way to {loc}")
    return opener(c, c.pick(_ON_MY_WAY, l=loc, m=said, p=p))


_NOTE_SHARE = ("Send {p} my {t} note by text.", "Text the contents of my {t} note to {p}",
               "Email {p} what's in my {t} note", "Share my {t} note with {p} over email")


@scenario("note_share", 0.8, len(_NOTE_SHARE))
def note_share(c: Ctx) -> str:
    title, folder = c.choice(c.world.notes)
    (p,) = c.people(1)
    query = c.pick(_NOTE_SHARE, t=title, p=p)
    content = c.call("open_note", title, folder)
    if c.template < 2:
        num = c.call("get_phone_number", p)
        c.call("send_sms", [num], content)
    else:
        addr = c.call("get_email_address", p)
        c.call("compose_new_email", [addr], [], title, content, [])
    return opener(c, query)


_BIG_MEETING = ("Find {f}, set up a Zoom {t} with {ps} {w}, and email them the file with the link.",
                "Schedule a Zoom {t} with {ps} {w}, put it on the calendar, and send them {f}",
                "Zoom with {ps} {w} for the {t}: calendar invite, and email everyone the {f} document")


@scenario("meeting_with_file", 0.9, len(_BIG_MEETING))
def meeting_with_file(c: Ctx) -> str:
    f = c.choice(c.world.pdfs + c.world.files)
    names = c.people(c.rng.randint(1, 2))
    topic = c.choice(vocab.MEETING_TOPICS)
    phrase, start = c.when()
    query = c.pick(_BIG_MEETING, f=stem(f), t=topic, ps=and_list(names), w=phrase)
    path = c.call("open_and_get_file_path", f)
    refs = lookups(c, "get_email_address", names)
    link = c.call("get_zoom_meeting_link", topic.capitalize(), fmt(start), 60, refs)
    if c.template > 0:
        c.call("create_calendar_event", topic.capitalize(), fmt(start), "", link, refs, "", "")
    c.call("compose_new_email", refs, [], topic.capitalize(), f"Join here: {link}", [path])
    return opener(c, query)
