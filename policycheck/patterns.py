"""RAM's text rules shared by the catalog, the rules and the evaluator: case folding and wildcards.

One definition each, so lint, catalog look-ups and evaluation can never disagree about what
matches what.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache, partial

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


def prefix_of(pattern: str) -> str | None:
    """The literal start of a pattern that is one and ends in its only wildcard, `*`; else None.

    Such a pattern (`acs:ram::123:role/*`, `ecs:Describe*`) matches exactly the strings that
    start with it, which `str.startswith` tests without compiling a regular expression.

    >>> prefix_of("acs:ram::123:role/*"), prefix_of("acs:*:role/*"), prefix_of("a?*"), prefix_of("ab")
    ('acs:ram::123:role/', None, None, None)
    """
    head = pattern[:-1]
    if pattern.endswith("*") and "*" not in head and "?" not in head:
        return head
    return None


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


def glob_match(pattern: str, text: str) -> bool:
    """Whether a RAM pattern matches the whole text, case-sensitively (as Resource values match).

    >>> glob_match("cn-*", "cn-shanghai"), glob_match("cn-*", "ap-southeast-1")
    (True, False)
    """
    if "*" not in pattern and "?" not in pattern:
        return pattern == text
    prefix = prefix_of(pattern)
    if prefix is not None:
        return text.startswith(prefix)
    return wildcard_regex(pattern, ignore_case=False).fullmatch(text) is not None


def glob_test(pattern: str) -> Callable[[str], object]:
    """glob_match(pattern, text) for one pattern and many texts: truthy when it matches.

    Compiling a regex takes 40 to 250 µs, paid again by every lint process for each pattern it
    meets first, so a pattern whose only wildcard is `*` (`ice:Get*`,
    `acs:log:*:123:project/team-1/*`, most of them) is matched without one: each piece between
    its runs of stars found after the one before, leftmost, which finds a match whenever there
    is one. A pattern with `?` gets a regex. On folded text and a folded pattern this is the
    case-insensitive match of Action values.

    >>> matches = glob_test("acs:log:*:1:project/a/*")
    >>> matches("acs:log:cn-hangzhou:1:project/a/b"), matches("acs:log:cn-hangzhou:2:project/a/b")
    (True, False)
    >>> glob_test("a*ba")("aba"), glob_test("a*ab")("ab")
    (True, False)
    """
    if not has_wildcard(pattern):
        return pattern.__eq__
    if "?" in pattern:
        return wildcard_regex(pattern, ignore_case=False).fullmatch
    head, *middle, tail = _STAR_RUNS.split(pattern)
    if not middle and not tail:
        return lambda text: text.startswith(head)  # a lambda is the cheapest call here
    return partial(_pieces_in_order, head, tuple(middle), tail)


def _pieces_in_order(head: str, middle: tuple[str, ...], tail: str, text: str) -> bool:
    end = len(text) - len(tail)
    if end < len(head) or not text.startswith(head) or not text.endswith(tail):
        return False
    at = len(head)
    for piece in middle:
        at = text.find(piece, at, end)
        if at < 0:
            return False
        at += len(piece)
    return True


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


# ---- what a valid Resource and a matchable Action are: one definition for lint and evaluation ----

ARN_FORM = "acs:<ram-code>:<region>:<account-id>:<relative-id>"

_SERVICE = re.compile(r"[A-Za-z0-9*?-]+")
_REGION = re.compile(r"[A-Za-z0-9*?-]*")
_ACCOUNT = re.compile(r"[0-9*?]+|system")
"""An account id, a wildcard, or `system` (RAM's system policies: acs:ram:*:system:policy/...)."""
_FIELD_CHECKS = (
    (_SERVICE, 'the service field "{}" is not a RAM code such as oss or ram'),
    (_REGION, 'the region field "{}" is not a region id, "*" or empty'),
    (_ACCOUNT, 'the account field "{}" is not an account id or "*"'),
)

_ARN = re.compile(r"acs:[A-Za-z0-9*?-]+:[A-Za-z0-9*?-]*:(?:[0-9*?]+|system):.+", re.DOTALL)
"""The five-field form `_why_not_arn` checks field by field, in one expression: most values are
fine, and one call says so (tests/rules/test_resources.py checks the two agree)."""


def resource_problem(resource: str) -> str | None:
    """Why a Resource value can match no request, or None when it is a valid resource.

    Valid: `*`, a five-field ARN, or a shorter ARN whose last field ends in `*`, which stands
    for the fields after it (`acs:ram::*`, as Alibaba's own Log Service tutorial grants
    ram:PassRole on). lint reports the others as INVALID_ARN, and the evaluator lets them match
    nothing: the two use this one definition.

    >>> resource_problem("acs:oss:*:*:media/*") is None, resource_problem("acs:ram::*") is None
    (True, True)
    >>> resource_problem("arn:aws:s3:::media")
    'it starts with "arn:", not "acs:"'
    >>> resource_problem("acs:oss:*:media")
    'it has 4 fields; an ARN has 5 (or ends its last field with "*": acs:ram::*)'
    """
    if resource == "*" or _ARN.fullmatch(resource):
        return None
    return _why_not_arn(resource)


def _why_not_arn(resource: str) -> str | None:
    """resource_problem field by field, which can say which field is wrong."""
    fields = resource.split(":", 4)
    if fields[0] != "acs":
        return (
            f'it starts with "{fields[0]}:", not "acs:"'
            if len(fields) > 1
            else 'it does not start with "acs:"'
        )
    if len(fields) < 5 and not (len(fields) > 1 and fields[-1].endswith("*")):
        return f'it has {len(fields)} fields; an ARN has 5 (or ends its last field with "*": acs:ram::*)'
    present = fields[1:4] if len(fields) == 5 else fields[1:-1]
    for (check, message), value in zip(_FIELD_CHECKS, present, strict=False):
        if not check.fullmatch(value):
            return message.format(value)
    if len(fields) == 5 and not fields[4]:
        return 'the resource field (after the fourth ":") is empty'
    return None


_ACTION_SERVICE = re.compile(r"[A-Za-z0-9*?_-]+")


def visible(text: str) -> str:
    r"""The text with invisible and control characters written as \uXXXX escapes, for messages.

    >>> visible("ram:GetUser\u200b")
    'ram:GetUser\\u200b'
    """
    return "".join(
        c if c.isprintable() and unicodedata.category(c) != "Cf" else f"\\u{ord(c):04x}" for c in text
    )


def action_problem(action: str) -> str | None:
    """Why an Action value can never match a real action, whatever its service, or None.

    Real action names are ASCII letters and digits after an ASCII service code; RAM compares
    them as text (ASCII case folded), so a space (`"ecs: CreateInstance"`, as some tutorials
    print it), an invisible character or a look-alike letter (Cyrillic `і`, fullwidth `ｅ`)
    makes a value that grants or denies nothing.

    >>> action_problem("ecs:CreateInstance") is None, action_problem("Oss:Get*") is None
    (True, True)
    >>> action_problem("ecs: CreateInstance")
    'it holds a space (after "ecs:")'
    >>> action_problem("\\uff45cs:GetObject")
    'it holds "ｅ" (U+FF45 FULLWIDTH LATIN SMALL LETTER E), a non-ASCII character no action name has'
    """
    if action == "*":
        return None
    for position, char in enumerate(action):
        if char.isspace():
            where = "at the start" if position == 0 else f'(after "{action[:position].strip()}")'
            return f"it holds a space {where}" if char == " " else f"it holds a whitespace character {where}"
        if not char.isascii() or not char.isprintable():
            code = f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}"
            if unicodedata.category(char) in ("Cf", "Cc", "Co", "Cn", "Zl", "Zp"):
                return f"it holds an invisible character ({code})"
            return f'it holds "{char}" ({code}), a non-ASCII character no action name has'
    service, colon, name = action.partition(":")
    if not colon or not name:
        return None  # not an action at all: the catalog rule words that
    if not _ACTION_SERVICE.fullmatch(service):
        return f'its service "{service}" is not a RAM code (letters, digits and "-")'
    return None
