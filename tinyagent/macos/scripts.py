"""Constant AppleScript sources for the macOS backend: no user value is ever part of these texts.

Every script reads its inputs from `on run argv`; `tinyagent.macos.applescript` builds the argv.
argv layout conventions (shared by all scripts):
- scalars first, at fixed positions (`item 1 of argv`, ...);
- a date is six integer items: year, month, day, hours, minutes, seconds (validated in Python and
  read by `dateAt`, so no locale-dependent date parsing happens in AppleScript);
- a list is a count item followed by that many items (`listAt`); lists come last, one after the
  other, each script computing the next list's position from the previous list's count.
Scripts return text; several records are joined with ASCII RS (30) and fields with US (31).

Example:
    >>> from tinyagent.macos.scripts import TEMPLATES
    >>> sorted(TEMPLATES)[:3]
    ['append_note', 'calendar_event', 'compose_email']
    >>> all(src.count("on run argv") == 1 for src in TEMPLATES.values())
    True
"""
from __future__ import annotations

# Handlers shared by the scripts. `my` is needed to call them from inside `tell` blocks.
PRELUDE = """\
on listAt(argv, i)
	-- item i is a count n, items i+1 .. i+n are the list
	set n to (item i of argv) as integer
	set out to {}
	repeat with k from (i + 1) to (i + n)
		set end of out to (item k of argv)
	end repeat
	return out
end listAt

on filesAt(argv, i)
	set out to {}
	repeat with p in my listAt(argv, i)
		set end of out to ((POSIX file (contents of p)) as alias)
	end repeat
	return out
end filesAt

on dateAt(argv, i)
	-- items i .. i+5: year, month, day, hours, minutes, seconds
	set d to current date
	set day of d to 1 -- so that setting the month never overflows (31 Jan -> Feb)
	set year of d to (item i of argv) as integer
	set month of d to (item (i + 1) of argv) as integer
	set day of d to (item (i + 2) of argv) as integer
	set hours of d to (item (i + 3) of argv) as integer
	set minutes of d to (item (i + 4) of argv) as integer
	set seconds of d to (item (i + 5) of argv) as integer
	return d
end dateAt

on joinRecords(recs)
	set saved to AppleScript's text item delimiters
	set AppleScript's text item delimiters to (character id 30)
	set out to recs as text
	set AppleScript's text item delimiters to saved
	return out
end joinRecords

on fillMessage(msg, toList, ccList, fileList)
	tell application "Mail"
		repeat with a in toList
			make new to recipient at end of to recipients of msg with properties {address:(contents of a)}
		end repeat
		repeat with a in ccList
			make new cc recipient at end of cc recipients of msg with properties {address:(contents of a)}
		end repeat
		repeat with f in fileList
			tell content of msg
				make new attachment with properties {file name:(contents of f)} at after last paragraph
			end tell
		end repeat
	end tell
end fillMessage

on notesFolder(folderName, createIt)
	tell application "Notes"
		if folderName is "" then return default folder of default account
		if exists folder folderName of default account then return folder folderName of default account
		if createIt then return make new folder at default account with properties {name:folderName}
		error "no Notes folder named " & folderName
	end tell
end notesFolder
"""

# Contacts: argv = {query}. Returns records "name US value" for every matching person and value.
_CONTACT = """\
on run argv
	set query to item 1 of argv
	set sep to character id 31
	set found to {}
	tell application "Contacts"
		repeat with p in (every person whose name contains query)
			repeat with v in (value of every FIELD of p)
				set end of found to (name of p) & sep & (v as text)
			end repeat
		end repeat
	end tell
	return my joinRecords(found)
end run
"""

# Calendar: argv = {title, location, notes, calendar, start(6), end(6), invitees(list)}. Returns the uid.
CALENDAR_EVENT = """\
on run argv
	set evTitle to item 1 of argv
	set evLocation to item 2 of argv
	set evNotes to item 3 of argv
	set calName to item 4 of argv
	set startDate to my dateAt(argv, 5)
	set endDate to my dateAt(argv, 11)
	set invitees to my listAt(argv, 17)
	tell application "Calendar"
		if calName is "" then
			set cal to first calendar whose writable is true
		else
			if not (exists calendar calName) then error "no calendar named " & calName
			set cal to calendar calName
		end if
		set ev to make new event at end of events of cal with properties {summary:evTitle, start date:startDate, end date:endDate, location:evLocation, description:evNotes}
		repeat with addr in invitees
			make new attendee at end of attendees of ev with properties {email:(contents of addr)}
		end repeat
		return uid of ev
	end tell
end run
"""

# Mail, new draft: argv = {subject, body, to(list), cc(list), attachments(list)}. Left open, not sent.
COMPOSE_EMAIL = """\
on run argv
	set subj to item 1 of argv
	set msgBody to item 2 of argv
	set toList to my listAt(argv, 3)
	set i to 4 + (count of toList)
	set ccList to my listAt(argv, i)
	set fileList to my filesAt(argv, i + 1 + (count of ccList))
	tell application "Mail"
		set msg to make new outgoing message with properties {subject:subj, content:msgBody, visible:true}
	end tell
	my fillMessage(msg, toList, ccList, fileList)
	tell application "Mail" to activate
	return subj
end run
"""

# Mail, reply to the selected message: argv = {body, cc(list), attachments(list)}. Returns its subject.
REPLY_EMAIL = """\
on run argv
	set msgBody to item 1 of argv
	set ccList to my listAt(argv, 2)
	set fileList to my filesAt(argv, 3 + (count of ccList))
	tell application "Mail"
		set sel to selection
		if (count of sel) is 0 then error "no email is selected in Mail"
		set original to item 1 of sel
		set msg to reply original with opening window
		if msgBody is not "" then set content of msg to msgBody & return & return & (content of msg)
		set subj to subject of original
	end tell
	my fillMessage(msg, {}, ccList, fileList)
	return subj
end run
"""

# Mail, forward the selected message: argv = {body, to(list), cc(list), attachments(list)}.
FORWARD_EMAIL = """\
on run argv
	set msgBody to item 1 of argv
	set toList to my listAt(argv, 2)
	set i to 3 + (count of toList)
	set ccList to my listAt(argv, i)
	set fileList to my filesAt(argv, i + 1 + (count of ccList))
	tell application "Mail"
		set sel to selection
		if (count of sel) is 0 then error "no email is selected in Mail"
		set original to item 1 of sel
		set msg to forward original with opening window
		if msgBody is not "" then set content of msg to msgBody & return & return & (content of msg)
		set subj to subject of original
	end tell
	my fillMessage(msg, toList, ccList, fileList)
	return subj
end run
"""

# Notes: argv = {name, html body, folder}. Returns the note's name.
CREATE_NOTE = """\
on run argv
	set noteName to item 1 of argv
	set noteBody to item 2 of argv
	set f to my notesFolder(item 3 of argv, true)
	tell application "Notes"
		make new note at f with properties {name:noteName, body:noteBody}
	end tell
	return noteName
end run
"""

# Notes: argv = {name, folder}. Shows the note and returns its plain text ("" when missing;
# a note's plain text always holds at least its title).
OPEN_NOTE = """\
on run argv
	set noteName to item 1 of argv
	set folderName to item 2 of argv
	if folderName is "" then
		tell application "Notes" to set found to every note whose name is noteName
	else
		set f to my notesFolder(folderName, false)
		tell application "Notes" to set found to every note of f whose name is noteName
	end if
	if (count of found) is 0 then return ""
	tell application "Notes"
		set n to item 1 of found
		show n
		return plaintext of n
	end tell
end run
"""

# Notes: argv = {name, html fragment to append, folder, html body if the note must be created}.
APPEND_NOTE = """\
on run argv
	set noteName to item 1 of argv
	set extra to item 2 of argv
	set f to my notesFolder(item 3 of argv, true)
	tell application "Notes"
		set found to every note of f whose name is noteName
		if (count of found) is 0 then
			make new note at f with properties {name:noteName, body:(item 4 of argv)}
			return "created"
		end if
		set n to item 1 of found
		set body of n to (body of n) & extra
	end tell
	return "appended"
end run
"""

# Reminders: argv = {name, notes, list, priority, has due ("1"/"0"), all day ("1"/"0"), [due(6)]}.
CREATE_REMINDER = """\
on run argv
	set rName to item 1 of argv
	set rNotes to item 2 of argv
	set listName to item 3 of argv
	set rPriority to (item 4 of argv) as integer
	set hasDue to (item 5 of argv) is "1"
	set allDay to (item 6 of argv) is "1"
	if hasDue then set dueDate to my dateAt(argv, 7)
	tell application "Reminders"
		if listName is "" then
			set l to default list
		else if exists list listName then
			set l to list listName
		else
			set l to make new list with properties {name:listName}
		end if
		tell l to set r to make new reminder with properties {name:rName, body:rNotes, priority:rPriority}
		if hasDue and allDay then
			set allday due date of r to dueDate
		else if hasDue then
			set due date of r to dueDate
		end if
		return name of l
	end tell
end run
"""

# Messages: argv = {text, recipients(list)}. Returns the number of messages sent.
SEND_SMS = """\
on run argv
	set msgText to item 1 of argv
	set targets to my listAt(argv, 2)
	tell application "Messages"
		set svc to 1st account whose service type = iMessage
		repeat with r in targets
			send msgText to participant (contents of r) of svc
		end repeat
	end tell
	return (count of targets) as text
end run
"""

_BODIES = {
    "contact_phones": _CONTACT.replace("FIELD", "phone"),
    "contact_emails": _CONTACT.replace("FIELD", "email"),
    "calendar_event": CALENDAR_EVENT,
    "compose_email": COMPOSE_EMAIL,
    "reply_email": REPLY_EMAIL,
    "forward_email": FORWARD_EMAIL,
    "create_note": CREATE_NOTE,
    "open_note": OPEN_NOTE,
    "append_note": APPEND_NOTE,
    "create_reminder": CREATE_REMINDER,
    "send_sms": SEND_SMS,
}

# The complete sources osascript runs, by name: the prelude's handlers followed by the run handler.
TEMPLATES: dict[str, str] = {name: PRELUDE + "\n" + body for name, body in _BODIES.items()}
