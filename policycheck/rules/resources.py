"""INVALID_ARN: resources that are neither "*" nor a five-field RAM ARN."""

from __future__ import annotations

import re

from policycheck.rules import PERMISSION_KINDS, Rule, RuleContext

_SERVICE = re.compile(r"[A-Za-z0-9*?-]+")
_REGION = re.compile(r"[A-Za-z0-9*?-]*")
_ACCOUNT = re.compile(r"[0-9*?]+|system")
"""An account id, a wildcard, or `system` (RAM's system policies: acs:ram:*:system:policy/...)."""

ARN_FORM = "acs:<ram-code>:<region>:<account-id>:<relative-id>"

_ARN = re.compile(r"acs:[A-Za-z0-9*?-]+:[A-Za-z0-9*?-]*:(?:[0-9*?]+|system):.+", re.DOTALL)
"""The fields `_why_not_arn` checks one by one, in one expression: most values are fine, and
one call says so (tests/rules/test_resources.py checks the two agree)."""


def arn_problem(resource: str) -> str | None:
    """Why a Resource value is not "*" or a RAM ARN, or None when it is fine.

    >>> arn_problem("acs:oss:*:*:media/*") is None, arn_problem("acs:ram::123456789012:role/x") is None
    (True, True)
    >>> arn_problem("arn:aws:s3:::media")
    'it starts with "arn:", not "acs:"'
    >>> arn_problem("acs:oss:*:media")
    'it has 4 fields; an ARN has 5'
    """
    if resource == "*" or _ARN.fullmatch(resource):
        return None
    return _why_not_arn(resource)


def _why_not_arn(resource: str) -> str | None:
    """arn_problem field by field, which can say which field is wrong."""
    fields = resource.split(":", 4)
    if fields[0] != "acs":
        return (
            f'it starts with "{fields[0]}:", not "acs:"'
            if len(fields) > 1
            else 'it does not start with "acs:"'
        )
    if len(fields) < 5:
        return f"it has {len(fields)} fields; an ARN has 5"
    _, service, region, account, relative = fields
    if not _SERVICE.fullmatch(service):
        return f'the service field "{service}" is not a RAM code such as oss or ram'
    if not _REGION.fullmatch(region):
        return f'the region field "{region}" is not a region id, "*" or empty'
    if not _ACCOUNT.fullmatch(account):
        return f'the account field "{account}" is not an account id or "*"'
    if not relative:
        return 'the resource field (after the fourth ":") is empty'
    return None


def check_arns(context: RuleContext) -> None:
    for statement in context.policy.statements:
        for index, resource in enumerate(statement.resources):
            problem = arn_problem(resource)
            if problem:
                context.report(
                    "INVALID_ARN",
                    context.element_path(statement, statement.resource_key, index),
                    f'resource "{resource}" is not "*" or a RAM ARN ({ARN_FORM}): {problem}',
                )


RULES = (Rule(("INVALID_ARN",), PERMISSION_KINDS, check_arns),)
