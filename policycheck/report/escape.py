"""Text from servers and files made inert before it reaches a terminal.

A job name, a Result value or an error message can hold ESC sequences (erase the screen,
move the cursor, write the clipboard with OSC 52), a carriage return that draws over a line,
C1 controls, DEL, or bidi overrides that reorder what is shown. Reporters pass every string
they did not write through `printable`; their own newlines and colours go around it.
"""

from __future__ import annotations

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(character: str) -> str:
    code = ord(character)
    if character in _NAMED:
        return _NAMED[character]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str) -> str:
    """`text` with every character str.isprintable() refuses written as a visible escape:
    C0, DEL and C1 controls, format characters (bidi overrides and isolates, zero-width),
    line and paragraph separators, unassigned and private-use code points.

    >>> printable("done\\x1b[2J\\rCheck passed.")
    'done\\\\x1b[2J\\\\rCheck passed.'
    >>> printable("cover\\u202egpj.exe"), printable("média ✓")
    ('cover\\\\u202egpj.exe', 'média ✓')
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else _escaped(c) for c in text)
