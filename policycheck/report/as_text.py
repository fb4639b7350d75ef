"""Human-readable text: `file:line:col: severity CODE message`, grouped by file, then a summary."""

from __future__ import annotations

from policycheck.findings import Finding, summarize

_COLORS = {
    "error": "31",
    "security_warning": "35",
    "warning": "33",
    "suggestion": "36",
    "info": "2",
}


def paint(text: str, code: str, color: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if color else text


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary(findings: list[Finding], files: int, failed: bool, fail_on: str, color: bool) -> str:
    if not findings:
        return paint(f"No findings in {plural(files, 'file')}.", "32", color)
    counts = summarize(findings)
    parts = [plural(n, name.replace("_", " ")) for name, n in reversed(counts.items()) if n]
    in_files = len({f.file for f in findings})
    verdict = f"fails at --fail-on {fail_on}" if failed else f"passes at --fail-on {fail_on}"
    return (
        f"{plural(len(findings), 'finding')} in {plural(in_files, 'file')} of {files} checked "
        f"({', '.join(parts)}); {verdict}."
    )


def render_findings(findings: list[Finding], color: bool) -> list[str]:
    """Finding lines grouped by file, a blank line between files."""
    lines: list[str] = []
    previous = None
    for finding in findings:
        if previous is not None and finding.file != previous:
            lines.append("")
        previous = finding.file
        where = f"{finding.file}:{finding.line}:{finding.column}:"
        severity = paint(finding.severity, _COLORS[finding.severity], color)
        lines.append(f"{where} {severity} {paint(finding.code, '1', color)} {finding.message}")
    return lines


def lint_report(findings: list[Finding], files: int, failed: bool, fail_on: str, color: bool) -> str:
    lines = render_findings(findings, color)
    if lines:
        lines.append("")
    lines.append(_summary(findings, files, failed, fail_on, color))
    return "\n".join(lines) + "\n"
