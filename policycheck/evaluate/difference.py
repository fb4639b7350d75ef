"""What one set of policies allows that another does not: the core of `policycheck diff`.

A request r is newly allowed by HEAD over BASE iff HEAD allows r and BASE does not, and BASE
does not allow r iff some BASE Deny applies to r, or, for some layer BASE requires, none of that
layer's Allows applies to r. Each disjunct is one "could this ever be allowed" question
(policycheck.evaluate.possible), asked of an Evaluator built from HEAD's policies:

- "no Allow of BASE's layer L applies": BASE's L-Allows turned into Deny statements beside
  HEAD's. A Deny applies exactly when an Allow with the same Action, Resource and Condition
  would, so "no Deny applies" is "no such Allow applies".
- "some BASE Deny applies": BASE's Denies turned into Allows in a guard layer
  (engine.GUARD) that must also allow.

So the answer is as exact as could_allow: every resource and context is reasoned over, and the
only inexact answers are the ones it calls undecided (budget, mixed typed operators), which are
kept as UNKNOWN changes, never dropped. Actions are enumerated per class of actions that the
statements of both sides treat alike (policycheck.evaluate.actions): every catalogued action that
an Allow of the allowing side can name, actions the policies name that no catalog knows, and one
made-up action for every other class in services without a catalog. A class is asked once and
every member is re-checked on its own. Every witness is re-checked with both real Evaluators
(allowed by one side, not by the other) before it is returned.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from policycheck.evaluate import scope
from policycheck.evaluate.actions import ActionNames, CatalogNames, distinct_actions
from policycheck.evaluate.budget import DEFAULT_STEPS, Budget, BudgetExhausted
from policycheck.evaluate.engine import Compilation, Decision, Evaluator, Match, PolicySet, Request
from policycheck.evaluate.keys import single_valued
from policycheck.evaluate.possible import could_allow
from policycheck.model import Policy, Statement, format_path
from policycheck.patterns import fold, has_wildcard

PROVED, UNKNOWN = "proved", "unknown"

_SHOWN_FIRST = ("identity", "session", "control")
"""Granting statements are listed the principal's own first: a control policy's Allow rarely changed."""


@dataclass(frozen=True)
class Change:
    """An action one side allows and the other does not, for the witness request shown.

    PROVED: `witness` is allowed by the allowing side (`granted_by` its allowing statements)
    and not by the other (`other` says how that side decides it). UNKNOWN: the analysis could
    not decide (`reason` says why); `witness` is None and the change counts as new access.
    `uncatalogued`: the action was made up to stand for every action outside the catalogs
    that the same statements name (`x:x` for "any other service"). `group`: changes of one
    class of actions (same statements, same service) share it.
    """

    action: str
    status: str
    witness: Request | None
    granted_by: tuple[Match, ...]
    other: str
    reason: str = ""
    uncatalogued: bool = False
    group: int = 0


@dataclass(frozen=True)
class Difference:
    """Access HEAD allows that BASE does not (`added`) and the reverse (`removed`), by action."""

    added: tuple[Change, ...]
    removed: tuple[Change, ...]


def _shape(statement: Statement) -> Hashable:
    """What decides where a statement applies, order and spelling aside: two statements of one
    shape apply to exactly the same requests (actions match case-insensitively, lists are sets)."""
    conditions = frozenset((c.operator, fold(c.key), frozenset(c.values)) for c in statement.conditions)
    return (
        frozenset(map(fold, statement.actions)),
        statement.not_action,
        frozenset(statement.resources),
        statement.not_resource,
        conditions,
    )


def _flipped(policy: Policy, effect: str, skipped: frozenset | set = frozenset()) -> Policy:
    """The policy's statements of `effect` (but those of a `skipped` shape), with the other
    effect: they apply to the same requests."""
    other = "Deny" if effect == "Allow" else "Allow"
    kept = tuple(
        s._replace(effect=other) for s in policy.statements if s.effect == effect and _shape(s) not in skipped
    )
    return policy._replace(statements=kept)


def _layers(policies: PolicySet) -> dict[str, tuple[Policy, ...]]:
    """Policies per RAM layer, as an Evaluator reads them."""
    return {
        "control": policies.control,
        "session": (policies.session,) if policies.session is not None else (),
        "identity": policies.identity,
    }


def _every_policy(policies: PolicySet) -> tuple[Policy, ...]:
    return tuple(p for layer in _layers(policies).values() for p in layer)


def cite(match: Match) -> str:
    """`Statement[0] of policies/worker.json:4` (no line for a document without one)."""
    line = match.policy.line_of(match.statement.path)
    where = f"{match.policy.source}:{line}" if line else match.policy.source
    return f"{format_path(match.statement.path)} of {where}"


def describe_decision(decision: Decision) -> str:
    """How the other side decides a witness, in a few words: for reports."""
    if decision.matched and not decision.allowed:
        return "denied by " + ", ".join(map(cite, decision.matched[:3]))
    layer = decision.denied_by_layer or "identity"
    return f"no Allow of its {layer} policies applies"


class _Direction:
    """The questions "allowed by `allowing`, not by `other`", built once for every action."""

    def __init__(
        self,
        allowing: PolicySet,
        other: PolicySet,
        compilation: Compilation,
        operation_level: Callable[[str], bool] | None,
    ) -> None:
        def build(policies: PolicySet, guard: tuple[Policy, ...] = ()) -> Evaluator:
            return Evaluator(policies, operation_level, compilation, guard)

        self.allowing = build(allowing)
        self.other = build(other)
        self.questions: list[Evaluator] = []
        layers = _layers(other)
        for layer in self.other.required:
            dodged = tuple(_flipped(p, "Allow") for p in layers[layer])
            self.questions.append(build(allowing._replace(identity=(*allowing.identity, *dodged))))
        # A Deny of `other` that `allowing` has too (any layer: a Deny applies in every one)
        # never applies where `allowing` allows; leaving it out of the guard changes no answer
        # and spares the search the product of every unchanged Deny's resources.
        kept = {_shape(s) for p in _every_policy(allowing) for s in p.statements if s.effect == "Deny"}
        denies = tuple(_flipped(p, "Deny", kept) for p in _every_policy(other))
        if any(p.statements for p in denies):
            self.questions.append(build(allowing, tuple(p for p in denies if p.statements)))

    def unchanged(self, action: str) -> bool:
        """Whether both sides decide every request for `action` alike, read from the statements
        alone: the same layers, and in each the same statements (by shape) apply to it. Most
        actions of a change are so, and need no question at all."""
        return _applying(self.allowing, action) == _applying(self.other, action)

    def verified(self, request: Request) -> tuple[Decision, Decision] | None:
        """Both sides' decisions when `request` is allowed by one and not the other, else None."""
        mine = self.allowing.evaluate(request)
        if not mine.allowed:
            return None
        theirs = self.other.evaluate(request)
        return None if theirs.allowed else (mine, theirs)

    def _readable(self, witness: Request) -> Request:
        """The witness on a resource a reader recognises, when that request is allowed by one
        side and not the other too: `*` (as `explain` requests by default), else a granting
        statement's own pattern filled in with example values (`acs:oss:cn-hangzhou:
        1234567890123456:media/example`). The search's shortest resource (`x`, `acs:oss:::media/`)
        is kept when neither verifies."""
        if self.allowing.operation_level(witness.action):
            return witness  # its resource is the account-scoped ARN, which says where
        decision = self.allowing.evaluate(witness)
        patterns = [
            r for m in decision.matched if not m.statement.not_resource for r in m.statement.resources
        ]
        for resource in ("*", *dict.fromkeys(map(_example, patterns))):
            tried = witness._replace(resource=resource)
            if resource != witness.resource and self.verified(tried) is not None:
                return tried
        return witness

    def ask(
        self, action: str, steps: int, region: str | None, account: str | None
    ) -> tuple[str, Request | None, str]:
        """(PROVED, witness, "") / (UNKNOWN, None, why) / ("", None, "") when nothing is new."""
        undecided = ""
        for evaluator in self.questions:
            answer = could_allow(
                evaluator,
                action,
                single_valued=single_valued,
                budget=Budget(steps),
                region=region,
                account=account,
            )
            if answer.possible and answer.witness is not None:
                if self.verified(answer.witness) is not None:
                    return PROVED, self._readable(answer.witness), ""
                undecided = undecided or "a witness found did not verify against both sides"
            elif not answer.exhaustive:
                undecided = undecided or answer.reason.removeprefix("undecided: ")
        return (UNKNOWN, None, undecided) if undecided else ("", None, "")


def _applying(evaluator: Evaluator, action: str) -> Hashable:
    """The layers an evaluator requires, and the shapes of its statements that apply to
    `action` by their Action part: each Allow with its layer, the Denies together (a Deny
    applies in every layer)."""
    found = evaluator.statements_for_action(action)
    allows = frozenset((s.layer, _shape(s.match.statement)) for s in found if not s.deny)
    denies = frozenset(_shape(s.match.statement) for s in found if s.deny)
    return evaluator.required, allows, denies


def _example(pattern: str) -> str:
    """A resource matching `pattern`, with example values: a region and an account id in an
    ARN's fields, `example` for any other `*`, `x` for `?`.

    >>> _example("acs:oss:*:*:media/*")
    'acs:oss:cn-hangzhou:1234567890123456:media/example'
    >>> _example("acs:ecs:cn-*:*:instance/i-??")
    'acs:ecs:cn-example:1234567890123456:instance/i-xx'
    """
    fields = pattern.split(":", 4)
    if len(fields) == 5 and fields[0] == "acs":
        fields[2] = scope.EXAMPLES[scope.REGION] if fields[2] == "*" else fields[2]
        fields[3] = scope.EXAMPLES[scope.ACCOUNT] if fields[3] == "*" else fields[3]
        pattern = ":".join(fields)
    return pattern.replace("*", "example").replace("?", "x")


def _catalogued_candidates(allowing: PolicySet, names: ActionNames) -> list[str]:
    """Catalogued actions an identity Allow of `allowing` can name (the only ones it can allow)."""
    patterns: set[str] = set()
    for policy in allowing.identity:
        for statement in policy.statements:
            if statement.effect != "Allow":
                continue
            if statement.not_action:
                patterns.add("*")
            else:
                patterns.update(fold(a) for a in statement.actions)
    found: set[str] = set()
    for pattern in ("*",) if "*" in patterns else sorted(patterns):
        found.update(names.expand(pattern))
    return sorted(found)


class _OutsideCatalogs:
    """ActionNames that expand nothing: distinct_actions then yields only actions outside the
    catalogs (named by a policy, or made up per class), which the catalogued pass does not cover."""

    def __init__(self, names: ActionNames) -> None:
        self.names = names

    def services(self) -> tuple[str, ...]:
        return self.names.services()

    def expand(self, pattern: str) -> tuple[str, ...]:
        return ()

    def knows(self, action: str) -> bool:
        return self.names.knows(action)


def new_access(
    allowing: PolicySet,
    other: PolicySet,
    region: str | None = None,
    account: str | None = None,
    steps: int = DEFAULT_STEPS,
    names: ActionNames | None = None,
    operation_level: Callable[[str], bool] | None = None,
) -> tuple[Change, ...]:
    """Every action `allowing` allows for some request that `other` does not allow, sorted.

    `steps` is the budget of each question (and of enumerating the classes of actions outside
    the catalogs); `region`/`account` place operation-level requests (None: any).
    """
    names = names if names is not None else CatalogNames()
    compilation = Compilation()
    direction = _Direction(allowing, other, compilation, operation_level)
    union = Evaluator(
        PolicySet(identity=(*_every_policy(allowing), *_every_policy(other))),
        operation_level,
        compilation,
    )
    changes: list[Change] = []
    classes: dict[Hashable, list[str]] = {}
    for action in _catalogued_candidates(allowing, names):
        operation = bool(union.operation_level(action))
        service = fold(action.partition(":")[0]) if operation else None
        key = (service, operation, tuple(s.order for s in union.statements_for_action(action)))
        classes.setdefault(key, []).append(action)
    named = {
        fold(a)
        for p in _every_policy(allowing) + _every_policy(other)
        for s in p.statements
        if not s.not_action
        for a in s.actions
        if not has_wildcard(a)
    }
    outside: list[str] = []
    try:
        outside = list(distinct_actions(union, "*", Budget(steps), _OutsideCatalogs(names)))
    except BudgetExhausted:
        changes.append(
            Change(
                "*",
                UNKNOWN,
                None,
                (),
                "",
                f"the actions outside the catalogs could not all be told apart within the budget "
                f"({steps:,} steps)",
                uncatalogued=True,
            )
        )
    groups = [(members, False) for members in classes.values()]
    groups += [([action], fold(action) not in named) for action in outside]
    for group, (members, made_up) in enumerate(groups, start=1):
        if direction.unchanged(members[0]):
            continue
        status, witness, why = direction.ask(members[0], steps, region, account)
        if not status:
            continue
        for action in members:
            changes.append(
                _member(direction, action, status, witness, why, made_up, group, steps, region, account)
            )
    return tuple(sorted(changes, key=lambda c: (fold(c.action), c.action)))


def _member(
    direction: _Direction,
    action: str,
    status: str,
    witness: Request | None,
    why: str,
    made_up: bool,
    group: int,
    steps: int,
    region: str | None,
    account: str | None,
) -> Change:
    """The change for one action of a class whose representative was answered: its own witness
    (the representative's, renamed), re-checked; asked again on its own if that fails."""
    if status == PROVED and witness is not None:
        own = witness._replace(action=action)
        decided = direction.verified(own)
        if decided is None:
            status, own, why = direction.ask(action, steps, region, account)
            decided = direction.verified(own) if own is not None else None
        if decided is not None and own is not None:
            mine, theirs = decided
            granted = tuple(sorted(mine.matched, key=lambda m: _SHOWN_FIRST.index(m.layer)))
            return Change(action, PROVED, own, granted, describe_decision(theirs), "", made_up, group)
    return Change(action, UNKNOWN, None, (), "", why or "could not be decided", made_up, group)


def difference(
    base: PolicySet,
    head: PolicySet,
    region: str | None = None,
    account: str | None = None,
    steps: int = DEFAULT_STEPS,
    names: ActionNames | None = None,
    operation_level: Callable[[str], bool] | None = None,
) -> Difference:
    """Access HEAD allows that BASE does not, and access BASE allowed that HEAD no longer does.

    >>> from policycheck.model import build_policy
    >>> def policy(action):
    ...     statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
    ...     return build_policy({"Version": "1", "Statement": [statement]}, "p.json", "identity")
    >>> from policycheck.evaluate.actions import NoCatalog
    >>> found = difference(PolicySet((policy("oss:GetObject"),)), PolicySet((policy("oss:Get*"),)),
    ...                    names=NoCatalog(), operation_level=lambda action: False)
    >>> [(c.action, c.uncatalogued) for c in found.added], found.removed
    ([('oss:get', True)], ())
    """
    options = {"region": region, "account": account, "steps": steps, "names": names}
    return Difference(
        new_access(head, base, operation_level=operation_level, **options),
        new_access(base, head, operation_level=operation_level, **options),
    )
