"""Each operator family, combination rules, negated operators and missing keys."""

import pytest
from evaluate_support import decide, policy, statement


def allowed(operator: str, key: str, policy_values, context) -> bool:
    """Does an Allow with one condition grant, for a context (None: the key is missing)?"""
    p = policy(statement(condition={operator: {key: policy_values}}))
    return decide(p, "ecs:DescribeInstances", context=context).allowed


CASES = [
    # String: case-sensitive, no wildcards except *Like
    ("StringEquals", ["dev"], "dev", True),
    ("StringEquals", ["dev"], "Dev", False),
    ("StringEquals", ["de*"], "dev", False),
    ("StringEquals", ["de*"], "de*", True),
    ("StringNotEquals", ["dev"], "prod", True),
    ("StringNotEquals", ["dev"], "dev", False),
    ("StringEqualsIgnoreCase", ["dev"], "DeV", True),
    ("StringEqualsIgnoreCase", ["dev"], "prod", False),
    ("StringNotEqualsIgnoreCase", ["dev"], "DEV", False),
    ("StringNotEqualsIgnoreCase", ["dev"], "prod", True),
    ("StringLike", ["team-*"], "team-a", True),
    ("StringLike", ["team-?"], "team-ab", False),
    ("StringLike", ["Team-*"], "team-a", False),
    ("StringNotLike", ["team-*"], "ops", True),
    ("StringNotLike", ["team-*"], "team-a", False),
    # Numeric: decimals compared exactly
    ("NumericEquals", ["10"], "10.0", True),
    ("NumericEquals", ["10"], "11", False),
    ("NumericNotEquals", ["10"], "11", True),
    ("NumericNotEquals", ["10"], "1e1", False),
    ("NumericLessThan", ["10"], "9.999", True),
    ("NumericLessThan", ["10"], "10", False),
    ("NumericLessThanEquals", ["10"], "10", True),
    ("NumericGreaterThan", ["10"], "10", False),
    ("NumericGreaterThan", ["-1.5"], "-1", True),
    ("NumericGreaterThanEquals", ["10"], "10", True),
    ("NumericLessThan", ["10"], "ten", False),  # not a number: as if missing
    # Date: ISO 8601 instants, zones honoured
    ("DateLessThan", ["2025-01-01T00:00:00Z"], "2024-12-31T23:59:59Z", True),
    ("DateLessThan", ["2025-01-01T00:00:00Z"], "2025-01-01T07:00:00+08:00", True),
    ("DateLessThan", ["2025-01-01T00:00:00Z"], "2025-01-01T08:00:00+08:00", False),
    ("DateLessThanEquals", ["2025-01-01T00:00:00Z"], "2025-01-01T08:00:00+08:00", True),
    ("DateGreaterThan", ["2025-01-01T00:00:00Z"], "2025-01-01T00:00:00.001Z", True),
    ("DateGreaterThanEquals", ["2025-01-01"], "2025-01-01T00:00:00Z", True),
    ("DateEquals", ["2025-01-01T00:00:00Z"], "2025-01-01T01:00:00+01:00", True),
    ("DateNotEquals", ["2025-01-01T00:00:00Z"], "2025-01-01T01:00:00+01:00", False),
    ("DateNotEquals", ["2025-01-01T00:00:00Z"], "2025-01-02T00:00:00Z", True),
    ("DateLessThan", ["2025-01-01T00:00:00Z"], "yesterday", False),
    # Bool
    ("Bool", ["true"], "true", True),
    ("Bool", ["true"], "TRUE", True),
    ("Bool", ["True"], "false", False),
    ("Bool", ["true"], "yes", False),
    # IP: CIDR or single address, IPv4 and IPv6
    ("IpAddress", ["10.0.0.0/8"], "10.20.30.40", True),
    ("IpAddress", ["10.0.0.0/8"], "11.0.0.1", False),
    ("IpAddress", ["192.168.0.1"], "192.168.0.1", True),
    ("IpAddress", ["192.168.0.1"], "192.168.0.2", False),
    ("IpAddress", ["2001:db8::/32"], "2001:db8::1", True),
    ("IpAddress", ["2001:db8::/32"], "2001:db9::1", False),
    ("IpAddress", ["10.0.0.0/8"], "::ffff:10.0.0.1", False),  # IPv4-mapped stays IPv6
    ("NotIpAddress", ["10.0.0.0/8"], "11.0.0.1", True),
    ("NotIpAddress", ["10.0.0.0/8"], "10.0.0.1", False),
    ("NotIpAddress", ["10.0.0.0/8"], "not-an-ip", False),  # nothing parses: as if missing
]


@pytest.mark.parametrize(("operator", "policy_values", "value", "expected"), CASES)
def test_operator(operator, policy_values, value, expected):
    assert allowed(operator, "acs:Key", policy_values, {"acs:Key": (value,)}) is expected


@pytest.mark.parametrize("operator", sorted({case[0] for case in CASES}))
def test_missing_key_makes_every_operator_false_in_an_allow(operator):
    value = next(case[1] for case in CASES if case[0] == operator)
    p = policy(statement(condition={operator: {"acs:Key": value}}))
    decision = decide(p, "ecs:DescribeInstances", context={"acs:Other": ("x",)})
    assert decision.decision == "implicit_deny"
    assert decision.missing_context == ("acs:Key",)
    [result] = decision.conditions
    assert (result.held, result.missing, result.values) == (False, True, ())


@pytest.mark.parametrize("operator", ["StringNotEquals", "NotIpAddress", "NumericNotEquals", "StringNotLike"])
def test_missing_key_does_not_fire_a_negated_deny(operator):
    value = {"NotIpAddress": "10.0.0.0/8", "NumericNotEquals": "1"}.get(operator, "x")
    p = policy(
        statement(),
        statement("Deny", condition={operator: {"acs:Key": [value]}}),
    )
    decision = decide(p, "ecs:DescribeInstances")
    assert decision.allowed
    assert decision.missing_context == ("acs:Key",)


def test_several_values_for_one_key_are_or():
    assert allowed("StringEquals", "acs:Key", ["a", "b"], {"acs:Key": ("b",)})


def test_several_request_values_any_may_match():
    assert allowed("StringEquals", "acs:Key", ["b"], {"acs:Key": ("a", "b")})
    assert allowed("IpAddress", "acs:SourceIp", ["10.0.0.0/8"], {"acs:SourceIp": ("junk", "10.0.0.1")})


def test_negated_operator_holds_only_when_no_request_value_matches_any_policy_value():
    assert allowed("StringNotEquals", "acs:Key", ["a", "b"], {"acs:Key": ("c", "d")})
    assert not allowed("StringNotEquals", "acs:Key", ["a", "b"], {"acs:Key": ("c", "b")})
    assert not allowed(
        "NotIpAddress", "acs:SourceIp", ["10.0.0.0/8"], {"acs:SourceIp": ("1.1.1.1", "10.0.0.1")}
    )


def test_several_keys_under_one_operator_are_and():
    condition = {"StringEquals": {"acs:A": "1", "acs:B": "2"}}
    p = policy(statement(condition=condition))
    assert decide(p, "x:Y", context={"acs:A": ("1",), "acs:B": ("2",)}).allowed
    assert not decide(p, "x:Y", context={"acs:A": ("1",), "acs:B": ("3",)}).allowed


def test_several_operators_are_and():
    condition = {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}, "Bool": {"acs:SecureTransport": "true"}}
    p = policy(statement(condition=condition))
    good = {"acs:SourceIp": ("10.0.0.1",), "acs:SecureTransport": ("true",)}
    assert decide(p, "x:Y", context=good).allowed
    assert not decide(p, "x:Y", context={**good, "acs:SecureTransport": ("false",)}).allowed
    partial = decide(p, "x:Y", context={"acs:SourceIp": ("10.0.0.1",)})
    assert partial.missing_context == ("acs:SecureTransport",)
    assert [(r.condition.operator, r.held) for r in partial.conditions] == [
        ("IpAddress", True),
        ("Bool", False),
    ]


def test_condition_keys_match_case_insensitively():
    assert allowed("IpAddress", "acs:SourceIp", ["10.0.0.0/8"], {"ACS:SOURCEIP": ("10.0.0.1",)})
    assert allowed("IpAddress", "acs:SourceIP", ["10.0.0.0/8"], {"acs:SourceIp": ("10.0.0.1",)})


def test_context_keys_differing_only_in_case_pool_their_values():
    context = {"acs:Key": ("a",), "ACS:KEY": ("b",)}
    assert allowed("StringEquals", "acs:Key", ["b"], context)
    assert not allowed("StringNotEquals", "acs:Key", ["b"], context)


def test_unknown_operator_is_false_in_allow_and_deny():
    p = policy(statement(condition={"StringEqualsIfExists": {"acs:Key": "a"}}))
    assert not decide(p, "x:Y", context={"acs:Key": ("a",)}).allowed
    p = policy(statement(), statement("Deny", condition={"stringequals": {"acs:Key": "a"}}))
    assert decide(p, "x:Y", context={"acs:Key": ("a",)}).allowed


def test_unparseable_policy_value_never_matches():
    assert not allowed("NumericEquals", "acs:N", ["ten"], {"acs:N": ("10",)})
    # ...so its negation holds for any number (lint reports the bad value)
    assert allowed("NumericNotEquals", "acs:N", ["ten"], {"acs:N": ("10",)})


def test_condition_results_show_values_seen():
    p = policy(statement(condition={"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}))
    decision = decide(p, "x:Y", context={"acs:SourceIp": ("192.168.1.1",)})
    [result] = decision.conditions
    assert (result.held, result.values, result.layer) == (False, ("192.168.1.1",), "identity")
    assert result.condition.path == ("Statement", 0, "Condition", "IpAddress", "acs:SourceIp")


def test_single_string_context_value_is_accepted():
    assert allowed("StringEquals", "acs:Key", ["a"], {"acs:Key": "a"})


SET_QUALIFIER_CASES = [
    # ForAnyValue: some value alone satisfies the operator; none given: false
    ("ForAnyValue:StringEquals", ["owner"], ("owner", "cost"), True),
    ("ForAnyValue:StringEquals", ["owner"], ("cost",), False),
    ("ForAnyValue:StringEquals", ["owner"], None, False),
    ("ForAnyValue:StringNotEquals", ["owner"], ("owner", "cost"), True),  # "cost" is not owner
    ("ForAnyValue:StringNotEquals", ["owner"], ("owner",), False),
    # ForAllValues: every value alone satisfies it; none given: true (vacuously)
    ("ForAllValues:StringLike", ["owner", "cost-*"], ("owner", "cost-center"), True),
    ("ForAllValues:StringLike", ["owner", "cost-*"], ("owner", "team"), False),
    ("ForAllValues:StringLike", ["owner"], None, True),
    ("ForAllValues:StringNotEquals", ["owner"], ("a", "b"), True),
    ("ForAllValues:StringNotEquals", ["owner"], ("a", "owner"), False),
    ("ForAllValues:NumericLessThan", ["10"], ("1", "9"), True),
    ("ForAllValues:NumericLessThan", ["10"], ("1", "x"), False),  # "x" is not a number below 10
    # a qualifier on anything but the 21 is no operator at all: never true
    ("ForAllValues:Null", ["true"], None, False),
    ("ForAnyValue:StringEqualsIfExists", ["owner"], ("owner",), False),
]


@pytest.mark.parametrize(("operator", "policy_values", "values", "expected"), SET_QUALIFIER_CASES)
def test_set_qualifier_reads_values_one_at_a_time(operator, policy_values, values, expected):
    context = {} if values is None else {"acs:TagKeys": values}
    assert allowed(operator, "acs:TagKeys", policy_values, context) is expected


def test_for_all_values_deny_fires_on_a_request_without_the_key_and_says_it_is_missing():
    p = policy(statement(), statement("Deny", condition={"ForAllValues:StringEquals": {"acs:TagKeys": "a"}}))
    decision = decide(p, "ecs:CreateInstance")
    assert decision.decision == "explicit_deny" and decision.missing_context == ("acs:TagKeys",)
    assert decide(p, "ecs:CreateInstance", context={"acs:TagKeys": ("a", "b")}).allowed
