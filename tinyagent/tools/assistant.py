"""The 16 tools of the Siri-like assistant (names, argument order and types of the reference design).

Descriptions are ours. Dates are strings in `DATE_FORMAT`. The catalog order is the ToolRAG label order.
Every tool returns a string of at most `tinyagent.tools.limits.MAX_TEXT_CHARS` (16,000) characters;
a longer output is cut there and ends in " …[truncated: N of M characters dropped]". String
arguments built from `$N` references are capped the same way before the tool sees them.

Example:
    >>> from tinyagent.tools.assistant import ASSISTANT_TOOLS
    >>> len(ASSISTANT_TOOLS), ASSISTANT_TOOLS.names[0]
    (16, 'create_calendar_event')
"""
from __future__ import annotations

from tinyagent.tools.catalog import ToolCatalog, ToolParam as P, ToolSpec

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"  # every date argument and result, e.g. 2024-05-30 14:00:00
TRANSPORT_MODES = ("d", "w", "r")  # driving, walking, public transit

_NAME = P("name", "str", "Full or partial name of the person, as the user said it.")

ASSISTANT_TOOLS = ToolCatalog((
    ToolSpec("create_calendar_event",
             "Create a calendar event. Invitees are email addresses; leave unknown fields empty.",
             (P("title", "str", "Title of the event."),
              P("start_date", "str", "Start, 'YYYY-MM-DD HH:MM:SS'."),
              P("end_date", "str", "End, 'YYYY-MM-DD HH:MM:SS'; empty means one hour after the start.", False),
              P("location", "str", "Where it happens; may be empty.", False),
              P("invitees", "list[str]", "Email addresses of the people to invite.", False),
              P("notes", "str", "Free-text notes for the event.", False),
              P("calendar", "str", "Name of the calendar; empty for the default one.", False)),
             app="calendar", side_effects=True),
    ToolSpec("get_phone_number", "Look up a contact's phone number by name.", (_NAME,),
             app="contacts", side_effects=False),
    ToolSpec("get_email_address", "Look up a contact's email address by name.", (_NAME,),
             app="contacts", side_effects=False),
    ToolSpec("open_and_get_file_path",
             "Find a file by (approximate) name in the user's documents, open it and return its path.",
             (P("file_name", "str", "Name or part of the name of the file."),),
             app="files", side_effects=False),
    ToolSpec("summarize_pdf", "Summarize the text of a PDF file given its path.",
             (P("pdf_path", "str", "Path of the PDF, usually the output of open_and_get_file_path."),),
             app="files", side_effects=False),
    ToolSpec("compose_new_email",
             "Draft a new email. Recipients and cc are email addresses; attachments are file paths.",
             (P("recipients", "list[str]", "Email addresses of the recipients."),
              P("cc", "list[str]", "Email addresses to copy.", False),
              P("subject", "str", "Subject line.", False),
              P("context", "str", "What the email should say.", False),
              P("attachments", "list[str]", "Paths of files to attach.", False)),
             app="mail", side_effects=True),
    ToolSpec("reply_to_email", "Reply to the email the user is currently reading.",
             (P("cc", "list[str]", "Email addresses to copy.", False),
              P("context", "str", "What the reply should say.", False),
              P("attachments", "list[str]", "Paths of files to attach.", False)),
             app="mail", side_effects=True),
    ToolSpec("forward_email", "Forward the email the user is currently reading.",
             (P("recipients", "list[str]", "Email addresses to forward to."),
              P("cc", "list[str]", "Email addresses to copy.", False),
              P("context", "str", "A note to add above the forwarded message.", False),
              P("attachments", "list[str]", "Paths of extra files to attach.", False)),
             app="mail", side_effects=True),
    ToolSpec("maps_open_location", "Show a location (address or place name) on the map.",
             (P("location", "str", "Address or place name."),),
             app="maps", side_effects=False),
    ToolSpec("maps_show_directions", "Show directions between two locations.",
             (P("start_location", "str", "Where to start; empty means the current location."),
              P("end_location", "str", "Destination address or place name."),
              P("transport", "str", "'d' driving, 'w' walking, 'r' public transit.", False,
                TRANSPORT_MODES)),
             app="maps", side_effects=False),
    ToolSpec("create_note", "Create a new note with the given title and content.",
             (P("name", "str", "Title of the note."),
              P("content", "str", "Body of the note."),
              P("folder", "str", "Folder of the note; empty for the default one.", False)),
             app="notes", side_effects=True),
    ToolSpec("open_note", "Open a note by title and return its content.",
             (P("name", "str", "Title of the note."),
              P("folder", "str", "Folder of the note; empty to search all folders.", False)),
             app="notes", side_effects=False),
    ToolSpec("append_note_content", "Append text to an existing note (created if missing).",
             (P("name", "str", "Title of the note."),
              P("content", "str", "Text to append."),
              P("folder", "str", "Folder of the note; empty for the default one.", False)),
             app="notes", side_effects=True),
    ToolSpec("create_reminder", "Create a reminder.",
             (P("name", "str", "What to be reminded of."),
              P("due_date", "str", "When, 'YYYY-MM-DD HH:MM:SS'; empty for no due date.", False),
              P("notes", "str", "Extra notes.", False),
              P("list_name", "str", "Reminder list; empty for the default one.", False),
              P("priority", "int", "0 none, 1 high, 5 medium, 9 low.", False),
              P("all_day", "bool", "Whether the reminder is for the whole day.", False)),
             app="reminders", side_effects=True),
    ToolSpec("send_sms", "Send a text message. Recipients are phone numbers.",
             (P("recipients", "list[str]", "Phone numbers of the recipients."),
              P("message", "str", "Text of the message.")),
             app="sms", side_effects=True),
    ToolSpec("get_zoom_meeting_link", "Create a Zoom meeting and return its join link.",
             (P("topic", "str", "Topic of the meeting."),
              P("start_time", "str", "Start, 'YYYY-MM-DD HH:MM:SS'."),
              P("duration", "int", "Length in minutes.", False),
              P("meeting_invitees", "list[str]", "Email addresses of the invitees.", False)),
             app="zoom", side_effects=True),
))
