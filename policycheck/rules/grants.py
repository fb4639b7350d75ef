"""Grants that are too broad: OVERLY_PERMISSIVE and ALLOW_WITH_NOT_ACTION.

Both apply to identity and session policies. A control policy only bounds what identities may
be granted, and "Allow everything" or "Allow all but" is its normal shape there.
"""

from __future__ import annotations

import re

from policycheck.model import Statement
from policycheck.rules import Rule, RuleContext

GRANTING_KINDS = frozenset({"identity", "session"})

_SERVICE_WIDE = re.compile(r"\*|[A-Za-z0-9_-]+:\*")
_EVERY_RESOURCE = re.compile(r"\*|acs:\*:\*:\*:\*")


def _broad_actions(statement: Statement) -> list[int]:
    return [i for i, action in enumerate(statement.actions) if _SERVICE_WIDE.fullmatch(action)]


def _all_resources(statement: Statement) -> bool:
    return not statement.not_resource and any(_EVERY_RESOURCE.fullmatch(r) for r in statement.resources)


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
        if not _all_resources(statement):
            continue
        for index in _broad_actions(statement):
            action = statement.actions[index]
            scope = (
                "every action of every service" if action == "*" else f"every {action.split(':')[0]} action"
            )
            context.report(
                "OVERLY_PERMISSIVE",
                context.element_path(statement, "Action", index),
                f'"{action}" on every resource without a condition allows {scope}, '
                "including deletions and ones added later; list the actions needed",
            )


RULES = (Rule(("OVERLY_PERMISSIVE", "ALLOW_WITH_NOT_ACTION"), GRANTING_KINDS, check_grants),)
