"""What a probe found, as data: its verdict, a denial and its wording, the job it showed.

policycheck.cloud.probe makes these from one live call; the core (check --probe) and the
reporters read them, and so never import the cloud edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from policycheck.job_result import JobResult

ALLOWED = "allowed"
DENIED = "denied"
AUTH_FAILED = "auth_failed"
THROTTLED = "throttled"
UNREACHABLE = "unreachable"
ERROR = "error"
VERDICTS = (ALLOWED, DENIED, AUTH_FAILED, THROTTLED, UNREACHABLE, ERROR)
"""allowed and denied are conclusive; the rest say the probe could not tell."""


@dataclass(frozen=True)
class Denial:
    """Why the platform said no, from AccessDeniedDetail (and the decoded diagnostic)."""

    explicit: bool
    policy_type: str
    principal_type: str
    principal_name: str
    account_id: str
    action: str
    decoded: dict[str, Any] | None = None
    not_decoded: str = ""
    """Why `decoded` is None when the answer had an EncodedDiagnosticMessage."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "explicit": self.explicit,
            "policy_type": self.policy_type,
            "principal_type": self.principal_type,
            "principal_name": self.principal_name,
            "account_id": self.account_id,
            "action": self.action,
            "decoded": self.decoded,
            "not_decoded": self.not_decoded or None,
            "explanation": explain_denial(self),
        }


@dataclass(frozen=True)
class JobSummary:
    """What --job-id shows of an iProduction job."""

    job_id: str
    found: bool
    status: str = ""
    function: str = ""
    name: str = ""
    created: str = ""
    finished: str = ""
    result: JobResult | None = None
    """None until the job has finished (the service answers an empty Result)."""
    outputs: tuple[str, ...] = ()

    @property
    def state(self) -> str:
        """done / failed / running: Status spellings vary (Analysing, Analyzing), so compare loosely."""
        status = self.status.lower()
        if status == "success":
            return "done"
        if status in ("fail", "failed"):
            return "failed"
        return "running" if status else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "found": self.found,
            "status": self.status or None,
            "state": self.state or None,
            "function": self.function or None,
            "name": self.name or None,
            "created": self.created or None,
            "finished": self.finished or None,
            "result": self.result.parsed if self.result else None,
            "result_problem": (self.result.problem or None) if self.result else None,
            "outputs": list(self.outputs),
        }


@dataclass(frozen=True)
class ProbeResult:
    kind: ClassVar[str] = "probe"

    verdict: str
    action: str
    endpoint: str
    principal: str
    detail: str
    """One line in plain words: what the answer means."""
    http_status: int | None = None
    code: str = ""
    request_id: str = ""
    host_id: str = ""
    recommend: str = ""
    attempts: int = 1
    denial: Denial | None = None
    job: JobSummary | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "action": self.action,
            "endpoint": self.endpoint,
            "principal": self.principal,
            "detail": self.detail,
            "http_status": self.http_status,
            "code": self.code or None,
            "request_id": self.request_id or None,
            "host_id": self.host_id or None,
            "recommend": self.recommend or None,
            "attempts": self.attempts,
            "denial": self.denial.as_dict() if self.denial else None,
            "job": self.job.as_dict() if self.job else None,
        }


POLICY_TYPE_WORDS = {
    "AccountLevelIdentityBasedPolicy": "the identity policies (of the user, its groups, or the role)",
    "ResourceGroupLevelIdentityBasedPolicy": "the identity policies attached at resource-group level",
    "ControlPolicy": "a Resource Directory control policy",
    "SessionPolicy": "the STS session policy",
    "AssumeRolePolicy": "the role's trust policy",
}
PRINCIPAL_WORDS = {
    "SubUser": "RAM user",
    "AssumedRoleUser": "RAM role session",
    "Federated": "federated (SSO) identity",
}
POLICY_TYPE_HINTS = {
    "AccountLevelIdentityBasedPolicy": (
        'grant it with {"Effect": "Allow", "Action": "%s", "Resource": "*"}: ICE authorizes per '
        'operation only, so a grant must say "Resource": "*" or "acs:ice:*:*:*" (a job ARN grants nothing)'
    ),
    "ControlPolicy": (
        "control policies belong to the Resource Directory, not to this account's RAM policies, so "
        "a static check of your repository cannot see them; ask the Resource Directory administrator"
    ),
    "SessionPolicy": "the session policy given to AssumeRole narrows the role; widen it or assume without it",
    "AssumeRolePolicy": "the role's trust policy does not let this principal assume the role",
}


def explain_denial(denial: Denial) -> str:
    """AccessDeniedDetail in plain words, e.g. "implicitly denied: nothing in the identity
    policies ... allows ice:QueryIProductionJob for RAM user 2000... in account 1000..."."""
    who = PRINCIPAL_WORDS.get(denial.principal_type, denial.principal_type or "the caller")
    if denial.principal_name:
        who += f" {denial.principal_name}"
    if denial.account_id:
        who += f" in account {denial.account_id}"
    where = POLICY_TYPE_WORDS.get(denial.policy_type, denial.policy_type or "the policies")
    action = denial.action or "this action"
    if denial.explicit:
        return f"explicitly denied: a Deny statement in {where} matches {action} for {who}"
    return f"implicitly denied: nothing in {where} allows {action} for {who}"


def _decoded_lines(decoded: dict[str, Any]) -> list[str]:
    lines = []
    for match in decoded.get("MatchedPolicies") or []:
        if not isinstance(match, dict):
            continue
        version = f" {match['PolicyVersion']}" if match.get("PolicyVersion") else ""
        attached = match.get("AttachedEntityType") or "?"
        lines.append(
            f"{match.get('Effect', '?')} by {match.get('PolicyType', '?')} policy "
            f"{match.get('PolicyIdentifier', '?')}{version} (attached to {attached}, "
            f"scope {match.get('AttachedScope', '?')})"
        )
    if not lines:
        lines.append("no statement matched the request")
    conditions = [
        f"{c.get('ConditionKey')}={','.join(map(str, c.get('ConditionValues') or []))}"
        for c in decoded.get("AuthConditions") or []
        if isinstance(c, dict)
    ]
    if conditions:
        lines.append("request context: " + ", ".join(conditions))
    if decoded.get("AuthResource"):
        lines.append(f"resource: {decoded['AuthResource']}")
    return lines


def denial_lines(denial: Denial) -> list[str]:
    """The explanation, what the decoded diagnostic adds, and what to do."""
    lines = [explain_denial(denial)]
    if denial.decoded is not None:
        lines += _decoded_lines(denial.decoded)
    elif denial.not_decoded:
        lines.append(f"diagnostic not decoded: {denial.not_decoded}")
    hint = POLICY_TYPE_HINTS.get(denial.policy_type)
    if hint and not (denial.explicit and denial.policy_type == "AccountLevelIdentityBasedPolicy"):
        lines.append("hint: " + (hint % denial.action if "%s" in hint else hint))
    elif denial.explicit:
        lines.append("hint: a Deny wins over every Allow; remove or narrow the Deny statement")
    return lines
