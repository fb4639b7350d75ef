"""SARIF 2.1.0, so GitHub code scanning and other viewers show findings inline.

Rule metadata (title, help, example, fix) comes from the same code table as the docs.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from policycheck import HOME_URL, __version__
from policycheck.findings import Finding, code_table
from policycheck.report.escape import json_text

if TYPE_CHECKING:
    from policycheck.account import AuditReport
    from policycheck.diff import DiffReport
    from policycheck.expect.live import CheckOutcome
    from policycheck.lint import LintResult

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = HOME_URL

LEVELS = {
    "error": "error",
    "security_warning": "warning",
    "warning": "warning",
    "suggestion": "note",
    "info": "note",
}
"""SARIF has three levels; security warnings keep their weight through security-severity."""

SECURITY_SEVERITY = {"security_warning": "7.0"}
"""Only security findings carry a security-severity: GitHub shows any rule that has one as a
security alert ("High" from 7.0), and a schema error is a broken file, not a vulnerability."""


def _rule(code: str) -> dict[str, Any]:
    info = code_table()[code]
    help_text = f"{info.help}\n\nExample: {info.example}\n\nFix: {info.fix}"
    help_markdown = f"{info.help}\n\n**Example**\n\n```json\n{info.example}\n```\n\n**Fix**: {info.fix}"
    properties: dict[str, Any] = {"tags": ["ram-policy"]}
    if info.severity in SECURITY_SEVERITY:
        properties["tags"] = ["security", "ram-policy"]
        properties["security-severity"] = SECURITY_SEVERITY[info.severity]
    return {
        "id": code,
        "name": "".join(part.capitalize() for part in code.split("_")),
        "shortDescription": {"text": info.title},
        "fullDescription": {"text": info.help},
        "help": {"text": help_text, "markdown": help_markdown},
        "helpUri": f"{INFORMATION_URI}/blob/main/docs/rules.md#{code.lower()}",
        "defaultConfiguration": {"level": LEVELS[info.severity]},
        "properties": properties,
    }


def _location(finding: Finding) -> dict[str, Any]:
    path = PurePosixPath(finding.file)
    if "://" in finding.file:  # a fetched document, e.g. ram://policy/Custom/NAME@v1
        artifact: dict[str, Any] = {"uri": finding.file}
    elif path.is_absolute():
        artifact = {"uri": path.as_uri()}
    else:
        artifact = {"uri": str(path), "uriBaseId": "%SRCROOT%"}
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)},
        }
    }
    if finding.path:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.path, "kind": "member"}]
    return location


def sarif_log(findings: list[Finding]) -> dict[str, Any]:
    """The SARIF document as a dict; every code is described, so viewers can show any rule's help."""
    codes = sorted(code_table())
    index = {code: position for position, code in enumerate(codes)}
    results = [
        {
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "level": LEVELS[finding.severity],
            "message": {"text": finding.message},
            "locations": [_location(finding)],
            "properties": {"severity": finding.severity},
        }
        for finding in findings
    ]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "policycheck",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(code) for code in codes],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The working directory"}}},
                "results": results,
            }
        ],
    }


def _log(findings: list[Finding]) -> str:
    return json_text(sarif_log(sorted(findings, key=Finding.sort_key)))


def lint_report(result: LintResult, color: bool = False) -> str:
    return _log(result.findings)


def check_report(outcome: CheckOutcome, color: bool = False) -> str:
    """The documents' lint findings and the failed expectations, at their lines."""
    return _log(outcome.report.findings + outcome.as_findings())


def audit_report(report: AuditReport, color: bool = False) -> str:
    checked = report.checked.as_findings() if report.checked else []
    return _log(report.result.findings + checked)


def diff_report(report: DiffReport, color: bool = False) -> str:
    """Each class of added access at the HEAD statement that grants it; undecided ones at the file."""
    return _log(report.as_findings())
