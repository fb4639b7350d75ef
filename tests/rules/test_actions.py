import pytest
from hypothesis import given
from hypothesis import strategies as st

from policycheck.patterns import wildcard_regex
from policycheck.rules.actions import matches_star
from tests.rules.helpers import codes, findings, statement


def test_misspelt_action_suggests_the_real_name():
    [finding] = findings(statement(Action="ice:QueryIProdutionJob", Resource="*"))
    assert (finding.code, finding.severity, finding.path) == (
        "UNKNOWN_ACTION",
        "error",
        "Statement[0].Action",
    )
    assert "did you mean ice:QueryIProductionJob" in finding.message


def test_pattern_matching_nothing_suggests_a_pattern():
    [finding] = findings(statement(Action=["ice:QueryIProductionJob", "ice:Qeury*"], Resource="*"))
    assert finding.path == "Statement[0].Action[1]" and "did you mean ice:Query*" in finding.message


@pytest.mark.parametrize(
    "action",
    [
        "ice:QueryIProductionJob",
        "ice:queryiproductionjob",
        "ICE:QUERYIPRODUCTIONJOB",
        "ice:Query*",
        "ice:?ueryIProductionJob",
        "ice:*",
        "*",
        "ram:GetUser",
        "sts:AssumeRole",
    ],
)
def test_real_actions_in_any_case_pass(action):
    assert (
        codes(statement(Action=action, Resource="*", Condition={"Bool": {"acs:SecureTransport": "true"}}))
        == set()
    )


def test_not_action_values_are_checked_too():
    document = {
        "Version": "1",
        "Statement": [{"Effect": "Deny", "NotAction": ["ice:QueryIProdutionJob"], "Resource": "*"}],
    }
    assert codes(document) == {("UNKNOWN_ACTION", "Statement[0].NotAction[0]")}


def test_not_an_action_at_all():
    [finding] = findings(statement(Action="QueryIProductionJob", Resource="*"))
    assert finding.code == "UNKNOWN_ACTION" and "<ram-code>:<action-name>" in finding.message


def test_uncatalogued_service_is_info_once_per_statement():
    found = findings(
        statement(Action=["nocatalog:GetObject", "nocatalog:PutObject", "nocatalog:Nonsense"], Resource="*")
    )
    assert [(f.code, f.severity, f.path) for f in found] == [
        ("UNKNOWN_SERVICE", "info", "Statement[0].Action[0]")
    ]


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("acs:ice:cn-shanghai:123456789012:job/*", {("RESOURCE_MISMATCH", "Statement[0].Resource")}),
        (["acs:ice:*:*:*"], {("RESOURCE_MISMATCH", "Statement[0].Resource")}),
        ("*", set()),
        (["acs:ice:*:*:*", "*"], set()),
    ],
)
def test_ice_grants_must_say_star(resource, expected):
    assert codes(statement(Action="ice:QueryIProductionJob", Resource=resource)) == expected


def test_resource_mismatch_message_explains_and_covers_deny_and_wildcards():
    document = {
        "Version": "1",
        "Statement": [
            {"Effect": "Deny", "Action": ["ice:Delete*", "oss:DeleteObject"], "Resource": "acs:oss:*:*:b/*"}
        ],
    }
    [mismatch] = [f for f in findings(document) if f.code == "RESOURCE_MISMATCH"]
    assert "ice:Delete*" in mismatch.message and "Deny denies nothing" in mismatch.message
    assert 'Use "Resource": "*"' in mismatch.message and "oss:DeleteObject" not in mismatch.message


def test_resource_level_services_may_be_scoped():
    assert codes(statement(Action="ram:GetUser", Resource="acs:ram:*:123456789012:user/alice")) == set()


def test_redundant_actions():
    found = codes(
        statement(
            Action=["ice:Get*", "ice:GetMediaInfo", "ice:get*", "ice:QueryIProductionJob"], Resource="*"
        )
    )
    assert found == {("REDUNDANT", "Statement[0].Action[1]"), ("REDUNDANT", "Statement[0].Action[2]")}
    assert codes(statement(Action=["ice:GetMediaInfo", "ice:ListMediaBasicInfos"], Resource="*")) == set()


def test_redundant_wildcards():
    found = codes(statement(Action=["ice:Get*", "ice:GetMedia*", "ice:Submit*"], Resource="*"))
    assert found == {("REDUNDANT", "Statement[0].Action[1]")}
    # of two patterns that match the same actions, only the later is reported
    assert codes(statement(Action=["ice:Get*", "ice:Get**"], Resource="*")) == {
        ("REDUNDANT", "Statement[0].Action[1]")
    }


@given(st.text(alphabet="*?ab:", max_size=8))
def test_matches_star_agrees_with_the_wildcard_regex(resource):
    assert matches_star(resource) == (wildcard_regex(resource).fullmatch("*") is not None)


def test_docstring_examples_hold():
    import doctest

    from policycheck.rules import actions

    assert doctest.testmod(actions).failed == 0
