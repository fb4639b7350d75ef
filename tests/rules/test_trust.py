import pytest

from tests.rules.helpers import codes, findings


def trust(principal, action="sts:AssumeRole", **extra) -> dict:
    return {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": action, "Principal": principal, **extra}],
    }


@pytest.mark.parametrize(
    ("principal", "path"),
    [
        ({"RAM": "*"}, "Statement[0].Principal.RAM"),
        ({"RAM": ["acs:ram::1234:user/ci", "acs:ram::*:root"]}, "Statement[0].Principal.RAM[1]"),
        ({"RAM": ["acs:ram::999999:root"]}, "Statement[0].Principal.RAM[0]"),
        ({"Federated": "*"}, "Statement[0].Principal.Federated"),
    ],
)
def test_open_principals_are_security_warnings(principal, path):
    [finding] = findings(trust(principal), accounts=("1234",))
    assert (finding.code, finding.path, finding.severity) == (
        "TRUST_POLICY_PRINCIPAL",
        path,
        "security_warning",
    )


@pytest.mark.parametrize(
    "principal",
    [
        {"Service": "ecs.aliyuncs.com"},
        {"RAM": "acs:ram::1234:root"},
        {"RAM": "acs:ram::1234:role/deployer"},
    ],
)
def test_named_or_own_principals_are_fine(principal):
    assert codes(trust(principal), accounts=("1234",)) == set()


def test_own_account_root_without_accounts_configured_says_how_to_silence_it():
    [finding] = findings(trust({"RAM": "acs:ram::1234:root"}))
    assert "lint.accounts" in finding.message


def test_a_condition_makes_a_foreign_root_acceptable():
    condition = {"Condition": {"StringEquals": {"sts:ExternalId": "abc"}}}
    assert codes(trust({"RAM": "acs:ram::999999:root"}, **condition)) == set()


@pytest.mark.parametrize("action", ["sts:*", "ram:CreateUser", ["sts:AssumeRole", "sts:GetCallerIdentity"]])
def test_actions_other_than_assume_role_are_errors(action):
    found = findings(trust({"Service": "ecs.aliyuncs.com"}, action=action))
    assert {f.code for f in found} == {"TRUST_POLICY_ACTION"}
    assert all(f.severity == "error" for f in found)


def test_assume_role_in_any_case_is_fine():
    assert codes(trust({"Service": "ecs.aliyuncs.com"}, action="sts:assumerole")) == set()
