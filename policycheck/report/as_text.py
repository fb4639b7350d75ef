"""The text format, for people at a terminal: every kind of result, colour only when asked.

lint: `file:line:col: severity CODE message`, grouped by file, then a summary. explain: the
decision first, then a short account of why. check: one line per expectation, like
`terraform plan`, then a summary. diff: `+`/`-` per action added/removed, then a summary.
probe: the verdict, then labelled lines. audit: per principal, each attached policy with its
finding count, then the findings.

Every string from a file, the command line or a server goes through `printable` where it is
put into a line, and every report through `terminal_lines` before it is returned, so nothing
but this module's own newlines and colours acts on the terminal (report/escape.py).
"""

from __future__ import annotations

import json
from itertools import groupby
from typing import TYPE_CHECKING

from policycheck.findings import Finding, summarize
from policycheck.model import Condition, format_path
from policycheck.report.escape import printable, terminal_lines

if TYPE_CHECKING:
    from policycheck.account import AuditReport
    from policycheck.catalog.system import LibraryListing, RefreshReport
    from policycheck.diff import DiffReport
    from policycheck.evaluate import ConditionResult, Explanation, Match, NearMiss
    from policycheck.expect.check import CheckResult
    from policycheck.expect.live import CheckOutcome
    from policycheck.expect.spec import Expectation
    from policycheck.job_result import ChannelQuality, Span
    from policycheck.lint import LintResult
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
        where = f"{printable(finding.file)}:{finding.line}:{finding.column}:"
        severity = paint(finding.severity, _COLORS[finding.severity], color)
        lines.append(f"{where} {severity} {paint(finding.code, '1', color)} {printable(finding.message)}")
    return lines


def lint_report(result: LintResult, color: bool) -> str:
    findings = result.findings
    lines = render_findings(findings, color)
    if lines:
        lines.append("")
    lines.append(_summary(findings, result.checked, result.failed, result.fail_on, color))
    return terminal_lines(lines, color)


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
    from policycheck.job_result import AUDIO_KEYS, AUDIO_METRICS  # probe only: lint starts without it

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

    Nearly every field comes from the server (codes, messages, job names and results).
    """
    p = printable
    verdict = paint(result.verdict, _VERDICT_COLORS.get(result.verdict, "33"), color)
    lines = [f"{verdict}  {p(result.action)} at {p(result.endpoint)}", f"  caller   {p(result.principal)}"]
    answer = p(result.detail)
    if result.http_status is not None and result.verdict != "allowed":
        answer = f"HTTP {result.http_status} {p(result.code)}"
    if result.request_id:
        answer += f", request {p(result.request_id)}"
    if result.attempts > 1:
        answer += f", after {result.attempts} attempts"
    lines.append(f"  answer   {answer}")
    if result.denial is not None:
        from policycheck.verdict import denial_lines  # probe only: lint starts without it

        why, *more = map(p, denial_lines(result.denial))
        lines.append(f"  why      {why}")
        for line in more:
            label, text = ("hint", line[6:]) if line.startswith("hint: ") else ("", line)
            lines.append(f"  {label:<8} {text}")
    elif result.verdict != "allowed" and result.http_status is not None:
        lines.append(f"  why      {p(result.detail)}")
    job = result.job
    if job is not None and job.found:
        title = f' "{p(job.name)}"' if job.name else ""
        lines.append(f"  job      {p(job.job_id)}{title}: {p(job.function)} {p(job.status)} ({job.state})")
        times = f"created {p(job.created)}" + (f", finished {p(job.finished)}" if job.finished else "")
        lines.append(f"  times    {times}")
        for index, line in enumerate(job_result_lines(job)):
            lines.append(f"  {'result' if index == 0 else '':<8} {p(line)}")
        lines += [f"  output   {p(url)}" for url in job.outputs[:MAX_RESULT_ITEMS]]
    if result.recommend and result.verdict != "allowed":
        lines.append(f"  more     {p(result.recommend)}")
    return terminal_lines(lines, color)


def audit_report(report: AuditReport, color: bool) -> str:
    """Per principal: each attached policy (and trust policy) with its finding count; then the
    findings, once per document; then a summary; then the expectations' outcome (--expect)."""
    result, endpoint, principal = report.result, printable(report.endpoint), printable(report.caller)
    p = printable
    snapshot = result.snapshot
    counts = {source: len(audited.findings) for source, audited in result.documents.items()}

    def state(source: str | None) -> str:
        if source is None:
            return "not read"
        found = counts.get(source, 0)
        return paint(plural(found, "finding"), "33", color) if found else "no findings"

    lines = [f"Audit of {endpoint} as {principal}", ""]
    for error in snapshot.errors:
        lines.append(paint(f"could not list: {p(error)}", "31", color))
    for fetched in snapshot.principals:
        header = paint(f"{fetched.kind} {p(fetched.name)}", "1", color)
        if fetched.error:
            lines.append(f"{header}: {paint('could not be read', '31', color)}: {p(fetched.error)}")
            continue
        lines.append(header)
        if fetched.trust:
            lines.append(f"  trust policy: {state(fetched.trust)}")
        if not fetched.attachments:
            lines.append("  no policies attached")
        for attachment in fetched.attachments:
            ref = attachment.policy
            source = snapshot.policy_sources.get(ref)
            version = p(source.rsplit("@", 1)[-1]) if source else "?"
            via = f" (via {p(attachment.via)})" if attachment.via else ""
            problem = snapshot.policy_errors.get(ref)
            status = f"{paint('not read', '31', color)}: {p(problem)}" if problem else state(source)
            lines.append(f"  {p(ref.policy_type)} {p(ref.name)} {version}{via}: {status}")
    for ref in snapshot.unattached:
        source = snapshot.policy_sources.get(ref)
        lines.append(f"{p(ref.policy_type)} policy {p(ref.name)}, attached to no one: {state(source)}")
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
    text = terminal_lines(lines, color)
    return text if report.checked is None else text + "\n" + check_report(report.checked, color)


HEADLINES = {
    "allow": ("ALLOW", "32"),
    "explicit_deny": ("DENY (explicit)", "31"),
    "implicit_deny": ("DENY (implicit)", "31"),
}


def cite(match: Match) -> str:
    """`Statement[0] of policies/x.json:5` — a statement with the line it starts on."""
    line = match.policy.line_of(match.statement.path)
    where = f"{format_path(match.statement.path)} of {match.policy.source}"
    return printable(where) + (f":{line}" if line else "")


def show_condition(condition: Condition) -> str:
    values = condition.values[0] if len(condition.values) == 1 else list(condition.values)
    return printable(f"{condition.operator} {condition.key} {json.dumps(values, ensure_ascii=False)}")


def _request_values(result: ConditionResult) -> str:
    if result.missing:
        return f"the request has no {printable(result.condition.key)}"
    return "the request has " + printable(", ".join(result.values))


def _near_miss_lines(
    miss: NearMiss,
    asked: str,
    resource: str,
    missing_scope: tuple[str, ...] = (),
    indent: str = "    ",
) -> list[str]:
    """What stopped one Allow statement for the action from applying (`asked`: the resource the
    request named; `resource`: the one decided, account-scoped for per-operation actions)."""
    match = miss.match
    lines = []
    resources = printable(", ".join(f'"{r}"' for r in match.statement.resources))
    if miss.pending:
        fields = " or ".join(f"{field}s" for field in missing_scope)
        why = f"its {match.statement.resource_key} {resources} applies only in some {fields}, not given"
        lines.append(f"{indent}{cite(match)} ({match.layer}): {why}")
    if miss.resource_mismatch:
        why = f'its {match.statement.resource_key} {resources} does not match "{printable(resource)}"'
        if resource != asked and resource.endswith(":*"):
            service = printable(resource.split(":")[1])
            fix = f'"Resource": "*" or "acs:{service}:*:*:*"'
            why += f" ({service} authorizes per operation: write {fix})"
        lines.append(f"{indent}{cite(match)} ({match.layer}): {why}")
    for result in miss.failed_conditions:
        lines.append(
            f"{indent}{cite(match)} ({match.layer}): condition {show_condition(result.condition)} "
            f"is false: {_request_values(result)}"
        )
    return lines


def explain_report(explanation: Explanation, color: bool) -> str:
    request, decision, possibility = explanation.request, explanation.decision, explanation.possibility
    p = printable
    word, code = HEADLINES[decision.decision]
    lines = [f'{paint(word, code, color)}  {p(request.action)} on "{p(decision.resource)}"']
    control = explanation.control
    if control is not None and control.describe():
        lines.append(f"  ({p(control.describe())})")
    if decision.resource != request.resource and request.resource != "*":
        lines.append(
            f"  ({p(request.action.split(':')[0])} authorizes per operation, so the request is made on "
            f'the account-scoped ARN "{p(decision.resource)}", not on "{p(request.resource)}")'
        )
    if decision.decision == "allow":
        for match in decision.matched:
            lines.append(f"  allowed by {cite(match)} ({match.layer} layer)")
    elif decision.decision == "explicit_deny":
        for match in decision.matched:
            lines.append(f"  denied by {cite(match)} ({match.layer} layer)")
            for result in decision.conditions:
                if result.statement is match.statement and result.policy is match.policy:
                    lines.append(
                        f"    because {show_condition(result.condition)} "
                        f"holds for {p(', '.join(result.values))}"
                    )
        lines.append("  an explicit Deny wins over every Allow")
    else:
        layer = decision.denied_by_layer
        what = {"identity": "identity policy", "control": "control policy", "session": "session policy"}[
            layer
        ]
        lines.append(
            f"  no {what} allows it"
            + ("" if layer == "identity" else f" (the {layer} layer must also allow)")
        )
        if explanation.near_misses:
            lines.append("  statements for this action that did not apply:")
            for miss in explanation.near_misses:
                lines += _near_miss_lines(miss, request.resource, decision.resource, decision.missing_scope)
    if decision.missing_context:
        keys = p(", ".join(decision.missing_context))
        lines.append(
            f"  missing context: {keys}: conditions on it count as false (ForAllValues: ones as true); "
            "the answer may change "
            "once it is given (--context KEY=VALUE)"
        )
    if decision.missing_scope:
        fields = ", ".join(decision.missing_scope)
        flags = " ".join(f"--{field} ..." for field in decision.missing_scope)
        lines.append(
            f"  missing {fields}: statements that name one apply only there, so they count as not "
            f"matching; the answer may change once it is given ({flags})"
        )
    if possibility is not None:
        lines.append("")
        if possibility.possible and possibility.witness:
            witness = possibility.witness
            lines.append(f"{paint('POSSIBLE', '33', color)}  {p(witness.action)} can be allowed")
            context = ", ".join(f"{k}={'|'.join(v)}" for k, v in sorted(witness.context.items())) or "none"
            lines.append(f'  witness: resource "{p(witness.resource)}", context {p(context)}')
            for match in possibility.granted_by:
                lines.append(f"  granted by {cite(match)} ({match.layer} layer)")
        else:
            word = "IMPOSSIBLE" if possibility.exhaustive else "UNDECIDED"
            lines.append(
                f"{paint(word, '32' if possibility.exhaustive else '33', color)}  {p(possibility.reason)}"
            )
    return terminal_lines(lines, color)


LIVE_MARKS = {"confirmed": ("✓", "32"), "mismatch": ("✗", "31"), "inconclusive": ("?", "35")}
MARKS = {"holds": ("✓", "32"), "violated": ("✗", "31"), "conditional": ("~", "33"), "unknown": ("?", "35")}


def _target(result: CheckResult) -> str:
    e = result.expectation
    if e.effect == "allow":
        where = f'on "{printable(result.resource)}"'
    else:
        where = (
            "on any resource"
            if e.resource is None
            else f'on any resource matching "{printable(result.resource)}"'
        )
    context = ""
    if e.context:
        context = " with " + printable(
            ", ".join(
                f"{k}={json.dumps(list(v)) if len(v) > 1 else v[0]}" for k, v in sorted(e.context.items())
            )
        )
    elif e.effect == "deny":
        context = " in any context"
    return f"{where}{context}"


def _line(result: CheckResult, action: str, color: bool) -> list[str]:
    mark, code = MARKS[result.status]
    verb = "may     " if result.expectation.effect == "allow" else "must not"
    status = (
        ""
        if result.status == "holds"
        else f"  [{result.status}{'' if not result.passed or result.status == 'holds' else ', accepted'}]"
    )
    lines = [
        f"  {paint(mark, code, color)} {verb} {printable(action)} "
        f"{_target(result)}{paint(status, code, color)}",
        f"      {printable(result.reason)}",
    ]
    if result.near_misses:
        lines.append("      statements for this action that did not apply:")
        for miss in result.near_misses:
            lines += _near_miss_lines(
                miss, result.resource, result.decided_resource, result.missing_scope, indent="        "
            )
    return lines


def _group(expectation: Expectation, group: list[CheckResult], quiet: bool, color: bool) -> list[str]:
    """One expectation's lines. A wildcard expanded to many actions folds: one line with the
    counts per status, then only the actions that did not hold; `quiet` keeps only failures."""
    failing = [r for r in group if not r.passed]
    if quiet and not failing:
        return []
    if len(group) == 1:
        return _line(group[0], group[0].action, color)
    counts = {status: sum(r.status == status for r in group) for status in MARKS}
    if counts["holds"] == len(group):
        reason = "none of them can be allowed" if expectation.effect == "deny" else "all allowed"
        return [
            *_line(group[0], f"{expectation.action} ({len(group)} actions)", color)[:1],
            f"      {reason}",
        ]
    worst = next(r for r in group if r.status != "holds")  # the first that did not hold sets the mark
    summary = ", ".join(f"{n} {'hold' if status == 'holds' else status}" for status, n in counts.items() if n)
    lines = _line(worst, f"{expectation.action} ({len(group)} actions: {summary})", color)[:1]
    shown = failing if quiet else [r for r in group if r.status != "holds"]
    for result in shown:
        lines += ["  " + line for line in _line(result, result.action, color)]
    return lines


def check_report(outcome: CheckOutcome, color: bool) -> str:
    report = outcome.report
    spec = report.spec
    p = printable
    expectations = len(spec.expectations)
    lines = [
        f"policycheck check: {p(str(spec.config.path))}: {plural(len(report.principals), 'principal')}, "
        f"{plural(expectations, 'expectation')} ({plural(len(report.results), 'check')})",
        *(f"note: {p(note)}" for note in report.notes),
    ]
    done: list[str] = []
    by_principal = {name: [] for name in report.principals}
    for result in report.results:
        by_principal[result.expectation.principal].append(result)
    for name, results in by_principal.items():
        principal = report.principals[name]
        if outcome.quiet and all(r.passed for r in results):
            continue
        kind = f" ({principal.spec.type})" if principal.spec.type else ""
        lines += ["", f"{paint(p(name), '1', color)}{p(kind)}"]
        for note in principal.unknowns:
            lines.append(f"  note: {p(note)}")
        for system in principal.system_texts:
            lines.append(f"  note: {p(system.describe())}")
        if principal.control is not None and principal.control.describe():
            lines.append(f"  note: {p(principal.control.describe())}")
        for expectation, group in groupby(results, key=lambda r: r.expectation):
            lines += _group(expectation, list(group), outcome.quiet, color)
        # A principal at a time into text: 100,000 checks are 500,000 lines, and holding them
        # all next to the text they make was most of `check`'s peak memory (issue 17).
        done.append(terminal_lines(lines, color))
        lines = []
    if report.absent:
        lines += ["", f"Not in the account, not checked: {p(', '.join(report.absent))}"]
    live_shown = [c for c in outcome.live if not outcome.quiet or c.status != "confirmed"]
    if live_shown:
        lines += ["", paint("Live probe", "1", color) + f" ({p(outcome.live[0].live.endpoint)})"]
        for check in live_shown:
            mark, code = LIVE_MARKS[check.status]
            lines.append(
                f"  {paint(mark, code, color)} {p(check.principal)}: {p(check.action)}, "
                f"static {check.static}, live {check.live.verdict}"
            )
            lines.append(f"      {p(check.reason)}")
    lines.append("")
    if report.findings:
        lines.append(f"Lint findings in the documents checked ({report.documents}):")
        lines += ["  " + line if line else "" for line in render_findings(report.findings, color)]
    elif not outcome.quiet:
        lines.append(f"Lint: no findings in {plural(report.documents, 'document')}.")
    else:
        lines.pop()  # nothing to say about lint: no blank line for it
    counts = report.counts()
    parts = [f"{counts['holds']} hold"] + [
        f"{n} {status}" for status, n in counts.items() if n and status != "holds"
    ]
    verdict = "FAILED" if outcome.failed else "INCONCLUSIVE" if outcome.inconclusive else "passed"
    if outcome.live:
        live = {status: sum(c.status == status for c in outcome.live) for status in LIVE_MARKS}
        parts.append("live: " + ", ".join(f"{n} {status}" for status, n in live.items() if n))
    lines += [
        "",
        f"{plural(len(report.results), 'check')} of {plural(expectations, 'expectation')}: "
        f"{', '.join(parts)}. Check {paint(verdict, '31' if outcome.failed else '32', color)}.",
    ]
    done.append(terminal_lines(lines, color))
    return "".join(done)


def system_policies_report(listing: LibraryListing, color: bool) -> str:
    lines = [
        f"{paint(printable(policy.name), '1', color)} {printable(policy.version)} read {policy.read} "
        f"from {printable(policy.source)} ({printable(policy.origin)})"
        for policy in listing.policies
    ]
    count = len(listing.policies)
    lines.append(f"{count} System {'policy' if count == 1 else 'policies'}.")
    return terminal_lines(lines, color)


def refresh_report(report: RefreshReport, color: bool) -> str:
    """Server-sent names and errors pass through `printable`."""
    lines = [
        f"wrote {len(report.written)} of {report.listed} System policies to {printable(report.folder)} "
        f"(read {report.read} from {printable(report.endpoint)} as {printable(report.caller)})"
    ]
    if report.errors:
        lines.append(f"{len(report.errors)} could not be read or break the policy grammar:")
        lines += [f"  {paint(printable(problem), '31', color)}" for problem in report.errors]
    return terminal_lines(lines, color)


def diff_report(report: DiffReport, color: bool = False) -> str:
    """Like `terraform plan`: `+` access HEAD adds, `-` access it removes, `?` undecided, then a summary."""
    from policycheck.report.diff_rows import rows

    signs = {"+": "32", "-": "31", "?": "33"}
    lines = [f"policycheck diff: {printable(report.base)} -> {printable(report.head)}"]
    for principal in report.principals:
        shown = rows(principal)
        if not shown:
            continue
        lines.append("")
        if principal.name is not None:
            lines.append(f"principal {printable(principal.name)}:")
        for row in shown:
            if row.sign == "?":
                why = printable(row.reason)
                way = "no longer be allowed" if row.removed else "be newly allowed"
                text = f"? {printable(row.action_text())} may {way}: not decided ({why})"
                lines.append(paint(text, signs["?"], color))
                continue
            text = f"{row.sign} {printable(row.action_text())} on {json.dumps(printable(row.resource))}"
            if row.context:
                text += f" when {printable(row.context)}"
            side, other = ("", "base") if row.sign == "+" else (" in base", "head")
            granted = ", ".join(map(printable, row.granted_by))
            text += f" (granted by {granted}{side}; {other}: {printable(row.other)})"
            lines.append(paint(text, signs[row.sign], color))
    summary = report.summary()
    lines.append("")
    for note in report.notes:
        lines.append(f"note: {printable(note)}")
    counted = (
        f"{plural(summary['added'], 'action')} added, {summary['removed']} removed, "
        f"{summary['unknown']} undecided"
    )
    if report.failed:
        verdict = "new access" + (" (undecided counts as new)" if summary["unknown"] else "")
        lines.append(paint(f"Diff: {counted}: {verdict}.", "31", color))
    else:
        lines.append(paint(f"Diff: {counted}: no new access.", "32", color))
    return terminal_lines(lines, color)
