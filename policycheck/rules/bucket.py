"""OSS bucket policies: BUCKET_PUBLIC_ACCESS, an Allow to everyone that no condition narrows,
and BUCKET_SOURCE_IP_WITHOUT_VPC, a source-IP condition OSS refuses without a VPC condition.

OSS reads `"Principal": ["*"]` (and an empty list, which OSS documents as the same) as every
requester, anonymous ones included. Only a condition on who or where the request comes from
narrows that: a source IP range, a VPC, an AccessKey, an account. A Referer, a user agent, a
time window or HTTPS do not: anyone can send them. The evidence is in docs/bucket-policies.md.
"""

from __future__ import annotations

from policycheck.model import BUCKET_PRINCIPAL, Condition, Statement
from policycheck.rules import Rule, RuleContext

NARROWING_KEYS = frozenset(
    k.lower()
    for k in (
        "acs:SourceIp",
        "acs:SourceVpc",
        "acs:SourceVpcId",
        "acs:AccessId",
        "acs:PrincipalAccount",
        "acs:PrincipalARN",
        "acs:PrincipalRDId",
        "acs:PrincipalRDPath",
    )
)
"""Global condition keys whose values say who sends the request or from which network."""

NARROWING_OPERATORS = frozenset({"StringEquals", "StringEqualsIgnoreCase", "StringLike", "IpAddress"})
"""Operators that admit only the listed values; the negated ones (NotIpAddress, StringNotLike...)
admit everything else, so they narrow nothing on their own."""

_EVERYWHERE = frozenset({"*", "0.0.0.0/0", "::/0"})


def _narrows(condition: Condition) -> bool:
    """`ForAnyValue:` narrows as its operator does; `ForAllValues:` does not: it also holds for a
    request without the key (docs/evaluation.md §2)."""
    operator = condition.operator.removeprefix("ForAnyValue:")
    return (
        condition.key.lower() in NARROWING_KEYS
        and operator in NARROWING_OPERATORS
        and not any(value in _EVERYWHERE for value in condition.values)
    )


def _public(statement: Statement) -> bool:
    """Principal "*" or [] (OSS: an empty list is the same as ["*"])."""
    for kind, values in statement.principal or ():
        if kind == BUCKET_PRINCIPAL and (not values or "*" in values):
            return True
    return False


def check_public_access(context: RuleContext) -> None:
    for statement in context.policy.statements:
        if statement.effect != "Allow" or not _public(statement):
            continue
        if any(_narrows(condition) for condition in statement.conditions):
            continue
        actions = ", ".join(statement.actions)
        weak = sorted({c.key for c in statement.conditions})
        because = f"; its conditions ({', '.join(weak)}) do not say who sends the request" if weak else ""
        context.report(
            "BUCKET_PUBLIC_ACCESS",
            (*statement.path, "Principal"),
            f"anyone on the internet, anonymous requests included, is allowed {actions}{because}; "
            "name the accounts or users in Principal, or add a condition on acs:SourceIp, "
            "acs:SourceVpc or acs:AccessId",
        )


def check_source_ip_needs_vpc(context: RuleContext) -> None:
    """OSS error 0030-00000008: PutBucketPolicy refuses a statement that conditions on
    acs:SourceIp without also conditioning on acs:SourceVpc (an IP alone cannot tell a VPC
    address from the same address on the internet)."""
    for statement in context.policy.statements:
        keys = {condition.key.lower() for condition in statement.conditions}
        if "acs:sourceip" not in keys or "acs:sourcevpc" in keys:
            continue
        condition = next(c for c in statement.conditions if c.key.lower() == "acs:sourceip")
        context.report(
            "BUCKET_SOURCE_IP_WITHOUT_VPC",
            condition.path,
            f"OSS refuses this bucket policy (error 0030-00000008): the statement's {condition.operator} "
            "on acs:SourceIp needs a condition on acs:SourceVpc too; add "
            '{"StringNotLike": {"acs:SourceVpc": ["vpc-*"]}} for addresses on the internet, or '
            '{"StringEquals": {"acs:SourceVpc": ["vpc-..."]}} for a VPC',
        )


RULES = (
    Rule(("BUCKET_PUBLIC_ACCESS",), frozenset({"bucket"}), check_public_access),
    Rule(("BUCKET_SOURCE_IP_WITHOUT_VPC",), frozenset({"bucket"}), check_source_ip_needs_vpc),
)
