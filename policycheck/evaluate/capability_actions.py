"""Which capability actions an Action (or NotAction) list can match: the privilege-escalation
rule's pre-filter, on patterns alone.

Kept apart from policycheck.evaluate.escalation (the proof) so that linting a policy whose
statements meet no capability action, most of them, imports nothing of the analysis: a
one-file lint's start-up is most of its time (issue 17).
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from policycheck import data
from policycheck.patterns import fold, has_wildcard, wildcard_regex

if TYPE_CHECKING:
    from policycheck.model import Statement


@cache
def capability_data() -> dict[str, Any]:
    """policycheck/data/escalation.json, read once (validated against its schema by a test)."""
    return json.loads(data.read_text(data.__file__, "escalation.json"))


@cache
def _wanted() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """Every capability action, folded, and the same grouped by service."""
    actions = frozenset(
        fold(a) for c in capability_data()["capabilities"] for s in c["requires"] for a in s["actions"]
    )
    by_service: dict[str, tuple[str, ...]] = {}
    for action in sorted(actions):
        service = action.partition(":")[0]
        by_service[service] = (*by_service.get(service, ()), action)
    return actions, by_service


@lru_cache(maxsize=1 << 14)
def _pattern_actions(pattern: str) -> frozenset[str]:
    """The capability actions (folded) one Action pattern matches, as RAM matches actions
    (ASCII case-insensitively): worked out once per pattern, which policies repeat far more
    than whole lists."""
    wanted, by_service = _wanted()
    folded = fold(pattern)
    if not has_wildcard(folded):
        return wanted & {folded}
    service = folded.partition(":")[0]
    candidates = wanted if has_wildcard(service) else by_service.get(service, ())
    if not candidates:
        return frozenset()
    regex = wildcard_regex(folded)
    return frozenset(a for a in candidates if regex.fullmatch(a))


def capability_actions(actions: tuple[str, ...], not_action: bool) -> frozenset[str]:
    """The capability actions (folded) an Action (or NotAction) list applies to."""
    if not_action:
        return _wanted()[0].difference(*map(_pattern_actions, actions))
    if len(actions) == 1:
        return _pattern_actions(actions[0])
    return frozenset().union(*map(_pattern_actions, actions))


def touches(statement: Statement) -> bool:
    """Whether the statement's Action (or NotAction) can match any capability action, whatever
    its effect: a statement that cannot is irrelevant to every capability question.

    Asked of every statement linted: an Action list stops at its first pattern that matches one,
    without the union of all (capability_actions)."""
    if statement.not_action:
        return bool(capability_actions(statement.actions, True))
    return any(map(_pattern_actions, statement.actions))


def may_grant(statement: Statement) -> bool:
    """Whether an Allow statement's Action (or NotAction) can match any capability action.

    Patterns only: no resource, no condition, no Deny. False means the statement cannot take
    any step of any capability, so a policy whose statements all say False needs no analysis.

    >>> from policycheck.model import build_policy
    >>> def first(action, key="Action"):
    ...     doc = {"Version": "1", "Statement": [{"Effect": "Allow", key: action, "Resource": "*"}]}
    ...     return may_grant(build_policy(doc, "p.json", "identity").statements[0])
    >>> first("ram:Attach*"), first("ram:Get*"), first("oss:*"), first("oss:*", "NotAction"), first("*")
    (True, False, False, True, True)
    """
    return statement.effect == "Allow" and touches(statement)
