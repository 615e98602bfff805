"""The sandbox workspace as HTML: events, outbox, notes, reminders, texts and meetings, with what
the last run added marked "new", so the user sees exactly what the agent did; and the contacts and
files the tools can look up, so the user knows whom and what to ask for.

Example:
    >>> summary = {"root": "/ws", "events": [], "notes": [], "reminders": [], "sms": [], "zoom": [],
    ...            "outbox": [{"to": "sid@x.org", "cc": "", "subject": "Hi <b>", "attachments": [],
    ...                        "path": "/ws/outbox/1.eml"}]}
    >>> new_paths({"outbox": []}, summary)
    ['/ws/outbox/1.eml']
    >>> html = workspace_html(summary, new=["/ws/outbox/1.eml"])
    >>> "Hi &lt;b&gt;" in html and "NEW" in html
    True
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

# section key -> (heading, columns shown as (header, function of the item))
Row = Callable[[dict[str, Any]], str]
SECTIONS: dict[str, tuple[str, tuple[tuple[str, Row], ...]]] = {
    "events": ("Calendar events", (("title", lambda e: e["title"]), ("start", lambda e: e["start"]),
                                   ("end", lambda e: e["end"]), ("invitees", lambda e: ", ".join(e["invitees"])),
                                   ("location", lambda e: e["location"]))),
    "outbox": ("Outbox (mail)", (("to", lambda m: m["to"]), ("cc", lambda m: m["cc"]),
                                 ("subject", lambda m: m["subject"]),
                                 ("attachments", lambda m: ", ".join(a or "" for a in m["attachments"])))),
    "sms": ("Text messages", (("to", lambda s: ", ".join(s.get("recipients", []))),
                              ("message", lambda s: s.get("message", "")))),
    "notes": ("Notes", (("folder", lambda n: n["folder"]), ("title", lambda n: n["title"]),
                        ("chars", lambda n: str(n["chars"])))),
    "reminders": ("Reminders", (("name", lambda r: r["name"]), ("due", lambda r: r["due"] or ""),
                                ("list", lambda r: r["list"]))),
    "zoom": ("Zoom meetings", (("topic", lambda z: z.get("topic", "")), ("start", lambda z: z.get("start_time", "")),
                               ("link", lambda z: z.get("link", "")))),
    "files": ("Files", (("file", lambda f: f["file"]), ("bytes", lambda f: str(f["bytes"])),
                        ("content", lambda f: f["content"]))),  # folder_summary: a custom catalog's state folder
}
PREVIEW_CHARS = 300  # of each state file shown in the demo


def folder_summary(root: Path, limit: int = 50) -> dict[str, Any]:
    """The files your tools keep in `root` (their state folder), in the shape `workspace_html` reads:
    path, name, size and the start of the text. Links are skipped (they may lead anywhere).

    >>> import tempfile; from pathlib import Path
    >>> d = Path(tempfile.mkdtemp()); _ = (d / "home.json").write_text('{"on": true}')
    >>> [(f["file"], f["bytes"], f["content"]) for f in folder_summary(d)["files"]]
    [('home.json', 12, '{"on": true}')]
    """
    files = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())[:limit]:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")[:PREVIEW_CHARS]
        except OSError as exc:
            text = f"(unreadable: {exc.strerror})"
        files.append({"path": str(path), "file": str(path.relative_to(root)), "bytes": path.stat().st_size,
                      "content": text})
    return {"root": str(root), "files": files}


def new_paths(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Files that appear in `after` but not in `before` (both `workspace_summary()` snapshots)."""
    def paths(summary: dict[str, Any]) -> set[str]:
        return {item["path"] for key in SECTIONS for item in summary.get(key, ()) if "path" in item}
    return sorted(paths(after) - paths(before))


def _table(items: list[dict[str, Any]], columns: tuple[tuple[str, Row], ...], new: set[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h, _ in columns)
    rows = []
    for item in items:
        cells = "".join(f"<td>{html.escape(str(get(item)))}</td>" for _, get in columns)
        mark = "<td><b style='color:#2e7d32'>NEW</b></td>" if item.get("path") in new else "<td></td>"
        rows.append(f"<tr>{mark}{cells}</tr>")
    return f"<table style='border-collapse:collapse;font-size:12px'><tr><th></th>{head}</tr>{''.join(rows)}</table>"


def reference_html(contacts: Sequence[Any], documents: Sequence[str]) -> str:
    """What the tools can look up: the address book (name, email, phone) and the files in documents/,
    folded away, so a user can ask for someone or something that exists.

    >>> from tinyagent.sandbox.contacts import Contact
    >>> page = reference_html([Contact("Sid", "Patel", "sid@x.org", "+1-555")], ["Report.pdf"])
    >>> "1 contact(s) and 1 file(s)" in page and "Sid Patel" in page and "Report.pdf" in page
    True
    """
    people = "".join(f"<tr><td>{html.escape(c.full_name)}</td><td>{html.escape(c.email)}</td>"
                     f"<td>{html.escape(c.phone)}</td></tr>" for c in contacts)
    files = "".join(f"<li>{html.escape(name)}</li>" for name in documents) or "<li><i>none</i></li>"
    return (f"<details style='font-size:12px;margin-top:6px'><summary><b>What the sandbox knows</b>: "
            f"{len(contacts)} contact(s) and {len(documents)} file(s) the tools can use</summary>"
            f"<div style='display:flex;gap:24px'><div><b>Contacts</b><table style='border-collapse:collapse'>"
            f"<tr><th>name</th><th>email</th><th>phone</th></tr>{people}</table></div>"
            f"<div><b>Files</b> (documents/)<ul style='margin:0'>{files}</ul></div></div></details>")


def workspace_html(summary: dict[str, Any], new: Iterable[str] = (), contacts: Sequence[Any] | None = None,
                   title: str = "Sandbox workspace") -> str:
    """HTML of a `workspace_summary()` (or a `folder_summary()`); items whose path is in `new` are
    marked NEW. With `contacts` (the sandbox's address book) the contacts and files the tools can use
    are listed too."""
    fresh = set(new)
    parts = [f"<div style='font-size:12px'><b>{html.escape(title)}</b> <code>{html.escape(str(summary.get('root', '')))}"
             f"</code> ({len(fresh)} new file(s) from this run)</div>"]
    for key, (heading, columns) in SECTIONS.items():
        items = summary.get(key) or []
        if items:
            parts.append(f"<div style='margin-top:6px'><b>{heading}</b> ({len(items)})</div>"
                         + _table(items, columns, fresh))
    if len(parts) == 1:
        parts.append("<div><i>nothing written yet</i></div>")
    if contacts is not None:
        parts.append(reference_html(contacts, summary.get("documents") or []))
    return "".join(parts)
