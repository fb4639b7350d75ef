import pytest
from hypothesis import given
from hypothesis import strategies as st

from policycheck.evaluate.scope import can_match
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
        codes(
            statement(Action=action, Resource="*", Condition={"Bool": {"acs:SecureTransport": "true"}}),
            ignore=("PRIVILEGE_ESCALATION",),
        )
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
        ("acs:ice:*:*:job/*", {("RESOURCE_MISMATCH", "Statement[0].Resource")}),
        ("acs:oss:*:*:*", {("RESOURCE_MISMATCH", "Statement[0].Resource")}),
        ("*", set()),
        (["acs:ice:*:*:*"], set()),
        ("acs:ice:cn-shanghai:*:*", set()),
        ("acs:ice:*:123456789012:*", set()),
        (["acs:ice:*:*:*", "*"], set()),
    ],
)
def test_ice_grants_must_match_the_account_scoped_arn(resource, expected):
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


ICE_SYSTEM_POLICIES = {
    # RAM's system-policy reference pages (ram.md §2.1 "Correction"): Alibaba's own ICE policies.
    "AliyunICEFullAccess": {
        "Version": "1",
        "Statement": [{"Action": "ice:*", "Resource": "acs:ice:*:*:*", "Effect": "Allow"}],
    },
    "AliyunICEReadOnlyAccess": {
        "Version": "1",
        "Statement": [
            {
                "Action": ["ice:Get*", "ice:List*", "ice:Describe*"],
                "Resource": "acs:ice:*:*:*",
                "Effect": "Allow",
            }
        ],
    },
}


@pytest.mark.parametrize("name", sorted(ICE_SYSTEM_POLICIES))
def test_alibabas_ice_system_policies_have_no_resource_mismatch(name):
    found = findings(ICE_SYSTEM_POLICIES[name])
    assert [f for f in found if f.severity == "error" or f.code == "RESOURCE_MISMATCH"] == []


REGIONS = ("cn-shanghai", "a", "ap-southeast-1", "x9")
ACCOUNTS = ("1234", "0", "99")


@given(st.text(alphabet="*?acei:sn-0/", max_size=14))
def test_can_match_finds_every_concrete_account_scoped_arn(resource):
    """If some real-looking account-scoped ARN matches the pattern, can_match says so (that it
    says no otherwise is the exact search's, shown by the examples above)."""
    regex = wildcard_regex(resource, ignore_case=False)
    concrete = any(regex.fullmatch(f"acs:ice:{r}:{a}:*") for r in REGIONS for a in ACCOUNTS)
    if concrete:
        assert can_match("ice", resource)


@pytest.mark.parametrize(
    ("action", "words"),
    [
        ("ecs: CreateInstance", 'a space (after "ecs:")'),
        ("Oss: GetObject", 'a space (after "Oss:")'),
        (" ice:GetMediaInfo", "a space at the start"),
        ("ice:GetMediaInfo\u200b", "an invisible character (U+200B ZERO WIDTH SPACE)"),
        ("\u0456ce:GetMediaInfo", "U+0456 CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I"),
        ("\uff45cs:DescribeInstances", "U+FF45 FULLWIDTH LATIN SMALL LETTER E"),
        ("ecs:Describe\tInstances", "whitespace character"),
    ],
)
def test_an_action_no_request_can_match_is_an_error_whatever_the_service(action, words):
    [finding] = findings(statement(Action=action, Resource="*"))
    assert (finding.code, finding.severity) == ("MALFORMED_ACTION", "error")
    assert words in finding.message and "\u200b" not in finding.message


@pytest.mark.parametrize("action", ["Oss:GetObject", "ECS:Describe*", "ice:getmediainfo"])
def test_letter_case_of_the_service_is_fine(action):
    """RAM folds the case of Action values (§1.4): only the stray characters are wrong."""
    assert "MALFORMED_ACTION" not in {c for c, _ in codes(statement(Action=action, Resource="*"))}


def test_a_malformed_action_grants_nothing_when_evaluated():
    """The evaluator agrees: the value matches no request."""
    from policycheck.evaluate import Evaluator, PolicySet, Request
    from policycheck.model import build_policy

    policy = build_policy(statement(Action="ecs: CreateInstance", Resource="*"), "p.json", "identity")
    assert not Evaluator(PolicySet((policy,))).evaluate(Request("ecs:CreateInstance")).allowed


@given(st.text(alphabet="*?ab:", max_size=8))
def test_matches_star_agrees_with_the_wildcard_regex(resource):
    assert matches_star(resource) == (wildcard_regex(resource).fullmatch("*") is not None)


def test_docstring_examples_hold():
    import doctest

    from policycheck.rules import actions

    assert doctest.testmod(actions).failed == 0
