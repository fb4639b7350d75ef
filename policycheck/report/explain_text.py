"""Text for `policycheck explain`: the decision first, then a short account of why."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from policycheck.model import Condition, format_path
from policycheck.report.as_text import paint

if TYPE_CHECKING:
    from policycheck.evaluate import ConditionResult, Decision, Evaluator, Match, Possibility, Request
    from policycheck.evaluate.control import ControlLayer

HEADLINES = {
    "allow": ("ALLOW", "32"),
    "explicit_deny": ("DENY (explicit)", "31"),
    "implicit_deny": ("DENY (implicit)", "31"),
}


def cite(match: Match) -> str:
    """`Statement[0] of policies/x.json:5` — a statement with the line it starts on."""
    line = match.policy.line_of(match.statement.path)
    return f"{format_path(match.statement.path)} of {match.policy.source}{f':{line}' if line else ''}"


def show_condition(condition: Condition) -> str:
    values = condition.values[0] if len(condition.values) == 1 else list(condition.values)
    return f"{condition.operator} {condition.key} {json.dumps(values, ensure_ascii=False)}"


def _request_values(result: ConditionResult) -> str:
    if result.missing:
        return f"the request has no {result.condition.key}"
    return "the request has " + ", ".join(result.values)


def _near_misses(evaluator: Evaluator, request: Request, decision: Decision) -> list[str]:
    """Allow statements for this action that did not apply, and what stopped each."""
    decided = {(m.policy.source, m.statement.index) for m in decision.matched}
    pending = {(m.policy.source, m.statement.index) for m in decision.pending}
    applied = {(r.policy.source, r.statement.index) for r in decision.conditions}
    failed: dict[tuple[str, int], list[ConditionResult]] = {}
    for result in decision.conditions:
        if not result.held:
            failed.setdefault((result.policy.source, result.statement.index), []).append(result)
    lines = []
    for compiled in evaluator.statements_for_action(request.action):
        match = compiled.match
        key = (match.policy.source, match.statement.index)
        if compiled.deny or key in decided:
            continue
        resources = ", ".join(f'"{r}"' for r in match.statement.resources)
        if key in pending:
            fields = " or ".join(f"{field}s" for field in decision.missing_scope)
            why = f"its {match.statement.resource_key} {resources} applies only in some {fields}, not given"
            lines.append(f"    {cite(match)} ({match.layer}): {why}")
        elif key not in applied and not compiled.resource(decision.resource):
            why = f'its {match.statement.resource_key} {resources} does not match "{decision.resource}"'
            if decision.resource != request.resource and decision.resource.endswith(":*"):
                service = decision.resource.split(":")[1]
                why += (
                    f' ({service} authorizes per operation: write "Resource": "*" or "acs:{service}:*:*:*")'
                )
            lines.append(f"    {cite(match)} ({match.layer}): {why}")
        for result in failed.get(key, []):
            lines.append(
                f"    {cite(match)} ({match.layer}): condition {show_condition(result.condition)} "
                f"is false: {_request_values(result)}"
            )
    return lines


def explain_report(
    evaluator: Evaluator,
    request: Request,
    decision: Decision,
    possibility: Possibility | None,
    color: bool,
    control: ControlLayer | None = None,
) -> str:
    word, code = HEADLINES[decision.decision]
    lines = [f'{paint(word, code, color)}  {request.action} on "{decision.resource}"']
    if control is not None and control.describe():
        lines.append(f"  ({control.describe()})")
    if decision.resource != request.resource and request.resource != "*":
        lines.append(
            f"  ({request.action.split(':')[0]} authorizes per operation, so the request is made on "
            f'the account-scoped ARN "{decision.resource}", not on "{request.resource}")'
        )
    if decision.decision == "allow":
        for match in decision.matched:
            lines.append(f"  allowed by {cite(match)} ({match.layer} layer)")
    elif decision.decision == "explicit_deny":
        for match in decision.matched:
            lines.append(f"  denied by {cite(match)} ({match.layer} layer)")
            for result in decision.conditions:
                if result.statement is match.statement and result.policy is match.policy:
                    lines.append(
                        f"    because {show_condition(result.condition)} holds for {', '.join(result.values)}"
                    )
        lines.append("  an explicit Deny wins over every Allow")
    else:
        layer = decision.denied_by_layer
        what = {"identity": "identity policy", "control": "control policy", "session": "session policy"}[
            layer
        ]
        lines.append(
            f"  no {what} allows it"
            + ("" if layer == "identity" else f" (the {layer} layer must also allow)")
        )
        misses = _near_misses(evaluator, request, decision)
        if misses:
            lines.append("  statements for this action that did not apply:")
            lines.extend(misses)
    if decision.missing_context:
        keys = ", ".join(decision.missing_context)
        lines.append(
            f"  missing context: {keys}: conditions on it count as false; the answer may change "
            "once it is given (--context KEY=VALUE)"
        )
    if decision.missing_scope:
        fields = ", ".join(decision.missing_scope)
        flags = " ".join(f"--{field} ..." for field in decision.missing_scope)
        lines.append(
            f"  missing {fields}: statements that name one apply only there, so they count as not "
            f"matching; the answer may change once it is given ({flags})"
        )
    if possibility is not None:
        lines.append("")
        if possibility.possible and possibility.witness:
            witness = possibility.witness
            lines.append(f"{paint('POSSIBLE', '33', color)}  {witness.action} can be allowed")
            context = ", ".join(f"{k}={'|'.join(v)}" for k, v in sorted(witness.context.items())) or "none"
            lines.append(f'  witness: resource "{witness.resource}", context {context}')
            for match in possibility.granted_by:
                lines.append(f"  granted by {cite(match)} ({match.layer} layer)")
        else:
            word = "IMPOSSIBLE" if possibility.exhaustive else "UNDECIDED"
            lines.append(
                f"{paint(word, '32' if possibility.exhaustive else '33', color)}  {possibility.reason}"
            )
    return "\n".join(lines) + "\n"
