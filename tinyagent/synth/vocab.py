"""Slot fillers for the offline generator: topics, places, messages, files, notes and date phrases.

Everything here is data; `date_phrase` (from `tinyagent.synth.dates`) turns a reference time the
caller passes in (never the wall clock) into a phrase the user says and the datetime it means.

Example:
    >>> import random
    >>> from datetime import datetime
    >>> phrase, when = date_phrase(random.Random(1), datetime(2024, 5, 27, 9, 0))
    >>> isinstance(phrase, str) and when > datetime(2024, 5, 27, 9, 0)
    True
"""
from __future__ import annotations

from tinyagent.synth import dates

MEETING_TOPICS = (
    "design review", "budget sync", "quarterly planning", "1:1", "sprint retro", "product demo",
    "hiring committee", "launch checklist", "roadmap review", "customer call", "offsite planning",
    "onboarding chat", "paper reading group", "security review", "board prep", "marketing sync",
    "data pipeline walkthrough", "interview debrief", "vendor negotiation", "code review",
    "team lunch", "coffee chat", "project kickoff", "status update", "brainstorm", "OKR check-in",
    "investor update", "research sync", "travel planning", "grant proposal review",
)
PLACES = (
    "Blue Bottle Coffee", "the Ferry Building", "SFO", "Union Square", "the public library",
    "Golden Gate Park", "Stanford Shopping Center", "the office", "Oakland Airport", "Dolores Park",
    "Caltrain station", "the gym", "Trader Joe's", "Berkeley Bowl", "the dentist", "City Hall",
    "Moscone Center", "Pier 39", "the farmers market", "Tartine Bakery", "Soda Hall",
    "the Exploratorium", "Chase Center", "the museum of modern art", "Lake Merritt",
)
ROOMS = ("Room 4B", "the big conference room", "Zoom", "the lobby", "my office", "the cafe downstairs")
SMS_MESSAGES = (
    "I'm running about 10 minutes late", "can you pick up milk on the way home",
    "the meeting moved to tomorrow", "call me when you land", "happy birthday!",
    "thanks for your help today", "I left the keys under the mat", "dinner is at 7",
    "are we still on for lunch", "I just sent you the slides", "traffic is terrible, start without me",
    "don't forget the tickets", "the package arrived", "let's meet at the entrance",
    "can you review my draft tonight", "I'm outside", "see you at the game",
    "the train is delayed", "good luck with the interview", "please call the landlord",
)
EMAIL_CONTEXTS = (
    "ask whether the deadline can move to next week", "share the latest numbers",
    "thank them for the meeting", "ask for feedback on the draft", "confirm the reservation",
    "introduce the new intern", "follow up on the invoice", "propose a time to meet",
    "send the agenda for the workshop", "say I'll be out of office on Friday",
    "ask them to review the attached document", "summarize what we agreed on",
    "request the signed contract", "remind them about the survey", "congratulate them on the launch",
)
REPLIES = (
    "sounds good, see you then", "thanks, I'll take a look tonight", "I can't make it, sorry",
    "yes, please go ahead", "let's push this to next week", "I agree with the plan",
    "could you send more details", "great news, congratulations", "I'm on it",
    "the numbers look right to me",
)
NOTE_TOPICS = (
    "grocery list", "gift ideas", "book recommendations", "meeting notes", "packing list",
    "project ideas", "recipes to try", "workout plan", "travel itinerary", "reading list",
    "questions for the doctor", "home repairs", "podcast notes", "weekly goals", "movie list",
)
NOTE_LINES = (
    "eggs, spinach and oat milk", "call the plumber about the sink", "try the new ramen place",
    "finish chapter three", "book flights before Friday", "renew the passport",
    "ask about the parking permit", "buy a birthday card for mom", "back up the laptop",
    "water the plants", "look into standing desks", "cancel the unused subscription",
    "schedule a haircut", "return the library books", "pay the electricity bill",
)
NOTE_FOLDERS = ("", "", "Work", "Personal", "Ideas", "Travel")
REMINDER_TASKS = (
    "pay rent", "call the bank", "submit the expense report", "pick up the dry cleaning",
    "renew the car registration", "take out the trash", "buy flowers", "book a dentist appointment",
    "send the tax documents", "water the plants", "charge the camera", "cancel the gym trial",
    "order printer ink", "pack for the trip", "check in for the flight", "feed the cat",
    "file the report", "update the resume", "back up the phone", "return the rental car",
)
REMINDER_LISTS = ("", "", "Work", "Personal", "Errands", "Home")
CALENDARS = ("", "", "", "Work", "Personal", "Family")
PRIORITIES = ((0, ""), (1, "high priority"), (5, "medium priority"), (9, "low priority"))
TRANSPORT = (("d", "driving"), ("w", "walking"), ("r", "by public transit"), ("d", "by car"),
             ("w", "on foot"), ("r", "by train"))
DISTRACTOR_PREFIXES = (
    "I'm swamped today. ", "Quick one before my flight: ", "Ugh, Mondays. ", "Hey! ",
    "While I'm thinking of it, ", "Before I forget, ", "I'm on my phone, so ", "Okay, next thing: ",
    "It's been a long week. ", "Sorry for the rush, ",
)
POLITE_OPENERS = ("", "", "", "Please ", "Can you ", "Could you ", "I need you to ", "Hey, ", "Go ahead and ")
DURATIONS = (15, 30, 30, 45, 60, 60, 90)

# The spoken dates themselves live in `tinyagent.synth.dates` (many surface forms, one meaning each).
date_phrase = dates.date_phrase
clock = dates.clock_text
