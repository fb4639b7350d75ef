"""Text for `policycheck check`: one line per expectation, like `terraform plan`, then a summary."""

from __future__ import annotations

import json
from itertools import groupby
from typing import TYPE_CHECKING

from policycheck.report.as_text import paint, plural, render_findings

if TYPE_CHECKING:
    from policycheck.expect.check import CheckResult
    from policycheck.expect.live import CheckOutcome

LIVE_MARKS = {"confirmed": ("✓", "32"), "mismatch": ("✗", "31"), "inconclusive": ("?", "35")}
MARKS = {"holds": ("✓", "32"), "violated": ("✗", "31"), "conditional": ("~", "33"), "unknown": ("?", "35")}


def _target(result: CheckResult) -> str:
    e = result.expectation
    if e.effect == "allow":
        where = f'on "{result.resource}"'
    else:
        where = "on any resource" if e.resource is None else f'on any resource matching "{result.resource}"'
    context = ""
    if e.context:
        context = " with " + ", ".join(
            f"{k}={json.dumps(list(v)) if len(v) > 1 else v[0]}" for k, v in sorted(e.context.items())
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
    return [
        f"  {paint(mark, code, color)} {verb} {action} {_target(result)}{paint(status, code, color)}",
        f"      {result.reason}",
    ]


def check_report(outcome: CheckOutcome, color: bool) -> str:
    report = outcome.report
    spec = report.spec
    expectations = len(spec.expectations)
    lines = [
        f"policycheck check: {spec.config.path}: {plural(len(report.principals), 'principal')}, "
        f"{plural(expectations, 'expectation')} ({len(report.results)} checks)",
    ]
    by_principal = {name: [] for name in report.principals}
    for result in report.results:
        by_principal[result.expectation.principal].append(result)
    for name, results in by_principal.items():
        principal = report.principals[name]
        kind = f" ({principal.spec.type})" if principal.spec.type else ""
        lines += ["", f"{paint(name, '1', color)}{kind}"]
        for note in principal.unknowns:
            lines.append(f"  note: {note}")
        for system in principal.system_texts:
            lines.append(f"  note: {system.describe()}")
        for expectation, group in groupby(results, key=lambda r: r.expectation):
            group = list(group)
            if len(group) > 1 and all(r.status == "holds" for r in group):
                summary = group[0]
                reason = "none of them can be allowed" if expectation.effect == "deny" else "all allowed"
                lines += _line(summary, f"{expectation.action} ({len(group)} actions)", color)[:1]
                lines.append(f"      {reason}")
                continue
            for result in group:
                lines += _line(result, result.action, color)
    if report.absent:
        lines += ["", f"Not in the account, not checked: {', '.join(report.absent)}"]
    if outcome.live:
        lines += ["", paint("Live probe", "1", color) + f" ({outcome.live[0].live.endpoint})"]
        for check in outcome.live:
            mark, code = LIVE_MARKS[check.status]
            lines.append(
                f"  {paint(mark, code, color)} {check.principal}: {check.action}, "
                f"static {check.static}, live {check.live.verdict}"
            )
            lines.append(f"      {check.reason}")
    lines.append("")
    if report.findings:
        lines.append(f"Lint findings in the documents checked ({report.documents}):")
        lines += ["  " + line if line else "" for line in render_findings(report.findings, color)]
    else:
        lines.append(f"Lint: no findings in {plural(report.documents, 'document')}.")
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
    return "\n".join(lines) + "\n"
