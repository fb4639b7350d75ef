"""JSON output: a stable contract for scripts (documented in the README)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from policycheck import __version__
from policycheck.findings import Finding, summarize

if TYPE_CHECKING:
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

