"""Decide one request the way RAM does, and keep what is needed to say why.

Order of evaluation (ram.md §4.3): control policies, then the session policy, then the identity
policies. An explicit Deny in any layer wins; otherwise every layer that is present must allow.

This is the indexed form of policycheck.evaluate.reference, which reads the same rules plainly,
statement by statement: patterns are compiled once, statements are found by action and resource
prefix, and work is shared between them. A property test holds the two to the same Decision.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from policycheck.evaluate import scope
from policycheck.evaluate.automaton import Recording, Tokens
from policycheck.evaluate.glob import Matcher, compile_globs
from policycheck.evaluate.operators import CompiledCondition, compile_condition
from policycheck.model import Condition, Policy, Statement, format_path
from policycheck.patterns import fold, has_wildcard, resource_problem

LAYERS = ("control", "session", "identity")
"""Layers in the order RAM evaluates them; the first that does not allow is the one reported."""

GUARD = "guard"
"""Not a RAM layer: policies an Evaluator is given as `guard` must also allow, after the others.
How policycheck.evaluate.difference asks "allowed here, and does this other statement apply?"."""

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "allow", "explicit_deny", "implicit_deny"


class Request(NamedTuple):
    """One API call to decide: action, resource (`*` by default) and condition context.

    Context keys match condition keys case-insensitively; each key carries one or more values.
    `region` and `account` place the request: an operation-level action is requested on
    `acs:<ram-code>:<region>:<account>:*` (policycheck.evaluate.scope); None means not known.
    """

    action: str
    resource: str = "*"
    context: Mapping[str, tuple[str, ...]] = {}  # one shared dict: never written to
    region: str | None = None
    account: str | None = None


class PolicySet(NamedTuple):
    """What one principal carries: identity policies, and the guard rails around them.

    `control` are Resource Directory control policies: when any is given, one of them must also
    allow (they are one layer; inheritance down the folder tree is the caller's to flatten).
    `session` is the STS session policy: when given, it must also allow.
    """

    identity: tuple[Policy, ...]
    control: tuple[Policy, ...] = ()
    session: Policy | None = None


class Match(NamedTuple):
    """A statement that applied to the request (action, resource and conditions matched)."""

    policy: Policy
    statement: Statement
    layer: str

    @property
    def effect(self) -> str:
        return self.statement.effect

    def describe(self) -> str:
        """`Statement[1] of deny.json` — how reasons name a statement."""
        return f"{format_path(self.statement.path)} of {self.policy.source}"

    def __repr__(self) -> str:  # the Policy inside would print every statement
        return f"Match({self.describe()}, {self.effect}, {self.layer})"


class ConditionResult(NamedTuple):
    """One condition of a statement whose action and resource matched, and how it came out.

    `values` are the request's values for the key as given; empty when the key was missing.
    """

    policy: Policy
    statement: Statement
    condition: Condition
    layer: str
    held: bool
    values: tuple[str, ...]

    @property
    def missing(self) -> bool:
        return not self.values

    def __repr__(self) -> str:
        c = self.condition
        where = f"{format_path(c.path)} of {self.policy.source}"
        test = f"{c.operator} {c.key} {list(c.values)}"
        return f"ConditionResult({where}, {test}, held={self.held}, values={self.values})"


class Decision:
    """The outcome of one request, with the statements that decided it.

    `matched`: for allow, the allowing statements of every layer; for explicit_deny, the denying
    ones; for implicit_deny, none (`conditions` tells why candidate statements did not apply).
    `resource` is the resource that was matched: for an operation-level action the account-scoped
    ARN (`acs:ice:<region>:<account-id>:*` where a field is not known).
    `missing_scope` names the unknown fields ("account", "region") some statement's Resource
    depends on; like a missing condition key, such a statement neither grants nor denies.
    `conditions` covers every condition of every statement whose action and resource matched;
    it is worked out when first read, so deciding stays fast for callers that only need the verdict.
    Read-only by convention; equal when the fields above are.
    """

    __slots__ = (
        "decision",
        "matched",
        "denied_by_layer",
        "missing_context",
        "resource",
        "missing_scope",
        "_applicable",
        "_context",
        "_pending",
        "_conditions",
    )

    def __init__(
        self,
        decision: str,
        matched: tuple[Match, ...],
        denied_by_layer: str | None,
        missing_context: tuple[str, ...],
        resource: str = "*",
        _applicable: tuple[CompiledStatement, ...] = (),
        _context: Mapping[str, tuple[str, ...]] | None = None,
        missing_scope: tuple[str, ...] = (),
        _pending: tuple[CompiledStatement, ...] = (),
    ) -> None:
        self.decision = decision
        self.matched = matched
        self.denied_by_layer = denied_by_layer
        self.missing_context = missing_context
        self.resource = resource
        self.missing_scope = missing_scope
        self._applicable = _applicable
        self._context = {} if _context is None else _context
        self._pending = _pending
        self._conditions: tuple[ConditionResult, ...] | None = None

    def _fields(self) -> tuple:
        return (
            self.decision,
            self.matched,
            self.denied_by_layer,
            self.missing_context,
            self.resource,
            self.missing_scope,
        )

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Decision:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (
            f"Decision(decision={self.decision!r}, matched={self.matched!r}, "
            f"denied_by_layer={self.denied_by_layer!r}, missing_context={self.missing_context!r}, "
            f"resource={self.resource!r}, missing_scope={self.missing_scope!r})"
        )

    @property
    def pending(self) -> tuple[Match, ...]:
        """Statements whose Resource matches only for some values of the missing scope fields."""
        return tuple(s.match for s in self._pending)

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW

    @property
    def settled(self) -> bool:
        """An implicit deny that no context can turn into an allow: the layer that denied has
        no Allow statement for this action and resource at all, conditions aside, and nothing
        waits on an unknown region or account. ("Could it be allowed?" need not be asked.)"""
        if self.decision != IMPLICIT_DENY or self._pending or self.missing_scope:
            return False
        layer = self.denied_by_layer
        return not any(not s.deny and s.match.layer == layer for s in self._applicable)

    @property
    def conditions(self) -> tuple[ConditionResult, ...]:
        if self._conditions is None:
            self._conditions = self._condition_results()
        return self._conditions

    def _condition_results(self) -> tuple[ConditionResult, ...]:
        results = []
        for compiled in sorted(self._applicable, key=_order):
            match = compiled.match
            for condition in compiled.conditions:
                values = self._context.get(condition.key) or ()
                held = condition.holds(values)
                results.append(
                    ConditionResult(
                        match.policy, match.statement, condition.condition, match.layer, held, values
                    )
                )
        return tuple(results)


class CompiledStatement(NamedTuple):
    """A statement with its patterns and conditions compiled; `order` sorts results stably."""

    order: int
    match: Match
    deny: bool
    resource: Callable[[str], object]
    conditions: tuple[CompiledCondition, ...]
    any_resource: bool = False
    checks: tuple[tuple[str, Callable[[tuple[str, ...]], bool], CompiledCondition], ...] = ()
    """(folded key, test, condition) per condition: what the hot loop reads."""

    @property
    def layer(self) -> str:
        return self.match.layer


def _valid_resources(statement: Statement) -> Statement:
    """The statement with only the Resource values that can match a request.

    What lint reports as INVALID_ARN (`arn:aws:...`, a four-field ARN) matches nothing here:
    both read patterns.resource_problem, so lint and evaluation agree on what a resource is.
    """
    valid = tuple(r for r in statement.resources if resource_problem(r) is None)
    return statement if len(valid) == len(statement.resources) else statement._replace(resources=valid)


def _resource_matcher(statement: Statement) -> Callable[[str], object]:
    """Resources match case-sensitively (UNCONFIRMED in RAM's docs); NotResource inverts."""
    matches = compile_globs(statement.resources)
    if statement.not_resource:
        return lambda resource: not matches(resource)
    return matches  # truthy/falsy, not always a bool: it is on the hot path


class _ActionIndex:
    """Statements by the actions they name, so a request looks only at statements that can apply.

    Exact names go in a dict; patterns with a literal service prefix (`ecs:Describe*`) in a list
    per service; NotAction and patterns with a wildcard in the service (`*`, `ec?:*`) are
    checked for every action. Everything is folded: action names match case-insensitively.
    """

    def __init__(
        self, statements: tuple[CompiledStatement, ...], globs: Callable[[tuple[str, ...]], Matcher]
    ) -> None:
        self.exact: dict[str, list[CompiledStatement]] = {}
        # Statements with the same patterns share one matcher, tried once per action: a policy
        # set with fifty `"Action": "*"` statements costs one test, not fifty.
        by_service: dict[str, dict[tuple[str, ...], list[CompiledStatement]]] = {}
        everywhere: dict[tuple[tuple[str, ...], bool], list[CompiledStatement]] = {}
        for compiled in statements:
            statement = compiled.match.statement
            patterns = [fold(p) for p in statement.actions]
            if statement.not_action:
                everywhere.setdefault((tuple(sorted(set(patterns))), True), []).append(compiled)
                continue
            wild_by_service: dict[str | None, list[str]] = {}
            for pattern in patterns:
                if not has_wildcard(pattern):
                    self.exact.setdefault(pattern, []).append(compiled)
                    continue
                service, colon, _ = pattern.partition(":")
                key = service if colon and not has_wildcard(service) else None
                wild_by_service.setdefault(key, []).append(pattern)
            for service, wild in wild_by_service.items():
                shared = tuple(sorted(set(wild)))
                if service is None:
                    everywhere.setdefault((shared, False), []).append(compiled)
                else:
                    by_service.setdefault(service, {}).setdefault(shared, []).append(compiled)
        self.by_service: dict[str, list[tuple[Matcher, list[CompiledStatement]]]] = {
            service: [(globs(wild), members) for wild, members in groups.items()]
            for service, groups in by_service.items()
        }
        self.everywhere: list[tuple[Matcher, bool, list[CompiledStatement]]] = [
            (globs(wild), negated, members) for (wild, negated), members in everywhere.items()
        ]

    def signature(self, action: str) -> tuple:
        """Which index entries a folded action meets: equal signatures, equal statements (cheap)."""
        service = action.partition(":")[0]
        met: list[object] = [action] if action in self.exact else []
        met.extend(i for i, (matcher, _) in enumerate(self.by_service.get(service, ())) if matcher(action))
        met.append(None)
        met.extend(
            i for i, (matcher, negated, _) in enumerate(self.everywhere) if bool(matcher(action)) != negated
        )
        return (service, *met)

    def lookup(self, action: str) -> tuple[CompiledStatement, ...]:
        """Statements whose Action/NotAction applies to a folded action, in policy order."""
        found = {id(s): s for s in self.exact.get(action, ())}
        service, colon, _ = action.partition(":")
        if colon:
            for matcher, members in self.by_service.get(service, ()):
                if matcher(action):
                    found.update((id(s), s) for s in members)
        for matcher, negated, members in self.everywhere:
            if bool(matcher(action)) != negated:
                found.update((id(s), s) for s in members)
        return tuple(sorted(found.values(), key=lambda s: s.order))


def _default_operation_level() -> Callable[[str], bool]:
    """The action catalog's answer, imported only when an Evaluator needs it."""
    from policycheck.catalog import is_operation_level

    return is_operation_level


def _normalise_context(context: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Fold keys (keys match case-insensitively); keys differing only in case pool their values."""
    out: dict[str, tuple[str, ...]] = {}
    for key, values in context.items():
        if type(values) is not tuple:
            values = (values,) if isinstance(values, str) else tuple(values)
        folded = key.lower() if key.isascii() else fold(key)
        out[folded] = out[folded] + values if folded in out else values
    return out


def _condition_identity(condition: CompiledCondition) -> tuple:
    """Conditions with the same operator, key and values give the same result for a request."""
    c = condition.condition
    return (c.operator, condition.key, c.values)


_CACHE_LIMIT = 4096


def _spellings(missing: list[CompiledCondition]) -> tuple[str, ...]:
    """Missing keys sorted by folded name, each in its smallest spelling (order-independent)."""
    spelled: dict[str, str] = {}
    for condition in missing:
        name = condition.condition.key
        if condition.key not in spelled or name < spelled[condition.key]:
            spelled[condition.key] = name
    return tuple(spelled[key] for key in sorted(spelled))


_PREFIX = 8
"""Resource patterns are bucketed by their first characters (`acs:oss:`) when those are literal."""


_Scoped = tuple[tuple["CompiledStatement", ...], tuple["CompiledStatement", ...], tuple[str, ...]]
"""(statements that apply, statements that depend on an unknown field, the unknown fields)."""


class _ActionPlan:
    """One action's candidate statements, arranged so a request reads few of them.

    Statements on Resource `*` always apply; the others are bucketed by the first _PREFIX
    characters of their patterns, so a request only checks those that could match its resource.
    For an operation-level action, the statements that can match the service's account-scoped
    ARN are kept, and sorted once per (region, account) into those that apply and those that
    depend on what is not known.
    """

    def __init__(self, operation_level: bool, service: str, found: tuple[CompiledStatement, ...]) -> None:
        self.operation_level = operation_level
        self.service = service
        self.key = tuple(id(s.match) for s in found)
        self._scoped: dict[tuple[str | None, str | None], _Scoped] = {}
        if operation_level:
            found = tuple(
                s
                for s in found
                if s.any_resource
                or s.match.statement.not_resource
                or any(scope.can_match(service, r) for r in s.match.statement.resources)
            )
        self.candidates = found
        self.always = tuple(s for s in found if s.any_resource)
        unindexed: list[CompiledStatement] = []
        buckets: dict[str, list[CompiledStatement]] = {}
        for compiled in found:
            statement = compiled.match.statement
            if compiled.any_resource:
                continue
            heads = {r[:_PREFIX] for r in statement.resources}
            if statement.not_resource or any(len(h) < _PREFIX or has_wildcard(h) for h in heads):
                unindexed.append(compiled)
                continue
            for head in heads:
                buckets.setdefault(head, []).append(compiled)
        self.unindexed = tuple(unindexed)
        self.by_prefix = {
            head: tuple(sorted({*unindexed, *members}, key=_order)) for head, members in buckets.items()
        }

    def scoped(self, region: str | None, account: str | None) -> _Scoped:
        """For an operation-level action: which candidates apply at this region and account."""
        key = (region, account)
        found = self._scoped.get(key)
        if found is not None:
            return found
        unknown = scope.unknown_fields(region, account)
        if not unknown:
            arn = scope.operation_arn(self.service, region, account)
            found = (tuple(s for s in self.candidates if s.resource(arn)), (), ())
        else:
            reached: dict[str, list[CompiledStatement]] = {scope.ALWAYS: [], scope.SOME: [], scope.NEVER: []}
            for compiled in self.candidates:
                statement = compiled.match.statement
                how = (
                    scope.ALWAYS
                    if compiled.any_resource
                    else scope.reach(
                        self.service, statement.resources, statement.not_resource, region, account
                    )
                )
                reached[how].append(compiled)
            pending = tuple(reached[scope.SOME])
            names = sorted(
                {n for s in pending for n in scope.depends_on(s.match.statement.resources, unknown)}
            )
            found = (tuple(reached[scope.ALWAYS]), pending, tuple(names))
        if len(self._scoped) >= _CACHE_LIMIT:
            self._scoped.clear()
        self._scoped[key] = found
        return found


_Parts = tuple[
    "Match",
    bool,
    Callable[[str], object],
    tuple[CompiledCondition, ...],
    bool,
    tuple[tuple[str, Callable[[tuple[str, ...]], bool], CompiledCondition], ...],
]
"""A CompiledStatement without its `order`: what does not depend on the other policies."""


class Compilation:
    """Each policy's statements compiled once, shared by every Evaluator built with it.

    `check` builds one Evaluator per principal, and thousands of principals carry the same few
    hundred policies: with one Compilation each (policy, layer) is compiled once, identical
    conditions share one test, identical action patterns one matcher, each resource search is
    recorded once for its patterns (automaton.Recording), and "could it be allowed" answers are
    kept by the statements they read (policycheck.evaluate.possible), so a question asked of
    many principals whose statements for the action are the same is worked out once.
    It keeps every policy it compiled, so the ids it keys on stay theirs; drop it with its
    Evaluators. An Evaluator built without one has its own.

    `solved` (per-key context solutions, keyed by the conditions' text alone) may be shared
    between Compilations: lint builds one per policy, and policies repeat their conditions.
    """

    ANSWER_LIMIT = 1 << 16
    """Kept answers before the store starts afresh (bounds memory on endless inputs)."""

    def __init__(self, solved: dict[tuple, tuple[int, object]] | None = None) -> None:
        self._policies: dict[tuple[int, str], tuple[Policy, tuple[_Parts, ...]]] = {}
        self._tests: dict[tuple, Callable[[tuple[str, ...]], bool]] = {}
        self._globs: dict[tuple[str, ...], Matcher] = {}
        self._explorations: dict[tuple, Recording] = {}
        self.answers: dict[tuple, object] = {}
        self.solved: dict[tuple, tuple[int, object]] = solved if solved is not None else {}
        """Per-key context solutions (possible._Context), with the steps each took."""

    def statements(self, policy: Policy, layer: str) -> tuple[_Parts, ...]:
        """The policy's statements compiled for `layer`, once."""
        found = self._policies.get((id(policy), layer))
        if found is None:
            found = (
                policy,
                tuple(self._compile(policy, statement, layer) for statement in policy.statements),
            )
            self._policies[(id(policy), layer)] = found
        return found[1]

    def _compile(self, policy: Policy, statement: Statement, layer: str) -> _Parts:
        statement = _valid_resources(statement)
        conditions = tuple(map(compile_condition, statement.conditions))
        tests = tuple(self._tests.setdefault(_condition_identity(c), c.test) for c in conditions)
        return (
            Match(policy, statement, layer),
            statement.effect == "Deny",
            _resource_matcher(statement),
            conditions,
            "*" in statement.resources and not statement.not_resource,
            tuple((c.key, t, c) for c, t in zip(conditions, tests, strict=True)),
        )

    def globs(self, patterns: tuple[str, ...]) -> Matcher:
        """compile_globs, once per set of patterns."""
        matcher = self._globs.get(patterns)
        if matcher is None:
            matcher = self._globs[patterns] = compile_globs(patterns)
        return matcher

    def exploration(self, patterns: tuple[Tokens, ...], dead: Callable[[tuple[int, ...]], bool]) -> Recording:
        """The resource search over `patterns`, recorded once and replayed for every question."""
        key = (patterns, dead)
        found = self._explorations.get(key)
        if found is None:
            if len(self._explorations) >= self.ANSWER_LIMIT:
                self._explorations.clear()
            found = self._explorations[key] = Recording(patterns, dead)
        return found

    def remember(self, key: tuple, answer: object) -> None:
        if len(self.answers) >= self.ANSWER_LIMIT:
            self.answers.clear()
        self.answers[key] = answer


def _order(compiled: CompiledStatement) -> int:
    return compiled.order


class Evaluator:
    """Decides requests against one PolicySet, with its statements compiled by `compilation` (one
    shared by the Evaluators of many principals compiles each policy once; by default its own).

    `guard` (not a RAM layer, GUARD): when given, one of its Allows must also apply; the
    "could it ever" analysis then searches requests allowed by the policies that also meet it.

    `operation_level(action)` says whether the action's service authorizes per operation (all of
    ICE): then the request's resource is the account-scoped ARN `acs:<ram-code>:<region>:<account>:*`
    whatever resource was given (policycheck.evaluate.scope). It defaults to the action catalog.
    Safe to share between threads: the only state is a cache of per-action candidates and the
    Compilation's stores, each filled with pure functions of their keys.
    """

    def __init__(
        self,
        policies: PolicySet,
        operation_level: Callable[[str], bool] | None = None,
        compilation: Compilation | None = None,
        guard: tuple[Policy, ...] = (),
    ) -> None:
        self.policies = policies
        self.operation_level = operation_level or _default_operation_level()
        self.compilation = compilation if compilation is not None else Compilation()
        layers: list[tuple[str, tuple[Policy, ...]]] = [
            ("control", policies.control),
            ("session", (policies.session,) if policies.session is not None else ()),
            ("identity", policies.identity),
            (GUARD, guard),
        ]
        self.required = tuple(layer for layer, given in layers if given or layer == "identity")
        compiled: list[CompiledStatement] = []
        for layer, given in layers:
            for policy in given:
                for parts in self.compilation.statements(policy, layer):
                    compiled.append(CompiledStatement(len(compiled), *parts))
        self.statements = tuple(compiled)
        self._index = _ActionIndex(self.statements, self.compilation.globs)
        self._plans: dict[str, _ActionPlan] = {}
        self._keys: dict[str, tuple[int, ...]] = {}

    def _plan(self, action: str) -> _ActionPlan:
        folded = fold(action)
        plan = self._plans.get(folded)
        if plan is None:
            plan = _ActionPlan(
                bool(self.operation_level(action)), scope.service_of(folded), self._index.lookup(folded)
            )
            if len(self._plans) >= _CACHE_LIMIT:
                self._plans.clear()
            self._plans[folded] = plan
        return plan

    def candidates(self, action: str) -> tuple[bool, tuple[CompiledStatement, ...]]:
        """(operation-level?, statements whose action part applies) for an action, cached.

        For an operation-level action the statements are already narrowed to those whose
        Resource can match the service's account-scoped ARN, the only resource such a request
        can have.
        """
        plan = self._plan(action)
        return plan.operation_level, plan.candidates

    def action_signature(self, action: str) -> tuple:
        """A cheap stand-in for statements_for_action: actions with equal signatures have the
        same statements (actions with different ones may too)."""
        return self._index.signature(fold(action))

    def statements_for_action(self, action: str) -> tuple[CompiledStatement, ...]:
        """Every statement whose Action/NotAction applies to the action, whatever its Resource."""
        return self._index.lookup(fold(action))

    def action_key(self, action: str) -> tuple[int, ...]:
        """Which compiled statements (of this Evaluator's Compilation) apply to the action, by
        identity: everything a question about one action reads of the policies, so Evaluators of
        one Compilation with equal keys (and equal `required`) answer it alike. Without building
        the action's plan: `check` asks it of every check and decides only the new questions."""
        folded = fold(action)
        plan = self._plans.get(folded)
        if plan is not None:
            return plan.key
        key = self._keys.get(folded)
        if key is None:
            if len(self._keys) >= _CACHE_LIMIT:
                self._keys.clear()
            key = self._keys[folded] = tuple(id(s.match) for s in self._index.lookup(folded))
        return key

    def evaluate(self, request: Request) -> Decision:
        """Decide a request: allow, explicit_deny or implicit_deny, with the evidence."""
        plan = self._plan(request.action)
        pending: tuple[CompiledStatement, ...] = ()
        missing_scope: tuple[str, ...] = ()
        if plan.operation_level:
            region = scope.region_for(plan.service, request.region)
            resource = scope.operation_arn(plan.service, region, request.account)
            applicable, pending, missing_scope = plan.scoped(region, request.account)
        else:
            resource = request.resource
            checked = plan.by_prefix.get(resource[:_PREFIX], plan.unindexed)
            applicable = plan.always + tuple([s for s in checked if s.resource(resource)])
        context = _normalise_context(request.context) if request.context else {}
        allowing: list[CompiledStatement] = []
        denying: list[CompiledStatement] = []
        missing: list[CompiledCondition] = []
        seen: dict[Callable, bool] = {}  # identical conditions share one test: run it once
        for compiled in applicable:
            applies = True
            for key, test, condition in compiled.checks:
                values = context.get(key)
                if not values:
                    applies = applies and condition.vacuous  # ForAllValues: holds without the key
                    missing.append(condition)
                elif applies:
                    held = seen.get(test)
                    if held is None:
                        held = seen[test] = test(values)
                    applies = held  # once false, keep looking: every missing key is reported
            if applies:
                (denying if compiled.deny else allowing).append(compiled)
        missing_context = _spellings(missing) if missing else ()
        # Matches are listed in statement order, which runs through the layers in RAM's order.
        if len(denying) > 1:
            denying.sort(key=_order)
        if len(allowing) > 1:
            allowing.sort(key=_order)
        evidence = (resource, tuple(applicable), context, missing_scope, pending)
        if denying:
            return Decision(
                EXPLICIT_DENY, tuple(s.match for s in denying), denying[0].layer, missing_context, *evidence
            )
        layers = {s.layer for s in allowing}
        for layer in self.required:
            if layer not in layers:
                return Decision(IMPLICIT_DENY, (), layer, missing_context, *evidence)
        matched = tuple(s.match for s in allowing)
        return Decision(ALLOW, matched, None, missing_context, *evidence)


def evaluate(
    policies: PolicySet, request: Request, operation_level: Callable[[str], bool] | None = None
) -> Decision:
    """Decide one request; build an Evaluator to decide many against the same policies."""
    return Evaluator(policies, operation_level).evaluate(request)
