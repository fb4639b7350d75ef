import pytest

from tests.rules.helpers import codes, findings, statement


def conditioned(condition: dict, action: str = "ice:GetMediaInfo") -> dict:
    return statement(Action=action, Resource="*", Condition=condition)


@pytest.mark.parametrize(
    ("operator", "words"),
    [
        ("IPAddress", 'write "IpAddress"'),
        ("StringEqual", "did you mean StringEquals"),
        ("ForAnyValue:StringEqualsIfExists", 'use "ForAnyValue:StringEquals"'),
        ("StringEqualsIfExists", 'use "StringEquals"'),
        ("ForAllValues:Null", "AWS operator"),
        ("ForAnyValue:StringEqual", "did you mean StringEquals"),
        ("Null", "AWS operator"),
        ("ArnLike", "AWS operator"),
    ],
)
def test_unknown_operator_suggests(operator, words):
    [finding] = findings(conditioned({operator: {"acs:UserAgent": "x"}}))
    assert (finding.code, finding.path, finding.severity) == (
        "UNKNOWN_CONDITION_OPERATOR",
        f"Statement[0].Condition.{operator}",
        "error",
    )
    assert words in finding.message


@pytest.mark.parametrize(
    ("operator", "key", "value", "words"),
    [
        ("IpAddress", "acs:SourceIp", "10.0.0.300", "IPv4 or IPv6 address or CIDR"),
        ("NotIpAddress", "acs:SourceIp", "10.0.0.0/33", "CIDR"),
        ("Bool", "acs:SecureTransport", "yes", '"true" or "false"'),
        ("DateLessThan", "acs:CurrentTime", "next week", "ISO 8601"),
        ("NumericLessThan", "ecs:Count", "ten", "a number"),
    ],
)
def test_invalid_values(operator, key, value, words):
    [finding] = findings(conditioned({operator: {key: value}}))
    assert (finding.code, finding.path) == (
        "INVALID_CONDITION_VALUE",
        f"Statement[0].Condition.{operator}.{key}",
    )
    assert words in finding.message and value in finding.message


@pytest.mark.parametrize(
    ("operator", "key", "value"),
    [
        ("IpAddress", "acs:SourceIp", ["10.0.0.0/8", "192.168.1.1", "2001:db8::/32"]),
        ("Bool", "acs:SecureTransport", "true"),
        ("Bool", "acs:MFAPresent", "False"),
        ("DateGreaterThan", "acs:CurrentTime", "2026-01-31T00:00:00+08:00"),
        ("DateLessThan", "acs:CurrentTime", "2026-01-31T00:00:00Z"),
        ("NumericLessThanEquals", "ecs:Count", "2.5"),
        ("StringLike", "acs:UserAgent", "aliyun-cli/*"),
        ("StringEquals", "acs:ResourceTag/team", "media"),
        ("StringEqualsIgnoreCase", "acs:sourcevpc", "VPC-1"),
    ],
)
def test_near_misses_pass(operator, key, value):
    assert codes(conditioned({operator: {key: value}})) == set()


def test_list_values_point_at_the_bad_one():
    assert codes(conditioned({"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "300.1.1.1"]}})) == {
        ("INVALID_CONDITION_VALUE", "Statement[0].Condition.IpAddress.acs:SourceIp[1]")
    }


def test_bool_takes_one_value():
    [finding] = findings(conditioned({"Bool": {"acs:SecureTransport": ["true", "false"]}}))
    assert finding.code == "INVALID_CONDITION_VALUE" and "exactly one" in finding.message


def test_wildcard_in_a_literal_operator_is_a_warning():
    [finding] = findings(conditioned({"StringEquals": {"acs:UserAgent": "curl*"}}))
    assert (finding.code, finding.severity) == (
        "INVALID_CONDITION_VALUE",
        "warning",
    ) and "StringLike" in finding.message


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("nokey", "not a condition key"),
        ("acs:SoruceIp", "did you mean acs:SourceIp"),
        ("acs:Nonsense", "not a global condition key"),
    ],
)
def test_invalid_keys_are_errors(key, words):
    [finding] = findings(conditioned({"StringEquals": {key: "x"}}))
    assert (finding.code, finding.severity) == ("INVALID_CONDITION_KEY", "error") and words in finding.message


@pytest.mark.parametrize(
    ("operator", "key", "value", "words"),
    [
        ("StringEquals", "acs:SourceIp", "10.0.0.1", "use IpAddress or NotIpAddress"),
        ("NumericLessThan", "acs:CurrentTime", "1700000000", "use Date*"),
        ("IpAddress", "acs:UserAgent", "10.0.0.1", "use String*"),
    ],
)
def test_global_key_with_an_operator_of_the_wrong_type_is_a_warning(operator, key, value, words):
    [finding] = findings(conditioned({operator: {key: value}}))
    assert (finding.code, finding.severity) == (
        "INVALID_CONDITION_KEY",
        "warning",
    ) and words in finding.message


def test_service_keys_are_not_checked_against_global_keys():
    assert codes(conditioned({"StringEquals": {"oss:Prefix": "media/"}}, action="ram:GetUser")) == set()


def test_an_empty_condition_is_a_suggestion_not_a_schema_error():
    """Alibaba's VPC and OSS tutorials write `"Condition": {}`: it must not hide other findings."""
    from tests.rules.helpers import findings, statement

    found = findings(statement(Action=["ice:QueryIProdutionJob"], Resource="*", Condition={}))
    assert {(f.code, f.severity, f.path) for f in found} == {
        ("EMPTY_CONDITION", "suggestion", "Statement[0].Condition"),
        ("UNKNOWN_ACTION", "error", "Statement[0].Action[0]"),
    }


@pytest.mark.parametrize("operator", ["ForAnyValue:StringEquals", "ForAllValues:StringLike"])
def test_set_qualifiers_are_ram_grammar(operator):
    assert (
        codes(conditioned({operator: {"acs:TagKeys": ["owner", "cost-*" if "Like" in operator else "x"]}}))
        == set()
    )


def test_for_all_values_on_a_single_valued_key_warns_that_it_holds_without_the_key():
    [finding] = findings(conditioned({"ForAllValues:IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}))
    assert (finding.code, finding.severity) == ("INVALID_CONDITION_KEY", "warning")
    assert "single-valued" in finding.message and 'use "IpAddress"' in finding.message
    assert codes(conditioned({"ForAnyValue:IpAddress": {"acs:SourceIp": "10.0.0.0/8"}})) == set()
