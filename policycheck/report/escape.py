"""Text from files and servers made safe to print: it can neither steer a terminal nor hide.

A policy, a file name, a RAM name or a server message can hold ESC sequences (erase the
screen, move the cursor, OSC 52 writes the clipboard), a carriage return or newline that
draws a fake line, C1 controls some terminals obey, or Unicode format characters (bidi
overrides and isolates, zero-width characters, tag characters) that reorder or hide text.
Reporters pass every string they did not write themselves through `printable`; their own
newlines and colours are added around it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from policycheck.report.indented_json import indented

_OWN_COLOUR = re.compile(r"(\x1b\[[0-9;]*m)")
"""The only escape sequence a text report writes itself: SGR colour (as_text.paint)."""

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(character: str) -> str:
    named = _NAMED.get(character)
    if named is not None:
        return named
    code = ord(character)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str) -> str:
    """`text` with every character that is not printable written as a Python-style escape.

    Not printable (str.isprintable): controls C0, DEL and C1 (Cc), format characters such as
    U+202E RIGHT-TO-LEFT OVERRIDE, U+2066-U+2069 isolates, U+200B-U+200F and tags (Cf), line
    and paragraph separators (Zl, Zp), spaces other than U+0020 (Zs), lone surrogates (Cs,
    from file names that are not UTF-8), private-use (Co) and unassigned (Cn) code points.

    >>> printable("ice:Query\\x1b[2J\\rCheck passed.")
    'ice:Query\\\\x1b[2J\\\\rCheck passed.'
    >>> printable("admin\\u202egnp.exe"), printable("média ✓")
    ('admin\\\\u202egnp.exe', 'média ✓')
    """
    if text.isprintable():
        return text
    return "".join(character if character.isprintable() else _escape(character) for character in text)


def terminal_lines(lines: Iterable[str], color: bool) -> str:
    """A whole text report from its lines, checked once more before it leaves: every line is
    `printable`, and with colour on, the SGR colour codes between its pieces are kept.

    The reporter escapes each string it did not write where it puts it into a line (that is
    what stops a newline in data from drawing a line); this pass catches any it missed. Line
    by line, never the joined text split again: a check of 100,000 expectations writes 35 MB
    of text, and each copy of it counts (issue 17).
    """
    checked = (_terminal_line(piece, color) for line in lines for piece in line.split("\n"))
    return "\n".join(checked) + "\n"


def _terminal_line(line: str, color: bool) -> str:
    if not color:
        return printable(line)
    return "".join(
        piece if index % 2 else printable(piece) for index, piece in enumerate(_OWN_COLOUR.split(line))
    )


def xml_text(text: str) -> str:
    """Multi-line text for an XML document: `printable` line by line, so the newlines stay.

    XML 1.0 forbids most C0 controls, lone surrogates and U+FFFE/U+FFFF outright (a report
    holding one is not well-formed), and all of them are escaped here; the rest of what
    `printable` escapes would still reorder or hide text where a CI system shows the report.
    """
    return "\n".join(printable(line) for line in text.split("\n"))


_BEYOND_ASCII = re.compile(r"[^\x00-\x7e]")
"""DEL and every non-ASCII character: the only ones json.dumps(ensure_ascii=False) leaves raw
that may not be printable."""


def _json_escape(match: re.Match[str]) -> str:
    character = match.group()
    if character.isprintable():
        return character
    code = ord(character)
    if code > 0xFFFF:  # JSON spells it as a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_text(value: Any) -> str:
    """`value` as indented JSON, UTF-8 kept readable, but every character that is not printable
    written as a \\u escape, so the same data decodes and nothing in it acts on a terminal.

    json.dumps escapes C0 controls itself, but with ensure_ascii=False it writes DEL, C1, bidi
    overrides, zero-width characters and lone surrogates (undecodable file names) as they are.
    """
    text = indented(value)
    if text.isascii() and "\x7f" not in text:  # nothing to look at (two passes in C)
        return text + "\n"
    return _BEYOND_ASCII.sub(_json_escape, text) + "\n"
