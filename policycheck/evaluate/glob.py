"""RAM wildcard patterns: `*` matches any run of characters (none too), `?` exactly one.

There is no escape character: a backslash is an ordinary character, and a pattern cannot name a
literal `*` or `?` other than by matching it with a wildcard. Matching is over whole strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

Matcher = Callable[[str], bool]


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def glob_regex(pattern: str) -> str:
    """The regular expression (without anchors) a pattern stands for.

    >>> glob_regex("ecs:Describe*"), glob_regex("a?b.c")
    ('ecs:Describe.*', 'a.b\\\\.c')
    """
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def _always(_: str) -> bool:
    return True


def _never(_: str) -> bool:
    return False


def compile_globs(patterns: Iterable[str]) -> Matcher:
    """One matcher for "the string matches any of these patterns", built once.

    Exact names go to a set lookup, a bare `*` short-circuits, the rest share one regex.

    >>> match = compile_globs(["acs:oss:*:*:bucket/*", "acs:ecs:*:*:instance/i-1"])
    >>> match("acs:oss:*:*:bucket/a"), match("acs:ecs:*:*:instance/i-1"), match("acs:ecs:*:*:instance/i-2")
    (True, True, False)
    """
    exact: set[str] = set()
    wild: list[str] = []
    for pattern in patterns:
        if pattern == "*":
            return _always
        if has_wildcard(pattern):
            wild.append(pattern)
        else:
            exact.add(pattern)
    if not wild:
        if not exact:
            return _never
        if len(exact) == 1:
            (only,) = exact
            return only.__eq__
        return frozenset(exact).__contains__
    regex = re.compile("(?:" + "|".join(sorted(glob_regex(p) for p in wild)) + ")", re.DOTALL).fullmatch
    if not exact:
        return lambda text: regex(text) is not None
    names = frozenset(exact)
    return lambda text: text in names or regex(text) is not None
