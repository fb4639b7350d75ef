"""Human-readable text: `file:line:col: severity CODE message`, grouped by file, then a summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from policycheck.findings import Finding, summarize
from policycheck.verdict import denial_lines

if TYPE_CHECKING:
    from policycheck.account import AuditResult
    from policycheck.verdict import ProbeResult

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


_VERDICT_COLORS = {"allowed": "32", "denied": "31"}


def probe_report(result: ProbeResult, color: bool) -> str:
    """A probe's verdict, then labelled lines: who called, what came back, why, what to do."""
    verdict = paint(result.verdict, _VERDICT_COLORS.get(result.verdict, "33"), color)
    lines = [f"{verdict}  {result.action} at {result.endpoint}", f"  caller   {result.principal}"]
    answer = result.detail
    if result.http_status is not None and result.verdict != "allowed":
        answer = f"HTTP {result.http_status} {result.code}"
    if result.request_id:
        answer += f", request {result.request_id}"
    if result.attempts > 1:
        answer += f", after {result.attempts} attempts"
    lines.append(f"  answer   {answer}")
    if result.denial is not None:
        why, *more = denial_lines(result.denial)
        lines.append(f"  why      {why}")
        for line in more:
            label, text = ("hint", line[6:]) if line.startswith("hint: ") else ("", line)
            lines.append(f"  {label:<8} {text}")
    elif result.verdict != "allowed" and result.http_status is not None:
        lines.append(f"  why      {result.detail}")
    job = result.job
    if job is not None and job.found:
        title = f' "{job.name}"' if job.name else ""
        lines.append(f"  job      {job.job_id}{title}: {job.function} {job.status} ({job.state})")
        times = f"created {job.created}" + (f", finished {job.finished}" if job.finished else "")
        lines.append(f"  times    {times}")
        if job.result:
            lines.append(f"  result   {job.result}")
        lines += [f"  output   {url}" for url in job.outputs[:5]]
    if result.recommend and result.verdict != "allowed":
        lines.append(f"  more     {result.recommend}")
    return "\n".join(lines) + "\n"


def audit_report(result: AuditResult, endpoint: str, principal: str, color: bool) -> str:
    """Per principal: each attached policy (and trust policy) with its finding count; then the
    findings, once per document; then a summary."""
    snapshot = result.snapshot
    counts = {source: len(audited.findings) for source, audited in result.documents.items()}

    def state(source: str | None) -> str:
        if source is None:
            return "not read"
        found = counts.get(source, 0)
        return paint(plural(found, "finding"), "33", color) if found else "no findings"

    lines = [f"Audit of {endpoint} as {principal}", ""]
    for error in snapshot.errors:
        lines.append(paint(f"could not list: {error}", "31", color))
    for fetched in snapshot.principals:
        header = paint(f"{fetched.kind} {fetched.name}", "1", color)
        if fetched.error:
            lines.append(f"{header}: {paint('could not be read', '31', color)}: {fetched.error}")
            continue
        lines.append(header)
        if fetched.trust:
            lines.append(f"  trust policy: {state(fetched.trust)}")
        if not fetched.attachments:
            lines.append("  no policies attached")
        for attachment in fetched.attachments:
            ref = attachment.policy
            source = snapshot.policy_sources.get(ref)
            version = source.rsplit("@", 1)[-1] if source else "?"
            via = f" (via {attachment.via})" if attachment.via else ""
            problem = snapshot.policy_errors.get(ref)
            status = f"{paint('not read', '31', color)}: {problem}" if problem else state(source)
            lines.append(f"  {ref.policy_type} {ref.name} {version}{via}: {status}")
    for ref in snapshot.unattached:
        source = snapshot.policy_sources.get(ref)
        lines.append(f"{ref.policy_type} policy {ref.name}, attached to no one: {state(source)}")
    findings = result.findings
    if findings:
        lines += ["", *render_findings(findings, color)]
    unread = sum(1 for p in snapshot.principals if p.error)
    principals = plural(len(snapshot.principals), "principal")
    if unread:
        principals += f" ({unread} could not be read)"
    verdict = (
        f"fails at --fail-on {result.fail_on}" if result.failed else f"passes at --fail-on {result.fail_on}"
    )
    summary = (
        f"{principals}, {plural(len(result.documents), 'document')}, "
        f"{plural(len(findings), 'finding')}; {verdict}"
    )
    if not result.complete:
        summary += "; incomplete: some of the account could not be read"
    lines += ["", summary + "."]
    return "\n".join(lines) + "\n"
