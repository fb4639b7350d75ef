"""`check --probe`: the static verdict for a principal next to what the live platform says.

Pure: the probe results come in from the edge (policycheck.cloud); this module only decides
whether they agree and, when they do not, what most likely explains it.

Only a decided static verdict can be confirmed. The static verdict is worked out for the
context the probe really has, as the probe section states it (`context:`, the probe's region,
the principal's account). When it depends on a key or field not stated there, it is
*conditional*: the live call answered for values the repository does not know (its real source
address, say), so agreeing with it confirms nothing. A live answer that no value of the missing
keys can give is a mismatch; any other is inconclusive, never confirmed. Example: a principal
whose only guard is `Deny ... NotIpAddress acs:SourceIp` is conditional without the source
address, and "live allowed" says nothing about whether the guard works.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from policycheck.evaluate import Evaluator, Request, could_allow
from policycheck.expect.check import CheckReport
from policycheck.expect.spec import ProbePrincipal
from policycheck.findings import Finding
from policycheck.verdict import ProbeResult, explain_denial

CONFIRMED, MISMATCH, INCONCLUSIVE = "confirmed", "mismatch", "inconclusive"

_SEEN_ONLY_LIVE = {
    "ControlPolicy": "a Resource Directory control policy that is not in the repository denies it "
    "(add it to this principal's control: to check it statically)",
    "SessionPolicy": "the STS session policy of these credentials denies it (add it as session: to check it)",
    "AssumeRolePolicy": "the role's trust policy refused the session",
    "ResourceGroupLevelIdentityBasedPolicy": "a policy attached at resource-group level, which the "
    "repository does not model, decides it",
}


@dataclass(frozen=True)
class LiveCheck:
    """One probed principal: the static verdict, the live one, and whether they agree."""

    principal: str
    action: str
    static: str
    static_reason: str
    live: ProbeResult
    status: str
    reason: str

    @property
    def passed(self) -> bool:
        return self.status == CONFIRMED


def static_verdict(
    evaluator: Evaluator, probed: ProbePrincipal, region: str | None = None, account: str | None = None
) -> tuple[str, str]:
    """allow, deny or conditional for the probed action in the context the probe really has.

    Conditional: the decision depends on keys (or the region/account) the probe section does
    not give. Deny when no value of them could allow it.
    """
    context = dict(probed.context)
    decision = evaluator.evaluate(Request(probed.action, "*", context, region, account))
    missing = decision.missing_context + decision.missing_scope
    guarded = any(r.missing and r.statement.effect == "Deny" for r in decision.conditions) or any(
        m.effect == "Deny" for m in decision.pending
    )
    if missing and decision.allowed and not guarded:
        missing = ()  # only Allows it did not need test them: allowed whatever their values
    if missing:
        possible = could_allow(
            evaluator, probed.action, "*", context, any_resource=False, region=region, account=account
        )
        if not possible.possible and possible.exhaustive:
            return "deny", f"denied whatever {', '.join(missing)} is: {possible.reason}"
        keys = ", ".join(missing)
        return "conditional", f"depends on {keys}, which the probe section does not give"
    if decision.allowed:
        return "allow", "allowed by " + ", ".join(
            m.describe() for m in decision.matched if m.layer == "identity"
        )
    return "deny", decision.decision.replace("_", " ") + (
        f" ({decision.denied_by_layer} layer)" if decision.denied_by_layer else ""
    )


def compare(probed: ProbePrincipal, static: str, static_reason: str, live: ProbeResult) -> LiveCheck:
    """Do the static and the live verdicts agree? Explain a disagreement."""
    base = {
        "principal": probed.name,
        "action": probed.action,
        "static": static,
        "static_reason": static_reason,
        "live": live,
    }
    if live.verdict not in ("allowed", "denied"):
        return LiveCheck(
            status=INCONCLUSIVE, reason=f"the probe could not tell ({live.verdict}): {live.detail}", **base
        )
    allowed = live.verdict == "allowed"
    if static == "conditional":
        outcome = "allowed" if allowed else "denied"
        return LiveCheck(
            status=INCONCLUSIVE,
            reason=f"live {outcome}, but not a confirmation: the static verdict {static_reason}, so the "
            "live call was decided on values the repository does not know; state them under the "
            "probe's context: (and region/account) to compare",
            **base,
        )
    if (static == "allow") == allowed:
        detail = "" if allowed or live.denial is None else f": {_denial_words(live)}"
        return LiveCheck(
            status=CONFIRMED, reason=f"live {'allowed' if allowed else 'denied'} as expected{detail}", **base
        )
    if not allowed:
        denial = live.denial
        why = _SEEN_ONLY_LIVE.get(denial.policy_type) if denial else None
        if why is None:
            why = (
                "the identity policies attached in the account differ from the repository's "
                "(compare them with `policycheck audit`)"
            )
        words = f" ({_denial_words(live)})" if denial else ""
        return LiveCheck(status=MISMATCH, reason=f"static allow, live denied{words}: {why}", **base)
    return LiveCheck(
        status=MISMATCH,
        reason="static deny, live allowed: the account grants more than the repository declares; "
        "a policy attached there allows it (list them with `policycheck audit`)",
        **base,
    )


@dataclass(frozen=True)
class CheckOutcome:
    """What `check` found: the static report, and beside it (with --probe) how each probed
    principal's live answer compares with its static verdict."""

    kind: ClassVar[str] = "check"

    report: CheckReport
    live: tuple[LiveCheck, ...] = ()
    quiet: bool = False
    """check --quiet: text output shows only what failed (and the summary); data formats ignore it."""

    @property
    def failed(self) -> bool:
        return self.report.failed or any(check.status == MISMATCH for check in self.live)

    @property
    def inconclusive(self) -> bool:
        """A live probe could not tell (bad credentials, unreachable, throttled)."""
        return any(check.status == INCONCLUSIVE for check in self.live)

    def as_findings(self) -> list[Finding]:
        """Failed expectations and live mismatches as findings in policycheck.yaml, for SARIF."""
        document = self.report.spec.config.document
        if document is None:
            return self.report.as_findings()
        paths: Mapping[str, tuple] = {p.name: p.path for p in self.report.spec.probe.principals}
        return self.report.as_findings() + [
            document.finding(
                "PROBE_MISMATCH", f"{check.principal} {check.action}: {check.reason}", paths[check.principal]
            )
            for check in self.live
            if check.status == MISMATCH
        ]


def live_checks(report: CheckReport, results: dict[str, ProbeResult]) -> CheckOutcome:
    """The report with every probed principal's live result compared with its static verdict."""
    checks = []
    for probed in report.spec.probe.principals:
        principal = report.principals[probed.name]
        evaluator = Evaluator(principal.policies)
        region = report.spec.probe.region or principal.spec.region
        static, reason = static_verdict(evaluator, probed, region, principal.spec.account)
        checks.append(compare(probed, static, reason, results[probed.name]))
    return CheckOutcome(report, tuple(checks))


def _denial_words(live: ProbeResult) -> str:
    return explain_denial(live.denial) if live.denial else live.detail
