"""automaton.Recording replays one search for many classifiers: each replay must be what a fresh
Exploration with that classifier yields, in the same order, with the same budget spent by each
point, and run out of budget where it would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from policycheck.evaluate.automaton import Exploration, Recording, glob_tokens
from policycheck.evaluate.budget import NO_STATE_LIMIT, Budget, BudgetExhausted

PATTERN = st.text(alphabet="ab:*?", min_size=0, max_size=6)


def gone(state: tuple[int, ...]) -> bool:
    return state[0] == 0


def run(items, budget: Budget) -> list:
    """Every item with the budget spent when it came, and how the iteration ended."""
    seen = []
    try:
        for item in items:
            seen.append((item, budget.used))
    except BudgetExhausted:
        seen.append("exhausted")
    return seen


@settings(max_examples=150, deadline=None)
@given(
    st.lists(PATTERN, min_size=1, max_size=5),
    st.lists(st.lists(st.integers(0, 4), max_size=3), min_size=1, max_size=3),
    st.integers(1, 400),
)
def test_replays_equal_fresh_explorations(patterns, groupings, limit):
    tokens = tuple(glob_tokens(p) for p in patterns)
    recording = Recording(tokens, gone)
    for grouping in groupings:  # several classifiers over one recording, as check asks them

        def classify(accepts, grouping=grouping):
            if not accepts[0]:
                return None
            return frozenset(i for i in grouping if i < len(accepts) and accepts[i])

        for steps in (limit, NO_STATE_LIMIT):
            expected_budget, replayed_budget = Budget(steps), Budget(steps)
            fresh = Exploration(tokens, classify, gone, limit=NO_STATE_LIMIT, budget=expected_budget)
            assert run(recording.replay(classify, replayed_budget), replayed_budget) == run(
                fresh, expected_budget
            )
