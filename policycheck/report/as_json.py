"""JSON output: a stable contract for scripts (documented in the README)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from policycheck import __version__
from policycheck.findings import Finding, summarize

if TYPE_CHECKING:
    from policycheck.cloud.audit import AuditResult
    from policycheck.cloud.probe import ProbeResult


def lint_report(findings: list[Finding], files: int, failed: bool, fail_on: str) -> str:
    payload = {
        "version": __version__,
        "findings": [finding.as_dict() for finding in findings],
        "summary": {
            "files": files,
            "findings": len(findings),
            "by_severity": summarize(findings),
            "fail_on": fail_on,
            "failed": failed,
        },
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def probe_report(result: ProbeResult) -> str:
    return json.dumps({"version": __version__, **result.as_dict()}, indent=2, ensure_ascii=False) + "\n"


def audit_report(result: AuditResult, endpoint: str, principal: str) -> str:
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
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
