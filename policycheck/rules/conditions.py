"""Conditions: UNKNOWN_CONDITION_OPERATOR, INVALID_CONDITION_VALUE, INVALID_CONDITION_KEY.

Operators and value grammars come from the evaluator (policycheck.evaluate.operators and
.values), so lint calls a value invalid exactly when evaluation could never match it. They are
imported when a policy first has a condition: the value parsers bring decimal and ipaddress,
which linting a policy without conditions never needs (a tenth of `lint`'s start-up).
"""

from __future__ import annotations

import re
from functools import lru_cache

from policycheck import catalog, patterns
from policycheck.model import Condition, JsonPath, Statement
from policycheck.rules import ALL_KINDS, Rule, RuleContext

# Compiled on first use (re keeps them): only cached or rarely run functions need them.
_KEY = r"[A-Za-z0-9_-]+:[^\s:][^\s]*"


@lru_cache(maxsize=1024)
def _operator_hint(name: str) -> str:
    """What to say after "is not one of RAM's operators": a pure function of the name, so kept
    (the same misspelling recurs across a corpus, and "did you mean" is the costly part)."""
    from policycheck.evaluate.operators import OPERATORS, operator_named, split_qualifier
    from policycheck.suggest import close_matches

    if name.endswith("IfExists") and operator_named(name.removesuffix("IfExists")) is not None:
        return f'; RAM documents no IfExists forms: use "{name.removesuffix("IfExists")}"'
    base = split_qualifier(name)[1]
    if base == "Null" or base.startswith(("Arn", "Binary")):
        return "; it is an AWS operator that RAM does not document"
    folded = {op.lower(): op for op in OPERATORS}
    if base.lower() in folded:
        return f'; operators are case-sensitive: write "{folded[base.lower()]}"'
    close = close_matches(base, list(OPERATORS), n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


Problem = tuple[int | None, str, str, str | None]
"""(index of the value, or None for the condition as a whole; code; message; severity or None)."""


@lru_cache(maxsize=8192)
def _condition_problems(operator: str, key: str, values: tuple[str, ...]) -> tuple[Problem, ...] | None:
    """What is wrong with one operator/key/values triple, in report order; None when RAM has no
    such operator (UNKNOWN_CONDITION_OPERATOR, reported once per statement).

    A pure function of its arguments (and the packaged key catalog), so answers are kept:
    the same conditions recur across a corpus of policies.
    """
    from policycheck.evaluate.operators import operator_named

    known = operator_named(operator)
    if known is None:
        return None
    family = known.family
    return (
        *_value_problems(operator, values, family),
        *_key_problems(operator, key, family),
        *_qualifier_problems(operator, key),
    )


def _qualifier_problems(operator: str, key: str) -> list[Problem]:
    """ForAllValues: on a key RAM documents as single-valued: it holds when the key is missing
    (vacuous truth), which is rarely what the author meant, and reads one value as a set."""
    from policycheck.evaluate.keys import single_valued
    from policycheck.evaluate.operators import FOR_ALL_VALUES, split_qualifier

    qualifier, base = split_qualifier(operator)
    if qualifier != FOR_ALL_VALUES or not single_valued(key):
        return []
    message = (
        f"{key} carries one value per request (RAM documents it as single-valued), so "
        f'{FOR_ALL_VALUES} adds nothing but also holds when the key is missing: use "{base}"'
    )
    return [(None, "INVALID_CONDITION_KEY", message, "warning")]


def _value_problems(operator: str, values: tuple[str, ...], family: str) -> list[Problem]:
    from policycheck.evaluate.operators import BOOL, DATE, IP, NUMERIC, STRING
    from policycheck.evaluate.values import parse_bool, parse_date, parse_network, parse_number

    parse = {NUMERIC: parse_number, DATE: parse_date, IP: parse_network, BOOL: parse_bool}.get(family)
    forms = {
        NUMERIC: "a number such as 10 or 2.5",
        DATE: "an ISO 8601 date and time such as 2026-01-31T00:00:00Z",
        IP: "an IPv4 or IPv6 address or CIDR block such as 10.0.0.0/8",
        BOOL: '"true" or "false"',
    }
    problems: list[Problem] = []
    for index, value in enumerate(values):
        if parse is not None and parse(value) is None:
            problems.append(
                (
                    index,
                    "INVALID_CONDITION_VALUE",
                    f'{operator} needs {forms[family]}, not "{value}": this value never matches',
                    None,
                )
            )
        elif family == STRING and "Like" not in operator and ("*" in value or "?" in value):
            problems.append(
                (
                    index,
                    "INVALID_CONDITION_VALUE",
                    f'"{value}" has a wildcard, but {operator} compares literally; '
                    "use StringLike (or StringNotLike) for patterns",
                    "warning",
                )
            )
    if family == BOOL and len(values) > 1:
        problems.append(
            (None, "INVALID_CONDITION_VALUE", "Bool takes exactly one value, true or false", None)
        )
    return problems


def _key_problems(operator: str, key: str, family: str) -> list[Problem]:
    from policycheck.evaluate.operators import BOOL, DATE, IP, NUMERIC, STRING
    from policycheck.suggest import close_matches

    if not re.fullmatch(_KEY, key):
        message = f'"{key}" is not a condition key: write acs:<key> for a global key or <ram-code>:<key>'
        return [(None, "INVALID_CONDITION_KEY", message, None)]
    if patterns.fold(key.split(":", 1)[0]) != "acs":
        return []
    info = catalog.global_condition_key(key)
    if info is None:
        names = catalog.global_condition_key_names()
        close = close_matches(key.lower(), [n.lower() for n in names], n=2, cutoff=0.6)
        spelled = [next(n for n in names if n.lower() == c) for c in close]
        hint = f"; did you mean {' or '.join(spelled)}?" if spelled else ""
        return [(None, "INVALID_CONDITION_KEY", f"{key} is not a global condition key of RAM{hint}", None)]
    expected = {"String": STRING, "Numeric": NUMERIC, "Date": DATE, "Bool": BOOL, "IP": IP}[info.type]
    if expected == family:
        return []
    message = (
        f"{info.name} holds {info.type} values; {operator} compares them as "
        f"{family} values: use {_operator_names(expected)}"
    )
    return [(None, "INVALID_CONDITION_KEY", message, "warning")]


def _operator_names(family: str) -> str:
    """How a message names the operators of a value family."""
    from policycheck.evaluate.operators import BOOL, DATE, IP, NUMERIC, STRING

    return {
        STRING: "String*",
        NUMERIC: "Numeric*",
        DATE: "Date*",
        BOOL: "Bool",
        IP: "IpAddress or NotIpAddress",
    }[family]


def check_conditions(context: RuleContext) -> None:
    for statement in context.policy.statements:
        if not statement.conditions:
            continue
        reported: set[str] = set()
        for condition in statement.conditions:
            problems = _condition_problems(condition.operator, condition.key, condition.values)
            if problems is None:
                if condition.operator not in reported:
                    reported.add(condition.operator)
                    context.report(
                        "UNKNOWN_CONDITION_OPERATOR",
                        (*statement.path, "Condition", condition.operator),
                        f'"{condition.operator}" is not one of RAM\'s 21 condition operators'
                        f"{_operator_hint(condition.operator)}",
                    )
                continue
            for index, code, message, severity in problems:
                if code == "INVALID_CONDITION_KEY" and _team_key(context, condition.key):
                    continue
                context.report(code, _value_path(context, statement, condition, index), message, severity)


def _team_key(context: RuleContext, key: str) -> bool:
    """Whether policycheck.yaml's catalog.condition_keys adds this key."""
    extension = context.options.catalog
    return extension is not None and patterns.fold(key) in extension.condition_keys


def _value_path(
    context: RuleContext, statement: Statement, condition: Condition, index: int | None
) -> JsonPath:
    """The condition's path, or its index-th value's when the document wrote a list."""
    if index is None:
        return condition.path
    raw = context.document.value["Statement"][statement.index]["Condition"][condition.operator][condition.key]
    return condition.path if isinstance(raw, str) else (*condition.path, index)


RULES = (
    Rule(
        ("UNKNOWN_CONDITION_OPERATOR", "INVALID_CONDITION_VALUE", "INVALID_CONDITION_KEY"),
        ALL_KINDS,
        check_conditions,
    ),
)
