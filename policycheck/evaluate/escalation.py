"""Privilege escalation, proved: can these policies allow any documented escalation capability?

The capabilities are data (policycheck/data/escalation.json, each with its source): attaching
policies, rewriting policy versions, changing a role's trust policy, creating credentials for
other users, passing a role to something that runs code, running commands on instances,
assuming any role. A capability is a list of steps that must all be possible; a step is one of
its actions on a resource of its shape. Each step is asked of the "could this ever be allowed"
analysis (policycheck.evaluate.possible), so wildcards, NotAction, Deny statements and
conditions count as RAM counts them, and a possible step comes with a witness request (whose
context says under which conditions). Steps are asked one by one: two API calls, each with its
own request.

The cheap pattern test that runs first (may_grant, in capability_actions.py) needs none of
this module: a statement whose Action patterns meet no capability action (most statements)
needs no analysis at all, and `lint` imports this module only for a policy that does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache, lru_cache
from typing import TYPE_CHECKING, NamedTuple

# Loaded by lint only for a policy its pre-filter lets through, which then needs the evaluator's
# half of the package: imported here once, not by the functions asked per policy.
from policycheck.catalog import global_condition_key, is_operation_level
from policycheck.evaluate.automaton import fresh_char
from policycheck.evaluate.budget import Budget
from policycheck.evaluate.capability_actions import capability_actions, capability_data
from policycheck.evaluate.engine import Compilation, Evaluator, Match, PolicySet, Request
from policycheck.evaluate.keys import single_valued as single_valued_key
from policycheck.evaluate.operators import compile_condition
from policycheck.evaluate.possible import Possibility, could_allow
from policycheck.evaluate.values import DATE_MIN, format_date
from policycheck.model import Condition
from policycheck.patterns import fold, has_wildcard, prefix_of, resource_problem, wildcard_regex

if TYPE_CHECKING:
    from policycheck.evaluate.operators import CompiledCondition
    from policycheck.model import Policy, Statement

CAPABILITY_SET = "privilege-escalation"
"""Every capability at once, as policycheck.yaml names it: `deny: [{capability: privilege-escalation}]`."""

POSSIBLE, IMPOSSIBLE, UNDECIDED = "possible", "impossible", "undecided"

SOME, UNNAMED = "some", "unnamed"
"""Step scopes: any resource of the shape, or one whose name no statement writes."""


class Step(NamedTuple):
    """One API call of a capability: any of `actions`, on a resource of the `resource` shape."""

    actions: tuple[str, ...]
    resource: str
    scope: str
    folded: tuple[str, ...]
    """`actions` folded, in order, as statements' patterns are matched: folded once, not per policy."""


class Capability(NamedTuple):
    id: str
    title: str
    requires: tuple[Step, ...]
    source: str


class Escalation(NamedTuple):
    """How one capability came out. `steps` holds, when possible, one allowed witness per step
    (in `requires` order); `reason` says why not, or why it could not be decided.

    These records are NamedTuples, not dataclasses: lint defines them when its first policy
    reaches the proof, and `import dataclasses` (inspect, ast, dis) would come with them."""

    capability: Capability
    status: str
    steps: tuple[Possibility, ...] = ()
    reason: str = ""

    def describe(self) -> str:
        """`pass-role-to-fc (ram:PassRole when acs:Service=fc.aliyuncs.com + fc:CreateFunction)`."""
        return f"{self.capability.id} ({' + '.join(map(_step_text, self.steps))})"


def _step_text(possibility: Possibility) -> str:
    """The witness's action, and the context its conditions needed."""
    witness = possibility.witness
    assert witness is not None  # a possible answer always has one
    if not possibility.conditional_keys:
        return witness.action
    when = [f"{key}={'|'.join(witness.context[key])}" for key in possibility.conditional_keys]
    return f"{witness.action} when {', '.join(when)}"


@cache
def capabilities() -> tuple[Capability, ...]:
    """The shipped capability set (validated against schemas/escalation.schema.json by a test)."""
    return tuple(
        Capability(
            entry["id"],
            entry["title"],
            tuple(
                Step(tuple(s["actions"]), s["resource"], s["scope"], tuple(map(fold, s["actions"])))
                for s in entry["requires"]
            ),
            entry["source"],
        )
        for entry in capability_data()["capabilities"]
    )


@cache
def _operation_level(action: str) -> bool:
    """catalog.is_operation_level of a capability action (a handful), asked once each."""
    return is_operation_level(action)


def unnamed_name(patterns: Iterable[str]) -> str:
    """A name no pattern writes: one character that none of them names (`x`, else another).

    fresh_char reads only which characters the patterns name, so all of them are given as one
    token (the wildcards `*` and `?` are never a fresh character), not a token per character.
    Its first choice is tested on the joined text first: patterns seldom write it.
    """
    joined = "".join(patterns)
    return _FIRST_FRESH if _FIRST_FRESH not in joined else fresh_char([(frozenset(joined),)])


_FIRST_FRESH = fresh_char([])
"""The name fresh_char gives when the patterns name no character (`x`)."""


_ACCOUNT_FIELD = re.compile(r"acs:[^:]*:[^:]*:([0-9]+):")
_ANOTHER_ACCOUNT = "000000000000"
"""An account id for "an account no pattern writes" (when some pattern does write it, the
accounts written are tried anyway)."""


def _unnamed_resources(shape: str, accounts: Sequence[str], name: str) -> list[str]:
    """Resources of an unnamed step: the shape (`acs:ram:*:*:user/*`) with the name `name` (that
    no pattern writes), in each of the `accounts` (_unnamed_accounts), region empty as RAM
    writes identities. Literal resources: a wildcard in the shape would also match ARNs no
    identity has (`user/team-1:user/x` matches `acs:ram:*:*:user/x`)."""
    _, service, _, _, relative = shape.split(":", 4)
    return [f"acs:{service}::{account}:{relative.removesuffix('*')}{name}" for account in accounts]


def _unnamed_accounts(written: Sequence[str]) -> list[str]:
    """The accounts unnamed resources are tried in: every account a pattern writes, and one more."""
    return sorted({m.group(1) for r in written if (m := _ACCOUNT_FIELD.match(r))} | {_ANOTHER_ACCOUNT})


_EARLIEST = format_date(DATE_MIN)
"""0001-01-01T00:00:00Z: the earliest instant a date condition can hold."""


def _plain_context(conditions: Sequence[Condition]) -> dict[str, tuple[str, ...]] | None:
    """A context in which all these conditions hold, from their own values, or None.

    For each key, one value written in its conditions (an IP range gives its first address) that
    every condition on the key accepts, tested as the evaluator tests it; a key RAM types as an
    address gets only addresses, one it types as a date the earliest instant first (what the
    solver picks first too, and the only value an upper bound such as DateLessThan accepts that
    no condition writes). None when no such value does (a negated operator, a lower bound):
    then the solver decides.
    """
    if not conditions:
        return {}
    found = _plain_context_of(tuple((c.operator, c.key, c.values) for c in conditions))
    return None if found is None else dict(found)


@lru_cache(maxsize=4096)
def _plain_context_of(
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...],
) -> tuple[tuple[str, tuple[str, ...]], ...] | None:
    """_plain_context of (operator, key, values) triples, worked out once: a corpus of policies
    repeats its conditions, and compiling them is most of the cost."""
    by_key: dict[str, list[CompiledCondition]] = {}
    for operator, key, values in conditions:
        condition = compile_condition(Condition(operator, key, values, ()))
        by_key.setdefault(condition.key, []).append(condition)
    context: dict[str, tuple[str, ...]] = {}
    for group in by_key.values():
        info = global_condition_key(group[0].condition.key)
        address = info is not None and info.type == "IP"
        candidates = [v.partition("/")[0] if address else v for c in group for v in c.condition.values]
        if info is not None and info.type == "Date":
            candidates.insert(0, _EARLIEST)  # below every upper bound, and the solver's first pick
        for candidate in candidates:
            if address and not _is_address(candidate):
                continue
            if all(c.holds((candidate,)) for c in group):
                context[min(c.condition.key for c in group)] = (candidate,)
                break
        else:
            return None
    return tuple(context.items())


def _is_address(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _matcher(pattern: str) -> Callable[[str], bool]:
    """A Resource pattern's test (case-sensitive); `*`, literals and `prefix*` without a regex:
    most patterns are one of them, and a corpus of policies has thousands of distinct ARNs."""
    if pattern == "*":
        return lambda _resource: True
    if not has_wildcard(pattern):
        return pattern.__eq__
    prefix = prefix_of(pattern)
    if prefix is not None:
        return lambda resource: resource.startswith(prefix)
    regex = wildcard_regex(pattern, ignore_case=False)
    return lambda resource: regex.fullmatch(resource) is not None


def _from_text(
    policy: Policy, named: Sequence[Statement], action: str, shape: str, fill: str
) -> Possibility | str | None:
    """What the text says about the question, before any search.

    `named` are the statements whose Action part applies to the action, which is not authorized
    per operation. A Possibility when it settles it: for an action no Deny statement names, an
    Allow that names it, whose conditions its own values satisfy (_plain_context), with a
    Resource pattern matching some resource of the `shape`, allows it (the witness is that
    pattern, or the shape, with its wildcards filled with `fill`, in that context); when no Allow
    names the action, or every one that does has only resources off the shape (literal ones; any
    pattern when the shape is one resource, as an unnamed step's are), nothing allows it.
    Otherwise a resource to try first (an Allow's pattern, filled, on the shape: a search on one
    resource needs no automaton), or None.
    """
    denied = any(s.effect != "Allow" for s in named)
    on_shape = _matcher(shape)
    filled_shape = shape.replace("*", fill)
    # A shape without wildcards is one resource: a pattern that does not match it is settled.
    literal_shape = not has_wildcard(shape)
    settled, first = True, None
    # Unconditional grants first.
    for statement in named if len(named) == 1 else sorted(named, key=lambda s: bool(s.conditions)):
        if statement.effect != "Allow" or statement.not_resource:
            settled = settled and statement.effect != "Allow"
            continue
        for written in statement.resources:
            if resource_problem(written) is not None:
                continue  # matches nothing, as the evaluator reads it
            resource = written.replace("*", fill).replace("?", fill)
            if not on_shape(resource) and _matcher(written)(filled_shape):
                resource = filled_shape  # "*", or a pattern wider than the shape
            if on_shape(resource):
                context = None if denied else _plain_context(statement.conditions)
                if context is not None:
                    match = Match(policy, statement, "identity")
                    request = Request(action, resource, context)
                    return Possibility(True, request, (match,), "", tuple(sorted(context)) if context else ())
                settled, first = False, first or resource
            elif has_wildcard(written) and not literal_shape:
                settled = False  # a pattern may still meet the shape elsewhere: search
    if not settled or denied:
        return first
    if not named:
        return Possibility(False, None, (), f"no Allow statement matches {action}", ())
    return Possibility(False, None, (), f"no resource matching {shape!r} is allowed for {action}", ())


def _renamed(asked: str, answer: Possibility, action: str) -> Possibility:
    """The answer found for `asked`, said of `action` (the same statements apply to both).

    Built field by field, not with dataclasses.replace: `ram:*` renames ten answers per policy.
    """
    if asked == action:
        return answer
    witness, reason = answer.witness, answer.reason
    if witness is None:
        reason = reason.replace(asked, action)
    else:
        witness = Request(action, witness.resource, witness.context, witness.region, witness.account)
    return Possibility(
        answer.possible, witness, answer.granted_by, reason, answer.conditional_keys, answer.exhaustive
    )


def find_escalations(
    evaluator: Callable[[], Evaluator],
    budget: Budget,
    single_valued: bool | Callable[[str], bool] = False,
    region: str | None = None,
    account: str | None = None,
    wanted: Sequence[Capability] | None = None,
    alone: Policy | None = None,
) -> list[Escalation]:
    """Every capability (or those of `wanted`) decided against the policies of `evaluator()`.

    The evaluator is built only if a question needs it: `alone` is the one identity policy the
    evaluator holds, when it is the whole policy set, and questions its text settles
    (_from_text) are answered from it. One `budget` for all questions: when it runs out, the
    capabilities left are undecided (never reported as impossible). `single_valued`, `region`
    and `account` are passed to could_allow.
    """
    built: list[Evaluator] = []

    def evaluator_once() -> Evaluator:
        if not built:
            built.append(evaluator())
        return built[0]

    unnamed: dict[str, list[str]] = {}  # an unnamed step's shape -> its resources
    naming: list[tuple[list[str], str]] = []  # the accounts they are tried in, and a name none writes

    def shapes_of(step: Step) -> list[str]:
        shapes = unnamed.get(step.resource)
        if shapes is None:
            if not naming:
                if alone is not None:
                    written = [r for s in alone.statements for r in s.resources]
                else:
                    written = [r for s in evaluator_once().statements for r in s.match.statement.resources]
                written += [f"acs:ram::{account}:"] if account else []
                naming.append((_unnamed_accounts(written), unnamed_name(written)))  # one automaton for all
            shapes = unnamed[step.resource] = _unnamed_resources(step.resource, *naming[0])
        return shapes

    # Actions that the same statements apply to (same service, same per-operation reading) get
    # the same answer for the same shape: ram:* makes one question of ten.
    asked: dict[tuple, tuple[str, Possibility]] = {}

    statements = (
        alone.statements if alone is not None else [s.match.statement for s in evaluator_once().statements]
    )
    # The statements whose Action part applies, per capability action (folded), in their order.
    named_for: dict[str, list[Statement]] = {}
    granted: set[str] = set()
    for statement in statements:
        applies = capability_actions(statement.actions, statement.not_action)
        if statement.effect == "Allow":
            granted.update(applies)
        if alone is not None:
            for folded in applies:
                named_for.setdefault(folded, []).append(statement)

    def ask(action: str, folded: str, shape: str, any_resource: bool) -> Possibility:
        named: Sequence[Statement] = ()
        if alone is not None:
            named = named_for.get(folded, ())
            signature: tuple = tuple([s.index for s in named])
        else:
            signature = evaluator_once().action_signature(action)
        level = _operation_level(action)
        key = (signature, level, action.partition(":")[0], shape)
        known = asked.get(key)
        if known is not None:
            return _renamed(known[0], known[1], action)
        answer = _from_text(alone, named, action, shape, "x") if alone is not None and not level else None
        if isinstance(answer, str):
            # One resource first: the search on it needs no automaton, and a witness found there
            # is as good as any; only a "no" sends the question on to the full search.
            tried = could_allow(
                evaluator_once(),
                action,
                answer,
                any_resource=False,
                single_valued=single_valued,
                budget=budget,
                region=region,
                account=account,
            )
            # Unless it was the question itself (an unnamed step's one resource): then it stands.
            answer = tried if tried.possible or (answer == shape and not any_resource) else None
        if answer is None:
            answer = could_allow(
                evaluator_once(),
                action,
                shape,
                any_resource=any_resource,
                single_valued=single_valued,
                budget=budget,
                region=region,
                account=account,
            )
        asked[key] = (action, answer)
        return answer

    def decide(capability: Capability) -> Escalation:
        steps: list[Possibility] = []
        status, reason = POSSIBLE, ""
        for position, step in enumerate(capability.requires):
            if granted.isdisjoint(step.folded):
                return _named_by_no_allow(capability, position)  # nothing to search
            any_resource = step.scope != UNNAMED
            shapes = (step.resource,) if any_resource else shapes_of(step)
            answers = []
            for action, folded in zip(step.actions, step.folded, strict=True):
                for shape in shapes:
                    answer = ask(action, folded, shape, any_resource)
                    answers.append(answer)
                    if answer.possible:
                        break
                else:
                    continue
                break
            if answer.possible:
                steps.append(answer)
                continue
            undecided = [a for a in answers if not a.exhaustive]
            if undecided:
                status, reason = UNDECIDED, undecided[0].reason.removeprefix("undecided: ")
                continue  # a later step may still be impossible, which settles it
            return Escalation(capability, IMPOSSIBLE, (), "; ".join(dict.fromkeys(a.reason for a in answers)))
        return Escalation(capability, status, tuple(steps) if status == POSSIBLE else (), reason)

    if wanted is not None:
        return [decide(capability) for capability in wanted]
    # Most capabilities end at a first step no Allow names: only those whose first step an Allow
    # names are decided (in their order: they share the answers asked and the budget).
    no_allow, first_taking = _first_steps()
    found = list(no_allow)
    for index in sorted({i for folded in granted for i in first_taking.get(folded, ())}):
        found[index] = decide(capabilities()[index])
    return found


@cache
def _first_steps() -> tuple[tuple[Escalation, ...], dict[str, tuple[int, ...]]]:
    """Of capabilities(): each one's answer when no Allow names an action of its first step, and
    for each (folded) action the capabilities whose first step it is an action of."""
    first_taking: dict[str, tuple[int, ...]] = {}
    for index, capability in enumerate(capabilities()):
        for folded in capability.requires[0].folded:
            first_taking[folded] = (*first_taking.get(folded, ()), index)
    return tuple(_named_by_no_allow(c, 0) for c in capabilities()), first_taking


def find_escalations_alone(policy: Policy, solved: dict[tuple, tuple[int, object]]) -> list[Escalation]:
    """find_escalations against one identity policy alone, as lint asks it: the evaluator, built
    only for a question the text does not settle, shares the per-key context solutions `solved`
    (Compilation's) with the other policies of the process."""
    return find_escalations(
        lambda: Evaluator(PolicySet(identity=(policy,)), compilation=Compilation(solved)),
        Budget(),
        single_valued=single_valued_key,
        alone=policy,
    )


_NAMED_BY_NO_ALLOW: dict[tuple[str, int], Escalation] = {}


def _named_by_no_allow(capability: Capability, position: int) -> Escalation:
    """The capability is impossible since no Allow statement names an action of this step: the
    same answer for every policy, made once (most capabilities end here for most policies)."""
    found = _NAMED_BY_NO_ALLOW.get((capability.id, position))
    if found is None or found.capability is not capability:
        step = capability.requires[position]
        found = Escalation(
            capability, IMPOSSIBLE, (), f"no Allow statement matches {' or '.join(step.actions)}"
        )
        _NAMED_BY_NO_ALLOW[(capability.id, position)] = found
    return found
