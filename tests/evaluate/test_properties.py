"""Properties over random policy sets (hypothesis): the evaluator and could_allow agree.

Policies are drawn from a small vocabulary so that random requests hit the interesting edges:
wildcards that overlap, conditions whose values sit on each other's bounds, Denies that cover
part of an Allow. Each key is tested with operators of one family only: that is the fragment
where could_allow claims to be exact, so every answer here must be exhaustive.
"""

from __future__ import annotations

import itertools
import math
import random
import re

from evaluate_support import operation_level
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policycheck.evaluate import Evaluator, PolicySet, Request, could_allow, reference
from policycheck.evaluate.scope import operation_arn
from policycheck.model import Policy, build_policy
from policycheck.patterns import fold, glob_regex

ACTION_PATTERNS = ["svc:Get", "svc:get*", "svc:*", "*", "svc:?et", "oth:*", "OTH:Put", "s?c:List", "ice:*"]
ACTIONS = ["svc:Get", "svc:Put", "svc:List", "oth:Put", "oth:Get", "ice:Query"]
R, Q = "acs:r::1:", "acs:q::1:"  # valid ARN heads (patterns.resource_problem), so the tails decide
RESOURCE_PATTERNS = [
    "*",
    R + "*",
    R + "a/*",
    R + "a/b",
    R + "?/b",
    R + "b*",
    R + "*/b",
    Q + "*",
    "acs:ice:*:*:*",
]
PLACED_PATTERNS = [
    *RESOURCE_PATTERNS,
    "acs:ice:cn-*:*:*",
    "acs:ice:*:1:*",
    "acs:ice:cn-a:1?:*",
    "acs:*:a*:*:*",
]
"""With patterns that match an operation-level request only in some regions or accounts."""
PLACES = [("cn-a", "1"), ("ap-b", "12"), ("cn-b", "2")]
REQUEST_PATTERNS = ["*", R + "*", R + "a/*", R + "a/b", R + "?/?", R + "*b", Q + "a"]
RESOURCE_CHARS = "abr:/qx"

FAMILIES = {
    "k:s": (
        ["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"]
        + ["StringLike", "StringNotLike"],
        ["a", "b", "A", "a*", "?", "*b", "ab"],
    ),
    "k:n": (
        ["NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals"]
        + ["NumericGreaterThan", "NumericGreaterThanEquals"],
        ["1", "2.5", "-3", "10", "1.0"],
    ),
    "k:d": (
        ["DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals"]
        + ["DateGreaterThan", "DateGreaterThanEquals"],
        ["2024-01-01T00:00:00Z", "2024-01-01T08:00:00+08:00", "2025-01-01", "2024-06-01T12:00:00.5Z"],
    ),
    "k:b": (["Bool"], ["true", "false", "TRUE"]),
    "k:ip": (
        ["IpAddress", "NotIpAddress"],
        ["10.0.0.0/8", "10.1.0.0/16", "10.0.0.1", "::/0", "2001:db8::/32", "0.0.0.0/1"],
    ),
}

# Set qualifiers (docs/evaluation.md §2) drawn beside the plain operators, a plain one most often.
QUALIFIERS = ["", "", "", "ForAnyValue:", "ForAllValues:"]

# Concrete request values: the policy values, values just beside them, and strangers.
CONTEXT_VALUES = {
    "k:s": ["a", "b", "A", "B", "ab", "aB", "a*", "x", "", "bb", "?", "*b", "1"],
    "k:n": ["1", "2.5", "-3", "10", "0", "2", "3", "9.99", "10.01", "-4", "1.0", "100", "x"],
    "k:d": [
        "2024-01-01T00:00:00Z",
        "2023-12-31T23:59:59Z",
        "2024-01-01T00:00:01Z",
        "2024-06-01T12:00:00.5Z",
        "2024-06-01T12:00:00Z",
        "2025-01-01T00:00:00Z",
        "2024-12-31T23:59:59Z",
        "2030-01-01T00:00:00Z",
        "1999-01-01",
        "nope",
    ],
    "k:b": ["true", "false", "True", "maybe"],
    "k:ip": ["10.0.0.1", "10.1.2.3", "10.200.0.1", "11.0.0.1", "127.0.0.1", "200.0.0.1", "::1"]
    + ["2001:db8::1", "2001:db9::1", "0.0.0.0", "junk"],
}


@st.composite
def conditions(draw):
    out: dict[str, dict[str, list[str]]] = {}
    for _ in range(draw(st.integers(0, 2))):
        key = draw(st.sampled_from(sorted(FAMILIES)))
        operators, values = FAMILIES[key]
        operator = draw(st.sampled_from(QUALIFIERS)) + draw(st.sampled_from(operators))
        spelled = draw(st.sampled_from([key, key.upper()]))  # keys match case-insensitively
        out.setdefault(operator, {})[spelled] = draw(
            st.lists(st.sampled_from(values), min_size=1, max_size=2)
        )
    return out


@st.composite
def statements(draw, effect=None, patterns=RESOURCE_PATTERNS):
    raw = {"Effect": effect or draw(st.sampled_from(["Allow", "Allow", "Deny"]))}
    actions = draw(st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=2))
    raw["NotAction" if draw(st.integers(0, 9)) == 0 else "Action"] = actions
    resources = draw(st.lists(st.sampled_from(patterns), min_size=1, max_size=2))
    raw["NotResource" if draw(st.integers(0, 9)) == 0 else "Resource"] = resources
    condition = draw(conditions())
    if condition:
        raw["Condition"] = condition
    return raw


_counter = iter(range(10**9))


def make_policy(raws: list[dict], source: str, kind: str) -> Policy:
    """Each statement gets a unique Sid so tests can follow it when order changes."""
    numbered = [{**raw, "Sid": f"s{next(_counter)}"} for raw in raws]
    return build_policy({"Version": "1", "Statement": numbered}, source, kind)


@st.composite
def policy_sets(draw, patterns=RESOURCE_PATTERNS):
    drawn = statements(patterns=patterns)
    identity = tuple(
        make_policy(draw(st.lists(drawn, min_size=1, max_size=3)), f"id{i}.json", "identity")
        for i in range(draw(st.integers(1, 3)))
    )
    control: tuple[Policy, ...] = ()
    if draw(st.integers(0, 3)) == 0:
        control = (make_policy(draw(st.lists(drawn, min_size=1, max_size=2)), "cp.json", "control"),)
    session = None
    if draw(st.integers(0, 3)) == 0:
        session = make_policy(draw(st.lists(drawn, min_size=1, max_size=2)), "s.json", "session")
    return PolicySet(identity, control, session)


def evaluator(policies: PolicySet) -> Evaluator:
    return Evaluator(policies, operation_level=operation_level)


def instantiate(pattern: str, rng: random.Random) -> str:
    """A random concrete string matching a wildcard pattern."""
    out = []
    for char in pattern:
        if char == "*":
            out.append("".join(rng.choice(RESOURCE_CHARS) for _ in range(rng.randint(0, 3))))
        elif char == "?":
            out.append(rng.choice(RESOURCE_CHARS))
        else:
            out.append(char)
    return "".join(out)


def random_context(rng: random.Random, single_valued: bool) -> dict[str, tuple[str, ...]]:
    context = {}
    for key, values in CONTEXT_VALUES.items():
        if rng.random() < 0.7:
            count = 1 if single_valued else rng.randint(1, 2)
            context[rng.choice([key, key.upper()])] = tuple(rng.choice(values) for _ in range(count))
    return context


PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@PROPERTY_SETTINGS
@given(
    policy_sets(),
    st.sampled_from(ACTIONS),
    st.sampled_from(REQUEST_PATTERNS),
    st.booleans(),
    st.booleans(),
    st.integers(0, 2**32),
)
def test_could_allow_agrees_with_evaluate(policies, action, pattern, any_resource, single_valued, seed):
    ev = evaluator(policies)
    answer = could_allow(ev, action, pattern, any_resource=any_resource, single_valued=single_valued)
    rng = random.Random(seed)
    operation_level_action = operation_level(action)
    if answer.possible:
        decision = ev.evaluate(answer.witness)
        assert decision.allowed
        assert answer.granted_by == decision.matched
        if operation_level_action:
            witness = answer.witness
            assert witness.resource == operation_arn("ice", witness.region, witness.account)
        elif any_resource:
            assert could_allow(ev, action, answer.witness.resource, any_resource=False).possible
        else:
            assert answer.witness.resource == pattern
        if single_valued:
            assert all(len(v) == 1 for v in answer.witness.context.values())
        return
    assert answer.exhaustive, answer.reason  # the fragment drawn here is the exact one
    for _ in range(40):
        resource = instantiate(pattern, rng) if any_resource else pattern
        request = Request(action, resource, random_context(rng, single_valued))
        assert not ev.evaluate(request).allowed, (answer.reason, request)


@PROPERTY_SETTINGS
@given(policy_sets(), st.sampled_from(ACTIONS), st.sampled_from(REQUEST_PATTERNS), st.integers(0, 2**32))
def test_could_allow_with_a_fixed_context_agrees_with_evaluate(policies, action, pattern, seed):
    rng = random.Random(seed)
    ev = evaluator(policies)
    context = random_context(rng, single_valued=False)
    answer = could_allow(ev, action, pattern, context=context, any_context=False)
    if answer.possible:
        assert answer.witness.context == context
        assert ev.evaluate(answer.witness).allowed
        return
    assert answer.exhaustive
    for _ in range(20):
        resource = instantiate(pattern, rng)
        assert not ev.evaluate(Request(action, resource, context)).allowed


@PROPERTY_SETTINGS
@given(policy_sets(), st.sampled_from(ACTIONS), st.integers(0, 2**32), st.data())
def test_adding_a_deny_never_turns_deny_into_allow(policies, action, seed, data):
    rng = random.Random(seed)
    request = Request(action, instantiate(rng.choice(REQUEST_PATTERNS), rng), random_context(rng, False))
    before = evaluator(policies).evaluate(request)
    deny = make_policy([data.draw(statements("Deny"))], "extra.json", "identity")
    layer = data.draw(st.sampled_from(["identity", "control", "session"]))
    after = evaluator(_with(policies, deny, layer)).evaluate(request)
    if not before.allowed:
        assert not after.allowed
    if before.decision == "explicit_deny":
        assert after.decision == "explicit_deny"


@PROPERTY_SETTINGS
@given(policy_sets(), st.sampled_from(ACTIONS), st.integers(0, 2**32), st.data())
def test_adding_an_allow_never_turns_allow_into_deny(policies, action, seed, data):
    rng = random.Random(seed)
    request = Request(action, instantiate(rng.choice(REQUEST_PATTERNS), rng), random_context(rng, False))
    before = evaluator(policies).evaluate(request)
    allow = make_policy([data.draw(statements("Allow"))], "extra.json", "identity")
    layers = (
        ["identity"] + (["control"] if policies.control else []) + (["session"] if policies.session else [])
    )
    after = evaluator(_with(policies, allow, data.draw(st.sampled_from(layers)))).evaluate(request)
    if before.allowed:
        assert after.allowed
    if before.decision == "explicit_deny":
        assert after.decision == "explicit_deny"  # an Allow cannot lift a Deny


def _with(policies: PolicySet, extra: Policy, layer: str) -> PolicySet:
    """The policy set with one more document (or, for the session, more statements)."""
    if layer == "identity":
        return PolicySet(policies.identity + (extra,), policies.control, policies.session)
    if layer == "control":
        return PolicySet(policies.identity, policies.control + (extra,), policies.session)
    if policies.session is None:
        return PolicySet(policies.identity, policies.control, extra)
    merged = build_policy(
        {"Version": "1", "Statement": [_raw(s) for s in policies.session.statements + extra.statements]},
        "s.json",
        "session",
    )
    return PolicySet(policies.identity, policies.control, merged)


def _raw(statement) -> dict:
    raw = {"Effect": statement.effect, "Sid": statement.sid, statement.action_key: list(statement.actions)}
    raw[statement.resource_key] = list(statement.resources)
    if statement.conditions:
        condition: dict[str, dict[str, list[str]]] = {}
        for c in statement.conditions:
            condition.setdefault(c.operator, {})[c.key] = list(c.values)
        raw["Condition"] = condition
    return raw


def _shuffled(policies: PolicySet, rng: random.Random) -> PolicySet:
    def shuffle(policy: Policy) -> Policy:
        raws = [_raw(s) for s in policy.statements]
        rng.shuffle(raws)
        return build_policy({"Version": "1", "Statement": raws}, policy.source, policy.kind)

    identity = [shuffle(p) for p in policies.identity]
    rng.shuffle(identity)
    control = [shuffle(p) for p in policies.control]
    rng.shuffle(control)
    session = shuffle(policies.session) if policies.session else None
    return PolicySet(tuple(identity), tuple(control), session)


def _summary(decision) -> tuple:
    return (
        decision.decision,
        decision.denied_by_layer,
        sorted((m.policy.source, m.statement.sid, m.layer) for m in decision.matched),
        decision.missing_context,
        sorted((r.statement.sid, r.condition.operator, r.condition.key, r.held) for r in decision.conditions),
    )


@PROPERTY_SETTINGS
@given(policy_sets(), st.sampled_from(ACTIONS), st.sampled_from(REQUEST_PATTERNS), st.integers(0, 2**32))
def test_statement_and_document_order_never_change_the_decision(policies, action, pattern, seed):
    rng = random.Random(seed)
    request = Request(action, instantiate(pattern, rng), random_context(rng, False))
    shuffled = _shuffled(policies, rng)
    assert _summary(evaluator(policies).evaluate(request)) == _summary(evaluator(shuffled).evaluate(request))
    assert (
        could_allow(evaluator(policies), action, pattern).possible
        == could_allow(evaluator(shuffled), action, pattern).possible
    )


# ---- keys of both kinds at once, and questions about action patterns ----
#
# A real principal mixes single-valued keys (acs:SourceIp) with keys that carry several values
# (acs:TagKeys); and `check` asks about patterns (`oth:*`, `*`), decided over every action the
# policies can tell apart, catalogued or not. Here `svc` has a catalog (its three actions) and
# `oth`, `ice` and any other service have none.


class FakeCatalog:
    """Catalogs for svc and for ice, which authorizes per operation: as in policycheck's catalogs,
    a service's granularity is known only where the service is catalogued."""

    ACTIONS = ("svc:Get", "svc:List", "svc:Put", "ice:Query")

    def services(self) -> tuple[str, ...]:
        return ("svc", "ice")

    def expand(self, pattern: str) -> tuple[str, ...]:
        regex = re.compile(re.escape(fold(pattern)).replace(r"\*", ".*").replace(r"\?", "."), re.DOTALL)
        return tuple(a for a in self.ACTIONS if regex.fullmatch(fold(a)))

    def knows(self, action: str) -> bool:
        return fold(action) in {fold(a) for a in self.ACTIONS}


QUESTION_PATTERNS = ["*", "svc:*", "oth:*", "*:Get", "?th:*", "ice:*", "s*", "*:*t", "new:*"]
SAMPLE_ACTIONS = [*ACTIONS, "oth:Zap", "oth:", "ice:Other", "new:Thing", "x:y", "OTH:PUT", "svc:Get"]


def matching_actions(pattern: str) -> list[str]:
    """Actions the analysis speaks for: catalogued ones of `svc`, any of the other services."""
    catalog = FakeCatalog()
    out = []
    for action in SAMPLE_ACTIONS:
        service, _, name = action.partition(":")
        if not name or not re.fullmatch(glob_regex(fold(pattern)), fold(action), re.DOTALL):
            continue
        if fold(service) in catalog.services() and not catalog.knows(action):
            continue
        out.append(action)
    return out


@PROPERTY_SETTINGS
@given(
    policy_sets(),
    st.sampled_from(QUESTION_PATTERNS),
    st.sampled_from(REQUEST_PATTERNS),
    st.sets(st.sampled_from(sorted(FAMILIES))),
    st.integers(0, 2**32),
)
def test_action_patterns_and_mixed_keys_agree_with_evaluate(policies, pattern, resource, singles, seed):
    ev = evaluator(policies)
    single = {fold(k) for k in singles}
    answer = could_allow(ev, pattern, resource, single_valued=single.__contains__, names=FakeCatalog())
    rng = random.Random(seed)
    if answer.possible:
        witness = answer.witness
        assert re.fullmatch(glob_regex(fold(pattern)), fold(witness.action), re.DOTALL)
        assert ev.evaluate(witness).allowed
        assert all(len(v) == 1 for k, v in witness.context.items() if fold(k) in single)
        return
    assert answer.exhaustive, answer.reason
    actions = matching_actions(pattern)
    for _ in range(40):
        if not actions:
            break
        context = {}
        for key, values in CONTEXT_VALUES.items():
            if rng.random() < 0.7:
                count = 1 if fold(key) in single else rng.randint(1, 3)
                context[key] = tuple(rng.choice(values) for _ in range(count))
        request = Request(rng.choice(actions), instantiate(resource, rng), context)
        assert not ev.evaluate(request).allowed, (answer.reason, request)


# ---- the context solver against an exhaustive oracle ----
#
# For typed values, the policy values cut the value space into finitely many regions (each point,
# and the open stretch between neighbours) inside which every condition behaves the same. A pool
# with one value per region, plus one that does not parse, is therefore a complete oracle for
# single-valued contexts, and subsets of it for multi-valued ones.

ORACLE_VALUES = {
    "k:n": ["1", "2.5", "10", "-3"],
    "k:d": ["2024-01-01T00:00:00Z", "2024-01-01T08:00:00+08:00", "2024-01-01T00:00:01Z", "2025-01-01"],
    "k:ip": ["10.0.0.0/8", "10.0.0.0/9", "10.0.0.1", "0.0.0.0/1", "::/1", "2001:db8::/32"],
    "k:b": ["true", "false"],
    "k:s": ["a", "A", "a*", "?b", "ab", "*"],
}


def _ordered_pool(points, render):
    points = sorted(set(points))
    pool = {points[0] - 1, points[-1] + 1, *points}
    pool.update((a + b) / 2 for a, b in zip(points, points[1:], strict=False))
    return [render(p) for p in sorted(pool)]


def oracle_pool(key: str, policy_values: list[str]) -> list[str]:
    from policycheck.evaluate.values import format_date, format_ip, parse_date, parse_network, parse_number

    if key == "k:n":
        return _ordered_pool([parse_number(v) for v in policy_values], lambda d: format(d, "f")) + ["x"]
    if key == "k:d":
        return _ordered_pool([parse_date(v) for v in policy_values], format_date) + ["x"]
    if key == "k:ip":
        pool = {(4, 0), (4, 2**32 - 1), (6, 0), (6, 2**128 - 1)}
        for version, lo, hi in map(parse_network, policy_values):
            top = 2**32 - 1 if version == 4 else 2**128 - 1
            pool.update((version, e) for e in (lo - 1, lo, lo + 1, hi - 1, hi, hi + 1) if 0 <= e <= top)
        return [format_ip(v, n) for v, n in sorted(pool)] + ["x"]
    if key == "k:b":
        return ["true", "false", "x"]
    variants = {"", "x", "b", "ab"}
    for value in policy_values:
        for text in (value, value.replace("*", ""), value.replace("*", "zz"), value.replace("?", "q")):
            # every spelling by case: IgnoreCase and case-sensitive conditions together can leave
            # only a mixed one (equal to "ab" ignoring case, yet not "ab": "aB")
            variants.update(map("".join, itertools.product(*({c.lower(), c.upper()} for c in text))))
    return sorted(variants)


@st.composite
def one_key_problems(draw):
    key = draw(st.sampled_from(sorted(ORACLE_VALUES)))
    operators = FAMILIES[key][0]
    values = ORACLE_VALUES[key]

    def condition(count):
        out: dict[str, dict[str, list[str]]] = {}
        for _ in range(count):
            operator = draw(st.sampled_from(QUALIFIERS)) + draw(st.sampled_from(operators))
            out.setdefault(operator, {})[key] = draw(
                st.lists(st.sampled_from(values), min_size=1, max_size=2)
            )
        return out

    allow = {
        "Effect": "Allow",
        "Action": "*",
        "Resource": "*",
        "Condition": condition(draw(st.integers(0, 2))),  # 0: keys only Denies test
    }
    denies = [
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition(draw(st.integers(1, 2)))}
        for _ in range(draw(st.integers(0 if allow["Condition"] else 1, 3)))
    ]
    return key, [allow, *denies]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(one_key_problems(), st.booleans())
def test_condition_solver_is_exact_against_an_exhaustive_oracle(problem, single_valued):
    key, raws = problem
    p = build_policy({"Version": "1", "Statement": raws}, "p.json", "identity")
    ev = evaluator(PolicySet((p,)))
    answer = could_allow(ev, "svc:Get", single_valued=single_valued)
    assert answer.exhaustive, answer.reason
    values = sorted({v for s in p.statements for c in s.conditions for v in c.values})
    pool = oracle_pool(key, values)
    # One value per Allow condition plus one per Deny (to dodge a negated one) is always enough;
    # contexts with more values than the pool affords in reasonable time are left out.
    needed = len(p.statements[0].conditions) + len(p.statements) - 1
    sizes = (1,) if single_valued else [n for n in range(1, needed + 1) if math.comb(len(pool), n) <= 20000]
    contexts = [{}] + [{key: combo} for size in sizes for combo in itertools.combinations(pool, size)]
    allowing = [c for c in contexts if ev.evaluate(Request("svc:Get", "*", c)).allowed]
    if answer.possible and not allowing:
        # Only a context larger than the oracle could afford to try: the witness must be one.
        (witness_values,) = answer.witness.context.values()
        assert len(witness_values) > max(sizes) and ev.evaluate(answer.witness).allowed
        return
    assert answer.possible == bool(allowing), (answer.reason, allowing[:3])


# ---- the engine against a plain reading of the rules ----
#
# The engine indexes, buckets and shares work between statements to be fast; the reference
# (policycheck.evaluate.reference) reads every statement of every layer in order, as
# docs/evaluation.md words the rules, and every field of the Decision must come out the same.


def reference_decision(policies: PolicySet, request: Request) -> tuple:
    return reference.reference_decision(policies, request, operation_level)


def _everything(decision) -> tuple:
    conditions = [
        (r.policy, r.statement, r.condition, r.layer, r.held, r.values) for r in decision.conditions
    ]
    return (
        decision.decision,
        decision.matched,
        decision.denied_by_layer,
        decision.missing_context,
        decision.resource,
        conditions,
    )


@PROPERTY_SETTINGS
@given(
    policy_sets(),
    st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from(REQUEST_PATTERNS)), min_size=1, max_size=6),
    st.integers(0, 2**32),
)
def test_evaluate_agrees_with_a_plain_reading_of_the_rules(policies, requests, seed):
    rng = random.Random(seed)
    ev = evaluator(policies)  # one evaluator for several requests: its caches are in play
    for action, pattern in requests:
        context = random_context(rng, single_valued=False)
        if context and rng.random() < 0.2:
            context[rng.choice(sorted(context))] = ()  # a key given without values counts as missing
        spelled = rng.choice([action, action.upper(), action.lower()])
        request = Request(spelled, instantiate(pattern, rng), context)
        assert _everything(ev.evaluate(request)) == reference_decision(policies, request), request


@PROPERTY_SETTINGS
@given(policy_sets(PLACED_PATTERNS), st.sampled_from(ACTIONS), st.sampled_from(PLACES), st.integers(0, 2**32))
def test_a_placed_request_is_decided_on_its_account_scoped_arn(policies, action, place, seed):
    """Given the region and account, the engine decides an operation-level request exactly as
    the plain reading does on the concrete ARN acs:ice:<region>:<account>:*; nothing is missing."""
    rng = random.Random(seed)
    request = Request(action, "*", random_context(rng, single_valued=False), *place)
    decision = evaluator(policies).evaluate(request)
    assert _everything(decision) == reference_decision(policies, request), request
    assert decision.missing_scope == ()


@PROPERTY_SETTINGS
@given(policy_sets(PLACED_PATTERNS), st.sampled_from(ACTIONS), st.booleans(), st.integers(0, 2**32))
def test_could_allow_over_regions_and_accounts_agrees_with_placed_requests(policies, action, single, seed):
    """Not placed, "could it ever" ranges over every region and account: a witness is a placed
    request that is allowed; "impossible" means no sampled place allows it either."""
    ev = evaluator(policies)
    answer = could_allow(ev, action, single_valued=single)
    rng = random.Random(seed)
    if answer.possible:
        assert ev.evaluate(answer.witness).allowed
        if operation_level(action):
            assert answer.witness.region and answer.witness.account
        return
    assert answer.exhaustive, answer.reason
    for region, account in PLACES:
        request = Request(action, "*", random_context(rng, single), region, account)
        assert not ev.evaluate(request).allowed, (answer.reason, request)
