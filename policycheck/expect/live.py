"""`check --probe`: the static verdict for a principal next to what the live platform says.

Pure: the probe results come in from the edge (policycheck.cloud); this module only decides
whether they agree and, when they do not, what most likely explains it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from policycheck.evaluate import Evaluator, Request
from policycheck.expect.spec import ProbePrincipal

if TYPE_CHECKING:
    from policycheck.cloud.probe import ProbeResult
    from policycheck.expect.check import CheckReport

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


def static_verdict(evaluator: Evaluator, probed: ProbePrincipal) -> tuple[str, str]:
    """allow, deny or conditional for the probed action in the probe's context."""
    decision = evaluator.evaluate(Request(probed.action, "*", dict(probed.context)))
    if decision.missing_context:
        keys = ", ".join(decision.missing_context)
        return "conditional", f"depends on {keys}, which the probe section does not give (context:)"
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
            status=CONFIRMED, reason=f"live {outcome}; the static verdict {static_reason}", **base
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


def live_checks(report: CheckReport, results: dict[str, ProbeResult]) -> list[LiveCheck]:
    """Compare every probed principal's live result with its static verdict."""
    checks = []
    for probed in report.spec.probe.principals:
        evaluator = Evaluator(report.principals[probed.name].policies)
        static, reason = static_verdict(evaluator, probed)
        checks.append(compare(probed, static, reason, results[probed.name]))
    return checks


def _denial_words(live: ProbeResult) -> str:
    from policycheck.cloud.probe import explain_denial

    return explain_denial(live.denial) if live.denial else live.detail
