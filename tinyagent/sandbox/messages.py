"""Text messages saved as JSON drafts in sms/ (the sandbox never sends anything).

Example:
    >>> import tempfile, pathlib
    >>> from datetime import datetime
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = save_sms(folder, ["+1-415-555-0101"], "Running late", datetime(2024, 5, 1, 9))
    >>> read_sms(folder)[0]["message"]
    'Running late'
"""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from tinyagent.sandbox.workspace import files_in, oldest_first, read_bytes, unique_stem, write_in
from tinyagent.tools.assistant import DATE_FORMAT
from tinyagent.tools.backend import ToolError

log = logging.getLogger(__name__)

PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()./-]{2,30}(?:x[0-9]{1,6})?$")  # digits and separators


def is_phone_number(text: str) -> bool:
    """True for strings that look like a dialable number ('+1-415-555-0101', '(415) 555 0101')."""
    return bool(PHONE_PATTERN.match(text.strip())) and sum(ch.isdigit() for ch in text) >= 3


def save_sms(folder: Path, recipients: list[str], message: str, when: datetime) -> Path:
    """Write one message as JSON; ToolError for a recipient that is not a phone number."""
    bad = [r for r in recipients if not is_phone_number(r)]
    if bad or not recipients:
        raise ToolError(f"send_sms needs phone numbers as recipients, got {bad or recipients!r}")
    record = {"recipients": recipients, "message": message, "created": when.strftime(DATE_FORMAT),
              "status": "draft"}
    data = json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8")
    path = write_in(folder, folder / f"{unique_stem(when)}.json", data)
    log.info("sms to %s saved at %s", recipients, path)
    return path


def read_sms(folder: Path) -> list[dict[str, Any]]:
    """Every saved message, oldest first, each with its file path."""
    return [dict(json.loads(read_bytes(folder, p).decode("utf-8")), path=str(p))
            for p in oldest_first(files_in(folder, folder, "*.json"))]
