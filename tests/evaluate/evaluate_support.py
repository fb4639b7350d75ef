"""Small builders so each test reads as: policy literal in, decision out."""

from __future__ import annotations

from policycheck.evaluate import Evaluator, PolicySet, Request
from policycheck.model import Policy, build_policy
from policycheck.patterns import fold


def operation_level(action: str) -> bool:
    """Stand-in for the action catalog: ICE authorizes per operation, nothing else here does."""
    return fold(action).startswith("ice:")


def statement(effect: str = "Allow", action="*", resource="*", condition=None, **extra) -> dict:
    out = {"Effect": effect, **extra}
    if "NotAction" not in extra:
        out["Action"] = action
    if "NotResource" not in extra:
        out["Resource"] = resource
    if condition:
        out["Condition"] = condition
    return out


def policy(*statements: dict, source: str = "p.json", kind: str = "identity") -> Policy:
    return build_policy({"Version": "1", "Statement": list(statements)}, source, kind)


def evaluator(*identity: Policy, control=(), session=None) -> Evaluator:
    return Evaluator(PolicySet(tuple(identity), tuple(control), session), operation_level=operation_level)


def decide(
    policies,
    action: str,
    resource: str = "*",
    context=None,
    control=(),
    session=None,
    region=None,
    account=None,
):
    if isinstance(policies, Policy):
        policies = (policies,)
    return evaluator(*policies, control=control, session=session).evaluate(
        Request(action, resource, context or {}, region, account)
    )


def where(match) -> tuple[str, int, str]:
    return (match.policy.source, match.statement.index, match.layer)
