"""Properties of `difference` over random policy sets (hypothesis): sound and complete.

Sound: every change's witness is allowed by one side and not the other. Complete: any random
request that one side allows and the other does not belongs to a class of actions that is
reported. The policies come from the vocabulary of test_properties (the exact fragment), so
no answer may be undecided.
"""

from __future__ import annotations

import random

from evaluate_support import operation_level
from hypothesis import given
from hypothesis import strategies as st
from test_properties import (
    ACTIONS,
    PROPERTY_SETTINGS,
    REQUEST_PATTERNS,
    evaluator,
    instantiate,
    policy_sets,
    random_context,
)

from policycheck.evaluate import Evaluator, PolicySet, Request
from policycheck.evaluate.difference import PROVED, difference
from policycheck.model import Policy, Statement
from policycheck.patterns import fold, glob_match

SETTINGS = PROPERTY_SETTINGS


class IceCatalog:
    """ICE, the one operation-level service here, has a catalog of one action (as in the real
    world, where only catalogued services are known to authorize per operation)."""

    def services(self) -> tuple[str, ...]:
        return ("ice",)

    def expand(self, pattern: str) -> tuple[str, ...]:
        return ("ice:Query",) if glob_match(fold(pattern), "ice:query") else ()

    def knows(self, action: str) -> bool:
        return fold(action) == "ice:query"


def _every_policy(policies: PolicySet):
    return (*policies.identity, *policies.control, *((policies.session,) if policies.session else ()))


def action_class(union: Evaluator, action: str) -> tuple:
    """What makes two actions answer alike (policycheck.evaluate.actions)."""
    operation = bool(operation_level(action))
    service = fold(action.partition(":")[0]) if operation else None
    return (service, operation, tuple(s.order for s in union.statements_for_action(action)))


@SETTINGS
@given(policy_sets(), policy_sets(), st.integers(0, 2**32))
def test_difference_is_sound_and_complete(base, head, seed):
    found = difference(base, head, names=IceCatalog(), operation_level=operation_level)
    union = Evaluator(PolicySet((*_every_policy(base), *_every_policy(head))), operation_level)
    sides = {"base": evaluator(base), "head": evaluator(head)}
    reported = {"added": set(), "removed": set()}
    for key, allowing, other, changes in (
        ("added", "head", "base", found.added),
        ("removed", "base", "head", found.removed),
    ):
        for change in changes:
            assert change.status == PROVED, change.reason
            assert sides[allowing].evaluate(change.witness).allowed
            assert not sides[other].evaluate(change.witness).allowed
            reported[key].add(action_class(union, change.action))
    rng = random.Random(seed)
    for _ in range(40):
        action = rng.choice(ACTIONS)
        place = rng.choice([(None, None), ("cn-a", "1")])
        request = Request(
            action, instantiate(rng.choice(REQUEST_PATTERNS), rng), random_context(rng, False), *place
        )
        head_allows = sides["head"].evaluate(request).allowed
        base_allows = sides["base"].evaluate(request).allowed
        if head_allows and not base_allows:
            assert action_class(union, action) in reported["added"], request
        if base_allows and not head_allows:
            assert action_class(union, action) in reported["removed"], request


def _rewritten(policies: PolicySet, rng: random.Random) -> PolicySet:
    """The same permissions written differently: Action and Resource lists split into one
    statement each, actions in another case, statements shuffled (and identity statements spread
    over new documents)."""

    def split(statement: Statement) -> list[Statement]:
        actions = [(a,) for a in statement.actions] if not statement.not_action else [statement.actions]
        resources = (
            [(r,) for r in statement.resources] if not statement.not_resource else [statement.resources]
        )
        return [
            statement._replace(actions=tuple(a.swapcase() for a in action), resources=resource)
            for action in actions
            for resource in resources
        ]

    def layer(given: tuple[Policy, ...], documents: int) -> tuple[Policy, ...]:
        pieces = [piece for policy in given for statement in policy.statements for piece in split(statement)]
        rng.shuffle(pieces)
        spread: list[list[Statement]] = [[] for _ in range(documents)]
        for index, piece in enumerate(pieces):
            spread[index % documents].append(piece)
        return tuple(
            given[0]._replace(
                source=f"r{i}.json",
                statements=tuple(s._replace(index=n) for n, s in enumerate(part)),
            )
            for i, part in enumerate(spread)
            if part
        )

    session = layer((policies.session,), 1)[0] if policies.session else None
    control = layer(policies.control, 1) if policies.control else ()
    return PolicySet(layer(policies.identity, rng.randint(1, 3)), control, session)


@SETTINGS
@given(policy_sets(), st.integers(0, 2**32))
def test_an_equivalent_rewrite_makes_no_difference(policies, seed):
    rewritten = _rewritten(policies, random.Random(seed))
    found = difference(policies, rewritten, names=IceCatalog(), operation_level=operation_level)
    assert found.added == () and found.removed == ()
