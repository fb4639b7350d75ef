"""PRIVILEGE_ESCALATION: the policy can allow a documented way to raise one's own permissions.

Asked of the evaluator (policycheck.evaluate.escalation), not matched on spelling: `ram:Attach*`,
`"NotAction": "oss:*"` and `ram:*` all grant ram:AttachPolicyToUser, and a Deny or a condition
in the same document counts. Each finding sits at the statement that grants the first step
and names the capabilities with the actions and, when a condition must hold, the context. An
analysis that runs out of its budget says so (a finding): it never passes silently.

Cost: the pattern pre-filter (capability_actions.py, per Action pattern) runs on every statement, and a
policy none of whose Allows passes it costs nothing more. For the others, questions the text
settles (an unconditional grant, a resource no pattern matches) are answered from it; the
evaluator is built, once per policy, only for a question it does not settle (a condition the
solver must satisfy, a Deny), and context solutions are shared between policies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from policycheck.evaluate.capability_actions import touches
from policycheck.rules import Rule, RuleContext

if TYPE_CHECKING:
    from policycheck.evaluate.escalation import Escalation

_DESCRIBED = 4
"""Capabilities shown with their actions in one finding; the others by name only."""

GRANTING_KINDS = frozenset({"identity", "session"})
"""A control policy only bounds what identities may be granted: it escalates nothing itself."""

_SOLVED: dict[tuple, tuple[int, object]] = {}
"""Per-key context solutions shared by the policies of one process (Compilation's `solved`):
each is a pure function of its conditions' text and replays the steps it took, so sharing
changes no answer; a corpus repeats its conditions (a date bound in hundreds of policies)."""


def _granting_statement(escalation: Escalation) -> int:
    """The statement of this document that grants the first step (its lowest index)."""
    return min(m.statement.index for m in escalation.steps[0].granted_by)


def check_escalation(context: RuleContext) -> None:
    statements = context.policy.statements
    touching = [s for s in statements if touches(s)]
    candidates = [s for s in touching if s.effect == "Allow"]  # may_grant, without asking twice
    if not candidates:
        return
    from policycheck.evaluate.escalation import POSSIBLE, UNDECIDED, find_escalations_alone

    policy = context.policy
    # Statements no capability action can match change no answer: the evaluator leaves them out
    # (compiling their patterns is most of its cost). Their Statement.index stays as written.
    relevant = policy if len(touching) == len(statements) else policy._replace(statements=tuple(touching))
    found = find_escalations_alone(relevant, _SOLVED)
    by_statement: dict[int, list[Escalation]] = {}
    for escalation in found:
        if escalation.status == POSSIBLE:
            by_statement.setdefault(_granting_statement(escalation), []).append(escalation)
    for index, escalations in sorted(by_statement.items()):
        statement = statements[index]
        listed = ", ".join(e.describe() for e in escalations[:_DESCRIBED])
        if len(escalations) > _DESCRIBED:
            rest = escalations[_DESCRIBED:]
            listed += f" and {len(rest)} more ({', '.join(e.capability.id for e in rest)})"
        what = f": {escalations[0].capability.title}" if len(escalations) == 1 else ""
        context.report(
            "PRIVILEGE_ESCALATION",
            (*statement.path, statement.action_key),
            f"allows privilege escalation: {listed}{what}; "
            "grant these only to administrators, or narrow the actions and resources",
        )
    undecided = [e for e in found if e.status == UNDECIDED]
    if undecided:
        statement = candidates[0]
        names = ", ".join(e.capability.id for e in undecided)
        context.report(
            "PRIVILEGE_ESCALATION",
            (*statement.path, statement.action_key),
            f"could not prove that this policy allows no privilege escalation ({names}): "
            f"{undecided[0].reason}",
        )


RULES = (Rule(("PRIVILEGE_ESCALATION",), GRANTING_KINDS, check_escalation),)
