""" "Did you mean": difflib's close matches, with the same answers, in a fraction of the time.

`difflib.get_close_matches` computes the expensive similarity ratio of every candidate that
passes two cheap upper bounds against the cutoff. Over a catalog of 400 action names, where most
names share letters, that is about 80 ratios (2 ms) per typo. `close_matches` tries candidates
from the best length bound down and raises the bar to the worst of the best `n` found so
far, so it stops after a handful. Candidates it skips are provably below the bar, so the
result is the one difflib gives, order and ties included.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable


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
    matcher = SequenceMatcher()
    matcher.set_seq2(word)
    size = len(word)
    # real_quick_ratio depends on the lengths only: 2 * min / sum. Best bound first.
    ordered = sorted(
        ((2.0 * min(size, len(x)) / (size + len(x)) if size + len(x) else 1.0, x) for x in possibilities),
        key=lambda pair: -pair[0],
    )
    best: list[tuple[float, str]] = []  # a min-heap of the n best (ratio, candidate)
    for bound, candidate in ordered:
        bar = max(cutoff, best[0][0]) if len(best) == n else cutoff
        if bound < bar:
            break  # every later candidate has a lower bound still
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() < bar or matcher.quick_ratio() < bar:
            continue
        ratio = matcher.ratio()
        if ratio < bar:
            continue
        if len(best) < n:
            heapq.heappush(best, (ratio, candidate))
        else:
            heapq.heappushpop(best, (ratio, candidate))
    return [candidate for _, candidate in sorted(best, reverse=True)]
