"""Find a request context that makes some conditions hold and others fail, or prove there is none.

The conditions of one key never constrain another key, so the problem splits per key. For one key
the question is: is there a list of values (or no value at all) under which each wanted condition
has its wanted truth value? With the semantics of policycheck.evaluate.operators:

- a positive condition is true iff some value parses and relates to a policy value;
- a negated one is true iff some value parses and no parsing value relates;
- both are false when the key is missing;
- with a set qualifier, Op is asked of each value alone: ForAnyValue:Op is true iff some value
  passes, ForAllValues:Op iff every value does (so also with the key missing). Each is then one
  "one value" or one "every value" need, as its truth value wanted says.

So "make P true" needs one value that relates; "make P false" needs every value not to relate;
"make a negated N true" needs one parsing value and every value not to relate; "make N false"
needs either no value of N's type at all or one value that relates. Each need for "one value"
is met by its own value, which must also pass every "every value" need: per key this is a
handful of one-string problems, each solved exactly per value family (intervals of decimals for
numbers and dates, integer ranges for IP addresses, {true, false}, and the pattern automaton for
strings). Only a key tested with a string operator AND a typed operator in one solution can come
out "unknown"; every other answer is exact.
"""

from __future__ import annotations

from collections.abc import Hashable
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal, localcontext
from typing import NamedTuple

from policycheck.evaluate import automaton
from policycheck.evaluate.budget import NO_STATE_LIMIT, Budget
from policycheck.evaluate.operators import (
    BOOL,
    DATE,
    EQUALS,
    EQUALS_FOLDED,
    FOR_ANY_VALUE,
    GE,
    GT,
    IP,
    LE,
    LIKE,
    LT,
    NUMERIC,
    STRING,
    CompiledCondition,
)
from policycheck.evaluate.values import (
    DATE_END,
    DATE_MIN,
    format_date,
    format_ip,
    parse_bool,
    parse_date,
    parse_ip,
    parse_number,
)

SAT, UNSAT, UNKNOWN = "sat", "unsat", "unknown"

# One-value needs: (kind, family, condition). MATCH: parses and relates. PARSE: parses.
# NOT: does not relate (or does not parse). NOT_PARSE: does not parse.
MATCH, PARSE, NOT, NOT_PARSE = "match", "parse", "not", "not_parse"
Need = tuple[str, str, CompiledCondition | None]

Literal = tuple[CompiledCondition, bool]
"""A condition and the truth value it must take."""

_PARSERS = {NUMERIC: parse_number, DATE: parse_date, IP: parse_ip, BOOL: parse_bool}
_MAX_EXPONENT = 4000  # beyond this, choosing a number between two bounds is not attempted
_CANDIDATES = 12


class KeyAnswer(NamedTuple):
    """SAT with `values` (None: leave the key out), UNSAT, or UNKNOWN (could not decide)."""

    status: str
    values: tuple[str, ...] | None = None


def _parses(family: str, value: str) -> bool:
    return family == STRING or _PARSERS[family](value) is not None


def _passes(need: Need, value: str) -> bool:
    kind, family, condition = need
    if kind == MATCH:
        return condition.relates(value) is True
    if kind == NOT:
        return condition.relates(value) is not True
    if kind == PARSE:
        return _parses(family, value)
    return not _parses(family, value)


# ---- numbers and dates: one interval, minus finitely many points, maybe within a finite set ----


class _Interval:
    def __init__(self) -> None:
        self.low: Decimal | None = None
        self.low_in = False
        self.high: Decimal | None = None
        self.high_in = False

    def above(self, bound: Decimal, inclusive: bool) -> None:
        if self.low is None or bound > self.low or (bound == self.low and not inclusive):
            self.low, self.low_in = bound, inclusive

    def below(self, bound: Decimal, inclusive: bool) -> None:
        if self.high is None or bound < self.high or (bound == self.high and not inclusive):
            self.high, self.high_in = bound, inclusive

    def contains(self, value: Decimal) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_in)):
            return False
        return not (
            self.high is not None and (value > self.high or (value == self.high and not self.high_in))
        )

    def empty(self) -> bool:
        if self.low is None or self.high is None:
            return False
        return self.low > self.high or (self.low == self.high and not (self.low_in and self.high_in))

    def points(self, count: int) -> list[Decimal]:
        """Up to `count` distinct points inside, simple ones first (integers, then halvings)."""
        low, high = self.low, self.high
        out: list[Decimal] = []

        def add(value: Decimal) -> None:
            if self.contains(value) and value not in out:
                out.append(value)

        if low is not None and self.low_in:
            add(low)
        if high is not None and self.high_in:
            add(high)
        if low is None and high is None:
            for n in range(count):
                add(Decimal((n + 1) // 2 * (1 if n % 2 else -1)))
        elif high is None:
            start = low.to_integral_value(rounding=ROUND_FLOOR) + 1
            for n in range(count):
                add(start + n)
        elif low is None:
            start = high.to_integral_value(rounding=ROUND_CEILING) - 1
            for n in range(count):
                add(start - n)
        elif low < high:
            integer = low.to_integral_value(rounding=ROUND_FLOOR) + 1
            while integer < high and len(out) < count:
                add(integer)
                integer += 1
            mid = high
            for _ in range(count):  # halvings towards `low`: all distinct, all strictly inside
                if len(out) >= count:  # enough already: each halving is a division at 8,100 digits
                    break
                mid = (low + mid) / 2
                add(mid)
        return out[:count]


def _ordered(family: str, needs: list[Need], count: int) -> tuple[str, list[str]]:
    interval = _Interval()
    if family == DATE:
        interval.above(DATE_MIN, True)
        interval.below(DATE_END, False)
    members: dict[Decimal, str] | None = None
    excluded: set[Decimal] = set()
    for kind, _, condition in needs:
        if kind not in (MATCH, NOT):
            continue
        points, relation = condition.points, condition.operator.relation
        if not points:
            if kind == MATCH:
                return UNSAT, []
            continue
        low, high = min(points), max(points)
        if kind == MATCH:
            if relation == EQUALS:
                members = (
                    dict(points) if members is None else {p: t for p, t in members.items() if p in points}
                )
            elif relation in (LT, LE):
                interval.below(high, relation == LE)
            else:
                interval.above(low, relation == GE)
        elif relation == EQUALS:
            excluded.update(points)
        elif relation in (LT, LE):  # not (v < max) means v >= max
            interval.above(high, relation == LT)
        else:  # not (v > min) means v <= min
            interval.below(low, relation == GT)
    if members is not None:
        kept = sorted(p for p in members if interval.contains(p) and p not in excluded)
        return (SAT, [members[p] for p in kept[:count]]) if kept else (UNSAT, [])
    if interval.empty():
        return UNSAT, []
    bounds = [b for b in (interval.low, interval.high) if b is not None and b]
    if any(abs(b.adjusted()) > _MAX_EXPONENT for b in bounds):
        return UNKNOWN, []
    with localcontext(Context(prec=2 * _MAX_EXPONENT + 100)):
        picked = [p for p in interval.points(count + len(excluded)) if p not in excluded]
    if not picked:  # a single excluded point, or (impossible) too few candidates
        degenerate = interval.low == interval.high
        return (UNSAT if degenerate else UNKNOWN), []
    render = format_date if family == DATE else (lambda d: format(d.normalize(), "f"))
    return SAT, [render(p) for p in picked[:count]]


# ---- IP addresses: unions of integer ranges per version ----


def _intersect(ranges: list[tuple[int, int, int]], other: tuple[tuple[int, int, int], ...]):
    out = []
    for version, lo, hi in ranges:
        for v, olo, ohi in other:
            if v == version and max(lo, olo) <= min(hi, ohi):
                out.append((version, max(lo, olo), min(hi, ohi)))
    return _merge(out)


def _subtract(ranges: list[tuple[int, int, int]], other: tuple[tuple[int, int, int], ...]):
    for v, olo, ohi in other:
        out = []
        for version, lo, hi in ranges:
            if version != v or ohi < lo or olo > hi:
                out.append((version, lo, hi))
                continue
            if lo < olo:
                out.append((version, lo, olo - 1))
            if ohi < hi:
                out.append((version, ohi + 1, hi))
        ranges = out
    return ranges


def _merge(ranges: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    for version, lo, hi in sorted(ranges):
        if out and out[-1][0] == version and lo <= out[-1][2] + 1:
            out[-1] = (version, out[-1][1], max(out[-1][2], hi))
        else:
            out.append((version, lo, hi))
    return out


def _ip(needs: list[Need], count: int) -> tuple[str, list[str]]:
    ranges = [(4, 0, 2**32 - 1), (6, 0, 2**128 - 1)]
    for kind, _, condition in needs:
        if kind == MATCH:
            ranges = _intersect(ranges, condition.ranges)
        elif kind == NOT:
            ranges = _subtract(ranges, condition.ranges)
    if not ranges:
        return UNSAT, []
    picked: list[str] = []
    for version, lo, hi in ranges:
        first = lo + 1 if hi - lo >= 2 else lo  # skip a network's own address when there is room
        for number in range(first, min(hi, first + count - 1) + 1):
            picked.append(format_ip(version, number))
    return SAT, picked[:count]


def _bool(needs: list[Need]) -> tuple[str, list[str]]:
    domain = {True, False}
    for kind, _, condition in needs:
        if kind == MATCH:
            domain &= condition.bools
        elif kind == NOT:
            domain -= condition.bools
    return (SAT, ["true" if b else "false" for b in sorted(domain, reverse=True)]) if domain else (UNSAT, [])


# ---- strings: the pattern automaton ----


def _string_tokens(condition: CompiledCondition) -> list[automaton.Tokens]:
    relation = condition.operator.relation
    if relation == LIKE:
        return [automaton.glob_tokens(v) for v in condition.condition.values]
    return [automaton.literal_tokens(v, folded=relation == EQUALS_FOLDED) for v in condition.condition.values]


def _strings(needs: list[Need], budget: Budget) -> tuple[str, list[str], bool]:
    """Strings meeting the string needs: (status, candidates, first holds a fresh character)."""
    patterns: list[automaton.Tokens] = []
    groups: list[tuple[bool, range]] = []
    for kind, family, condition in needs:
        if family != STRING or kind not in (MATCH, NOT):
            continue
        tokens = _string_tokens(condition)
        groups.append((kind == MATCH, range(len(patterns), len(patterns) + len(tokens))))
        patterns.extend(tokens)
    if any(positive and not members for positive, members in groups):
        return UNSAT, [], False

    def classify(accepts: tuple[bool, ...]) -> Hashable | None:
        for positive, members in groups:
            if any(accepts[i] for i in members) != positive:
                return None
        return True

    def dead(state: tuple[int, ...]) -> bool:
        return any(positive and not any(state[i] for i in members) for positive, members in groups)

    result = automaton.search(patterns, classify, dead, limit=NO_STATE_LIMIT, track_fresh=True, budget=budget)
    with_fresh = result.found.get((True, True))
    found = [s for s in (with_fresh, result.found.get((True, False))) if s is not None]
    if not found:
        return (UNSAT if result.complete else UNKNOWN), [], False
    return SAT, found, with_fresh is not None


def solve_value(needs: list[Need], budget: Budget) -> tuple[str, str | None]:
    """One string meeting every need, exactly where possible: (status, value)."""
    budget.spend(len(needs))
    typed = {family for kind, family, _ in needs if kind in (MATCH, PARSE) and family != STRING}
    not_typed = {family for kind, family, _ in needs if kind == NOT_PARSE}
    if STRING in not_typed or len(typed) > 1 or typed & not_typed:
        return UNSAT, None  # every string is a string; no string parses as two types
    has_string_needs = any(family == STRING and kind in (MATCH, NOT) for kind, family, _ in needs)
    if typed:
        (family,) = typed
        own = [n for n in needs if n[1] == family]
        if family == IP:
            status, candidates = _ip(own, _CANDIDATES)
        elif family == BOOL:
            status, candidates = _bool(own)
        else:
            status, candidates = _ordered(family, own, _CANDIDATES)
        if status != SAT:
            return status, None
        for value in candidates:
            if all(_passes(n, value) for n in needs):
                return SAT, value
        # Only a string need can reject a typed candidate; the typed space may hold more.
        return (UNKNOWN if has_string_needs else UNSAT), None
    status, candidates, fresh_first = _strings(needs, budget)
    if status != SAT:
        return status, None
    for value in candidates:
        if all(_passes(n, value) for n in needs):
            return SAT, value
    # A string with a character no pattern names parses as no type, so it would have passed.
    return (UNKNOWN if not fresh_first else UNSAT), None


def _literal_order(literal: Literal) -> tuple:
    """Sets iterate in hash order, which varies per process; witnesses must not."""
    condition, want = literal
    c = condition.condition
    return (c.operator, c.key, c.values, c.path, want)


def solve_key(
    literals: frozenset[Literal], single_valued: bool, budget: Budget, family: str | None = None
) -> KeyAnswer:
    """Values for one key under which every condition takes its wanted truth value.

    With `single_valued`, the key may carry one value at most (as RAM's single-valued keys do);
    with `family`, every value must parse as that type (acs:SourceIp is always an address).
    The work is linear in the conditions, not in subsets of them: a negated condition wanted
    false is met either by a value that relates or by no value of its type at all, and the
    second choice is made per value family (five of them), never per condition.
    """
    if any(condition.operator is None and want for condition, want in literals):
        return KeyAnswer(UNSAT)  # an unknown operator is never true
    known = sorted(((c, w) for c, w in literals if c.operator is not None), key=_literal_order)
    if all(condition.holds(None) == want for condition, want in known):
        return KeyAnswer(SAT, None)  # leaving the key out gives every condition its wanted value
    one: list[Need] = []  # each needs a value of its own
    every: list[Need] = [(PARSE, family, None)] if family else []  # every value must pass these
    either: dict[str, list[CompiledCondition]] = {}  # negated conditions wanted false, by family
    for condition, want in known:
        family = condition.operator.family
        if condition.qualifier is not None:
            # Per value: Op holds (MATCH) or not (NOT); a negated Op is its twin's complement.
            holds, fails = (NOT, MATCH) if condition.operator.negated else (MATCH, NOT)
            some = (condition.qualifier == FOR_ANY_VALUE) == want  # "some value" or "every value"
            (one if some else every).append((holds if want else fails, family, condition))
        elif not condition.operator.negated:
            (one if want else every).append((MATCH if want else NOT, family, condition))
        elif want:
            one.append((PARSE, family, condition))
            every.append((NOT, family, condition))
        else:
            either.setdefault(family, []).append(condition)
    status, value = _one_value(one, every, either, budget)
    if status == SAT or single_valued:
        return KeyAnswer(SAT, (value,)) if status == SAT else KeyAnswer(status)
    return _several_values(one, every, either, budget)


def _one_value(
    one: list[Need], every: list[Need], either: dict[str, list[CompiledCondition]], budget: Budget
) -> tuple[str, str | None]:
    """One value for everything. A value parses as at most one family T (or none): a negated
    condition of another family is then false by itself, one of family T (or a string one)
    needs the value to relate. So there are at most five cases to try, one per choice of T."""
    typed = sorted(f for f in either if f != STRING)
    matches = [(MATCH, STRING, c) for c in either.get(STRING, ())]
    undecided = False
    options: list[list[Need]] = [[(NOT_PARSE, f, None) for f in typed]]
    for family in typed:
        options.append([(PARSE, family, None), *((MATCH, family, c) for c in either[family])])
    for extra in options:
        status, value = solve_value(one + every + matches + extra, budget)
        if status == SAT:
            return SAT, value
        undecided = undecided or status == UNKNOWN
    return (UNKNOWN if undecided else UNSAT), None


def _several_values(
    one: list[Need], every: list[Need], either: dict[str, list[CompiledCondition]], budget: Budget
) -> KeyAnswer:
    """A list of values: one per need for "some value", all passing the "every value" needs.

    A negated condition wanted false gets a relating value of its own where one passes the
    "every value" needs; when one of a family cannot, the only way left is that no value is of
    that family, which holds for the whole family at once (and is impossible for strings).
    """
    undecided = False
    banned: list[Need] = []
    for family, conditions in sorted(either.items()):
        for condition in conditions:
            status, _ = solve_value([(MATCH, family, condition), *every], budget)
            undecided = undecided or status == UNKNOWN
            if status != SAT:
                if family == STRING:
                    return KeyAnswer(UNKNOWN if undecided else UNSAT)
                banned.append((NOT_PARSE, family, None))
                break
    everys = every + banned
    gone = {family for _, family, _ in banned}
    wanted = one + [(MATCH, f, c) for f, cs in sorted(either.items()) if f not in gone for c in cs]
    values: list[str] = []
    for need in wanted:
        status, value = solve_value([need, *everys], budget)
        if status != SAT:
            return KeyAnswer(UNKNOWN if undecided or status == UNKNOWN else UNSAT)
        if value not in values:
            values.append(value)
    return KeyAnswer(SAT, tuple(values))
