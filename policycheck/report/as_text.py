"""Human-readable text: `file:line:col: severity CODE message`, grouped by file, then a summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from policycheck.findings import Finding, summarize
from policycheck.job_result import AUDIO_KEYS, AUDIO_METRICS
from policycheck.report.escape import printable
from policycheck.verdict import denial_lines

if TYPE_CHECKING:
    from policycheck.account import AuditResult
    from policycheck.job_result import ChannelQuality, Span
    from policycheck.verdict import JobSummary, ProbeResult

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


MAX_RESULT_ITEMS = 50
"""Thumbnails, clips, segments or channels shown in text; JSON output carries them all."""


def _more(total: int) -> list[str]:
    hidden = total - MAX_RESULT_ITEMS
    return [f"... and {hidden} more (--format json shows them all)"] if hidden > 0 else []


def _span_line(span: Span) -> str:
    length = span.seconds
    line = f"{span.start} s to {span.end} s" + (f" ({length:.2f} s)" if length is not None else "")
    return f"{span.title}  {line}" if span.title else line


def _channel_lines(channel: ChannelQuality) -> list[str]:
    """One channel: what was assessed, the rated metrics as a table, then the other measures."""
    about = ", ".join(f"{key} {channel.get(key)}" for key in ("Tag", "Input", "Total Duration", "Time"))
    lines = [
        f"channel {channel.channel or '?'}: {about}",
        f"  {'metric':<14} {'score':<7} {'rating':<10} worst",
    ]
    for metric in AUDIO_METRICS:
        worst = channel.get(f"Worst {metric}(0-5)") or "-"
        lines.append(f"  {metric:<14} {channel.get(f'{metric}(0-5)'):<7} {channel.get(metric):<10} {worst}")
    measures = (
        "Loudness(-90dB-0dB)",
        "Speech Ratio",
        "Bad Mute Ratio(%)",
        "Double Talk Ratio(%)",
        "Saturated Ratio(%)",
    )
    lines.append("  " + ", ".join(f"{key} {channel.get(key)}" for key in measures))
    others = [f"{key} {value}" for key, value in channel.values if key not in AUDIO_KEYS]
    if others:
        lines.append("  also " + ", ".join(others))
    return lines


def job_result_lines(job: JobSummary) -> list[str]:
    """A job's Result read for its function: every value the reference documents, one per line."""
    result = job.result
    if result is None:
        return [] if job.state != "running" else [f"none yet (the job is {job.status})"]
    if result.failure is not None:
        code, message = result.failure
        return [f"{code}: {message}" if message else code]
    if result.problem:
        text = result.text if len(result.text) <= 500 else result.text[:500] + "..."
        return [f"not the documented shape ({result.problem}): {text}"]
    if result.empty:
        return [f"no additional information ({result.function} returns none)"]
    if result.thumbnails:
        lines = [f"{plural(len(result.thumbnails), 'thumbnail')}, best first:"]
        lines += [
            f"  score {t.score:.2f}  time {t.time}  {t.url}" for t in result.thumbnails[:MAX_RESULT_ITEMS]
        ]
        return lines + _more(len(result.thumbnails))
    if result.channels:
        lines = [f"audio quality of {plural(len(result.channels), 'channel')}:"]
        for channel in result.channels[:MAX_RESULT_ITEMS]:
            lines += ["  " + line for line in _channel_lines(channel)]
        return lines + _more(len(result.channels))
    what = "clip" if result.function == "VideoClip" else "segment"
    lines = [f"{plural(len(result.spans), what)} (seconds):"]
    lines += ["  " + _span_line(span) for span in result.spans[:MAX_RESULT_ITEMS]]
    return lines + _more(len(result.spans))


def probe_report(result: ProbeResult, color: bool) -> str:
    """A probe's verdict, then labelled lines: who called, what came back, why, what to do.

    Every line is passed through `printable`: most of it comes from the server."""
    verdict = paint(result.verdict, _VERDICT_COLORS.get(result.verdict, "33"), color)
    lines = [f"  caller   {result.principal}"]
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
        for index, line in enumerate(job_result_lines(job)):
            lines.append(f"  {'result' if index == 0 else '':<8} {line}")
        lines += [f"  output   {url}" for url in job.outputs[:MAX_RESULT_ITEMS]]
    if result.recommend and result.verdict != "allowed":
        lines.append(f"  more     {result.recommend}")
    first = f"{verdict}  {printable(f'{result.action} at {result.endpoint}')}"
    return "\n".join([first, *(printable(line) for line in lines)]) + "\n"


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
