"""RAM's evaluation rules read plainly: every statement of every layer, in order, one at a time.

This is the readable statement of what policycheck decides (docs/evaluation.md words the same
rules): control policies, then the session policy, then the identity policies; a statement
applies when its Action, Resource and every condition match; an explicit Deny anywhere wins;
otherwise every layer that is present must have an applying Allow. engine.Evaluator is its
indexed, compiled form, and a property test (tests/evaluate/test_properties.py) holds the two to
the same answer, field for field, on random policies. Slow on purpose: use the Evaluator.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from policycheck.evaluate import scope
from policycheck.evaluate.engine import Match, PolicySet, Request
from policycheck.evaluate.operators import OPERATORS, compile_condition
from policycheck.model import Condition, Policy, Statement
from policycheck.patterns import fold, resource_problem


class ReferenceDecision(NamedTuple):
    """The fields of engine.Decision the rules determine; `conditions` has one
    (policy, statement, condition, layer, held, request values) per condition evaluated."""

    decision: str
    matched: tuple[Match, ...]
    denied_by_layer: str | None
    missing_context: tuple[str, ...]
    resource: str
    conditions: list[tuple[Policy, Statement, Condition, str, bool, tuple[str, ...]]]


def glob_match(pattern: str, text: str) -> bool:
    """`*` is any run of characters, `?` one character, everything else itself.

    >>> glob_match("acs:ice:*:*:*", "acs:ice:cn-shanghai:123:*")
    True
    >>> glob_match("ice:Get?", "ice:GetJob")
    False
    """
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.DOTALL) is not None


def _condition_holds(condition: Condition, values: tuple[str, ...]) -> bool:
    """One condition on the request's values. Unqualified: as compiled. With a set qualifier, the
    operator is asked of each value alone (a negated one as the complement of its positive twin,
    StringNotEquals -> not StringEquals): ForAnyValue: some value, ForAllValues: every value, so
    true for none.

    >>> c = Condition("ForAllValues:StringEquals", "acs:TagKeys", ("a", "b"), ())
    >>> _condition_holds(c, ()), _condition_holds(c, ("a",)), _condition_holds(c, ("a", "c"))
    (True, True, False)
    """
    for qualifier in ("ForAnyValue:", "ForAllValues:"):
        if condition.operator.startswith(qualifier):
            name = condition.operator[len(qualifier) :]
            break
    else:
        return compile_condition(condition).holds(values)
    if name not in OPERATORS:
        return False
    negated = OPERATORS[name].negated
    twin = Condition(name.replace("Not", "", 1) if negated else name, condition.key, condition.values, ())
    results = [compile_condition(twin).holds((value,)) != negated for value in values]
    return any(results) if qualifier == "ForAnyValue:" else all(results)


def reference_decision(
    policies: PolicySet, request: Request, operation_level: Callable[[str], bool] | None = None
) -> ReferenceDecision:
    """Decide `request` statement by statement; `operation_level` as the Evaluator takes it
    (default: the action catalog), for actions requested on their service's account-scoped ARN
    `acs:<ram-code>:<region>:<account-id>:*` whatever the resource (policycheck.evaluate.scope).

    Read with the region and account given. Where one is not, the ARN shows a placeholder, which
    decides every pattern that does not name that field; a pattern that does depends on it,
    which the engine reports as Decision.missing_scope (docs/evaluation.md §1).
    A Resource value that is not a resource (patterns.resource_problem) matches nothing.
    """
    if operation_level is None:
        from policycheck.catalog import is_operation_level as operation_level
    if operation_level(request.action):
        service = scope.service_of(request.action)
        region = scope.region_for(service, request.region)
        resource = scope.operation_arn(service, region, request.account)
    else:
        resource = request.resource
    context: dict[str, tuple[str, ...]] = {}
    for key, values in request.context.items():
        context[fold(key)] = context.get(fold(key), ()) + tuple(values)
    session = (policies.session,) if policies.session else ()
    layers = [("control", policies.control), ("session", session), ("identity", policies.identity)]
    allowing, denying, results, missing = [], [], [], {}
    for layer, documents in layers:
        for policy in documents:
            for s in policy.statements:
                if any(glob_match(fold(a), fold(request.action)) for a in s.actions) == s.not_action:
                    continue
                valid = [r for r in s.resources if resource_problem(r) is None]
                if any(glob_match(r, resource) for r in valid) == s.not_resource:
                    continue
                applies = True
                for condition in s.conditions:
                    values = context.get(fold(condition.key)) or ()
                    held = _condition_holds(condition, values)
                    if not values:
                        spelled = missing.get(fold(condition.key), condition.key)
                        missing[fold(condition.key)] = min(spelled, condition.key)
                    results.append((policy, s, condition, layer, held, values))
                    applies = applies and held
                if applies:
                    (denying if s.effect == "Deny" else allowing).append(Match(policy, s, layer))
    required = [layer for layer, documents in layers if documents or layer == "identity"]
    missing_context = tuple(missing[key] for key in sorted(missing))
    if denying:
        return ReferenceDecision(
            "explicit_deny", tuple(denying), denying[0].layer, missing_context, resource, results
        )
    absent = [layer for layer in required if layer not in {m.layer for m in allowing}]
    if absent:
        return ReferenceDecision("implicit_deny", (), absent[0], missing_context, resource, results)
    return ReferenceDecision("allow", tuple(allowing), None, missing_context, resource, results)
