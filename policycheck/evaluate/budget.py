"""A budget of work for one analysis: counted in steps done, never in wall time.

"Could this ever be allowed?" is a search, and a hostile (or just large) policy can make any
search long. Every analysis is therefore given one Budget, passed in by the caller and spent by
every part of the search (resource and action automata, per-key solving, choosing which Deny
condition to falsify), so the answer comes back in bounded time whatever the input. When it runs
out, the search stops and the answer is "undecided", which `check` reports as unknown (a failure):
never a silent "impossible". Counting steps, not seconds, keeps answers the same on a slow machine.
"""

from __future__ import annotations

DEFAULT_STEPS = 2_000_000
"""Steps for one analysis by default: about a second of pure-Python search (bench/README.md)."""

NO_STATE_LIMIT = 1 << 62
"""An automaton state cap that never binds: with a Budget, the budget bounds the search."""


class BudgetExhausted(Exception):
    """Raised by Budget.spend when the steps run out; caught once, where the analysis started."""


class Budget:
    """Steps left for one analysis. Share one Budget between the parts of one question.

    >>> budget = Budget(10)
    >>> budget.spend(4); budget.used
    4
    """

    __slots__ = ("limit", "used")

    def __init__(self, limit: int = DEFAULT_STEPS) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, steps: int = 1) -> None:
        """Count `steps` of work; raise BudgetExhausted once more than `limit` were spent."""
        self.used += steps
        if self.used > self.limit:
            raise BudgetExhausted(self.limit)

    @property
    def exhausted(self) -> bool:
        return self.used > self.limit
