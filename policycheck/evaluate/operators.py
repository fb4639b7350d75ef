"""The 21 RAM condition operators, and one Condition compiled into a fast test.

Semantics (RAM documents the positive cases only; the rest is decided here, see docs/evaluation.md):

- A condition holds when ANY request value relates to ANY policy value (OR over both lists).
- A negated operator (StringNotEquals, StringNotEqualsIgnoreCase, StringNotLike, NumericNotEquals,
  DateNotEquals, NotIpAddress) holds when the key is present and NO request value relates to ANY
  policy value: it is the exact negation of its positive twin on a present key.
- A key missing from the request makes EVERY operator false, positive and negated alike: a Deny
  that tests a missing key does not fire and an Allow that tests one does not grant.
- Request values that do not parse as the operator's type (a word for NumericLessThan) are left
  out; when none is left, the key counts as missing for that operator (false, both polarities).
  Policy values that do not parse can never relate to anything (lint reports them).
- A set qualifier before one of the 21 reads the request values one at a time (RAM grammar:
  Alibaba's own System policies write `ForAnyValue:StringEquals`, docs/evaluation.md §2):
  `ForAnyValue:Op` holds when SOME value, alone, satisfies Op (false when the key is missing);
  `ForAllValues:Op` holds when EVERY value, alone, satisfies Op, and so also when the key is
  missing (vacuous truth: a `ForAllValues:` Deny fires on a request without the key). A negated
  Op under a qualifier is, per value, the complement of its positive twin (a value that does not
  parse as the type is "not equal").
- An operator outside the 21 (including `...IfExists`, `Null`, a qualifier on anything else, and
  any other spelling: operators are case-sensitive) is false.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from operator import ge, gt, le, lt
from typing import NamedTuple

from policycheck.evaluate.glob import compile_globs
from policycheck.evaluate.values import (
    IpRange,
    parse_bool,
    parse_date,
    parse_ip,
    parse_network,
    parse_number,
)
from policycheck.model import Condition
from policycheck.patterns import fold

STRING, NUMERIC, DATE, BOOL, IP = "string", "numeric", "date", "bool", "ip"
FAMILIES = (STRING, NUMERIC, DATE, BOOL, IP)

EQUALS, EQUALS_FOLDED, LIKE, LT, LE, GT, GE, IN = "eq", "eq_folded", "like", "lt", "le", "gt", "ge", "in"

FOR_ANY_VALUE, FOR_ALL_VALUES = "ForAnyValue:", "ForAllValues:"
QUALIFIERS = (FOR_ANY_VALUE, FOR_ALL_VALUES)


class Operator(NamedTuple):
    """A condition operator: its value family, the relation it tests, and whether it negates it."""

    name: str
    family: str
    relation: str
    negated: bool = False


OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator("StringEquals", STRING, EQUALS),
        Operator("StringNotEquals", STRING, EQUALS, True),
        Operator("StringEqualsIgnoreCase", STRING, EQUALS_FOLDED),
        Operator("StringNotEqualsIgnoreCase", STRING, EQUALS_FOLDED, True),
        Operator("StringLike", STRING, LIKE),
        Operator("StringNotLike", STRING, LIKE, True),
        Operator("NumericEquals", NUMERIC, EQUALS),
        Operator("NumericNotEquals", NUMERIC, EQUALS, True),
        Operator("NumericLessThan", NUMERIC, LT),
        Operator("NumericLessThanEquals", NUMERIC, LE),
        Operator("NumericGreaterThan", NUMERIC, GT),
        Operator("NumericGreaterThanEquals", NUMERIC, GE),
        Operator("DateEquals", DATE, EQUALS),
        Operator("DateNotEquals", DATE, EQUALS, True),
        Operator("DateLessThan", DATE, LT),
        Operator("DateLessThanEquals", DATE, LE),
        Operator("DateGreaterThan", DATE, GT),
        Operator("DateGreaterThanEquals", DATE, GE),
        Operator("Bool", BOOL, EQUALS),
        Operator("IpAddress", IP, IN),
        Operator("NotIpAddress", IP, IN, True),
    )
}


def split_qualifier(name: str) -> tuple[str | None, str]:
    """(set qualifier or None, the operator after it), as written: qualifiers are case-sensitive.

    >>> split_qualifier("ForAllValues:StringEquals"), split_qualifier("StringEquals")
    (('ForAllValues:', 'StringEquals'), (None, 'StringEquals'))
    """
    for qualifier in QUALIFIERS:
        if name.startswith(qualifier):
            return qualifier, name[len(qualifier) :]
    return None, name


def operator_named(name: str) -> Operator | None:
    """The operator a Condition names, with or without a set qualifier; None when RAM has none.

    >>> operator_named("ForAnyValue:StringLike").name, operator_named("ForAnyValue:Null")
    ('StringLike', None)
    """
    return OPERATORS.get(split_qualifier(name)[1])


# Request values repeat (the same caller IP, the same clock second): parse each once.
_REQUEST_PARSERS: dict[str, Callable[[str], object]] = {
    NUMERIC: lru_cache(maxsize=4096)(parse_number),
    DATE: lru_cache(maxsize=4096)(parse_date),
    IP: lru_cache(maxsize=4096)(parse_ip),
    BOOL: parse_bool,
}

Test = Callable[[tuple[str, ...]], bool]


def _never(_: tuple[str, ...]) -> bool:
    return False


class CompiledCondition:
    """One Condition (operator, key, values) ready to test request values.

    `key` is folded to lower case: condition keys match case-insensitively. The parsed policy
    values are kept for the "could it ever" solver: `points` (numbers and dates, parsed value ->
    text as written), `ranges` (IP) and `bools`. Equal (and hashed alike) when condition, key,
    operator and qualifier are: the solver keeps answers by them. Read-only by convention; a
    plain class, not a frozen dataclass, whose definition (0.35 ms) lint paid at every start.
    """

    __slots__ = ("condition", "key", "operator", "test", "points", "ranges", "bools", "qualifier")

    def __init__(
        self,
        condition: Condition,
        key: str,
        operator: Operator | None,
        test: Test,
        points: dict[Decimal, str] | None = None,
        ranges: tuple[IpRange, ...] = (),
        bools: frozenset[bool] = frozenset(),
        qualifier: str | None = None,
    ) -> None:
        self.condition = condition
        self.key = key
        self.operator = operator
        self.test = test
        self.points = {} if points is None else points
        self.ranges = ranges
        self.bools = bools
        self.qualifier = qualifier

    def _identity(self) -> tuple:
        return (self.condition, self.key, self.operator, self.qualifier)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not CompiledCondition:
            return NotImplemented
        return self._identity() == other._identity()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return (
            f"CompiledCondition(condition={self.condition!r}, key={self.key!r}, "
            f"operator={self.operator!r}, qualifier={self.qualifier!r})"
        )

    @property
    def vacuous(self) -> bool:
        """Whether the condition holds on a request without the key (ForAllValues: only)."""
        return self.qualifier == FOR_ALL_VALUES and self.operator is not None

    def holds(self, values: tuple[str, ...] | None) -> bool:
        """The result for a request that carries these values for the key (None: missing)."""
        return self.test(values) if values else self.vacuous

    def relates(self, value: str) -> bool | None:
        """Whether one request value relates to some policy value; None when it does not parse.

        The positive operator holds iff some value relates; the negated one iff some value
        parses and none relates.
        """
        op = self.operator
        if op is None:
            return None
        if op.family == STRING:
            if op.relation == EQUALS:
                return value in self.condition.values
            if op.relation == EQUALS_FOLDED:
                return fold(value) in {fold(v) for v in self.condition.values}
            return bool(compile_globs(self.condition.values)(value))
        parsed = _REQUEST_PARSERS[op.family](value)
        if parsed is None:
            return None
        if op.family == IP:
            version, number = parsed
            return any(v == version and lo <= number <= hi for v, lo, hi in self.ranges)
        if op.family == BOOL:
            return parsed in self.bools
        return _relate_ordered(op.relation, parsed, self.points)


def _relate_ordered(relation: str, value: Decimal, points: dict[Decimal, str]) -> bool:
    if not points:
        return False
    if relation == EQUALS:
        return value in points
    if relation == LT:
        return value < max(points)
    if relation == LE:
        return value <= max(points)
    if relation == GT:
        return value > min(points)
    return value >= min(points)


def _negate(positive: Test, parse: Callable[[str], object] | None) -> Test:
    if parse is None:  # every string is a string: the key is present, so negate directly

        def negated(values: tuple[str, ...]) -> bool:
            return not positive(values)

        return negated

    def negated_typed(values: tuple[str, ...]) -> bool:
        return any(parse(v) is not None for v in values) and not positive(values)

    return negated_typed


def _string_test(relation: str, policy_values: tuple[str, ...]) -> Test:
    if relation == EQUALS:
        names = frozenset(policy_values)
        return lambda values: not names.isdisjoint(values)
    if relation == EQUALS_FOLDED:
        folded = frozenset(map(fold, policy_values))
        return lambda values: not folded.isdisjoint(map(fold, values))
    match = compile_globs(policy_values)
    return lambda values: any(map(match, values))


_COMPARE = {LT: lt, LE: le, GT: gt, GE: ge}


def _ordered_test(relation: str, parse: Callable[[str], object], points: dict[Decimal, str]) -> Test:
    if not points:
        return _never
    if relation == EQUALS:
        return lambda values: not points.keys().isdisjoint(map(parse, values))
    compare = _COMPARE[relation]
    bound = max(points) if relation in (LT, LE) else min(points)  # the policy value easiest to satisfy

    def test(values: tuple[str, ...]) -> bool:
        for value in values:  # a loop, not a generator: this runs for every request
            parsed = parse(value)
            if parsed is not None and compare(parsed, bound):
                return True
        return False

    return test


def _ip_test(ranges: tuple[IpRange, ...]) -> Test:
    parse = _REQUEST_PARSERS[IP]

    def test(values: tuple[str, ...]) -> bool:
        for value in values:
            parsed = parse(value)
            if parsed is not None:
                version, number = parsed
                for v, lo, hi in ranges:
                    if v == version and lo <= number <= hi:
                        return True
        return False

    return test


def _qualified(qualifier: str, positive: Test, negated: bool) -> Test:
    """Op read one value at a time: some value (ForAnyValue:) or every value (ForAllValues:)."""
    if qualifier == FOR_ANY_VALUE:
        if negated:
            return lambda values: not all(positive((v,)) for v in values)
        return lambda values: any(positive((v,)) for v in values)
    if negated:
        return lambda values: not any(positive((v,)) for v in values)
    return lambda values: all(positive((v,)) for v in values)


def compile_condition(condition: Condition) -> CompiledCondition:
    """Parse a condition's policy values once and build its test."""
    key = fold(condition.key)
    return CompiledCondition(condition, key, *_compiled(condition.operator, key, condition.values))


@lru_cache(maxsize=4096)
def _compiled(
    operator: str, key: str, policy_values: tuple[str, ...]
) -> tuple[Operator | None, Test, dict[Decimal, str], tuple[IpRange, ...], frozenset[bool], str | None]:
    """(operator, test, points, ranges, bools, qualifier) of a condition's text, kept and shared.

    lint builds an Evaluator per policy and policies repeat their conditions; an IP range or a
    StringLike pattern takes about 60 us to compile (603 compiles of 157 distinct conditions in
    the 3,000-file corpus). The folded key is part of the text kept by: a shared test is run
    once per request (Compilation), which only conditions on one key may.
    """
    qualifier, name = split_qualifier(operator)
    op = OPERATORS.get(name)
    if op is None:
        return None, _never, {}, (), frozenset(), qualifier
    parse = _REQUEST_PARSERS.get(op.family)
    points: dict[Decimal, str] = {}
    ranges: tuple[IpRange, ...] = ()
    bools: frozenset[bool] = frozenset()
    if op.family == STRING:
        test = _string_test(op.relation, policy_values)
    elif op.family in (NUMERIC, DATE):
        parse_policy = parse_number if op.family == NUMERIC else parse_date
        for text in policy_values:
            value = parse_policy(text)
            if value is not None:
                points.setdefault(value, text)
        test = _ordered_test(op.relation, parse, points)
    elif op.family == IP:
        ranges = tuple(sorted({r for r in map(parse_network, policy_values) if r is not None}))
        test = _ip_test(ranges) if ranges else _never
    else:
        bools = frozenset(b for b in map(parse_bool, policy_values) if b is not None)
        test = (lambda values: not bools.isdisjoint(map(parse_bool, values))) if bools else _never
    if qualifier is not None:
        test = _qualified(qualifier, test, op.negated)
    elif op.negated:
        test = _negate(test, parse)
    return op, test, points, ranges, bools, qualifier
