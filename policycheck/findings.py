"""Findings and the table of finding codes.

The wording, default severity and help of every code live in data/codes.json, apart from
the code that raises them, so the docs, SARIF rule help and messages share one source.
"""

from __future__ import annotations

import json
from functools import cache
from typing import NamedTuple

SEVERITIES: tuple[str, ...] = ("info", "suggestion", "warning", "security_warning", "error")
"""From least to most serious; `--fail-on warning` fails on the last three."""

SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


class Finding(NamedTuple):
    """One problem in one file, pointing at `file:line:column` and a JSON path.

    The records `policycheck lint` meets are NamedTuples, not dataclasses: as immutable, and
    cheap to define (about 0.1 ms against 0.35 ms for a frozen dataclass) and to create, and
    a one-file lint then never imports dataclasses and the inspect module it pulls in (7 ms
    of a 50 ms start; bench/README.md, cold start). tests/test_startup_imports.py holds it.
    """

    code: str
    severity: str
    message: str
    file: str
    line: int
    column: int
    path: str

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.column, self.code, self.message)

    def as_dict(self) -> dict[str, str | int]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
        }


class CodeInfo(NamedTuple):
    """What a finding code means: its default severity, a title, and how to fix it."""

    code: str
    severity: str
    title: str
    help: str
    example: str
    fix: str


@cache
def code_table() -> dict[str, CodeInfo]:
    """All finding codes, read once from the packaged data file."""
    import policycheck.data as package

    raw = json.loads(package.read_text(package.__file__, "codes.json"))
    return {code: CodeInfo(code=code, **fields) for code, fields in raw.items()}


def default_severity(code: str) -> str:
    return code_table()[code].severity


def at_or_above(severity: str, threshold: str) -> bool:
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]


def summarize(findings: list[Finding]) -> dict[str, int]:
    """Counts per severity, every severity present, for the summary line and the JSON output."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


class JudgedFindings:
    """A result's findings judged against its --fail-on severity; lint, audit and check results
    share it. A subclass provides `findings` and `fail_on`."""

    findings: list[Finding]
    fail_on: str

    @property
    def failed(self) -> bool:
        """Some finding is at or above fail_on."""
        return any(at_or_above(f.severity, self.fail_on) for f in self.findings)
