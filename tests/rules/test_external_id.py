"""TRUST_POLICY_NO_EXTERNAL_ID: another account may assume the role with no sts:ExternalId condition."""

from __future__ import annotations

import json

import pytest

from tests.rules.helpers import codes, findings


def trust(principal, condition=None) -> dict:
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": principal}
    if condition:
        statement["Condition"] = condition
    return {"Version": "1", "Statement": [statement]}


SOURCE_IP = {"IpAddress": {"acs:SourceIp": "203.0.113.0/24"}}


@pytest.mark.parametrize(
    ("principal", "condition", "path"),
    [
        ({"RAM": "acs:ram::999999:role/vendor"}, None, "Statement[0].Principal.RAM"),
        ({"RAM": ["acs:ram::1234:user/ci", "acs:ram::999999:user/x"]}, None, "Statement[0].Principal.RAM[1]"),
        ({"RAM": "acs:ram::999999:root"}, SOURCE_IP, "Statement[0].Principal.RAM"),
        ({"RAM": "acs:ram::*:root"}, SOURCE_IP, "Statement[0].Principal.RAM"),
        ({"RAM": "999999"}, SOURCE_IP, "Statement[0].Principal.RAM"),
    ],
)
def test_another_account_without_external_id_is_a_security_warning(principal, condition, path):
    [finding] = findings(trust(principal, condition), accounts=("1234",))
    assert (finding.code, finding.path, finding.severity) == (
        "TRUST_POLICY_NO_EXTERNAL_ID",
        path,
        "security_warning",
    )
    assert "sts:ExternalId" in finding.message and "confused deputy" in finding.message


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"sts:ExternalId": "abcd1234"}},
        {"StringEquals": {"STS:externalid": "abcd1234"}, **SOURCE_IP},
    ],
)
def test_an_external_id_condition_is_enough(condition):
    assert codes(trust({"RAM": "acs:ram::999999:role/vendor"}, condition), accounts=("1234",)) == set()


def test_own_accounts_and_services_are_fine():
    assert codes(trust({"RAM": "acs:ram::1234:role/ci"}), accounts=("1234",)) == set()
    assert codes(trust({"Service": "ecs.aliyuncs.com"})) == set()


def test_without_own_accounts_every_account_named_is_another_and_the_message_says_how_to_say_otherwise():
    [finding] = findings(trust({"RAM": "acs:ram::1234:role/ci"}))
    assert finding.code == "TRUST_POLICY_NO_EXTERNAL_ID"
    assert "account: in policycheck.yaml" in finding.message


def test_a_whole_account_with_no_condition_is_reported_once_by_trust_policy_principal():
    assert codes(trust({"RAM": "acs:ram::999999:root"}), accounts=("1234",)) == {
        ("TRUST_POLICY_PRINCIPAL", "Statement[0].Principal.RAM")
    }


def test_the_account_of_policycheck_yaml_is_the_own_account_through_the_cli(cli, tmp_path):
    own = json.dumps(trust({"RAM": "acs:ram::111122223333:role/ci"}, SOURCE_IP))
    vendor = json.dumps(trust({"RAM": "acs:ram::999988887777:role/vendor"}, SOURCE_IP))
    configured, bare = tmp_path / "configured", tmp_path / "bare"
    for folder in (configured, bare):
        folder.mkdir()
        (folder / "own.json").write_text(own)
        (folder / "vendor.json").write_text(vendor)
    (configured / "policycheck.yaml").write_text('account: "111122223333"\n')
    run = cli("lint", ".", "--format", "json", cwd=configured)
    assert run.code == 1, run.err
    assert [(f["file"], f["code"]) for f in run.json()["findings"]] == [
        ("vendor.json", "TRUST_POLICY_NO_EXTERNAL_ID")
    ]
    run = cli("lint", ".", "--format", "json", cwd=bare)
    assert [(f["file"], f["code"]) for f in run.json()["findings"]] == [
        ("own.json", "TRUST_POLICY_NO_EXTERNAL_ID"),
        ("vendor.json", "TRUST_POLICY_NO_EXTERNAL_ID"),
    ]
