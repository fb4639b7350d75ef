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
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from typing import NamedTuple

from policycheck.evaluate import automaton, scope
from policycheck.evaluate.actions import ActionNames, distinct_actions
from policycheck.evaluate.budget import Budget, BudgetExhausted
from policycheck.evaluate.engine import Compilation, CompiledStatement, Evaluator, Match, Request
from policycheck.evaluate.glob import compile_globs
from policycheck.evaluate.operators import IP, CompiledCondition
from policycheck.evaluate.solve import SAT, UNKNOWN, UNSAT, KeyAnswer, Literal, solve_key
from policycheck.patterns import fold, has_wildcard


class Possibility(NamedTuple):
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


KEPT_SOLUTIONS = 1 << 14
"""Per-key solutions a Compilation keeps before starting afresh (bounds memory)."""

SingleValued = Callable[[str], bool]
"""Whether a (folded) condition key carries at most one value in a request."""


def _every_key(single: bool) -> SingleValued:
    return lambda _key: single


class _Context:
    """The context constraint problem for one choice of Allows and the Denies to dodge.

    Answers per key are kept for the whole analysis, but every question asked, answered from
    the memo or not, spends a step of the budget: a search that keeps asking is still bounded.
    """

    def __init__(
        self,
        given: dict[str, tuple[str, ...]],
        original: Mapping[str, tuple[str, ...]],
        all_given: bool,
        single_valued: SingleValued,
        budget: Budget,
        memo: dict[tuple[frozenset[Literal], bool], KeyAnswer],
        solved: dict[tuple, tuple[int, KeyAnswer]] | None = None,
    ) -> None:
        self.given = given
        self.original = original
        self.all_given = all_given
        self.single_valued = single_valued
        self.budget = budget
        self.memo = memo
        self.solved = solved if solved is not None else {}

    def pinned(self, key: str):
        if key in self.given:
            return self.given[key]
        return None if self.all_given else _FREE

    def answer(self, key: str, literals: frozenset[Literal]) -> KeyAnswer:
        self.budget.spend()
        single = self.single_valued(key)
        cached = self.memo.get((literals, single))
        if cached is None:
            cached = self._solved(literals, single, _value_family(key))
            self.memo[(literals, single)] = cached
        return cached

    def _solved(self, literals: frozenset[Literal], single: bool, family: str | None) -> KeyAnswer:
        """solve_key, once per distinct set of conditions across questions (`check` asks the
        same conditions of thousands of principals): a kept answer spends the steps it took, so
        every question's budget runs out where it would have (solving never reads the budget
        left, only spends it)."""
        key = (literals, single, family)
        kept = self.solved.get(key)
        if kept is not None:
            steps, answer = kept
            self.budget.spend(steps)
            return answer
        before = self.budget.used
        answer = solve_key(literals, single, self.budget, family)
        if len(self.solved) >= KEPT_SOLUTIONS:
            self.solved.clear()
        self.solved[key] = (self.budget.used - before, answer)
        return answer


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
        answers[key] = problem.answer(key, wanted)
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
                when = "the given context" if problem.all_given else "every context"
                return UNSAT, None, f"denied by {deny.match.describe()} for {when}"
            clauses.append((deny, options))
    status, chosen, blocking = _dodge([options for _, options in clauses], literals, problem)
    if status != SAT and blocking is not None:
        allowed = " and ".join(a.match.describe() for a in allows)
        why = f"denied by {clauses[blocking][0].match.describe()} whenever {allowed} applies"
        return status, None, why
    if status != SAT:
        names = ", ".join(d.match.describe() for d, _ in clauses[:5])
        if len(clauses) > 5:
            names += f" (and {len(clauses) - 5} more)"
        allowed = " and ".join(a.match.describe() for a in allows)
        return status, None, f"denied by {names} whenever {allowed} applies"
    context = dict(problem.original)
    all_conditions = [c for a in allows for c in a.conditions] + [c for d, _ in clauses for c in d.conditions]
    for key, wanted in {**literals, **chosen}.items():
        answer = problem.answer(key, wanted)
        if answer.values is not None and key not in problem.given:
            context[_spelling(all_conditions, key)] = answer.values
    return SAT, context, ""


def _dodge(
    clauses: list[list[CompiledCondition]],
    literals: dict[str, frozenset[Literal]],
    problem: _Context,
) -> tuple[str, dict[str, frozenset[Literal]], int | None]:
    """Make one condition of every Deny (clause) false, keeping every key satisfiable.

    Returns the literals per key that do it, and the index of a Deny that alone cannot be
    dodged beside the Allows (None when it takes several together).

    Steps, cheapest first: a condition on a key no Allow needs is made false by leaving the
    key out; a condition that cannot be false beside the Allows' own is dropped (a Deny left
    with none settles it); then all the remaining conditions of a key are tried false at once;
    only then Denies that share keys are searched, each group of them on its own (they cannot
    interact), choosing first the Deny with fewest ways out. Every question spends the budget.
    Leaving a key out does not make a ForAllValues: condition false, so keys such conditions
    test are never left out by assumption: the solver decides them.
    """
    undecided = False
    # A key a ForAllValues: condition of some Deny tests cannot simply be left out: that makes
    # the condition true (vacuously). Conditions on such keys are solved like the Allows' own.
    vacuous = {c.key for options in clauses for c in options if c.vacuous}
    literals = {**{key: frozenset() for key in vacuous}, **literals}
    live: list[list[CompiledCondition]] = []
    for index, options in enumerate(clauses):
        viable: list[CompiledCondition] | None = []
        for condition in options:
            if condition.key not in literals:
                viable = None
                break
            answer = problem.answer(condition.key, literals[condition.key] | {(condition, False)})
            if answer.status == SAT:
                viable.append(condition)
            undecided = undecided or answer.status == UNKNOWN
        if viable is None:
            continue
        if not viable:
            return (UNKNOWN if undecided else UNSAT), {}, index
        live.append(viable)
    if not live:
        return SAT, {}, None
    everything: dict[str, frozenset[Literal]] = {}
    for viable in live:
        for condition in viable:
            everything[condition.key] = everything.get(condition.key, literals[condition.key]) | {
                (condition, False)
            }
    if all(problem.answer(key, wanted).status == SAT for key, wanted in everything.items()):
        return SAT, everything, None
    chosen: dict[str, frozenset[Literal]] = {}
    for group in _groups(live):
        status, found = _search(group, literals, problem)
        if status != SAT:
            return (UNKNOWN if undecided or status == UNKNOWN else UNSAT), {}, None
        chosen.update(found)
    return SAT, chosen, None


def _groups(clauses: list[list[CompiledCondition]]) -> list[list[list[CompiledCondition]]]:
    """Clauses split into groups that share no key (union-find over keys), in first-seen order."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for options in clauses:
        first = root(options[0].key)
        for condition in options[1:]:
            parent[root(condition.key)] = first
    groups: dict[str, list[list[CompiledCondition]]] = {}
    for options in clauses:
        groups.setdefault(root(options[0].key), []).append(options)
    return list(groups.values())


_SEARCH_DEPTH = 400
"""Denies sharing keys searched one inside the other at most this deep (then: undecided)."""


def _search(
    clauses: list[list[CompiledCondition]],
    literals: dict[str, frozenset[Literal]],
    problem: _Context,
) -> tuple[str, dict[str, frozenset[Literal]]]:
    """Backtracking over one group of Denies that share keys; failures are remembered."""
    if len(clauses) > _SEARCH_DEPTH:
        return UNKNOWN, {}
    failed: set[tuple[frozenset[int], frozenset]] = set()
    unknown = False

    def wanted(chosen: dict[str, frozenset[Literal]], key: str) -> frozenset[Literal]:
        return chosen.get(key, literals[key])

    def step(pending: frozenset[int], chosen: dict[str, frozenset[Literal]]):
        nonlocal unknown
        problem.budget.spend()
        remaining = frozenset(
            i for i in pending if not any((c, False) in wanted(chosen, c.key) for c in clauses[i])
        )
        if not remaining:
            return chosen
        memo = (remaining, frozenset(chosen.items()))
        if memo in failed:
            return None
        best: tuple[int, list[CompiledCondition]] | None = None
        for i in sorted(remaining):
            ways = []
            for condition in clauses[i]:
                answer = problem.answer(condition.key, wanted(chosen, condition.key) | {(condition, False)})
                unknown = unknown or answer.status == UNKNOWN
                if answer.status == SAT:
                    ways.append(condition)
            if best is None or len(ways) < len(best[1]):
                best = (i, ways)
            if len(ways) <= 1:
                break
        assert best is not None
        index, ways = best
        for condition in ways:
            key = condition.key
            found = step(remaining - {index}, {**chosen, key: wanted(chosen, key) | {(condition, False)}})
            if found is not None:
                return found
        failed.add(memo)
        return None

    found = step(frozenset(range(len(clauses))), {})
    if found is None:
        return (UNKNOWN if unknown else UNSAT), {}
    return SAT, found


def _requested_gone(state: tuple[int, ...]) -> bool:
    """Nothing can follow once the requested pattern (automaton 0) no longer matches."""
    return state[0] == 0


def _resource_combinations(
    statements: list[CompiledStatement],
    requested: automaton.Tokens,
    budget: Budget,
    compilation: Compilation,
) -> Iterable[tuple[Hashable, str]]:
    """Which sets of statements can match one resource of `requested`; a resource for each.

    Statements whose Resource holds `*` match every resource (with NotResource: none), so they
    stay out of the automaton; statements with the same patterns share one group. The search
    is replayed from the one `compilation` keeps for these patterns (automaton.Recording).
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

    return compilation.exploration(tuple(patterns), _requested_gone).replay(classify, budget)


def _guessed_then_explored(
    statements: list[CompiledStatement], pattern: str, budget: Budget, compilation: Compilation
) -> Iterator[tuple[frozenset[int], str]]:
    """Resources each Allow's own patterns suggest (`*` left empty, or one character no pattern
    names; `?` that character), then every combination by the exact search, each once.

    A guess only shortens the search: the exact exploration that follows still finds every
    combination a guess did not, so the answer never depends on the guesses.
    """
    matches = compile_globs([pattern])
    fresh = automaton.fresh_char(
        [automaton.glob_tokens(r) for s in statements for r in s.match.statement.resources]
    )
    seen: set[frozenset[int]] = set()
    for compiled in statements:
        statement = compiled.match.statement
        if compiled.deny or statement.not_resource:
            continue
        for written in statement.resources:
            for guess in (written.replace("*", "").replace("?", fresh), written.replace("*", fresh)):
                budget.spend(len(statements))
                if guess and matches(guess):
                    orders = frozenset(s.order for s in statements if s.resource(guess))
                    if orders not in seen:
                        seen.add(orders)
                        yield orders, guess
    requested = automaton.glob_tokens(pattern)
    for orders, found in _resource_combinations(statements, requested, budget, compilation):
        if orders not in seen:
            seen.add(orders)
            yield orders, found


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
    single_valued: bool | SingleValued = False,
    budget: Budget | None = None,
    names: ActionNames | None = None,
    region: str | None = None,
    account: str | None = None,
) -> Possibility:
    """Could some request for `action` (an action, or a pattern such as `oss:*` or `*`) be allowed?

    `any_resource`: any resource matching the `resource` pattern (else `resource` literally);
    `any_context`: any values for keys not in `context` (else exactly `context`). A context key
    may carry several values, as evaluate() accepts; `single_valued` (True, or a predicate on the
    folded key) limits keys to one value, as RAM's single-valued keys carry (fewer contexts, so
    fewer "possible" answers). `budget`: the steps this question may take (a fresh default
    Budget when None); share one between the questions of one expectation. `names` tells which
    actions the catalog knows (the catalog by default); a pattern is decided over every action,
    catalogued or not (policycheck.evaluate.actions). When the budget runs out, the answer is
    "undecided" (exhaustive false). `region`/`account` place an operation-level request
    (policycheck.evaluate.scope); None: any region / account.
    """
    context = context or {}
    budget = budget if budget is not None else Budget()
    single = single_valued if callable(single_valued) else _every_key(bool(single_valued))
    given: dict[str, tuple[str, ...]] = {}
    for key, values in context.items():
        given[fold(key)] = given.get(fold(key), ()) + (
            (values,) if isinstance(values, str) else tuple(values)
        )
    key = None
    if not has_wildcard(action) and budget.used == 0:
        # One action's answer reads only the statements for it: kept by their identity (see
        # Compilation), with the steps it took, so a later question costs the same budget.
        frozen = tuple((k, v if isinstance(v, str) else tuple(v)) for k, v in context.items())
        key = (evaluator.action_key(action), evaluator.required, evaluator.operation_level, action)
        key += (resource, frozen, any_resource, any_context, single_valued, budget.limit, region, account)
        kept = evaluator.compilation.answers.get(key)
        if kept is not None:
            budget.used, answer = kept
            return answer
    question = _Question(evaluator, resource, context, given, any_resource, any_context, single, budget)
    question.region, question.account = region, account
    try:
        if key is not None:
            answer = question.ask(action)
            evaluator.compilation.remember(key, (budget.used, answer))
            return answer
        if not has_wildcard(action):
            return question.ask(action)
        return _could_allow_pattern(question, action, names)
    except BudgetExhausted:
        return Possibility(
            False,
            None,
            (),
            f"undecided: the analysis ran out of its budget ({budget.limit:,} "
            f"step{'' if budget.limit == 1 else 's'}) before it could "
            "prove an answer; simplify the policies or narrow the expectation (action, resource, context)",
            (),
            exhaustive=False,
        )


def _could_allow_pattern(question: _Question, pattern: str, names: ActionNames | None) -> Possibility:
    """Every action matching `pattern`, as many as the policies can tell apart (one each)."""
    undecided: list[str] = []
    reasons: list[str] = []
    tried = 0
    for action in distinct_actions(question.evaluator, pattern, question.budget, names):
        tried += 1
        answer = question.ask(action)
        if answer.possible:
            return answer
        # "no Allow ... matches oss:GetObject" is said once for all the actions it is true of
        why = answer.reason.replace(f"matches {action}", f"matches any action matching {pattern}")
        if not answer.exhaustive:
            undecided.append(f"{action}: {why.removeprefix('undecided: ')}")
        elif why not in reasons:
            reasons.append(why)
    if not tried:
        return Possibility(False, None, (), f"{pattern} matches no action", ())
    reason = "; ".join(reasons[:3]) + (f" (and {len(reasons) - 3} more)" if len(reasons) > 3 else "")
    reason = reason or "no action matching it can be allowed"
    if undecided:
        return Possibility(
            False, None, (), f"undecided: {undecided[0]}; otherwise {reason}", (), exhaustive=False
        )
    if len(reasons) == 1 and "any action matching" in reason:
        return Possibility(False, None, (), reason, ())
    return Possibility(False, None, (), f"no action matching {pattern} can be allowed: {reason}", ())


class _Question:
    """One "could it be allowed" question (resource, context, budget), asked per concrete action."""

    def __init__(
        self,
        evaluator: Evaluator,
        resource: str,
        context: Mapping[str, tuple[str, ...]],
        given: dict[str, tuple[str, ...]],
        any_resource: bool,
        any_context: bool,
        single_valued: SingleValued,
        budget: Budget,
    ) -> None:
        self.evaluator, self.resource, self.context, self.given = evaluator, resource, context, given
        self.any_resource, self.any_context = any_resource, any_context
        self.single_valued, self.budget = single_valued, budget
        self.memo: dict[tuple[frozenset[Literal], bool], KeyAnswer] = {}
        self.region: str | None = None
        self.account: str | None = None

    def ask(self, action: str) -> Possibility:
        evaluator, resource, given, budget = self.evaluator, self.resource, self.given, self.budget
        any_resource, any_context = self.any_resource, self.any_context
        operation_level, candidates = evaluator.candidates(action)
        budget.spend(len(candidates) + 1)
        service = scope.service_of(action)
        region, account = scope.region_for(service, self.region), self.account
        allows = {
            layer: [s for s in candidates if not s.deny and s.layer == layer] for layer in evaluator.required
        }
        for layer in evaluator.required:
            if not allows[layer]:
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
        if operation_level:
            requested = scope.request_tokens(service, region, account)
            combinations = _resource_combinations(relevant, requested, budget, evaluator.compilation)
        elif not any_resource:
            combinations = [(frozenset(s.order for s in relevant if s.resource(resource)), resource)]
        else:
            # Lazily: first the resources the Allows name themselves (cheap, and usually enough),
            # then shortest resources first; the first combination that works ends the search.
            combinations = _guessed_then_explored(relevant, resource, budget, evaluator.compilation)
        denies = [s for s in relevant if s.deny]
        undecided: list[str] = []
        reasons: list[str] = []
        missing_layer: set[str] = set()
        for orders, witness_resource in combinations:
            per_layer = []
            for layer in evaluator.required:
                layer_allows = [s for s in allows[layer] if s.order in orders]
                if not layer_allows:
                    missing_layer.add(layer)
                    break
                unconditional = [s for s in layer_allows if not s.conditions]
                per_layer.append(unconditional[:1] or sorted(layer_allows, key=lambda s: len(s.conditions)))
            else:
                applying_denies = [d for d in denies if d.order in orders]
                for chosen in itertools.product(*per_layer):
                    budget.spend()
                    problem = _Context(
                        given,
                        self.context,
                        not any_context,
                        self.single_valued,
                        budget,
                        self.memo,
                        evaluator.compilation.solved,
                    )
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
        if not reasons:
            if operation_level:
                where = f'account-scoped ARN "{scope.operation_arn(service, region, account)}"'
            else:
                where = f"resource matching {resource!r}" if any_resource else "resource"
            layer = next((la for la in evaluator.required if la in missing_layer), "identity")
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
