"""`policycheck:ignore CODE reason` comments applied to findings, for lint and check alike.

The comments are read by the loaders (load/waivers.py); this drops the findings they waive,
once every rule ran, and reports the comments that waive nothing: one without a known code or
a reason (WAIVER_INVALID), and a valid one no finding matched (WAIVER_UNUSED), so stale
waivers do not pile up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from policycheck.findings import Finding, code_table, default_severity
from policycheck.load.waivers import CommentWaiver


def apply_comment_waivers(
    groups: Sequence[Sequence[Finding]], waivers: Mapping[str, Sequence[CommentWaiver]]
) -> tuple[list[list[Finding]], dict[str, list[Finding]]]:
    """Each group of findings without the waived ones, and the reports about the comments, by
    the path of the file holding them (so lint.ignore and severity apply to them as to any).

    Whole files, not documents: several documents of a .tf file share its comments.
    """
    valid = [w for found in waivers.values() for w in found if _invalid(w) is None]
    used: set[CommentWaiver] = set()

    def unwaived(findings: Sequence[Finding]) -> list[Finding]:
        kept = []
        for finding in findings:
            waiver = next((w for w in valid if w.waives(finding.file, finding.code, finding.line)), None)
            if waiver is None:
                kept.append(finding)
            else:
                used.add(waiver)
        return kept

    kept = [unwaived(findings) for findings in groups]
    reports = {
        path: [_waiver_finding(w) for w in found if w not in used] for path, found in sorted(waivers.items())
    }
    return kept, {path: found for path, found in reports.items() if found}


def _invalid(waiver: CommentWaiver) -> str | None:
    """Why a comment waives nothing, or None when it names a known code and a reason."""
    if not waiver.code:
        return "names no code"
    if waiver.code not in code_table():
        return f"names {waiver.code}, which is not a policycheck code (docs/rules.md lists them)"
    if not waiver.reason:
        return f"gives no reason for waiving {waiver.code}"
    return None


def _waiver_finding(waiver: CommentWaiver) -> Finding:
    """WAIVER_INVALID or WAIVER_UNUSED at the comment."""
    problem = _invalid(waiver)
    if problem is not None:
        code = "WAIVER_INVALID"
        message = (
            f"this policycheck:ignore comment {problem}, so it waives nothing; write "
            "`policycheck:ignore CODE reason` with the code the finding shows and why the exception is right"
        )
    else:
        where = f"line {waiver.line} or {waiver.line + 1}" if waiver.own_line else f"line {waiver.line}"
        code = "WAIVER_UNUSED"
        message = (
            f"no {waiver.code} finding at {where}; the waiver ({waiver.reason}) is stale: remove it, "
            "or move it to the line of the finding"
        )
    return Finding(code, default_severity(code), message, waiver.source, waiver.line, waiver.column, "")
