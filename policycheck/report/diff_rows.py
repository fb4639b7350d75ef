"""`policycheck diff`'s changes as the lines text and markdown show: one per action, or one per
class of many actions that the same statements grant alike (`Action: "*"` makes tens of
thousands; --format json lists every one)."""

from __future__ import annotations

from dataclasses import dataclass

from policycheck.diff import PrincipalDiff, context_text, grouped
from policycheck.evaluate.difference import UNKNOWN, Change, cite

LISTED = 8
"""A class of at most this many actions is shown action by action; a larger one on one line."""

NAMED = 3
"""Actions a one-line class names before `and N more`."""


@dataclass(frozen=True)
class Row:
    """`sign`: + added, - removed, ? not decided (`removed` tells which way: access that may be
    new, which counts as added, or access that may be gone)."""

    sign: str
    actions: tuple[str, ...]
    resource: str
    context: str
    granted_by: tuple[str, ...]
    other: str
    reason: str
    uncatalogued: bool
    removed: bool = False

    def action_text(self) -> str:
        if len(self.actions) == 1:
            made_up = " (stands for every action outside the catalogs that the same statements name)"
            return self.actions[0] + (made_up if self.uncatalogued else "")
        shown = ", ".join(self.actions[:NAMED])
        return f"{len(self.actions)} actions: {shown} and {len(self.actions) - NAMED} more,"


def _row(sign: str, changes: list[Change]) -> Row:
    first = changes[0]
    witness = first.witness
    return Row(
        "?" if first.status == UNKNOWN else sign,
        tuple(c.action for c in changes),
        witness.resource if witness else "",
        context_text(witness.context) if witness and witness.context else "",
        tuple(cite(m) for m in first.granted_by if m.policy.locate or m.layer != "control"),
        first.other,
        first.reason,
        first.uncatalogued,
        sign == "-",
    )


def rows(principal: PrincipalDiff) -> list[Row]:
    """Added (and undecided) rows first, then removed; each class as one row or one per action."""
    out: list[Row] = []
    for sign, changes in (("+", principal.added), ("-", principal.removed)):
        for group in grouped(changes):
            if len(group) <= LISTED:
                out.extend(_row(sign, [change]) for change in group)
            else:
                out.append(_row(sign, group))
    return out
