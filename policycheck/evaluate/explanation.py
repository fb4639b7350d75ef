"""One request decided and explained, as data: the decision, the optional "could it ever" answer,
and the Allow statements for the action that did not apply, each with what stopped it.

Every reporter reads the same Explanation (the text names near misses, JSON lists them), so
none of them evaluates anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from policycheck.evaluate.budget import Budget
from policycheck.evaluate.control import ControlLayer
from policycheck.evaluate.engine import ConditionResult, Decision, Evaluator, Match, Request
from policycheck.evaluate.possible import Possibility, SingleValued, could_allow


@dataclass(frozen=True)
class NearMiss:
    """An Allow statement for the action that did not apply: its Resource did not match the
    decided resource, or matches it only in some regions/accounts and they were not given
    (`pending`, see Decision.missing_scope), and/or these of its conditions were false."""

    match: Match
    resource_mismatch: bool
    failed_conditions: tuple[ConditionResult, ...] = ()
    pending: bool = False


@dataclass(frozen=True)
class Explanation:
    """What `policycheck explain` found for one request."""

    kind: ClassVar[str] = "explain"

    request: Request
    decision: Decision
    possibility: Possibility | None = None
    near_misses: tuple[NearMiss, ...] = ()
    """Only for an implicit deny: what would have to change for an Allow to apply."""
    control: ControlLayer | None = None
    """How the control policies were read (deny-list beside FullAliyunAccess, or allow-list)."""

    @property
    def allowed(self) -> bool:
        """The answer the exit code gives: "could it ever" when asked, else the decision."""
        return self.possibility.possible if self.possibility else self.decision.allowed


def near_misses(evaluator: Evaluator, decision: Decision, action: str) -> tuple[NearMiss, ...]:
    """The Allow statements for `action` that did not decide it, and what stopped each."""
    decided = {(m.policy.source, m.statement.index) for m in decision.matched}
    pending = {(m.policy.source, m.statement.index) for m in decision.pending}
    applied = {(r.policy.source, r.statement.index) for r in decision.conditions}
    failed: dict[tuple[str, int], list[ConditionResult]] = {}
    for result in decision.conditions:
        if not result.held:
            failed.setdefault((result.policy.source, result.statement.index), []).append(result)
    misses = []
    for compiled in evaluator.statements_for_action(action):
        match = compiled.match
        key = (match.policy.source, match.statement.index)
        if compiled.deny or key in decided:
            continue
        conditions = tuple(failed.get(key, ()))
        if key in pending:
            misses.append(NearMiss(match, False, conditions, pending=True))
            continue
        # A statement whose conditions were tested matched the resource; the others are tested
        # here (for an operation-level action the ARN may show placeholders: see evaluate.scope).
        mismatch = key not in applied and not compiled.resource(decision.resource)
        if mismatch or conditions:
            misses.append(NearMiss(match, mismatch, conditions))
    return tuple(misses)


def explain(
    evaluator: Evaluator,
    request: Request,
    any_resource: bool = False,
    any_context: bool = False,
    single_valued: bool | SingleValued = False,
    budget: Budget | None = None,
    control: ControlLayer | None = None,
) -> Explanation:
    """Decide `request`, say why, and with any_resource/any_context ask whether it could ever be allowed.

    `single_valued` and `budget` as for could_allow; `control` is how the evaluator's control
    layer was built, carried to the reports.
    """
    decision = evaluator.evaluate(request)
    possibility = None
    if any_resource or any_context:
        possibility = could_allow(
            evaluator,
            request.action,
            request.resource,
            request.context,
            any_resource=any_resource,
            any_context=any_context,
            single_valued=single_valued,
            budget=budget,
            region=request.region,
            account=request.account,
        )
    misses = near_misses(evaluator, decision, request.action) if decision.decision == "implicit_deny" else ()
    return Explanation(request, decision, possibility, misses, control)
