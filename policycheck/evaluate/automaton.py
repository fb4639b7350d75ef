"""Exact reasoning over sets of wildcard patterns: which combinations of them can one string match?

Each pattern is a small NFA (positions in the pattern; `*` loops). Running all of them in
lockstep over one string is a product automaton whose states we explore breadth-first, so the
first string found for each outcome is a shortest one. From a state, characters that no live
pattern position names behave identically, so one unused character stands for all of them and
only the named ones are tried one by one. That makes the search exact, not a sample.
"""

from __future__ import annotations

import _thread  # threading.Lock itself; importing threading costs a lint start 0.5 ms
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from functools import lru_cache
from typing import NamedTuple

from policycheck.evaluate.budget import NO_STATE_LIMIT, Budget
from policycheck.patterns import glob_test

STAR = "*"
ANY = "?"


class Repeat(frozenset):
    """A position that takes any run (none too) of the characters in the set, like `[a-z0-9-]*`.

    Lets a search range over strings of a known shape (a region id, an account id) rather than
    over every string; a plain frozenset position takes exactly one of its characters.
    """


Token = str | frozenset[str]
"""STAR, ANY, a Repeat, or the set of characters a position accepts."""
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
            if (token is STAR or type(token) is Repeat) and mask >> i & 1:
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
                    elif type(token) is Repeat:
                        if char in token:
                            out |= 1 << i
                    elif token is ANY or char in token:
                        out |= 1 << (i + 1)
            out = self._close(out)
            self._steps[key] = out
        return out


@lru_cache(maxsize=4096)
def _nfa(tokens: Tokens) -> _Nfa:
    """One automaton per pattern, shared: its table of steps fills up across searches.

    A step depends only on the pattern, the state and the character, so sharing never changes
    an answer; lint and the "could it ever" analysis explore the same patterns again and again.
    """
    return _Nfa(tokens)


def fresh_char(patterns: Sequence[Tokens]) -> str:
    """A character no pattern names: it stands for every such character in a search."""
    named = set().union(*(t for tokens in patterns for t in tokens if isinstance(t, frozenset)))
    fresh = next((c for c in _FRESH if c not in named), None)
    code = 0x100
    while fresh is None:
        if chr(code) not in named and chr(code).isprintable():
            fresh = chr(code)
        code += 1
    return fresh


class SearchResult(NamedTuple):
    """Outcome key -> a shortest string reaching it; `complete` is False if the budget ran out."""

    found: dict[Hashable, str]
    complete: bool


class Exploration:
    """Every string over the patterns' alphabet, breadth-first, grouped by outcome, lazily.

    Iterating yields (outcome, a shortest string) for each outcome reached, so a caller can stop
    at the first useful one (an outcome first reached by "" is yielded with the next, non-empty
    string that reaches it, if any); `complete` is True once everything was explored
    and False if the state budget ran out first.

    `classify` maps "which patterns match this string" to an outcome (None: not interesting).
    `dead` prunes states from which nothing interesting can follow. With `track_fresh`, the
    outcome becomes (outcome, string holds the fresh character), so a caller can ask for a
    string that contains a character no pattern names.

    From each state only the characters that a live pattern position names are tried, plus the
    fresh character for all the others: characters no live position names act alike there.
    With a `budget`, every step (one character tried from one state) spends one unit per
    pattern, and an exhausted budget raises BudgetExhausted out of the iteration. With
    `fresh_first`, the fresh character is tried before the named ones, so a shortest string
    prefers it where it can (`oss:x` rather than `oss::`).
    """

    def __init__(
        self,
        patterns: Sequence[Tokens],
        classify: Callable[[tuple[bool, ...]], Hashable | None],
        dead: Callable[[tuple[int, ...]], bool] | None = None,
        limit: int = 20000,
        track_fresh: bool = False,
        budget: Budget | None = None,
        fresh_first: bool = False,
    ) -> None:
        self.patterns, self.classify, self.dead = patterns, classify, dead
        self.limit, self.track_fresh, self.budget = limit, track_fresh, budget
        self.fresh_first = fresh_first
        self.complete = False

    def __iter__(self) -> Iterator[tuple[Hashable, str]]:
        nfas = [_nfa(tokens) for tokens in self.patterns]
        fresh = fresh_char(self.patterns)
        start = tuple(n.start for n in nfas)
        reported: set[Hashable] = set()
        empty: list[Hashable] = []  # an outcome of "" waits for a non-empty string, which reads better
        seen: set[tuple[tuple[int, ...], bool]] = set()  # the start may come round once more, non-empty
        queue = deque([(start, False, "")])
        while queue:
            state, has_fresh, text = queue.popleft()
            outcome = self.classify(tuple(bool(mask & n.final) for mask, n in zip(state, nfas, strict=True)))
            if outcome is not None:
                key = (outcome, has_fresh) if self.track_fresh else outcome
                if key not in reported:
                    reported.add(key)
                    if text:
                        yield key, text
                    else:
                        empty.append(key)
                elif text and key in empty:
                    empty.remove(key)
                    yield key, text
            chars = _live_chars(state, nfas, fresh)
            if self.fresh_first:
                chars.insert(0, chars.pop())
            if self.budget is not None:
                self.budget.spend(len(chars) * len(nfas))
            for char in chars:
                nxt = tuple(n.step(mask, char) if mask else 0 for mask, n in zip(state, nfas, strict=True))
                nxt_fresh = self.track_fresh and (has_fresh or char == fresh)
                if (nxt, nxt_fresh) in seen or (self.dead is not None and self.dead(nxt)):
                    continue
                if len(seen) >= self.limit:
                    yield from ((key, "") for key in empty)
                    return
                seen.add((nxt, nxt_fresh))
                queue.append((nxt, nxt_fresh, text + char))
        yield from ((key, "") for key in empty)
        self.complete = True


class Recording:
    """One Exploration of `patterns` (with `dead`) kept as it runs, for every classify at once.

    The breadth-first walk does not depend on `classify` (only what is reported does), so the
    walk is run once, with every accepted vector of "which patterns match" as its own outcome,
    and recorded lazily: `replay` gives, for any classify that returns None when pattern 0 does
    not match, exactly what an Exploration with that classify yields, in the same order, and
    spends the same budget by the same point. `check` asks the same resource question of
    thousands of principals whose statements name the same patterns.
    """

    def __init__(self, patterns: Sequence[Tokens], dead: Callable[[tuple[int, ...]], bool]) -> None:
        self._counter = Budget(NO_STATE_LIMIT)
        exploration = Exploration(patterns, _accepted, dead, limit=NO_STATE_LIMIT, budget=self._counter)
        self._source: Iterator[tuple[Hashable, str]] | None = iter(exploration)
        self.start = tuple(bool(n.start & n.final) for n in map(_nfa, patterns))
        self.events: list[tuple[tuple[bool, ...], str, int]] = []
        """(accepted vector, a shortest string reaching it, steps spent before that string)."""
        self.total = 0
        self._lock = _thread.allocate_lock()

    def _event(self, index: int) -> tuple[tuple[bool, ...], str, int] | None:
        """The index-th event, running the walk on as far as needed; None past the end."""
        with self._lock:
            while index >= len(self.events) and self._source is not None:
                found = next(self._source, None)
                if found is None:
                    self._source, self.total = None, self._counter.used
                    break
                accepts, text = found
                self.events.append((accepts, text, self._counter.used))  # type: ignore[arg-type]
            return self.events[index] if index < len(self.events) else None

    def replay(
        self, classify: Callable[[tuple[bool, ...]], Hashable | None], budget: Budget
    ) -> Iterator[tuple[Hashable, str]]:
        """What Exploration(patterns, classify, dead, budget=budget) yields (without track_fresh)."""
        reported: set[Hashable] = set()
        empty: list[Hashable] = []
        first = classify(self.start)
        if first is not None:
            reported.add(first)
            empty.append(first)
        spent = 0
        index = 0
        while (event := self._event(index)) is not None:
            index += 1
            accepts, text, used = event
            key = classify(accepts) if text else None  # "" only ends the walk: handled below
            if key is None:
                continue
            if key not in reported:
                reported.add(key)
            elif key in empty:
                empty.remove(key)
            else:
                continue
            budget.spend(used - spent)
            spent = used
            yield key, text
        budget.spend(self.total - spent)
        yield from ((key, "") for key in empty)


def _accepted(accepts: tuple[bool, ...]) -> tuple[bool, ...] | None:
    return accepts if accepts[0] else None


def search(
    patterns: Sequence[Tokens],
    classify: Callable[[tuple[bool, ...]], Hashable | None],
    dead: Callable[[tuple[int, ...]], bool] | None = None,
    limit: int = 20000,
    track_fresh: bool = False,
    budget: Budget | None = None,
) -> SearchResult:
    """Run an Exploration to the end: every outcome with a shortest string for it."""
    exploration = Exploration(patterns, classify, dead, limit, track_fresh, budget)
    found = dict(exploration)
    return SearchResult(found, exploration.complete)


def _live_chars(state: tuple[int, ...], nfas: list[_Nfa], fresh: str) -> list[str]:
    """The characters named at the live positions of a state (sorted), then the fresh one."""
    named: set[str] = set()
    for mask, nfa in zip(state, nfas, strict=True):
        if mask:
            for i, token in enumerate(nfa.tokens):
                if mask >> i & 1 and isinstance(token, frozenset):
                    named |= token
    return [*sorted(named), fresh]


def covers(cover: Sequence[str], pattern: str, limit: int = 20000) -> bool | None:
    """Whether every string `pattern` matches is matched by one of the `cover` patterns.

    None when the search ran out of budget (then nothing is claimed). Exact otherwise: the
    common shapes are decided directly (a literal, `*`, covers that are all literals or
    `prefix*`); the rest by a search for a string matching `pattern` and none of `cover`.
    Answers are kept: lint asks the same questions again and again across a corpus.

    >>> covers(["ice:Get*"], "ice:GetMedia*"), covers(["ice:Get*"], "ice:*"), covers(["a*", "b*"], "?")
    (True, False, False)
    """
    return _covers(tuple(cover), pattern, limit)


def _is_prefix_pattern(pattern: str) -> bool:
    """`literal*`: one trailing star and no other wildcard."""
    head = pattern[:-1]
    return pattern.endswith("*") and "*" not in head and "?" not in head


@lru_cache(maxsize=65536)
def _covers(cover: tuple[str, ...], pattern: str, limit: int) -> bool | None:
    if "*" in cover or pattern in cover:
        return True
    if "*" not in pattern and "?" not in pattern:
        return any(_glob(c)(pattern) for c in cover)
    # `pattern` has a wildcard; its strings all start with `head`, its literal part.
    head = pattern[: min(i for i in (pattern.find("*"), pattern.find("?")) if i >= 0)]
    simple = True
    for candidate in cover:
        if _is_prefix_pattern(candidate):
            if head.startswith(candidate[:-1]):
                return True
        elif "*" in candidate or "?" in candidate:
            simple = False
    if simple:
        # Every cover is a literal or a `prefix*` whose prefix is not a prefix of `head`. The
        # pattern's first wildcard can take a character no cover has at that position (and a
        # string long enough to differ from every literal), so some string escapes them all.
        return False
    if _escapes(cover, pattern):
        return False
    return _covers_by_search(cover, pattern, limit)


def _escapes(cover: tuple[str, ...], pattern: str) -> bool:
    """Whether a quick guess at a string `pattern` matches is matched by no cover.

    Guesses: every wildcard replaced by one character no pattern names, and then every `*`
    left empty. A guess no cover matches proves `pattern` is not covered; otherwise the
    search decides. Most non-covering answers (`acs:oss:*:1:a` against `acs:oss:*:1:b`) stop here.
    """
    fresh = fresh_char([glob_tokens(pattern), *map(glob_tokens, cover)])
    filled = pattern.replace("*", fresh).replace("?", fresh)
    guesses = (filled, pattern.replace("*", "").replace("?", fresh))
    return any(not any(_glob(c)(guess) for c in cover) for guess in guesses)


def _covers_by_search(cover: tuple[str, ...], pattern: str, limit: int) -> bool | None:
    """The general case: look for a string `pattern` matches and no cover does."""
    tokens = [glob_tokens(pattern), *map(glob_tokens, cover)]
    result = search(
        tokens, lambda matched: True if matched[0] and not any(matched[1:]) else None, limit=limit
    )
    if result.found:
        return False
    return True if result.complete else None


@lru_cache(maxsize=4096)
def _glob(pattern: str) -> Callable[[str], object]:
    return glob_test(pattern)
