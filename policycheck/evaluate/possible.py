""" "Could this ever be allowed?": reason over all resources and contexts at once, not by sampling.

The request is allowed iff, for the chosen resource r and context c, some Allow of every required
layer applies and no Deny applies. The search:

1. Resources. All Resource patterns of the statements whose action part applies run in lockstep
   with the requested pattern (policycheck.evaluate.automaton); every reachable combination of
   "which statements' Resource matches" is found with a shortest resource producing it. A fixed
   resource (any_resource=False) has one combination. An operation-level action is requested
   on the account-scoped ARN (policycheck.evaluate.scope): the region and account given are
   kept, the others range over every region and account id.
2. Statements. For each combination, pick one applicable Allow per required layer (an Allow
   without conditions makes the others of its layer redundant).
3. Context. The picked Allows' conditions must all be true; each Deny whose Resource matched must
   have at least one condition false. That is a small constraint problem split per key
   (policycheck.evaluate.solve); the choice of which Deny condition to falsify is searched
   exhaustively, with a budget.
4. Every witness is re-checked with Evaluator.evaluate before it is returned.

Exact fragment: the answer is exact (`exhaustive` true) unless a key is tested by a string
operator and a typed operator (number, date, IP, bool) that must hold on one value together, a
number bound is beyond 10^±4000, or a budget runs out (resource product states, statement
combinations, Deny choices). Then a found witness is still verified, and a "not possible" answer
says `undecided: ...` with exhaustive false — never a silent "impossible".
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from policycheck.evaluate import automaton, scope
from policycheck.evaluate.engine import LAYERS, CompiledStatement, Evaluator, Match, Request
from policycheck.evaluate.operators import IP, CompiledCondition
from policycheck.evaluate.solve import SAT, UNKNOWN, UNSAT, KeyAnswer, Literal, solve_key
from policycheck.patterns import fold

RESOURCE_STATES = 20000
"""Budget of product-automaton states explored over resource patterns."""
COMBINATIONS = 2000
"""Budget of (resource combination, one Allow per layer) pairs tried."""
KEY_SOLVES = 5000
"""Budget of per-key solver calls while choosing which Deny condition to make false."""


@dataclass(frozen=True)
class Possibility:
    """The answer to "could this ever be allowed?".

    When `possible`, `witness` is a concrete request that evaluate() allows, `granted_by` its
    allowing statements and `conditional_keys` the context keys the witness had to set (beyond
    those given). When not, `reason` says why. `exhaustive` is false only for an undecided "not
    possible" (the reason then starts with "undecided:"): treat it as "could not prove".
    """

    possible: bool
    witness: Request | None
    granted_by: tuple[Match, ...]
    reason: str
    conditional_keys: tuple[str, ...]
    exhaustive: bool = True


_FREE = object()


class _Context:
    """The context constraint problem for one choice of Allows and the Denies to dodge."""

    def __init__(
        self,
        given: dict[str, tuple[str, ...]],
        original: Mapping[str, tuple[str, ...]],
        all_given: bool,
        single_valued: bool,
    ) -> None:
        self.given = given
        self.original = original
        self.all_given = all_given
        self.single_valued = single_valued
        self.solves = 0
        self.undecided = False
        self._answers: dict[frozenset[Literal], KeyAnswer] = {}

    def pinned(self, key: str):
        if key in self.given:
            return self.given[key]
        return None if self.all_given else _FREE

    def answer(self, literals: frozenset[Literal]) -> KeyAnswer:
        cached = self._answers.get(literals)
        if cached is None:
            self.solves += 1
            key = next(iter(literals))[0].key
            cached = solve_key(literals, self.single_valued, family=_value_family(key))
            self._answers[literals] = cached
        return cached


def _shown(values: tuple[str, ...]) -> str:
    """Values as a policy writes them (JSON), not as Python's repr: "a" or ["a", "b"]."""
    return json.dumps(values[0] if len(values) == 1 else list(values), ensure_ascii=False)


def _value_family(key: str) -> str | None:
    """The type every value of a global key has in a real request: acs:SourceIp is always an
    address, so a witness never gives it a CIDR block or other text a StringEquals names."""
    from policycheck.catalog import global_condition_key

    info = global_condition_key(key)
    return IP if info is not None and info.type == "IP" else None


def _spelling(conditions: list[CompiledCondition], key: str) -> str:
    return min(c.condition.key for c in conditions if c.key == key)


def _solve_context(
    allows: tuple[CompiledStatement, ...],
    denies: list[CompiledStatement],
    problem: _Context,
) -> tuple[str, dict[str, tuple[str, ...]] | None, str]:
    """(SAT, context, "") or (UNSAT/UNKNOWN, None, why)."""
    literals: dict[str, frozenset[Literal]] = {}
    for allow in allows:
        for condition in allow.conditions:
            pinned = problem.pinned(condition.key)
            if pinned is _FREE:
                literals[condition.key] = literals.get(condition.key, frozenset()) | {(condition, True)}
            elif not condition.holds(pinned):
                given = f"the value {_shown(pinned)}" if pinned else "no value"
                return (
                    UNSAT,
                    None,
                    f"{allow.match.describe()} requires {condition.condition.operator} "
                    f"{condition.condition.key} {_shown(condition.condition.values)}, "
                    f"and the context gives {given}",
                )
    answers: dict[str, KeyAnswer] = {}
    for key, wanted in literals.items():
        answers[key] = problem.answer(wanted)
        if answers[key].status != SAT:
            names = " and ".join(a.match.describe() for a in allows)
            spelled = _spelling([c for c, _ in wanted], key)
            why = f"the conditions of {names} on {spelled} cannot all hold"
            return answers[key].status, None, why
    clauses: list[tuple[CompiledStatement, list[CompiledCondition]]] = []
    for deny in denies:
        options: list[CompiledCondition] = []
        for condition in deny.conditions:
            if condition.operator is None:
                break  # never true: this Deny never fires
            pinned = problem.pinned(condition.key)
            if pinned is _FREE:
                options.append(condition)
            elif not condition.holds(pinned):
                break
        else:
            if not options:
                scope = "the given context" if problem.all_given else "every context"
                return UNSAT, None, f"denied by {deny.match.describe()} for {scope}"
            clauses.append((deny, options))
    clauses.sort(key=lambda clause: len(clause[1]))
    status, chosen = _dodge(clauses, literals, answers, problem)
    if status != SAT:
        names = ", ".join(d.match.describe() for d, _ in clauses)
        allowed = " and ".join(a.match.describe() for a in allows)
        return status, None, f"denied by {names} whenever {allowed} applies"
    context = dict(problem.original)
    all_conditions = [c for a in allows for c in a.conditions] + [c for d, _ in clauses for c in d.conditions]
    for key, answer in chosen.items():
        if answer.values is not None and key not in problem.given:
            context[_spelling(all_conditions, key)] = answer.values
    return SAT, context, ""


def _dodge(
    clauses: list[tuple[CompiledStatement, list[CompiledCondition]]],
    literals: dict[str, frozenset[Literal]],
    answers: dict[str, KeyAnswer],
    problem: _Context,
) -> tuple[str, dict[str, KeyAnswer]]:
    """Make one condition of every remaining Deny false, keeping every key satisfiable."""
    if not clauses:
        return SAT, answers
    (_, options), rest = clauses[0], clauses[1:]

    def preference(condition: CompiledCondition) -> int:
        answer = answers.get(condition.key)
        if answer is None:
            return 0  # an unconstrained key: leaving it out makes the condition false
        return 1 if not condition.holds(answer.values) else 2

    undecided = False
    for condition in sorted(options, key=preference):
        if problem.solves >= KEY_SOLVES:
            return UNKNOWN, {}
        wanted = literals.get(condition.key, frozenset()) | {(condition, False)}
        answer = problem.answer(wanted)
        if answer.status == UNKNOWN:
            undecided = True
        if answer.status != SAT:
            continue
        status, chosen = _dodge(
            rest, {**literals, condition.key: wanted}, {**answers, condition.key: answer}, problem
        )
        if status == SAT:
            return SAT, chosen
        undecided = undecided or status == UNKNOWN
    return (UNKNOWN if undecided else UNSAT), {}


def _resource_combinations(
    statements: list[CompiledStatement], requested: automaton.Tokens
) -> automaton.Exploration:
    """Which sets of statements can match one resource of `requested`; a resource for each.

    Statements whose Resource holds `*` match every resource (with NotResource: none), so they
    stay out of the automaton; statements with the same patterns share one group.
    """
    always = frozenset(s.order for s in statements if "*" in s.match.statement.resources) - frozenset(
        s.order for s in statements if s.match.statement.not_resource
    )
    patterns: list[automaton.Tokens] = [requested]
    groups: dict[tuple[tuple[str, ...], bool], tuple[range, list[int]]] = {}
    for compiled in statements:
        statement = compiled.match.statement
        if "*" in statement.resources:
            continue
        key = (tuple(sorted(set(statement.resources))), statement.not_resource)
        if key not in groups:
            groups[key] = (range(len(patterns), len(patterns) + len(key[0])), [])
            patterns.extend(automaton.glob_tokens(r) for r in key[0])
        groups[key][1].append(compiled.order)
    members = [(rng, frozenset(orders), negated) for (_, negated), (rng, orders) in groups.items()]

    def classify(accepts: tuple[bool, ...]) -> Hashable | None:
        if not accepts[0]:
            return None
        out = set(always)
        for rng, orders, negated in members:
            if any(accepts[i] for i in rng) != negated:
                out |= orders
        return frozenset(out)

    return automaton.Exploration(patterns, classify, lambda state: state[0] == 0, limit=RESOURCE_STATES)


def _unavoidable(deny: CompiledStatement, given: dict[str, tuple[str, ...]], all_given: bool) -> bool:
    """A Deny that fires whatever the context: no condition, or every condition pinned and true."""
    return all(condition.key in given or all_given for condition in deny.conditions) and all(
        condition.holds(given.get(condition.key)) for condition in deny.conditions
    )


def _no_allow_reason(evaluator: Evaluator, action: str, layer: str, operation_level: bool) -> str:
    where = f"the {layer} polic{'y' if layer == 'session' else 'ies'}"
    reason = f"no Allow statement in {where} matches {action}"
    if operation_level:
        service = scope.service_of(action)
        scoped = [
            s
            for s in evaluator.statements_for_action(action)
            if not s.deny and s.layer == layer  # every one of them: none is a candidate
        ]
        if scoped:
            reason = (
                f"{action} is authorized per operation (on the account-scoped ARN "
                f'"{scope.operation_arn(service, None, None)}"), and the Allow statements for it '
                f"in {where} name only resources that never match it ({scoped[0].match.describe()}), "
                "so they grant nothing"
            )
    return reason


def _placed(evaluator: Evaluator, request: Request, service: str) -> Request:
    """The witness of an operation-level action as a request in a region and account.

    The search found the shortest such ARN (`acs:ice:a:0:*`); where a field was free and a
    readable example value (scope.EXAMPLES) gives the same decision, the example is shown.
    """
    region, account = scope.split_arn(service, request.resource)
    example_region = scope.EXAMPLES[scope.REGION] if request.region is None else request.region
    example_account = scope.EXAMPLES[scope.ACCOUNT] if request.account is None else request.account
    for placed in ((example_region, example_account), (region, example_account), (example_region, account)):
        decision = evaluator.evaluate(Request(request.action, "", request.context, *placed))
        if decision.allowed and not decision.missing_scope:
            return Request(request.action, decision.resource, request.context, *placed)
    return Request(request.action, request.resource, request.context, region, account)


def could_allow(
    evaluator: Evaluator,
    action: str,
    resource: str = "*",
    context: Mapping[str, tuple[str, ...]] | None = None,
    any_resource: bool = True,
    any_context: bool = True,
    single_valued: bool = False,
    region: str | None = None,
    account: str | None = None,
) -> Possibility:
    """Could some resource matching `resource` and/or some context make `action` allowed?

    `any_resource`: any resource matching the pattern (else `resource` literally); `any_context`:
    any values for keys not in `context` (else exactly `context`). A context key may carry
    several values, as evaluate() accepts; `single_valued` limits every key to one value, as
    RAM's global keys carry (fewer contexts, so fewer "possible" answers). `region`/`account`
    place an operation-level request (policycheck.evaluate.scope); None: any region / account.
    """
    context = context or {}
    operation_level, candidates = evaluator.candidates(action)
    service = scope.service_of(action)
    region = scope.region_for(service, region)
    given: dict[str, tuple[str, ...]] = {}
    for key, values in context.items():
        given[fold(key)] = given.get(fold(key), ()) + (
            (values,) if isinstance(values, str) else tuple(values)
        )
    allows = {layer: [s for s in candidates if not s.deny and s.layer == layer] for layer in LAYERS}
    for layer in LAYERS:
        if layer in evaluator.required and not allows[layer]:
            return Possibility(
                False, None, (), _no_allow_reason(evaluator, action, layer, operation_level), ()
            )
    relevant = [s for s in candidates if s.deny or s.layer in evaluator.required]
    if not operation_level and any_resource:
        # A Deny on every resource that no context dodges settles it before any search.
        for deny in relevant:
            statement = deny.match.statement
            universal = "*" in statement.resources and not statement.not_resource
            if deny.deny and universal and _unavoidable(deny, given, not any_context):
                when = "the given context" if not any_context else "every context"
                return Possibility(False, None, (), f"denied by {deny.match.describe()} for {when}", ())
    exploration = None
    if operation_level:
        requested = scope.request_tokens(service, region, account)
        combinations = exploration = _resource_combinations(relevant, requested)
    elif not any_resource:
        combinations = [(frozenset(s.order for s in relevant if s.resource(resource)), resource)]
    else:
        # Lazily, shortest resources first: the first combination that works ends the search.
        combinations = exploration = _resource_combinations(relevant, automaton.glob_tokens(resource))
    denies = [s for s in relevant if s.deny]
    undecided: list[str] = []
    reasons: list[str] = []
    tried = 0
    missing_layer: set[str] = set()
    for orders, witness_resource in combinations:
        per_layer = []
        for layer in LAYERS:
            if layer not in evaluator.required:
                continue
            layer_allows = [s for s in allows[layer] if s.order in orders]
            if not layer_allows:
                missing_layer.add(layer)
                break
            unconditional = [s for s in layer_allows if not s.conditions]
            per_layer.append(unconditional[:1] or sorted(layer_allows, key=lambda s: len(s.conditions)))
        else:
            applying_denies = [d for d in denies if d.order in orders]
            for chosen in itertools.product(*per_layer):
                tried += 1
                if tried > COMBINATIONS:
                    undecided.append("too many combinations of Allow statements to try")
                    break
                problem = _Context(given, context, not any_context, single_valued)
                status, found_context, why = _solve_context(chosen, applying_denies, problem)
                if status == SAT:
                    request = Request(action, witness_resource, found_context, region, account)
                    if operation_level:
                        request = _placed(evaluator, request, service)
                    decision = evaluator.evaluate(request)
                    if decision.allowed:
                        added = tuple(sorted(k for k in found_context if fold(k) not in given))
                        return Possibility(True, request, decision.matched, "", added)
                    undecided.append(f"a candidate witness did not verify ({decision.decision})")
                elif status == UNKNOWN:
                    undecided.append(why or "a context question could not be decided")
                elif why not in reasons:
                    reasons.append(why)
            else:
                continue
            break
    if exploration is not None and not exploration.complete and tried <= COMBINATIONS:
        undecided.insert(0, "too many resource pattern states to explore")
    if not reasons:
        if operation_level:
            where = f'account-scoped ARN "{scope.operation_arn(service, region, account)}"'
        else:
            where = f"resource matching {resource!r}" if any_resource else "resource"
        layer = next((la for la in LAYERS if la in missing_layer), "identity")
        if len(missing_layer) > 1 or not missing_layer:
            reasons.append(f"no {where} is allowed by every required layer at once")
        else:
            reasons.append(f"no {where} is allowed by the {layer} policies for {action}")
    reason = "; ".join(reasons[:3]) + (f" (and {len(reasons) - 3} more)" if len(reasons) > 3 else "")
    if undecided:
        return Possibility(
            False, None, (), f"undecided: {undecided[0]}; otherwise {reason}", (), exhaustive=False
        )
    return Possibility(False, None, (), reason, ())
