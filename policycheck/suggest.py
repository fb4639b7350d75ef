""" "Did you mean": difflib's close matches, with the same answers, in a fraction of the time.

`difflib.get_close_matches` filters candidates with two cheap upper bounds of the similarity
ratio, then computes the ratio of every candidate that passes. Over a catalog of 400 action
names, which share most of their letters, both bounds pass about 80 candidates per typo
(3 ms). `close_matches` bounds the ratio by the longest common subsequence instead, which
is never below the matching characters the ratio counts and is close to them for typos,
and finds it for every candidate at once with a few integer operations per letter of the
word (`lcs_lengths`). About as many candidates pass as are really close. Candidates it skips
are provably below the bar, so the result is the one difflib gives, order and ties included.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple


class _Packed(NamedTuple):
    """Candidates laid end to end as the bits of one integer, each followed by a guard bit.

    `masks` has, per character, the bits where candidates hold it; `ones` every candidate bit;
    `spans` each candidate's (first bit, length).
    """

    masks: dict[str, int]
    ones: int
    spans: tuple[tuple[int, int], ...]


@lru_cache(maxsize=64)
def _packed(candidates: tuple[str, ...]) -> _Packed:
    """A pure function of the candidates, kept: a catalog's names serve every typo of a run.

    Each character's bits are read off the candidates' text in C (bytes.translate to "0"/"1",
    then int(..., 2)), not set one by one: a catalog of 400 names took 3 ms to pack, the
    largest cost of a lint's first files.
    """
    spans = []
    offset = 0
    for candidate in candidates:
        spans.append((offset, len(candidate)))
        offset += len(candidate) + 1
    if not candidates:
        return _Packed({}, 0, ())
    # lowest bit first: the strings below are reversed before int() reads them
    ones = int("".join("1" * length + "0" for _, length in spans)[::-1], 2)
    text = "\0".join(candidates) + "\0"  # a guard position after each candidate
    try:
        data = text.encode("latin-1")
    except UnicodeEncodeError:
        return _Packed(_masks_one_by_one(candidates, spans, offset), ones, tuple(spans))
    masks = {}
    table = bytearray(b"0" * 256)
    for character in set(text):
        table[ord(character)] = ord("1")
        masks[character] = int(data.translate(table)[::-1], 2) & ones  # no guard bit, even for "\0"
        table[ord(character)] = ord("0")
    return _Packed(masks, ones, tuple(spans))


def _masks_one_by_one(candidates: tuple[str, ...], spans: list[tuple[int, int]], size: int) -> dict[str, int]:
    """The masks of _packed, bit by bit (for characters beyond Latin-1, which bytes cannot hold)."""
    bits: dict[str, bytearray] = {}
    for (start, _), candidate in zip(spans, candidates, strict=True):
        for position, character in enumerate(candidate, start):
            row = bits.get(character)
            if row is None:
                row = bits[character] = bytearray(size // 8 + 1)
            row[position >> 3] |= 1 << (position & 7)
    return {character: int.from_bytes(row, "little") for character, row in bits.items()}


def lcs_lengths(word: str, candidates: tuple[str, ...]) -> list[int]:
    """The length of the longest common subsequence of `word` and each candidate.

    The bit-parallel algorithm of Allison and Dix (1986), run on all candidates at once: a
    candidate's zero bits count its common subsequence, and the guard bit after each one
    absorbs the carry that would otherwise run into the next candidate.

    >>> lcs_lengths("appel", ("apple", "peach", ""))
    [4, 2, 0]
    """
    packed = _packed(candidates)
    masks, ones = packed.masks, packed.ones
    row = ones
    for character in word:
        mask = masks.get(character)
        if mask is not None:
            matched = row & mask
            row = ((row + matched) | (row - matched)) & ones
    # lowest bit first, padded to cover every candidate
    total = packed.spans[-1][0] + packed.spans[-1][1] if packed.spans else 0
    text = format(row, "b")[::-1].ljust(total, "0")
    return [text.count("0", start, start + length) for start, length in packed.spans]


def close_matches(word: str, possibilities: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The same list as difflib.get_close_matches(word, possibilities, n, cutoff).

    >>> close_matches("appel", ["ape", "apple", "peach", "puppy"])
    ['apple', 'ape']
    """
    from difflib import SequenceMatcher

    if n <= 0:
        raise ValueError(f"n must be > 0: {n!r}")
    if not 0.0 <= cutoff <= 1.0:
        raise ValueError(f"cutoff must be in [0.0, 1.0]: {cutoff!r}")
    candidates = tuple(possibilities)
    # difflib's ratio is 2 * matches / (both lengths); matches never exceed the LCS
    bounded = [
        (2.0 * common / (len(word) + len(candidate)) if word or candidate else 1.0, candidate)
        for common, candidate in zip(lcs_lengths(word, candidates), candidates, strict=True)
    ]
    bounded = sorted((pair for pair in bounded if pair[0] >= cutoff), key=lambda pair: -pair[0])
    matcher = SequenceMatcher()
    matcher.set_seq2(word)
    best: list[tuple[float, str]] = []  # a min-heap of the n best (ratio, candidate)
    for bound, candidate in bounded:
        bar = max(cutoff, best[0][0]) if len(best) == n else cutoff
        if bound < bar:
            break  # every later candidate has a lower bound still
        matcher.set_seq1(candidate)
        ratio = matcher.ratio()
        if ratio < bar:
            continue
        if len(best) < n:
            heapq.heappush(best, (ratio, candidate))
        else:
            heapq.heappushpop(best, (ratio, candidate))
    return [candidate for _, candidate in sorted(best, reverse=True)]
