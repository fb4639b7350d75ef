"""Grants that are too broad: OVERLY_PERMISSIVE and ALLOW_WITH_NOT_ACTION.

Both apply to identity and session policies. A control policy only bounds what identities may
be granted, and "Allow everything" or "Allow all but" is its normal shape there.
"""

from __future__ import annotations

import re

from policycheck import patterns
from policycheck.evaluate.automaton import covers
from policycheck.model import Statement
from policycheck.rules import PERMISSION_KINDS, Rule, RuleContext

GRANTING_KINDS = frozenset({"identity", "session"})

_SERVICE_WIDE = re.compile(r"\*|[A-Za-z0-9_-]+:\*")


def _broad_actions(statement: Statement) -> list[int]:
    return [
        i
        for i, action in enumerate(statement.actions)
        if action.endswith("*") and _SERVICE_WIDE.fullmatch(action)  # the test first: most do not
    ]


def _every_resource_of(statement: Statement, action: str) -> bool:
    """Whether the Resource covers every resource the broad action can touch.

    `oss:*` on `acs:oss:*:*:*` (or `acs:*`) is as broad as on `*`: every OSS resource is an
    `acs:oss:...` ARN. `*` needs every ARN of every service (`*`, `acs:*:*:*:*`).
    """
    if statement.not_resource:
        return False
    service = "*" if action == "*" else patterns.fold(action.split(":", 1)[0])
    return covers(statement.resources, f"acs:{service}:*:*:*") is True


def check_grants(context: RuleContext) -> None:
    for statement in context.policy.statements:
        if statement.effect != "Allow" or statement.conditions:
            continue
        if statement.not_action:
            excluded = ", ".join(statement.actions)
            context.report(
                "ALLOW_WITH_NOT_ACTION",
                (*statement.path, "NotAction"),
                f"Allow with NotAction grants every action of every service except {excluded}, "
                "including actions added later; allow what is needed with Action instead",
            )
            continue
        if "*" not in "".join(statement.actions):
            continue  # no value ends in "*": nothing broad (most statements)
        for index in _broad_actions(statement):
            action = statement.actions[index]
            if not _every_resource_of(statement, action):
                continue
            scope = (
                "every action of every service" if action == "*" else f"every {action.split(':')[0]} action"
            )
            context.report(
                "OVERLY_PERMISSIVE",
                context.element_path(statement, "Action", index),
                f'"{action}" on every resource without a condition allows {scope}, '
                "including deletions and ones added later; list the actions needed",
            )


def _covered(cover: tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    """Every pattern of `wanted` is covered by the union of `cover` (exactly; False if undecided)."""
    return all(covers(cover, pattern) is True for pattern in wanted)


def _folded(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(map(patterns.fold, values))


def check_shadowed(context: RuleContext) -> None:
    """An Allow that an unconditional Deny of the same document always cancels."""
    denies = [
        (s, _folded(s.actions))
        for s in context.policy.statements
        if s.effect == "Deny" and not s.conditions and not s.not_action and not s.not_resource
    ]
    if not denies:
        return
    for statement in context.policy.statements:
        if statement.effect != "Allow" or statement.not_action or statement.not_resource:
            continue
        actions = _folded(statement.actions)
        for deny, deny_actions in denies:
            if _covered(deny_actions, actions) and _covered(deny.resources, statement.resources):
                context.report(
                    "SHADOWED_STATEMENT",
                    statement.path,
                    f"Statement[{deny.index}] denies every action and resource this Allow grants, with no "
                    "condition, so this statement never allows anything",
                )
                break


RULES = (
    Rule(("OVERLY_PERMISSIVE", "ALLOW_WITH_NOT_ACTION"), GRANTING_KINDS, check_grants),
    Rule(("SHADOWED_STATEMENT",), PERMISSION_KINDS, check_shadowed),
)
