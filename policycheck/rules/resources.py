"""INVALID_ARN: resources that are neither "*" nor a RAM ARN (policycheck.patterns.resource_problem)."""

from __future__ import annotations

from policycheck.patterns import ARN_FORM, resource_problem
from policycheck.rules import PERMISSION_KINDS, Rule, RuleContext


def check_arns(context: RuleContext) -> None:
    for statement in context.policy.statements:
        if not any(map(resource_problem, statement.resources)):
            continue  # most statements: every value "*" or an ARN
        for index, resource in enumerate(statement.resources):
            problem = resource_problem(resource)
            if problem:
                context.report(
                    "INVALID_ARN",
                    context.element_path(statement, statement.resource_key, index),
                    f'resource "{resource}" is not "*" or a RAM ARN ({ARN_FORM}): {problem}',
                )


RULES = (Rule(("INVALID_ARN",), PERMISSION_KINDS, check_arns),)
