"""RAM's text rules shared by the catalog, the rules and the evaluator: case folding and wildcards.

One definition each, so lint, catalog look-ups and evaluation can never disagree about what
matches what.
"""

from __future__ import annotations

import re
from functools import lru_cache

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """Fold ASCII letters to lower case, and nothing else.

    RAM says action names and the *IgnoreCase operators are case-insensitive without saying how
    non-ASCII letters fold; folding only A-Z keeps the rule exact and per character (every
    documented action, key and value is ASCII), and look-alikes (the Kelvin sign, a long s) never
    fold into a real name the way `str.casefold` would fold them.

    >>> fold("ice:QueryIProductionJob")
    'ice:queryiproductionjob'
    >>> fold("ÉCOLE")
    'École'
    """
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def glob_regex(pattern: str) -> str:
    """The regular expression (without anchors) a RAM pattern stands for.

    `*` is any run of characters (none too), `?` exactly one; nothing else is special (unlike
    fnmatch, `[` is literal) and there is no escape character.

    >>> glob_regex("ecs:Describe*"), glob_regex("a?b.c")
    ('ecs:Describe.*', 'a.b\\\\.c')
    """
    pattern = re.sub(r"\*+", "*", pattern)  # `**` is `*`; as `.*.*` it would only backtrack more
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


_STAR_RUNS = re.compile(r"\*+")


def linear_regex(pattern: str, group: int = 0) -> tuple[str, int]:
    """The regular expression for a pattern that cannot backtrack badly, and the groups it used.

    As `.*a.*a.*b`, a pattern with several `*` backtracks: against forty `a`s it tries every way
    of splitting them, for minutes (a hostile policy or a long resource is enough). Here each
    literal piece between two runs of stars is placed at its first fit after the one before
    (a lookahead, which never backtracks once it matched, captures up to the piece; a
    backreference consumes it), and only the last `*` is an ordinary `.*`. For `*` and `?`
    that greedy placement finds a match whenever one exists, so the language is the same.
    Groups are named g<n> from `group` + 1 on, so several patterns can share one expression.

    >>> linear_regex("a*b*c")
    ('a(?=(?P<g1>.*?b))(?P=g1).*c', 1)
    >>> import re; re.fullmatch(linear_regex("*a" * 12 + "*b")[0], "a" * 5000) is None
    True
    """
    pieces = _STAR_RUNS.split(pattern)
    if len(pieces) < 3:  # at most one run of stars: nothing to backtrack over
        return glob_regex(pattern), group
    head, *middle, tail = pieces
    parts = [glob_regex(head)]
    for piece in middle:
        group += 1
        parts.append(f"(?=(?P<g{group}>.*?{glob_regex(piece)}))(?P=g{group})")
    parts.append(".*" + glob_regex(tail))
    return "".join(parts), group


@lru_cache(maxsize=4096)
def wildcard_regex(pattern: str, ignore_case: bool = True) -> re.Pattern[str]:
    """A compiled pattern; case-insensitive by default, like Action matching.

    >>> bool(wildcard_regex("Query*").fullmatch("queryiproductionjob"))
    True
    >>> bool(wildcard_regex("Get?ole").fullmatch("GetRole")), bool(wildcard_regex("[a]").fullmatch("a"))
    (True, False)
    """
    flags = re.DOTALL | (re.IGNORECASE | re.ASCII if ignore_case else 0)
    return re.compile(linear_regex(pattern)[0], flags)
