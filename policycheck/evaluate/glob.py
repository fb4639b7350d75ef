"""RAM wildcard patterns: `*` matches any run of characters (none too), `?` exactly one.

There is no escape character: a backslash is an ordinary character, and a pattern cannot name a
literal `*` or `?` other than by matching it with a wildcard. Matching is over whole strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import partial

from policycheck.patterns import has_wildcard, linear_regex, prefix_of

Matcher = Callable[[str], object]
"""Truthy when the string matches."""


def _always(_: str) -> bool:
    return True


def _never(_: str) -> bool:
    return False


def _named_or_starting(names: frozenset[str], starts: tuple[str, ...], text: str) -> bool:
    return text in names or text.startswith(starts)


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
    names: set[str] = set()
    starts: list[str] = []
    for pattern in patterns:
        prefix = prefix_of(pattern)
        if prefix is not None:
            starts.append(prefix)
        elif has_wildcard(pattern):
            break
        else:
            names.add(pattern)
    else:  # exact names and `prefix*` only (most Resource lists): no regex to compile
        return partial(_named_or_starting, frozenset(names), tuple(starts))
    regexes = []
    group = 0
    for pattern in patterns:
        regex, group = linear_regex(pattern, group)
        regexes.append(regex)
    return re.compile("(?:" + "|".join(regexes) + ")", re.DOTALL).fullmatch
