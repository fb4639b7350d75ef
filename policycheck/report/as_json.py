"""JSON output: a stable contract for scripts (documented in the README)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from policycheck import __version__
from policycheck.findings import summarize
from policycheck.report.escape import json_text

if TYPE_CHECKING:
    from policycheck.account import AuditReport, AuditResult
    from policycheck.catalog.system import LibraryListing, RefreshReport
    from policycheck.diff import DiffReport
    from policycheck.evaluate import ConditionResult, Decision, Explanation, Match, NearMiss, Possibility
    from policycheck.evaluate.control import ControlLayer
    from policycheck.evaluate.difference import Change
    from policycheck.expect.check import CheckResult
    from policycheck.expect.live import CheckOutcome
    from policycheck.lint import LintResult
    from policycheck.verdict import ProbeResult


def _dump(payload: dict[str, Any]) -> str:
    return json_text(payload)


def lint_report(result: LintResult, color: bool = False) -> str:
    findings = result.findings
    payload = {
        "version": __version__,
        "findings": [finding.as_dict() for finding in findings],
        "summary": {
            "files": result.checked,
            "findings": len(findings),
            "by_severity": summarize(findings),
            "fail_on": result.fail_on,
            "failed": result.failed,
        },
    }
    return _dump(payload)


def probe_report(result: ProbeResult, color: bool = False) -> str:
    return _dump({"version": __version__, **result.as_dict()})


def audit_payload(result: AuditResult, endpoint: str, principal: str) -> dict[str, Any]:
    """Principals with their attachments, documents with their findings, and a summary."""
    snapshot = result.snapshot
    findings = result.findings
    principals = [
        {
            "kind": p.kind,
            "name": p.name,
            "error": p.error,
            "trust": p.trust,
            "policies": [
                {
                    "type": a.policy.policy_type,
                    "name": a.policy.name,
                    "via": a.via or None,
                    "source": snapshot.policy_sources.get(a.policy),
                    "error": snapshot.policy_errors.get(a.policy),
                }
                for a in p.attachments
            ],
        }
        for p in snapshot.principals
    ]
    documents = [
        {
            "source": source,
            "kind": audited.document.kind,
            "type": audited.document.policy_type or None,
            "name": audited.document.name,
            "version": audited.document.version or None,
            "findings": len(audited.findings),
        }
        for source, audited in sorted(result.documents.items())
    ]
    payload = {
        "version": __version__,
        "endpoint": endpoint,
        "caller": principal,
        "principals": principals,
        "unattached": [snapshot.policy_sources.get(ref) for ref in snapshot.unattached],
        "documents": documents,
        "errors": list(snapshot.errors),
        "auth_failed": snapshot.auth_failed,
        "findings": [finding.as_dict() for finding in findings],
        "summary": {
            "principals": len(snapshot.principals),
            "unreadable_principals": sum(1 for p in snapshot.principals if p.error),
            "documents": len(result.documents),
            "findings": len(findings),
            "by_severity": summarize(findings),
            "fail_on": result.fail_on,
            "failed": result.failed,
            "complete": result.complete,
        },
    }
    return payload


def audit_report(report: AuditReport, color: bool = False) -> str:
    """The audit, with the expectations' results under `expectations` when `--expect` ran them."""
    payload = audit_payload(report.result, report.endpoint, report.caller)
    if report.checked is not None:
        payload["expectations"] = check_payload(report.checked)
    return _dump(payload)


def statement_ref(match: Match) -> dict[str, Any]:
    """A statement as the JSON contracts cite it: file, index, line, effect, layer."""
    return {
        "file": match.policy.source,
        "statement": match.statement.index,
        "line": match.policy.line_of(match.statement.path),
        "effect": match.statement.effect,
        "layer": match.layer,
    }


def _condition(result: ConditionResult) -> dict[str, Any]:
    return {
        "file": result.policy.source,
        "statement": result.statement.index,
        "line": result.policy.line_of(result.condition.path),
        "layer": result.layer,
        "operator": result.condition.operator,
        "key": result.condition.key,
        "values": list(result.condition.values),
        "request_values": list(result.values),
        "held": result.held,
    }


def explain_payload(
    decision: Decision, possibility: Possibility | None = None, control: ControlLayer | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "decision": decision.decision,
        "matched_statements": [statement_ref(m) for m in decision.matched],
        "missing_context": list(decision.missing_context),
        "missing_scope": list(decision.missing_scope),
        "pending_statements": [statement_ref(m) for m in decision.pending],
        "denied_by_layer": decision.denied_by_layer,
        "resource": decision.resource,
        "conditions": [_condition(c) for c in decision.conditions],
        "control_mode": control.mode if control else None,
        "full_aliyun_access_assumed": bool(control and control.assumed),
    }
    if possibility is not None:
        witness = possibility.witness
        payload.update(
            {
                "possible": possibility.possible,
                "exhaustive": possibility.exhaustive,
                "witness": None
                if witness is None
                else {
                    "action": witness.action,
                    "resource": witness.resource,
                    "region": witness.region,
                    "account": witness.account,
                    "context": {k: list(v) for k, v in sorted(witness.context.items())},
                },
                "granted_by": [statement_ref(m) for m in possibility.granted_by],
                "reason": possibility.reason,
            }
        )
    return payload


def _near_miss(miss: NearMiss) -> dict[str, Any]:
    return {
        **statement_ref(miss.match),
        "resource_matched": not miss.resource_mismatch and not miss.pending,
        "resource_depends_on_scope": miss.pending,
        "failed_conditions": [_condition(c) for c in miss.failed_conditions],
    }


def explain_report(explanation: Explanation, color: bool = False) -> str:
    payload = explain_payload(explanation.decision, explanation.possibility, explanation.control)
    payload["did_not_apply"] = [_near_miss(miss) for miss in explanation.near_misses]
    return _dump(payload)


def _result(result: CheckResult) -> dict[str, Any]:
    e = result.expectation
    witness = result.witness
    return {
        "principal": e.principal,
        "expectation": e.effect,
        "pattern": e.action,
        "action": result.action,
        "resource": result.resource,
        "context": None if e.context is None else {k: list(v) for k, v in sorted(e.context.items())},
        "status": result.status,
        "passed": result.passed,
        "reason": result.reason,
        "statements": [statement_ref(m) for m in result.statements],
        "did_not_apply": [_near_miss(miss) for miss in result.near_misses],
        "witness": None
        if witness is None
        else {
            "action": witness.action,
            "resource": witness.resource,
            "context": {k: list(v) for k, v in sorted(witness.context.items())},
        },
        "missing_context": list(result.missing_context),
        "line": e.line,
    }


def check_payload(outcome: CheckOutcome) -> dict[str, Any]:
    report = outcome.report
    counts = report.counts()
    return {
        "version": __version__,
        "config": report.spec.config.path,
        "principals": {
            name: {
                "type": p.spec.type,
                "unknowns": list(p.unknowns),
                "system_policies": [t.provenance() for t in p.system_texts],
                "control_mode": p.control.mode if p.control else None,
                "full_aliyun_access_assumed": bool(p.control and p.control.assumed),
                "region": p.spec.region,
                "account": p.spec.account,
            }
            for name, p in sorted(report.principals.items())
        },
        "results": [_result(r) for r in report.results],
        "absent": list(report.absent),
        "notes": list(report.notes),
        "findings": [f.as_dict() for f in report.findings],
        "live": [
            {
                "principal": check.principal,
                "action": check.action,
                "static": check.static,
                "static_reason": check.static_reason,
                "status": check.status,
                "reason": check.reason,
                "probe": check.live.as_dict(),
            }
            for check in outcome.live
        ],
        "summary": {
            "expectations": len(report.spec.expectations),
            "checks": len(report.results),
            **counts,
            "findings": len(report.findings),
            "fail_on": report.fail_on,
            "failed": outcome.failed,
            "inconclusive": outcome.inconclusive,
        },
    }


def check_report(outcome: CheckOutcome, color: bool = False) -> str:
    return _dump(check_payload(outcome))


def system_policies_report(listing: LibraryListing, color: bool = False) -> str:
    return _dump({"version": __version__, "system_policies": [p.provenance() for p in listing.policies]})


def refresh_report(report: RefreshReport, color: bool = False) -> str:
    return _dump(
        {
            "version": __version__,
            "folder": report.folder,
            "endpoint": report.endpoint,
            "caller": report.caller,
            "read": report.read,
            "listed": report.listed,
            "written": [p.provenance() | {"file": f"{p.name}.json"} for p in report.written],
            "errors": list(report.errors),
        }
    )


def _change(principal: str | None, change: Change) -> dict[str, Any]:
    witness = change.witness
    return {
        "principal": principal,
        "action": change.action,
        "status": change.status,
        "resource": witness.resource if witness else None,
        "context": {k: list(v) for k, v in sorted(witness.context.items())} if witness else None,
        "witness": None
        if witness is None
        else {
            "action": witness.action,
            "resource": witness.resource,
            "context": {k: list(v) for k, v in sorted(witness.context.items())},
            "region": witness.region,
            "account": witness.account,
        },
        "statements": [statement_ref(m) for m in change.granted_by],
        "other_side": change.other or None,
        "reason": change.reason or None,
        "uncatalogued": change.uncatalogued,
        "class": change.group,
    }


def diff_report(report: DiffReport, color: bool = False) -> str:
    """Every added and removed action, each with its witness request and granting statements."""
    return _dump(
        {
            "version": __version__,
            "base": report.base,
            "head": report.head,
            "added": [_change(p.name, c) for p in report.principals for c in p.added],
            "removed": [_change(p.name, c) for p in report.principals for c in p.removed],
            "notes": list(report.notes),
            "summary": {**report.summary(), "new_access": report.failed},
        }
    )
