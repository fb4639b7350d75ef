"""`policycheck diff`'s result: per principal, the access HEAD adds and the access it removes.

The proof is policycheck.evaluate.difference's; this module pairs the principals of the two
sides (a principal only in HEAD gains everything it allows, one only in BASE loses everything),
counts, and turns added access into findings at the HEAD statements that grant it (SARIF).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from typing import ClassVar

from policycheck.evaluate.budget import DEFAULT_STEPS
from policycheck.evaluate.difference import PROVED, UNKNOWN, Change, difference
from policycheck.evaluate.engine import PolicySet
from policycheck.findings import Finding, code_table
from policycheck.model import format_path

NEW_ACCESS, NEW_ACCESS_UNKNOWN = "NEW_ACCESS", "NEW_ACCESS_UNKNOWN"


@dataclass(frozen=True)
class Side:
    """One principal's policies on one side, and where requests are placed."""

    policies: PolicySet
    region: str | None = None
    account: str | None = None
    unknowns: tuple[str, ...] = ()
    """What of its permissions cannot be known (a Terraform value known only after apply)."""


@dataclass(frozen=True)
class PrincipalDiff:
    """`name` is None when BASE and HEAD were given as files (one unnamed principal)."""

    name: str | None
    added: tuple[Change, ...]
    removed: tuple[Change, ...]
    head_sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiffReport:
    base: str
    head: str
    principals: tuple[PrincipalDiff, ...]
    notes: tuple[str, ...] = ()
    kind: ClassVar[str] = "diff"

    @property
    def failed(self) -> bool:
        """New access, proved or not disproved: exit code 1."""
        return any(p.added for p in self.principals)

    def summary(self) -> dict[str, int]:
        added = [c for p in self.principals for c in p.added]
        return {
            "principals": len(self.principals),
            "principals_changed": sum(1 for p in self.principals if p.added or p.removed),
            "added": sum(1 for c in added if c.status == PROVED),
            "unknown": sum(1 for c in added if c.status == UNKNOWN),
            "removed": sum(1 for p in self.principals for c in p.removed if c.status == PROVED),
        }

    def as_findings(self) -> list[Finding]:
        """Added access as findings, one per class of actions and granting statement (not one per
        action: `Action: "*"` would make tens of thousands), at the HEAD statement's line."""
        severity = {code: info.severity for code, info in code_table().items()}
        findings: dict[tuple, Finding] = {}
        for principal in self.principals:
            who = f"{principal.name}: " if principal.name else ""
            for group in grouped(principal.added):
                first = group[0]
                actions = first.action if len(group) == 1 else f"{first.action} and {len(group) - 1} more"
                if first.status == UNKNOWN:
                    file = principal.head_sources[0] if principal.head_sources else self.head
                    text = f"{who}may newly allow {actions}: could not be decided ({first.reason})"
                    key = (principal.name, first.group, file)
                    findings[key] = Finding(
                        NEW_ACCESS_UNKNOWN, severity[NEW_ACCESS_UNKNOWN], text, file, 1, 1, ""
                    )
                    continue
                witness = first.witness
                assert witness is not None
                for match in first.granted_by:
                    if match.layer == "control" and not match.policy.locate:
                        continue  # the assumed FullAliyunAccess: no file to point at
                    text = f"{who}newly allows {actions} on {witness.resource!r}" + (
                        f" when {context_text(witness.context)}" if witness.context else ""
                    )
                    text += f" (base: {first.other})"
                    line = match.policy.line_of(match.statement.path)
                    key = (principal.name, first.group, match.policy.source, line)
                    findings[key] = Finding(
                        NEW_ACCESS,
                        severity[NEW_ACCESS],
                        text,
                        match.policy.source,
                        line,
                        1,
                        format_path(match.statement.path),
                    )
        return list(findings.values())


def context_text(context: Mapping[str, tuple[str, ...]]) -> str:
    """`acs:SourceIp=192.168.0.1, acs:CurrentTime=...`: a witness's context in one line."""
    return ", ".join(f"{key}={','.join(values)}" for key, values in sorted(context.items()))


def grouped(changes: tuple[Change, ...]) -> list[list[Change]]:
    """Changes by class of actions (same statements, same witness shape), in order of first action."""
    groups: dict[tuple[str, int], list[Change]] = {}
    for change in changes:
        groups.setdefault((change.status, change.group or id(change)), []).append(change)
    return list(groups.values())


def compare(
    name: str | None,
    base: Side | None,
    head: Side | None,
    steps: int = DEFAULT_STEPS,
    region: str | None = None,
    account: str | None = None,
) -> PrincipalDiff:
    """One principal's difference; a side that does not have it allows nothing.

    `region`/`account` (from the command line) win over the sides' own. Unknown permissions on
    HEAD's side are new access that cannot be ruled out: an UNKNOWN change.
    """
    nothing = Side(PolicySet(identity=()))
    base, head = base or nothing, head or nothing
    found = difference(
        base.policies,
        head.policies,
        region=region or head.region or base.region,
        account=account or head.account or base.account,
        steps=steps,
    )
    added = found.added
    if head.unknowns:
        why = "part of HEAD's permissions is not known: " + "; ".join(head.unknowns)
        added = (*added, Change("*", UNKNOWN, None, (), "", why, group=-1))
    sources = tuple(dict.fromkeys(p.source for p in head.policies.identity))
    return PrincipalDiff(name, added, found.removed, sources)


def _identity(side: Side | None) -> Hashable:
    """What a principal's difference depends on, by the identity of its documents (a library
    hands every principal that names a document the same Policy)."""
    if side is None:
        return None
    policies = side.policies
    layers = (policies.identity, policies.control, (policies.session,))
    return (tuple(tuple(map(id, layer)) for layer in layers), side.region, side.account, side.unknowns)


def compare_principals(
    pairs: Mapping[str, tuple[Side | None, Side | None]],
    steps: int = DEFAULT_STEPS,
    region: str | None = None,
    account: str | None = None,
) -> tuple[PrincipalDiff, ...]:
    """compare() for every principal (name: (base, head)); principals that carry the same
    documents on both sides are worked out once."""
    done: dict[Hashable, PrincipalDiff] = {}
    out = []
    for name, (base, head) in pairs.items():
        key = (_identity(base), _identity(head))
        if key not in done:
            done[key] = compare(name, base, head, steps, region, account)
        out.append(replace(done[key], name=name))
    return tuple(out)
