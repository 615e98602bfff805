"""Read input text as UTF-8 with errors that name the file and line (not a bare UnicodeDecodeError).

Example:
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bad.jsonl"
    >>> _ = p.write_bytes(b'{"a": 1}\\n{"b": "\\xff"}\\n')
    >>> try:
    ...     read_utf8(p)
    ... except TextDecodeError as e:
    ...     print(str(e).split(": ", 1)[1])
    line 2, column 8: byte 0xff is not UTF-8 (the file must be UTF-8 text)
"""
from __future__ import annotations

import sys
from pathlib import Path


class TextDecodeError(ValueError):
    """Input bytes are not UTF-8; the message names the file, line and column."""


def decode_utf8(data: bytes, name: str) -> str:
    """`data` as text; TextDecodeError naming `name`, the line and column of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise TextDecodeError(f"{name}: line {line}, column {column}: byte 0x{data[e.start]:02x} is not UTF-8 "
                              "(the file must be UTF-8 text)") from None


def read_utf8(path: str | Path) -> str:
    """The text of `path` ('-' reads stdin); OSError when it cannot be read, TextDecodeError when not UTF-8."""
    if str(path) == "-":
        return decode_utf8(sys.stdin.buffer.read(), "<stdin>")
    return decode_utf8(Path(path).read_bytes(), str(path))


def check_utf8(path: str | Path) -> None:
    """Raise TextDecodeError (naming file and line) unless `path` holds UTF-8 text."""
    read_utf8(path)
