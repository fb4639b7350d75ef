"""UNSUPPORTED_ELEMENT: elements the schema accepts but RAM's current grammar does not list;
EMPTY_CONDITION: a `"Condition": {}` that tests nothing."""

from __future__ import annotations

from policycheck.rules import ALL_KINDS, Rule, RuleContext


def check_elements(context: RuleContext) -> None:
    raws = context.document.value["Statement"]
    for statement in context.policy.statements:
        if statement.sid is not None:
            context.report(
                "UNSUPPORTED_ELEMENT",
                (*statement.path, "Sid"),
                "Sid is not in RAM's documented policy grammar and may be rejected; it has no effect "
                "on evaluation",
            )
        if statement.not_resource:
            context.report(
                "UNSUPPORTED_ELEMENT",
                (*statement.path, "NotResource"),
                "NotResource appears only in RAM's older grammar and may be rejected; list the "
                "resources in Resource, or deny the excluded ones in a Deny statement",
            )
        if not statement.conditions and raws[statement.index].get("Condition") == {}:
            context.report(
                "EMPTY_CONDITION",
                (*statement.path, "Condition"),
                '"Condition": {} tests nothing, so the statement applies as if it had none; remove it',
            )


RULES = (Rule(("UNSUPPORTED_ELEMENT", "EMPTY_CONDITION"), ALL_KINDS, check_elements),)
