"""The embedded default tool backend: the 16 assistant tools acting on an on-disk workspace.

Usage:
    >>> import tempfile
    >>> from pathlib import Path
    >>> from tinyagent.sandbox import SandboxBackend
    >>> SandboxBackend(Path(tempfile.mkdtemp()), seed=0).call("get_phone_number", ["Lutfi"])
    '+1-415-555-0102'

Modules: workspace (layout, path and file-name safety, atomic writes), contacts (SQLite + fuzzy
lookup), calendar (VEVENT .ics), reminders (VTODO .ics), notes (.md), mail (.eml), messages (SMS
JSON), maps_zoom (map URLs, Zoom links), files (documents, PDF summaries), backend (SandboxBackend).
"""
from tinyagent.sandbox.backend import SandboxBackend
from tinyagent.sandbox.workspace import Workspace, inside_workspace, safe_filename

__all__ = ["SandboxBackend", "Workspace", "inside_workspace", "safe_filename"]
