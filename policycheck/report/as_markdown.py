"""Markdown, for a pull-request comment: `policycheck diff`'s added and removed access as tables.

Every string from a policy is escaped for a table cell (`|`, backticks, HTML), and made
printable: the comment renders what the policies say and nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from policycheck.report.escape import printable

if TYPE_CHECKING:
    from policycheck.diff import DiffReport
    from policycheck.report.diff_rows import Row

_SPECIAL = {"|": "\\|", "`": "'", "<": "&lt;", ">": "&gt;", "&": "&amp;", "*": "\\*", "_": "\\_"}

LISTED_IN_DETAILS = 200
"""Actions a collapsed class lists under <details> (a comment has a size limit; JSON has them all)."""


def cell(text: str) -> str:
    """Text safe in a table cell: printable, no pipes, no HTML, no emphasis.

    >>> cell("ice:*|<b>")
    'ice:\\\\*\\\\|&lt;b&gt;'
    """
    return "".join(_SPECIAL.get(c, c) for c in printable(text))


def _row(row: Row) -> str:
    kind = {"+": "added", "-": "removed", "?": "undecided (counts as added)"}[row.sign]
    if row.sign == "?" and row.removed:
        kind = "undecided removal"
    actions = cell(row.action_text().rstrip(","))
    if len(row.actions) > 1:
        listed = ", ".join(cell(a) for a in row.actions[:LISTED_IN_DETAILS])
        more = len(row.actions) - LISTED_IN_DETAILS
        listed += f" and {more} more (see --format json)" if more > 0 else ""
        actions = f"<details><summary>{actions}</summary>{listed}</details>"
    if row.sign == "?":
        return f"| {kind} | {actions} | | | | {cell(row.reason)} |"
    granted = "<br>".join(cell(g) for g in row.granted_by)
    cells = (kind, actions, cell(row.resource), cell(row.context), granted, cell(row.other))
    return "| " + " | ".join(cells) + " |"


def diff_report(report: DiffReport, color: bool = False) -> str:
    from policycheck.report.diff_rows import rows

    summary = report.summary()
    verdict = "**new access**" if report.failed else "no new access"
    lines = [
        f"### policycheck diff: {verdict}",
        "",
        f"{cell(report.base)} → {cell(report.head)}: {summary['added']} added, {summary['removed']} "
        f"removed, {summary['unknown']} undecided (undecided counts as added).",
    ]
    for principal in report.principals:
        shown = rows(principal)
        if not shown:
            continue
        lines.append("")
        if principal.name is not None:
            lines += [f"#### Principal `{cell(principal.name)}`", ""]
        lines += [
            "| | Action | Resource | Context | Granted by | The other side |",
            "|---|---|---|---|---|---|",
        ]
        lines.extend(_row(row) for row in shown)
    for note in report.notes:
        lines += ["", f"> {cell(note)}"]
    return "\n".join(lines) + "\n"
