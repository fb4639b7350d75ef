"""Which actions a pattern such as `*` or `oss:*` stands for, as far as the policies can tell apart.

"Could any action matching P be allowed?" needs no catalog: two actions that the same statements
name (by Action or NotAction), with the same service and the same authorization granularity,
get the same answer, so one action per such class is enough (the service counts only for
services authorized per operation, where it forms the request's resource). The classes come from three places:

1. catalogued actions matching P (real names, so the witnesses read well);
2. actions the policies name exactly that no catalog knows (`ram:PassRole` before it is
   catalogued, any action of a service without a catalog);
3. every other string `<service>:<name>` matching P in a service without a catalog: the
   pattern automaton (policycheck.evaluate.automaton) runs P and every statement's action
   patterns in lockstep and finds one action for each combination of statements that can apply.

A catalogued service is decided over its catalog and the names the policies use: an action
name its catalog does not know is not an action of that service.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from functools import cache
from typing import Protocol

from policycheck.evaluate import automaton
from policycheck.evaluate.budget import NO_STATE_LIMIT, Budget
from policycheck.evaluate.engine import Evaluator
from policycheck.evaluate.glob import compile_globs
from policycheck.patterns import fold, has_wildcard

_SHAPE = "?*:?*"
"""A service, a colon and a name: the shape of every action."""


class ActionNames(Protocol):
    """What the action catalog knows (policycheck.catalog by default; tests pass their own)."""

    def services(self) -> tuple[str, ...]:
        """RAM codes of the services that have a catalog, folded."""
        ...

    def expand(self, pattern: str) -> tuple[str, ...]:
        """Catalogued actions matching a pattern, as full names."""
        ...

    def knows(self, action: str) -> bool:
        """Whether an exact action is in its service's catalog."""
        ...


@cache
def _catalogued_services() -> tuple[str, ...]:
    """The catalog's service codes, folded once (a pattern question reads all 500 of them)."""
    from policycheck import catalog

    return tuple(fold(code) for code in catalog.services())


class CatalogNames:
    """ActionNames read from policycheck.catalog (imported when first asked)."""

    def services(self) -> tuple[str, ...]:
        return _catalogued_services()

    def expand(self, pattern: str) -> tuple[str, ...]:
        from policycheck import catalog

        return tuple(action.full_name for action in catalog.expand(pattern) or ())

    def knows(self, action: str) -> bool:
        from policycheck import catalog

        return catalog.lookup(action) is not None


class NoCatalog:
    """ActionNames for a world without catalogs: every action is decided over the patterns alone."""

    def services(self) -> tuple[str, ...]:
        return ()

    def expand(self, pattern: str) -> tuple[str, ...]:
        return ()

    def knows(self, action: str) -> bool:
        return False


def distinct_actions(
    evaluator: Evaluator, pattern: str, budget: Budget, names: ActionNames | None = None
) -> Iterator[str]:
    """One action per class of actions matching `pattern` that the policies treat alike, lazily.

    Real names first (catalogued, then named by a policy), then a made-up one such as `oss:x`
    for each remaining class in services without a catalog. Every step spends the budget.
    Below, no statement applies to `x:x`, and the one statement applies to the rest:

    >>> from policycheck.evaluate import Evaluator, PolicySet
    >>> from policycheck.model import build_policy
    >>> p = build_policy({"Version": "1", "Statement": [
    ...     {"Effect": "Allow", "Action": ["oss:Get*", "vod:*"], "Resource": "*"}]}, "p.json", "identity")
    >>> list(distinct_actions(Evaluator(PolicySet((p,))), "*", Budget(), NoCatalog()))
    ['x:x', 'vod:x']
    """
    names = names if names is not None else CatalogNames()
    folded = fold(pattern)
    seen: set[Hashable] = set()
    signatures: set[tuple] = set()

    def new(action: str) -> bool:
        budget.spend()
        operation_level = bool(evaluator.operation_level(action))
        # The service matters only where it forms the request's resource (per-operation services).
        service = fold(action.partition(":")[0]) if operation_level else None
        signature = (service, operation_level, evaluator.action_signature(action))
        if signature in signatures:
            return False  # the same statements and resource as an action already seen
        signatures.add(signature)
        key = (service, operation_level, tuple(s.order for s in evaluator.statements_for_action(action)))
        if key in seen:
            return False
        seen.add(key)
        return True

    for action in names.expand(pattern):
        if new(action):
            yield action
    matches = compile_globs([folded])
    named = sorted(
        {
            action
            for compiled in evaluator.statements
            if not compiled.match.statement.not_action
            for action in compiled.match.statement.actions
            if not has_wildcard(action)
            and ":" in action
            and matches(fold(action))
            and not names.knows(action)
        }
    )
    for action in named:
        if new(action):
            yield action
    for action in _uncatalogued(evaluator, folded, names.services(), budget):
        if new(action):
            yield action


def _uncatalogued(
    evaluator: Evaluator, pattern: str, catalogued: tuple[str, ...], budget: Budget
) -> Iterator[str]:
    """A shortest action for each combination of statements it can meet, in services without a catalog.

    First without the catalogued services (a product of hundreds of prefixes is slow), the
    character no pattern names tried first, so most witnesses (`x:x`, `oss:x`) fall outside
    every catalog at once; a combination whose witness landed in a catalogued service is then
    searched again with those services excluded, on its own.
    """
    service = pattern.partition(":")[0]
    if ":" in pattern and not has_wildcard(service) and service in catalogued:
        return  # the pattern names a catalogued service: its catalog is the whole of it
    known = set(catalogued)
    retry = []
    for outcome, action in _explore(evaluator, pattern, (), budget, None):
        if action.partition(":")[0] not in known:
            yield action
        else:
            retry.append(outcome)
    for outcome in retry:
        if _pinned_to_catalogs(evaluator, outcome, known):
            continue  # a statement it meets names catalogued services only: no action outside them does
        for _, action in _explore(evaluator, pattern, catalogued, budget, outcome):
            yield action
            break


def _pinned_to_catalogs(evaluator: Evaluator, outcome: frozenset[int], known: set[str]) -> bool:
    """Whether the actions meeting `outcome` must match some statement's patterns (its Action
    applies, or its NotAction does not) that all name a catalogued service literally: then every
    such action is catalogued, and the slow search with the catalogued services excluded
    (hundreds of prefixes) would find nothing."""
    for compiled in evaluator.statements:
        statement = compiled.match.statement
        if (compiled.order in outcome) == statement.not_action:
            continue  # the action matches none of its patterns
        services = [fold(a).partition(":") for a in statement.actions]
        if all(colon and not has_wildcard(service) and service in known for service, colon, _ in services):
            return True
    return False


def _explore(
    evaluator: Evaluator,
    pattern: str,
    excluded_services: tuple[str, ...],
    budget: Budget,
    wanted: frozenset[int] | None,
) -> Iterator[tuple[frozenset[int], str]]:
    """(statements met, a shortest action) per combination; only `wanted` when one is given."""
    tokens: list[automaton.Tokens] = [automaton.glob_tokens(pattern), automaton.glob_tokens(_SHAPE)]
    excluded = range(len(tokens), len(tokens) + len(excluded_services))
    tokens.extend(automaton.glob_tokens(f"{code}:*") for code in excluded_services)
    groups: dict[tuple[tuple[str, ...], bool], tuple[range, list[int]]] = {}
    for compiled in evaluator.statements:
        statement = compiled.match.statement
        key = (tuple(sorted({fold(a) for a in statement.actions})), statement.not_action)
        if key not in groups:
            groups[key] = (range(len(tokens), len(tokens) + len(key[0])), [])
            tokens.extend(automaton.glob_tokens(a) for a in key[0])
        groups[key][1].append(compiled.order)
    members = [(rng, frozenset(orders), negated) for (_, negated), (rng, orders) in groups.items()]
    finals = [1 << len(t) for t in tokens]

    def classify(accepts: tuple[bool, ...]) -> Hashable | None:
        if not (accepts[0] and accepts[1]) or any(accepts[i] for i in excluded):
            return None
        out: set[int] = set()
        for rng, orders, negated in members:
            if any(accepts[i] for i in rng) != negated:
                out |= orders
        found = frozenset(out)
        return found if wanted is None or found == wanted else None

    def dead(state: tuple[int, ...]) -> bool:
        # `<code>:*` stays matched once matched: the action is in a catalogued service.
        return state[0] == 0 or state[1] == 0 or any(state[i] & finals[i] for i in excluded)

    exploration = automaton.Exploration(
        tokens, classify, dead, limit=NO_STATE_LIMIT, budget=budget, fresh_first=True
    )
    for outcome, action in exploration:
        if action:
            yield outcome, action
