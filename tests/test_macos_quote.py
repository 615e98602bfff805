"""applescript_quote against an independent decoder of AppleScript string literals, and Script checks.

Usage: .venv/bin/python -m pytest tests/test_macos_quote.py -q
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from tinyagent.macos import applescript as osa
from tinyagent.macos.applescript import Script, applescript_quote
from tinyagent.macos.scripts import TEMPLATES
from tinyagent.tools.backend import ToolError

# AppleScript string literals know only these escapes; a bare quote ends the literal.
_DECODE = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
HOSTILE = 'x" & (do shell script "touch /tmp/pwned") & "'


def decode_literal(src: str, pos: int = 0) -> tuple[str, int]:
    """Decode the literal starting at src[pos]; returns (value, index just past the closing quote)."""
    if src[pos] != '"':
        raise ValueError(f"no literal at {pos}")
    out, i = [], pos + 1
    while True:
        ch = src[i]  # IndexError: unterminated literal
        if ch == '"':
            return "".join(out), i + 1
        if ch == "\\":
            out.append(_DECODE[src[i + 1]])  # KeyError: an escape AppleScript does not know
            i += 2
        else:
            out.append(ch)
            i += 1


def decode_list(src: str) -> list[str]:
    """Decode an AppleScript list of string literals `{"a", "b"}`."""
    assert src[0] == "{"
    values, i = [], 1
    while src[i] != "}":
        value, i = decode_literal(src, i)
        values.append(value)
        if src[i] == ",":
            i += 2  # ", "
    assert i == len(src) - 1, "text after the list"
    return values


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_characters="\x00")))
def test_quote_round_trips_through_decoder(text):
    literal = applescript_quote(text)
    value, end = decode_literal(literal)
    assert value == text
    assert end == len(literal)  # nothing of the input is left outside the literal
    assert not set("\n\r\t") & set(literal)  # line breaks are escaped, so the literal stays on one line


@pytest.mark.parametrize("text, expected", [
    ("", '""'),
    ('say "hi"', '"say \\"hi\\""'),
    ("back\\slash", '"back\\\\slash"'),
    ("a\nb\rc\td", '"a\\nb\\rc\\td"'),
    ("¬ «data» 🙂", '"¬ «data» 🙂"'),
    (HOSTILE, '"x\\" & (do shell script \\"touch /tmp/pwned\\") & \\""'),
])
def test_quote_examples(text, expected):
    assert applescript_quote(text) == expected


def test_quote_rejects_nul_and_non_text():
    with pytest.raises(ValueError, match="NUL"):
        applescript_quote("a\x00b")
    with pytest.raises(TypeError, match="str"):
        applescript_quote(b"bytes")  # type: ignore[arg-type]


def test_decoder_is_strict():
    # The decoder must itself reject what AppleScript would reject, or the round trip proves little.
    with pytest.raises(KeyError):
        decode_literal('"\\q"')
    with pytest.raises(IndexError):
        decode_literal('"unterminated')


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(exclude_characters="\x00", exclude_categories=["Cs"])), max_size=5))
def test_standalone_embeds_exactly_the_argv(values):
    script = Script("send_sms", tuple(values))
    first, rest = script.standalone().split("\n", 1)
    assert first.startswith("main(") and first.endswith(")")
    assert decode_list(first[len("main("):-1]) == values
    assert rest == script.source.replace("on run argv", "on main(argv)").replace("\nend run", "\nend main")


def test_script_rejects_nul_unknown_template_and_non_text():
    with pytest.raises(ToolError, match="NUL"):
        Script("send_sms", ("hi\x00", "0"))
    with pytest.raises(ToolError, match="not valid Unicode"):
        Script("send_sms", ("\ud800", "0"))  # a lone surrogate cannot be encoded into argv
    with pytest.raises(ValueError, match="unknown AppleScript template"):
        Script("rm_rf", ())
    with pytest.raises(TypeError, match="must be str"):
        Script("send_sms", (3,))  # type: ignore[arg-type]


def test_command_puts_values_after_double_dash():
    script = osa.send_sms("-e", ["--", "+1 555"])
    assert script.command() == ["osascript", "-e", TEMPLATES["send_sms"], "--", "-e", "2", "--", "+1 555"]


def test_templates_read_argv_and_contain_no_string_building_from_input():
    for name, source in TEMPLATES.items():
        assert source.count("on run argv") == 1 and source.count("\nend run") == 1, name
        # the only ways AppleScript could turn text into code; none is used
        for dangerous in ("run script", "do shell script", "osascript", "load script"):
            assert dangerous not in source, (name, dangerous)
