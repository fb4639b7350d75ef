"""An account as read through RAM, as data, and its lint: what `policycheck audit` reports.

policycheck.cloud.audit fills a Snapshot from the live account; everything here is pure, so
the reporters and `audit --expect` read it without importing the cloud edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from policycheck.catalog.system import SystemLibrary, SystemPolicy, system_policy_model
from policycheck.findings import Finding, JudgedFindings
from policycheck.model import Policy, PolicyKind
from policycheck.verdict import AUTH_FAILED

if TYPE_CHECKING:
    from policycheck.expect.live import CheckOutcome


@dataclass(frozen=True, slots=True, order=True)
class PolicyRef:
    """A RAM policy by type and name: System policies are Alibaba Cloud's, Custom the account's."""

    policy_type: str
    name: str


@dataclass(frozen=True, slots=True)
class Attachment:
    policy: PolicyRef
    via: str = ""
    """Empty when attached to the principal itself, else e.g. "group media-workers"."""


@dataclass(frozen=True, slots=True)
class FetchedDocument:
    """A policy document as the account holds it; `source` names it in findings."""

    source: str
    text: str
    kind: PolicyKind
    name: str
    policy_type: str = ""
    version: str = ""


@dataclass(frozen=True)
class FetchedPrincipal:
    kind: str
    name: str
    attachments: tuple[Attachment, ...] = ()
    trust: str | None = None
    """The source of a role's trust policy document."""
    error: str | None = None
    """Why the principal could not be read; its attachments are then unknown."""


@dataclass
class Snapshot:
    """What was read from the account."""

    principals: list[FetchedPrincipal] = field(default_factory=list)
    documents: dict[str, FetchedDocument] = field(default_factory=dict)
    policy_sources: dict[PolicyRef, str] = field(default_factory=dict)
    policy_errors: dict[PolicyRef, str] = field(default_factory=dict)
    unattached: list[PolicyRef] = field(default_factory=list)
    """With --all: custom policies attached to no principal."""
    errors: list[str] = field(default_factory=list)
    """Lists that could not be read (e.g. ListUsers denied)."""
    account_id: str | None = None
    """The account's id, from the Arn of a role read with GetRole (None: no role was read)."""

    @property
    def complete(self) -> bool:
        return not (self.errors or self.policy_errors or any(p.error for p in self.principals))

    @property
    def auth_failed(self) -> bool:
        """Some read failed because the credentials were refused (see cloud/auth.py)."""
        reasons = [*self.errors, *self.policy_errors.values(), *(p.error for p in self.principals)]
        return any(f"{AUTH_FAILED}: " in reason for reason in reasons if reason)


def account_of_arn(arn: object) -> str | None:
    """The account id in a RAM ARN (`acs:ram::<account-id>:role/NAME`), or None.

    >>> account_of_arn("acs:ram::1234567890123456:role/ops"), account_of_arn("role/ops")
    ('1234567890123456', None)
    """
    if not isinstance(arn, str):
        return None
    fields = arn.split(":")
    if len(fields) < 5 or fields[:3] != ["acs", "ram", ""] or not fields[3].isdigit():
        return None
    return fields[3]


def policy_source(ref: PolicyRef, version: str) -> str:
    """`ram://policy/Custom/NAME@v3`: how findings and reports name a fetched policy."""
    return f"ram://policy/{ref.policy_type}/{ref.name}@{version}"


def trust_source(role: str) -> str:
    return f"ram://role/{role}/trust"


@dataclass(frozen=True)
class AuditedDocument:
    document: FetchedDocument
    findings: tuple[Finding, ...]
    policy: Policy | None
    """None when the document does not follow the policy grammar (its findings say why)."""


@dataclass
class AuditResult(JudgedFindings):
    snapshot: Snapshot
    documents: dict[str, AuditedDocument]
    fail_on: str

    @property
    def findings(self) -> list[Finding]:
        return sorted((f for d in self.documents.values() for f in d.findings), key=Finding.sort_key)

    @property
    def complete(self) -> bool:
        return self.snapshot.complete


@dataclass(frozen=True)
class AuditReport:
    """What `policycheck audit` shows: the audit, where and as whom the account was read, and
    the expectations' outcome against it when `--expect` ran them."""

    kind: ClassVar[str] = "audit"

    result: AuditResult
    endpoint: str
    caller: str
    checked: CheckOutcome | None = None

    @property
    def failed(self) -> bool:
        return self.result.failed or (self.checked is not None and self.checked.failed)


def audit(snapshot: Snapshot, fail_on: str = "warning") -> AuditResult:
    """Lint every fetched document once, as `policycheck lint` would lint the same text."""
    from policycheck.lint import lint_document
    from policycheck.load import load_bytes

    documents = {}
    for source, fetched in sorted(snapshot.documents.items()):
        loaded = load_bytes(fetched.text.encode("utf-8"), source)
        findings, policy = lint_document(loaded, fetched.kind, name=fetched.name)
        documents[source] = AuditedDocument(fetched, tuple(sorted(findings, key=Finding.sort_key)), policy)
    return AuditResult(snapshot, documents, fail_on)


@dataclass(frozen=True)
class PrincipalPolicies:
    """What RAM evaluates for one principal, as read from the account: the identity policies
    attached to it (and, for a user, to its groups), each at its default version, and a role's
    trust policy. `complete` is False when some of it could not be read or parsed, so a
    verdict built on it would be a guess. Control and session policies are not readable
    through RAM and are never here."""

    kind: str
    name: str
    identity: tuple[Policy, ...]
    trust: Policy | None
    complete: bool
    problems: tuple[str, ...] = ()
    system_texts: tuple[SystemPolicy, ...] = ()
    """System policies the account would not show, read from the System policy library instead."""


def _from_library(ref: PolicyRef, system: SystemLibrary | None) -> tuple[SystemPolicy, Policy] | None:
    """A System policy the account did not show, from the library (None when it lacks it)."""
    known = system.get(ref.name) if system is not None and ref.policy_type == "System" else None
    model = system_policy_model(known) if known else None
    return (known, model) if known and model else None


def principal_policies(
    result: AuditResult, system: SystemLibrary | None = None
) -> dict[tuple[str, str], PrincipalPolicies]:
    """(kind, name) -> PrincipalPolicies for every principal read: the seam for expectations.

    A System policy the audit could not read (GetPolicy denied, say) is taken from the
    System policy library `system` when it has it; it is still reported unread by the audit.
    """
    snapshot = result.snapshot
    found = {}
    for principal in snapshot.principals:
        problems: list[str] = []
        identity: list[Policy] = []
        system_texts: list[SystemPolicy] = []
        if principal.error:
            problems.append(principal.error)
        for ref in dict.fromkeys(a.policy for a in principal.attachments):
            source = snapshot.policy_sources.get(ref)
            audited = result.documents.get(source) if source else None
            if audited is None or audited.policy is None:
                library = _from_library(ref, system)
                if library is not None:
                    system_texts.append(library[0])
                    identity.append(library[1])
                    continue
                problems.append(
                    snapshot.policy_errors.get(ref) or f"{ref.policy_type} policy {ref.name} does not parse"
                )
                continue
            identity.append(audited.policy)
        trust = None
        if principal.trust:
            audited = result.documents.get(principal.trust)
            trust = audited.policy if audited else None
            if trust is None:
                problems.append(f"the trust policy of role {principal.name} does not parse")
        found[(principal.kind, principal.name)] = PrincipalPolicies(
            principal.kind,
            principal.name,
            tuple(identity),
            trust,
            not problems,
            tuple(problems),
            tuple(system_texts),
        )
    return found
