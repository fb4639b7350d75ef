"""Exact reasoning over sets of wildcard patterns: which combinations of them can one string match?

Each pattern is a small NFA (positions in the pattern; `*` loops). Running all of them in
lockstep over one string is a product automaton whose states we explore breadth-first, so the
first string found for each outcome is a shortest one. Characters that no pattern names behave
identically, so one unused character stands for all of them; named characters are grouped by
the set of pattern positions that accept them. That makes the search exact, not a sample.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

STAR = "*"
ANY = "?"
Token = str | frozenset[str]
"""STAR, ANY, or the set of characters a position accepts."""
Tokens = tuple[Token, ...]

# Preferred stand-ins for "any character no pattern names". None of them can occur in a number,
# a date, an IP address or a bool, so a string holding one parses as none of those.
_FRESH = "xyzqjkwghimnopvXYZQJKWGHIMNOPV_~!#&"


def glob_tokens(pattern: str) -> Tokens:
    """`*` and `?` are wildcards, every other character stands for itself."""
    return tuple(STAR if c == "*" else ANY if c == "?" else frozenset(c) for c in pattern)


def literal_tokens(text: str, folded: bool = False) -> Tokens:
    """The exact string (wildcards are plain characters); `folded` accepts either ASCII case."""
    if not folded:
        return tuple(frozenset(c) for c in text)
    return tuple(frozenset((c.lower(), c.upper())) if c.isascii() else frozenset(c) for c in text)


class _Nfa:
    """Pattern positions as bits of an int; bit len(tokens) set means "matched so far"."""

    __slots__ = ("tokens", "final", "start", "_steps")

    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens
        self.final = 1 << len(tokens)
        self.start = self._close(1)
        self._steps: dict[tuple[int, str], int] = {}

    def _close(self, mask: int) -> int:
        for i, token in enumerate(self.tokens):
            if token is STAR and mask >> i & 1:
                mask |= 1 << (i + 1)
        return mask

    def step(self, mask: int, char: str) -> int:
        key = (mask, char)
        out = self._steps.get(key)
        if out is None:
            out = 0
            for i, token in enumerate(self.tokens):
                if mask >> i & 1:
                    if token is STAR:
                        out |= 1 << i
                    elif token is ANY or char in token:
                        out |= 1 << (i + 1)
            out = self._close(out)
            self._steps[key] = out
        return out


def alphabet(patterns: Sequence[Tokens]) -> tuple[list[str], str]:
    """One representative character per class of characters the patterns cannot tell apart.

    Returns (representatives, fresh) where fresh is a character no pattern names (it stands for
    every such character and is among the representatives).
    """
    sets = {token for tokens in patterns for token in tokens if isinstance(token, frozenset)}
    named = set().union(*sets) if sets else set()
    fresh = next((c for c in _FRESH if c not in named), None)
    code = 0x100
    while fresh is None:
        if chr(code) not in named and chr(code).isprintable():
            fresh = chr(code)
        code += 1
    classes: dict[frozenset[frozenset[str]], str] = {}
    for char in sorted(named):
        signature = frozenset(s for s in sets if char in s)
        if signature not in classes:
            classes[signature] = char
    return [*classes.values(), fresh], fresh


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Outcome key -> a shortest string reaching it; `complete` is False if the budget ran out."""

    found: dict[Hashable, str]
    complete: bool


def search(
    patterns: Sequence[Tokens],
    classify: Callable[[tuple[bool, ...]], Hashable | None],
    dead: Callable[[tuple[int, ...]], bool] | None = None,
    limit: int = 20000,
    track_fresh: bool = False,
) -> SearchResult:
    """Explore every string over the patterns' alphabet, breadth-first, grouping by outcome.

    `classify` maps "which patterns match this string" to an outcome (None: not interesting).
    `dead` prunes states from which nothing interesting can follow. With `track_fresh`, the
    outcome key becomes (outcome, string holds the fresh character), so a caller can ask for a
    string that contains a character no pattern names.
    """
    nfas = [_Nfa(tokens) for tokens in patterns]
    chars, fresh = alphabet(patterns)
    start = tuple(n.start for n in nfas)
    found: dict[Hashable, str] = {}
    seen = {(start, False)}
    queue = deque([(start, False, "")])
    while queue:
        state, has_fresh, text = queue.popleft()
        outcome = classify(tuple(bool(mask & n.final) for mask, n in zip(state, nfas, strict=True)))
        if outcome is not None:
            key = (outcome, has_fresh) if track_fresh else outcome
            found.setdefault(key, text)
        for char in chars:
            nxt = tuple(n.step(mask, char) for mask, n in zip(state, nfas, strict=True))
            nxt_fresh = track_fresh and (has_fresh or char == fresh)
            if (nxt, nxt_fresh) in seen or (dead is not None and dead(nxt)):
                continue
            if len(seen) >= limit:
                return SearchResult(found, complete=False)
            seen.add((nxt, nxt_fresh))
            queue.append((nxt, nxt_fresh, text + char))
    return SearchResult(found, complete=True)


def covers(cover: Sequence[str], pattern: str, limit: int = 20000) -> bool | None:
    """Whether every string `pattern` matches is matched by one of the `cover` patterns.

    None when the search ran out of budget (then nothing is claimed). Exact otherwise: the
    search looks for a string matching `pattern` and none of `cover`.

    >>> covers(["ice:Get*"], "ice:GetMedia*"), covers(["ice:Get*"], "ice:*"), covers(["a*", "b*"], "?")
    (True, False, False)
    """
    tokens = [glob_tokens(pattern), *map(glob_tokens, cover)]
    result = search(
        tokens, lambda matched: True if matched[0] and not any(matched[1:]) else None, limit=limit
    )
    if result.found:
        return False
    return True if result.complete else None
