"""Run the expectations of policycheck.yaml against the principals' policies.

allow: the request, with the given context, must evaluate to allow. When the answer depends on
  context keys the expectation does not give, it is *conditional*: allowed only under conditions
  it does not pin down. That fails unless the expectation says `conditional: ok`.
deny: no action matching the given one (an action or a pattern such as `oss:*`), no resource
  matching the given one (default: any) and no context (unless one is given) may make the
  request allowed. This is the evaluator's "could this ever be allowed" analysis, over every
  action the policies name, catalogued or not; a violation comes with a witness request and the
  statement that grants it. `deny: [{capability: privilege-escalation}]` asks the same of every
  capability of policycheck/data/escalation.json (policycheck.evaluate.escalation). Keys RAM
  documents as single-valued (policycheck.evaluate.keys) carry one value in a witness, every
  other key may carry several.

Statuses: holds, violated, conditional, unknown. Unknown means policycheck cannot prove the
answer (the analysis could not be exact, or the principal has policies whose text is not known,
such as System policies attached in a Terraform plan); it fails, because a security check that
cannot prove its answer must not pass silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from policycheck import catalog, patterns
from policycheck.catalog.system import SystemPolicy
from policycheck.evaluate import (
    Decision,
    Evaluator,
    Match,
    PolicySet,
    Possibility,
    Request,
    could_allow,
    scope,
)
from policycheck.evaluate.budget import DEFAULT_STEPS, Budget
from policycheck.evaluate.engine import Compilation
from policycheck.evaluate.escalation import IMPOSSIBLE, POSSIBLE, UNDECIDED, Escalation, find_escalations
from policycheck.evaluate.explanation import NearMiss, near_misses
from policycheck.evaluate.keys import single_valued
from policycheck.expect.library import Library, ResolvedPrincipal
from policycheck.expect.names import unknown_action, unknown_keys
from policycheck.expect.spec import CheckSpec, Expectation
from policycheck.findings import Finding, JudgedFindings
from policycheck.lint import LintSettings
from policycheck.model import Policy, build_policy

HOLDS, VIOLATED, CONDITIONAL, UNKNOWN = "holds", "violated", "conditional", "unknown"

_ANYTHING = build_policy(
    {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    "<policies whose text is not known>",
    "identity",
)
"""Stands in for unknown policies: a deny expectation holds only if it holds even against it."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One expanded expectation (one concrete action) and how it came out.

    Slotted: a large config makes hundreds of thousands (issue 17: under 2 KB per check).
    """

    expectation: Expectation
    action: str
    resource: str
    status: str
    passed: bool
    reason: str
    statements: tuple[Match, ...] = ()
    witness: Request | None = None
    missing_context: tuple[str, ...] = ()
    near_misses: tuple[NearMiss, ...] = ()
    """A violated allow: the Allow statements for the action that did not apply, and why (as explain)."""
    decided_resource: str = ""
    """The resource RAM decided on: account-scoped for a per-operation action, whatever `resource` says."""
    missing_scope: tuple[str, ...] = ()
    """For near misses: the fields (region, account) the request left unknown."""

    def of(self, expectation: Expectation) -> CheckResult:
        """The same outcome for another expectation asking the same question (run_check); by
        hand, as dataclasses.replace is a third of the cost of a reused answer."""
        return CheckResult(
            expectation,
            self.action,
            self.resource,
            self.status,
            self.passed,
            self.reason,
            self.statements,
            self.witness,
            self.missing_context,
            self.near_misses,
            self.decided_resource,
            self.missing_scope,
        )


@dataclass(frozen=True)
class CheckReport(JudgedFindings):
    """Everything the static check found (policycheck.expect.live adds the `--probe` comparisons)."""

    spec: CheckSpec
    principals: dict[str, ResolvedPrincipal]
    results: list[CheckResult]
    findings: list[Finding]
    documents: int
    fail_on: str
    absent: tuple[str, ...] = ()
    """Principals the audited account does not have (audit --expect): their expectations are not run."""
    warnings: tuple[str, ...] = ()
    """Problems that do not fail the check (a context key RAM does not document), with file:line."""
    notes: tuple[str, ...] = ()
    """What the reader should know about how it was decided (audit: which account id, or none)."""

    @property
    def failed(self) -> bool:
        """A lint finding at or above fail_on, or an expectation that did not pass."""
        return super().failed or not all(r.passed for r in self.results)

    def as_findings(self) -> list[Finding]:
        """Failed expectations as findings at their line in policycheck.yaml, for SARIF."""
        document = self.spec.config.document
        codes = {
            VIOLATED: "EXPECTATION_VIOLATED",
            CONDITIONAL: "EXPECTATION_CONDITIONAL",
            UNKNOWN: "EXPECTATION_UNKNOWN",
        }
        return [
            document.finding(
                codes[r.status],
                f"{r.expectation.principal} {'may' if r.expectation.effect == 'allow' else 'must not'} "
                f"{r.action}: {r.reason}",
                r.expectation.path,
            )
            for r in self.results
            if not r.passed and document is not None
        ]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((HOLDS, VIOLATED, CONDITIONAL, UNKNOWN), 0)
        for result in self.results:
            counts[result.status] += 1
        return counts


def expand(spec: CheckSpec, expectation: Expectation) -> tuple[str, ...]:
    """The actions to decide for an expectation: an allow's wildcard is expanded over the catalog
    (each action must be allowed); a deny's action or pattern is decided as one question.

    An action (or pattern) of a catalogued service that its catalog does not know is an error.
    """
    problem = unknown_action(expectation.action)
    if problem is not None:
        raise spec.error((*expectation.path, "action"), problem)
    if expectation.effect == "deny" or not patterns.has_wildcard(expectation.action):
        return (expectation.action,)
    found = catalog.expand(expectation.action)
    if found is None:
        raise spec.error(
            (*expectation.path, "action"),
            f"cannot expand {expectation.action}: policycheck has no action catalog for its service; "
            "name the actions one by one",
        )
    if not found:
        raise spec.error(
            (*expectation.path, "action"), f"{expectation.action} matches no action in the catalog"
        )
    return tuple(action.full_name for action in found)


def operation_resource_warning(
    spec: CheckSpec, principal: ResolvedPrincipal, expectation: Expectation
) -> str | None:
    """What `resource:` means for an action authorized per operation ("All Resources").

    RAM requests such an action on its service's account-scoped ARN
    `acs:<ram-code>:<region>:<account-id>:*`, whatever resource the caller has in mind
    (docs/evaluation.md §1). A `resource:` that can never be that ARN asks a question RAM never
    decides: an error (spec.error, exit 2). Any other is not what the request is decided on: a
    warning, returned. A pattern (`ice:*`) counts when every catalogued action it names is
    per-operation.
    """
    resource = expectation.resource
    if resource is None or resource == "*":
        return None
    found = catalog.expand(expectation.action) if patterns.has_wildcard(expectation.action) else None
    actions = [a.full_name for a in found] if found else [expectation.action]
    if not all(map(catalog.is_operation_level, actions)):
        return None
    service = scope.service_of(actions[0])
    region = scope.region_for(service, principal.spec.region)
    account = principal.spec.account
    arn = scope.operation_arn(service, region, account)
    if scope.reach(service, (resource,), False, region, account) == scope.NEVER:
        raise spec.error(
            (*expectation.path, "resource"),
            f'{expectation.action} is authorized per operation: RAM requests it on "{arn}", which '
            f'"{resource}" can never be; drop resource: or name that ARN',
        )
    return (
        f"{spec.config.path}:{expectation.line}: {expectation.action} is authorized per operation: "
        f'it is decided on "{arn}", not on "{resource}"'
    )


_LAYER_ORDER = {"identity": 0, "session": 1, "control": 2}


def _cite(matches: tuple[Match, ...]) -> str:
    """Statements with file:line, identity ones first (they are what a team edits)."""
    ordered = sorted(matches, key=lambda m: _LAYER_ORDER[m.layer])
    return ", ".join(
        f"{m.describe()}:{m.policy.line_of(m.statement.path)}"
        + ("" if m.layer == "identity" else f" ({m.layer})")
        for m in ordered
    )


def _context_text(context: Mapping[str, tuple[str, ...]]) -> str:
    return ", ".join(f"{key}={'|'.join(values)}" for key, values in sorted(context.items()))


def check_allow(
    evaluator: Evaluator,
    principal: ResolvedPrincipal,
    e: Expectation,
    action: str,
    steps: int = DEFAULT_STEPS,
) -> CheckResult:
    resource = e.resource or "*"
    context = dict(e.context or {})
    region, account = principal.spec.region, principal.spec.account
    decision = evaluator.evaluate(Request(action, resource, context, region, account))
    base = {
        "expectation": e,
        "action": action,
        "resource": resource,
        "missing_context": decision.missing_context + decision.missing_scope,
    }
    if decision.allowed and not decision.missing_context and not decision.missing_scope:
        return CheckResult(
            status=HOLDS,
            passed=True,
            reason=f"allowed by {_cite(decision.matched)}",
            statements=decision.matched,
            **base,
        )
    if decision.settled:
        return _not_allowed(evaluator, principal, decision, action, base)
    possibility = could_allow(
        evaluator,
        action,
        resource,
        context,
        any_resource=False,
        any_context=True,
        single_valued=single_valued,
        budget=Budget(steps),
        region=region,
        account=account,
    )
    if decision.allowed or possibility.possible:
        witness = possibility.witness
        extra = {k: v for k, v in (witness.context if witness else {}).items() if k not in context}
        placed = {
            name: (value,)
            for name, value, given in (
                ("region", witness.region if witness else None, region),
                ("account", witness.account if witness else None, account),
            )
            if name in decision.missing_scope and value is not None and given is None
        }
        keys = ", ".join(sorted(set(decision.missing_context) | set(extra) | set(decision.missing_scope)))
        example = {**extra, **placed}
        how = f"; allowed for example with {_context_text(example)}" if example else ""
        reason = f"allowed only under conditions on {keys}, which the expectation does not give{how}"
        return CheckResult(
            status=CONDITIONAL,
            passed=e.conditional_ok,
            reason=reason + ("" if e.conditional_ok else " (add the context, or `conditional: ok`)"),
            statements=decision.matched or possibility.granted_by,
            witness=witness,
            **base,
        )
    return _not_allowed(evaluator, principal, decision, action, base)


def _not_allowed(
    evaluator: Evaluator, principal: ResolvedPrincipal, decision: Decision, action: str, base: dict
) -> CheckResult:
    """An allow expectation that no context makes hold: unknown, or violated and why."""
    if principal.unknowns:
        return CheckResult(
            status=UNKNOWN,
            passed=False,
            reason="not allowed by the known policies; " + "; ".join(principal.unknowns),
            **base,
        )
    if decision.decision == "explicit_deny":
        reason = f"explicitly denied by {_cite(decision.matched)}"
        misses = ()
    else:
        reason = f"implicitly denied: no {decision.denied_by_layer} policy allows it"
        misses = near_misses(evaluator, decision, action)
    return CheckResult(
        status=VIOLATED,
        passed=False,
        reason=reason,
        statements=decision.matched,
        near_misses=misses,
        decided_resource=decision.resource,
        missing_scope=decision.missing_scope,
        **base,
    )


def check_deny(
    evaluator: Evaluator,
    principal: ResolvedPrincipal,
    e: Expectation,
    action: str,
    steps: int = DEFAULT_STEPS,
) -> CheckResult:
    """Deny expectations: could any request for an action matching `action` be allowed?

    Only the keys RAM documents as single-valued carry one value; each question has its own
    budget of work, and an exhausted budget is "unknown" (a failure).
    """
    resource = e.resource or "*"
    given = e.context is not None
    context = dict(e.context or {})
    base = {"expectation": e, "action": action, "resource": resource}

    def ask(policies: Evaluator) -> Possibility:
        """The expectation's question, with a budget of its own, against `policies`."""
        return could_allow(
            policies,
            action,
            resource,
            context,
            any_resource=True,
            any_context=not given,
            single_valued=single_valued,
            budget=Budget(steps),
            region=principal.spec.region,
            account=principal.spec.account,
        )

    possibility = ask(evaluator)
    if possibility.possible and possibility.witness is not None:
        witness = possibility.witness
        named = "" if witness.action == action else f"action {witness.action}, "
        shown = (
            named
            + f'resource "{witness.resource}"'
            + (f", context {_context_text(witness.context)}" if witness.context else "")
        )
        return CheckResult(
            status=VIOLATED,
            passed=False,
            reason=f"can be allowed ({shown}) by {_cite(possibility.granted_by)}",
            statements=possibility.granted_by,
            witness=witness,
            missing_context=possibility.conditional_keys,
            **base,
        )
    if not possibility.exhaustive:
        return CheckResult(status=UNKNOWN, passed=False, reason=possibility.reason, **base)
    if principal.unknowns:
        anything = PolicySet(
            identity=(*principal.policies.identity, _ANYTHING),
            control=principal.policies.control,
            session=principal.policies.session,
        )
        guarded = ask(Evaluator(anything, compilation=evaluator.compilation))
        if guarded.possible or not guarded.exhaustive:
            return CheckResult(
                status=UNKNOWN,
                passed=False,
                reason="not allowed by the known policies, and nothing denies it outright; "
                + "; ".join(principal.unknowns),
                **base,
            )
        return CheckResult(status=HOLDS, passed=True, reason=guarded.reason, **base)
    return CheckResult(status=HOLDS, passed=True, reason=possibility.reason, **base)


_LISTED = 3
"""Capabilities a violated capability expectation describes; the others by name."""


def check_capability(
    evaluator: Evaluator,
    principal: ResolvedPrincipal,
    e: Expectation,
    steps: int = DEFAULT_STEPS,
) -> CheckResult:
    """`deny: [{capability: privilege-escalation}]`: no capability of the set may be possible.

    Each capability is proved like a deny expectation (policycheck.evaluate.escalation), with one
    budget for the set; a capability left undecided, or policies whose text is not known, make
    it unknown (a failure), as for a deny of an action.
    """

    def decide(policies: Evaluator) -> list[Escalation]:
        return find_escalations(
            lambda: policies,
            Budget(steps),
            single_valued,
            region=principal.spec.region,
            account=principal.spec.account,
        )

    base = {"expectation": e, "action": e.action, "resource": "*"}
    found = decide(evaluator)
    possible = [x for x in found if x.status == POSSIBLE]
    if possible:
        cites = [_cite(tuple(m for s in x.steps for m in s.granted_by)) for x in possible]
        if len(set(cites)) == 1:  # one grant gives them all: say where once
            listed = ", ".join(x.describe() for x in possible[:_LISTED])
        else:
            listed = "; ".join(
                f"{x.describe()} by {c}" for x, c in zip(possible[:_LISTED], cites[:_LISTED], strict=True)
            )
        if len(possible) > _LISTED:
            rest = possible[_LISTED:]
            listed += f" and {len(rest)} more ({', '.join(x.capability.id for x in rest)})"
        if len(set(cites)) == 1:
            listed += f", by {cites[0]}"
        first = possible[0].steps[0]
        return CheckResult(
            status=VIOLATED,
            passed=False,
            reason=f"can be allowed: {listed}",
            statements=first.granted_by,
            witness=first.witness,
            missing_context=first.conditional_keys,
            **base,
        )
    undecided = [x for x in found if x.status == UNDECIDED]
    if undecided:
        names = ", ".join(x.capability.id for x in undecided)
        reason = f"could not prove that {names} cannot be allowed: {undecided[0].reason}"
        return CheckResult(status=UNKNOWN, passed=False, reason=reason, **base)
    if principal.unknowns:
        anything = PolicySet(
            identity=(*principal.policies.identity, _ANYTHING),
            control=principal.policies.control,
            session=principal.policies.session,
        )
        guarded = decide(Evaluator(anything))
        if any(x.status != IMPOSSIBLE for x in guarded):
            return CheckResult(
                status=UNKNOWN,
                passed=False,
                reason="none is allowed by the known policies, and nothing denies them outright; "
                + "; ".join(principal.unknowns),
                **base,
            )
    return CheckResult(
        status=HOLDS,
        passed=True,
        reason=f"none of the {len(found)} capabilities of policycheck/data/escalation.json can be allowed",
        **base,
    )


class AccountPrincipal(Protocol):
    """What a live account says a principal has (policycheck.account.PrincipalPolicies)."""

    identity: tuple[Policy, ...]
    trust: Policy | None
    problems: tuple[str, ...]
    system_texts: tuple[SystemPolicy, ...]


def _from_account(resolved: ResolvedPrincipal, live: AccountPrincipal) -> ResolvedPrincipal:
    """The principal with the identity and trust policies really attached in the account.

    Control and session policies cannot be read through RAM: the repository's are kept.
    """
    policies = PolicySet(
        identity=live.identity, control=resolved.policies.control, session=resolved.policies.session
    )
    return ResolvedPrincipal(
        resolved.spec,
        policies,
        live.trust,
        tuple(live.problems),
        resolved.control,
        tuple(live.system_texts),
    )


def _in_account(
    principals: dict[str, ResolvedPrincipal], account_id: str | None
) -> tuple[dict[str, ResolvedPrincipal], list[str]]:
    """The audited principals placed in the audited account, and what to tell the reader."""
    if account_id is None:
        if all(p.spec.account is not None for p in principals.values()):
            return principals, []
        return principals, [
            "the audited account's id is not known (the credentials are a user's AccessKey and no "
            "role was read with GetRole): statements that name an account are not decided for it, "
            "so expectations that depend on one are conditional or unknown, not guessed"
        ]
    notes = [f"requests are placed in the audited account {account_id}"]
    placed = {}
    for name, principal in principals.items():
        declared = principal.spec.account
        if declared is not None and declared != account_id:
            notes.append(f"{name}: policycheck.yaml gives account {declared}; decided for {account_id}")
        placed[name] = replace(principal, spec=replace(principal.spec, account=account_id))
    return placed, notes


def run_check(
    spec: CheckSpec,
    settings: LintSettings,
    account: Mapping[tuple[str, str], AccountPrincipal] | None = None,
    steps: int = DEFAULT_STEPS,
    account_id: str | None = None,
) -> CheckReport:
    """Resolve every principal, lint every document, and decide every expectation.

    With `account` (from `policycheck audit --expect`), principals are read from the live
    account by (type, name) instead; the ones the account does not have are left out.
    `account_id` is that account's id where the audit could learn it: every principal's
    requests are then placed in it (docs/evaluation.md §1), so statements that name an account
    are decided; where it is not known, a note says so and such statements stay undecided.
    `steps` is the work budget of each expectation's analysis (policycheck.evaluate.budget).
    """
    library = Library(spec, settings)
    principals = {name: library.resolve(principal) for name, principal in sorted(spec.principals.items())}
    notes: list[str] = []
    if account is not None:
        principals = {
            name: _from_account(resolved, account[(resolved.spec.type or "", name)])
            for name, resolved in principals.items()
            if (resolved.spec.type or "", name) in account
        }
        principals, notes = _in_account(principals, account_id)
    absent = tuple(sorted(set(spec.principals) - set(principals)))
    warnings = []
    for expectation in spec.expectations:
        if expectation.context:
            where = f"{spec.config.path}:{expectation.line}"
            warnings.extend(f"{where}: {problem}" for problem in unknown_keys(expectation.context))
    compilation = Compilation()  # each policy compiled once, whichever principals carry it
    evaluator, evaluated = None, None
    answers: dict[tuple, CheckResult] = {}
    results = []
    for expectation in spec.expectations:
        if expectation.principal not in principals:
            continue
        principal = principals[expectation.principal]
        if evaluated != expectation.principal:
            # One principal's Evaluator at a time (a principal's expectations come together):
            # its per-action plans are most of its memory, and the Compilation keeps the rest.
            evaluator, evaluated = (
                Evaluator(principal.policies, compilation=compilation),
                expectation.principal,
            )
        if expectation.capability:
            results.append(check_capability(evaluator, principal, expectation, steps))
            continue
        warning = operation_resource_warning(spec, principal, expectation)
        if warning is not None:
            warnings.append(warning)
        decide = check_allow if expectation.effect == "allow" else check_deny
        context = tuple(expectation.context.items()) if expectation.context is not None else None
        where = (principal.spec.region, principal.spec.account)
        alike = (decide, expectation.resource, context, expectation.conditional_ok, *where)
        for action in expand(spec, expectation):
            if principal.unknowns or patterns.has_wildcard(action):
                results.append(decide(evaluator, principal, expectation, action, steps))
                continue
            # What decides the answer: the statements for the action (by identity) and the
            # question. Thousands of principals share them (none, or only the control
            # policies' for most actions), so each distinct question is worked out once.
            key = (evaluator.action_key(action), evaluator.required, action, *alike)
            found = answers.get(key)
            if found is None:
                if len(answers) >= Compilation.ANSWER_LIMIT:
                    answers.clear()
                found = answers[key] = decide(evaluator, principal, expectation, action, steps)
            results.append(found if found.expectation is expectation else found.of(expectation))
    return CheckReport(
        spec,
        principals,
        results,
        library.findings + settings.expired_waivers(),
        library.documents,
        settings.fail_on,
        absent=absent,
        warnings=tuple(warnings),
        notes=tuple(notes),
    )
