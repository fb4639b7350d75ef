"""RAM wildcard patterns: `*` matches any run of characters (none too), `?` exactly one.

There is no escape character: a backslash is an ordinary character, and a pattern cannot name a
literal `*` or `?` other than by matching it with a wildcard. Matching is over whole strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from policycheck.patterns import glob_regex, has_wildcard

Matcher = Callable[[str], object]
"""Truthy when the string matches."""


def _always(_: str) -> bool:
    return True


def _never(_: str) -> bool:
    return False


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


def compile_globs(patterns: Iterable[str]) -> Matcher:
    """One matcher for "the string matches any of these patterns", built once.

    The result is truthy when some pattern matches and falsy otherwise (it may be a regex match
    object rather than a bool: it is called on every request, so it is a C function where it
    can be). Exact names alone become a set lookup; a bare `*` short-circuits.

    >>> match = compile_globs(["acs:oss:*:*:bucket/*", "acs:ecs:*:*:instance/i-1"])
    >>> [bool(match(r)) for r in ("acs:oss:::bucket/a", "acs:ecs:::instance/i-1", "acs:ecs:::instance/i-2")]
    [True, True, False]
    """
    patterns = sorted(set(patterns))
    if "*" in patterns:
        return _always
    if not patterns:
        return _never
    if not any(map(has_wildcard, patterns)):
        return frozenset(patterns).__contains__
    regexes = []
    group = 0
    for pattern in patterns:
        regex, group = linear_regex(pattern, group)
        regexes.append(regex)
    return re.compile("(?:" + "|".join(regexes) + ")", re.DOTALL).fullmatch
