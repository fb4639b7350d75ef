"""Names from an account -> file names: readable, and never two names on one file.

`audit --save` writes one file per policy and role, named after them; the names come from
the server, so they can hold `/`, `..`, `@` (our own version separator) or differ only in
case, which a case-insensitive file system (macOS, Windows) would merge.
"""

from __future__ import annotations

import hashlib
import re

_KEPT = re.compile(r"[A-Za-z0-9._-]")
_MAX_BYTES = 160
"""File names may have 255 bytes; this leaves room for `@<version>` and `.json`."""
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)), *(f"lpt{n}" for n in range(10))}
)


def file_name(name: str) -> str:
    """`name` spelled with [A-Za-z0-9._-], `%xx` escapes and a case tag: an injective encoding.

    Letters, digits, `-`, `_` and `.` stay as written; every other byte of the UTF-8 name
    (`@`, `/`, `%`, `+`, spaces, accents) becomes `%xx`, as does a leading dot, a trailing dot
    and the first letter of a Windows device name. A name with capitals gets `+` and the
    hex bit mask of which of its letters are capitals, so names that differ only in case
    differ in the tag too, where the file system ignores case. The empty name is `%`. Names
    whose encoding exceeds 160 bytes are cut and end in `~` and 16 hex digits of their SHA-256.

    >>> file_name("ice-query"), file_name("AliyunICEFullAccess"), file_name("aliyunicefullaccess")
    ('ice-query', 'AliyunICEFullAccess+23c1', 'aliyunicefullaccess')
    >>> file_name("a@v1"), file_name("../etc"), file_name("NUL")
    ('a%40v1', '%2e.%2fetc', '%4eUL+7')
    """
    if not name:
        return "%"
    encoded = "".join(character if _KEPT.match(character) else _escape(character) for character in name)
    if encoded.startswith("."):
        encoded = "%2e" + encoded[1:]
    if encoded.endswith("."):
        encoded = encoded[:-1] + "%2e"
    if encoded.lower().split(".")[0] in _WINDOWS_DEVICES:
        encoded = _escape(encoded[0]) + encoded[1:]
    letters = [character for character in name if character.isascii() and character.isalpha()]
    mask = sum(1 << index for index, letter in enumerate(letters) if letter.isupper())
    if mask:
        encoded += f"+{mask:x}"
    if len(encoded) > _MAX_BYTES:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        encoded = f"{encoded[: _MAX_BYTES - 17]}~{digest}"
    return encoded


def _escape(character: str) -> str:
    return "".join(f"%{byte:02x}" for byte in character.encode("utf-8", "surrogatepass"))
