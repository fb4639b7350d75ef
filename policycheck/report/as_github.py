"""GitHub Actions workflow commands: one annotation per finding, for runs without code scanning.

`::error file=F,line=L,col=C,title=CODE::message` shows the finding on the pull request's diff
and in the run summary. Values are escaped as GitHub's runner reads them back (actions/toolkit,
command.ts): `%`, CR and LF everywhere, and `:` and `,` in properties too. Other control
characters (a terminal escape in a hostile file name) are written as \\xNN, never passed on.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from policycheck.findings import Finding, summarize
from policycheck.report.as_text import plural

if TYPE_CHECKING:
    from policycheck.account import AuditReport
    from policycheck.diff import DiffReport
    from policycheck.expect.live import CheckOutcome
    from policycheck.lint import LintResult

COMMANDS = {
    "error": "error",
    "security_warning": "error",
    "warning": "warning",
    "suggestion": "notice",
    "info": "notice",
}
"""A security warning is an error annotation: on a pull request it must not look routine."""

_CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _visible(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def escape_data(text: str) -> str:
    """A message: `%`, CR and LF escaped.

    >>> escape_data("50% done\\nnext")
    '50%25 done%0Anext'
    """
    return _visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (file, title): as data, and `:` and `,` too.

    >>> escape_property("a,b:c.json")
    'a%2Cb%3Ac.json'
    """
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    properties = [f"file={escape_property(finding.file)}"]
    if finding.line > 0:
        properties.append(f"line={finding.line}")
        if finding.column > 0:
            properties.append(f"col={finding.column}")
    properties.append(f"title={escape_property(finding.code)}")
    message = finding.message + (" (security warning)" if finding.severity == "security_warning" else "")
    return f"::{COMMANDS[finding.severity]} {','.join(properties)}::{escape_data(message)}"


def _annotations(findings: list[Finding], summary: str) -> str:
    lines = [annotation(f) for f in sorted(findings, key=Finding.sort_key)]
    return "\n".join([*lines, summary]) + "\n"


def _counts(findings: list[Finding]) -> str:
    counts = summarize(findings)
    parts = [plural(n, name.replace("_", " ")) for name, n in reversed(counts.items()) if n]
    return ", ".join(parts) or "no findings"


def lint_report(result: LintResult, color: bool = False) -> str:
    verdict = "failed" if result.failed else "passed"
    return _annotations(
        result.findings,
        f"policycheck lint: {_counts(result.findings)} in {plural(len(result.files), 'file')}; {verdict}",
    )


def check_report(outcome: CheckOutcome, color: bool = False) -> str:
    """The documents' lint findings and the failed expectations, at their lines."""
    findings = outcome.report.findings + outcome.as_findings()
    verdict = "failed" if outcome.failed else "inconclusive" if outcome.inconclusive else "passed"
    return _annotations(findings, f"policycheck check: {_counts(findings)}; {verdict}")


def audit_report(report: AuditReport, color: bool = False) -> str:
    checked = report.checked.as_findings() if report.checked else []
    findings = report.result.findings + checked
    return _annotations(findings, f"policycheck audit: {_counts(findings)}")


def diff_report(report: DiffReport, color: bool = False) -> str:
    """Each class of added access as an annotation at the HEAD statement that grants it."""
    summary = report.summary()
    verdict = "new access" if report.failed else "no new access"
    return _annotations(
        report.as_findings(),
        f"policycheck diff: {summary['added']} added, {summary['removed']} removed, "
        f"{summary['unknown']} undecided; {verdict}",
    )
