"""Issue #19.3 and #19.4 through the CLI: deny patterns over every action, typos, multi-valued keys."""

from __future__ import annotations

import pytest

OSS_VOD = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": ["oss:*", "vod:*"], "Resource": "*"}],
}
NOT_RAM = {"Version": "1", "Statement": [{"Effect": "Allow", "NotAction": "ram:*", "Resource": "*"}]}
TAGGED = {
    "Version": "1",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "ecs:RunInstances",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"acs:TagKeys": "owner"},
                "StringLike": {"acs:TagKeys": "cost-*"},
            },
        }
    ],
}
TWO_NETWORKS = {
    "Version": "1",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "ecs:RunInstances",
            "Resource": "*",
            "Condition": {
                "IpAddress": {"acs:SourceIp": "10.0.0.0/8"},
                "NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"},
            },
        }
    ],
}


def check(cli, write, tmp_path, document, expect: str, *args: str):
    write("policies/p.json", document)
    write(
        "policycheck.yaml",
        f"policies: [policies/]\nprincipals:\n  dev:\n    identity: [p]\nexpect:\n  dev:\n{expect}",
    )
    return cli("check", "--format", "json", "--fail-on", "error", *args, cwd=tmp_path)


@pytest.mark.parametrize("action", ["*", "oss:DeleteBucket", "vod:*", "*:Delete*"])
def test_services_without_a_catalog_are_decided_over_the_patterns(cli, write, tmp_path, action):
    run = check(cli, write, tmp_path, OSS_VOD, f'    deny:\n      - action: "{action}"\n')
    (result,) = run.json()["results"]
    assert run.code == 1 and result["status"] == "violated", result
    witness = result["witness"]["action"]
    assert witness.split(":")[0].lower() in ("oss", "vod")
    assert cli("explain", str(tmp_path / "policies/p.json"), "--action", witness).code == 0


def test_a_deny_pattern_outside_the_grants_holds(cli, write, tmp_path):
    run = check(
        cli, write, tmp_path, OSS_VOD, '    deny:\n      - action: "ecs:*"\n      - action: "ram:*"\n'
    )
    assert run.code == 0, run.out
    assert [r["status"] for r in run.json()["results"]] == ["holds", "holds"]


def test_not_action_grants_every_other_service(cli, write, tmp_path):
    run = check(cli, write, tmp_path, NOT_RAM, '    deny:\n      - action: "*"\n      - action: "ram:*"\n')
    first, second = run.json()["results"]
    assert first["status"] == "violated" and not first["witness"]["action"].lower().startswith("ram:")
    assert second["status"] == "holds"


@pytest.mark.parametrize(
    ("expect", "words"),
    [
        (
            "    deny:\n      - action: ram:DeleteUsr\n",
            "ram:DeleteUsr is not an action of ram (did you mean ram:DeleteUser?)",
        ),
        ("    allow:\n      - action: ice:QueryIProdutionJob\n", "did you mean ice:QueryIProductionJob?"),
        ("    deny:\n      - action: ice:Qeury*\n", "ice:Qeury* matches no action of ice"),
    ],
)
def test_an_action_the_catalog_does_not_know_is_an_error(cli, write, tmp_path, expect, words):
    run = check(cli, write, tmp_path, OSS_VOD, expect)
    assert run.code == 2 and words in run.err and ":8:" in run.err


def test_explain_rejects_an_unknown_action_with_a_suggestion(cli):
    run = cli("explain", "policies/ice-operator.json", "--action", "ice:QueryIProdutionJob")
    assert run.code == 2 and "did you mean ice:QueryIProductionJob?" in run.err


def test_unknown_context_keys_are_warnings(cli, write, tmp_path):
    expect = "    deny:\n      - action: oss:GetObject\n        context: {acs:SorceIp: 10.0.0.1}\n"
    run = check(cli, write, tmp_path, OSS_VOD, expect)
    assert "warning: " in run.err and "acs:SorceIp is not a condition key RAM documents" in run.err
    assert "did you mean acs:SourceIp?" in run.err and run.code == 1  # violated, not a usage error
    run = cli(
        "explain",
        str(tmp_path / "policies/p.json"),
        "--action",
        "oss:GetObject",
        "--context",
        "acs:SorceIp=1.2.3.4",
    )
    assert run.code == 0 and "warning: --context: acs:SorceIp is not a condition key" in run.err


def test_tag_keys_may_carry_several_values(cli, write, tmp_path):
    """The issue's case: check used to prove this deny, which explain shows allowed."""
    run = check(cli, write, tmp_path, TAGGED, "    deny:\n      - action: ecs:RunInstances\n")
    (result,) = run.json()["results"]
    assert run.code == 1 and result["status"] == "violated"
    assert len(result["witness"]["context"]["acs:TagKeys"]) == 2
    policy = str(tmp_path / "policies/p.json")
    two = ("--context", "acs:TagKeys=owner", "--context", "acs:TagKeys=cost-center")
    assert cli("explain", policy, "--action", "ecs:RunInstances", *two).code == 0


def test_source_ip_stays_single_valued(cli, write, tmp_path):
    """acs:SourceIp is one address: it cannot be inside and outside 10/8 at once."""
    run = check(cli, write, tmp_path, TWO_NETWORKS, "    deny:\n      - action: ecs:RunInstances\n")
    assert run.code == 0 and run.json()["results"][0]["status"] == "holds"


ICE_FULL = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": "ice:*", "Resource": "acs:ice:*:*:*"}],
}


@pytest.mark.parametrize(
    "expect",
    [
        "    allow:\n      - action: ice:QueryIProductionJob\n        resource: acs:ice:*:*:job/abc\n",
        "    deny:\n      - action: ice:Delete*\n        resource: acs:ice:*:*:job/*\n",
        "    deny:\n      - action: ice:SubmitIProductionJob\n        resource: acs:oss:*:*:*\n",
    ],
)
def test_a_resource_an_operation_level_action_is_never_requested_on_is_an_error(cli, write, tmp_path, expect):
    run = check(cli, write, tmp_path, ICE_FULL, expect)
    assert run.code == 2 and run.out == "", run.out
    [line] = run.err.strip().splitlines()
    assert ":9:" in line and "is authorized per operation" in line and "can never be" in line
    assert 'RAM requests it on "acs:ice:<region>:<account-id>:*"' in line


def test_a_resource_an_operation_level_action_may_be_requested_on_is_a_warning(cli, write, tmp_path):
    expect = (
        "    allow:\n      - action: ice:QueryIProductionJob\n        resource: acs:ice:cn-shanghai:*:*\n"
    )
    run = check(cli, write, tmp_path, ICE_FULL, expect)
    assert run.code == 0 and run.json()["results"][0]["status"] == "holds"
    assert "warning: " in run.err and 'it is decided on "acs:ice:<region>:<account-id>:*"' in run.err
    quiet = check(cli, write, tmp_path, ICE_FULL, "    allow:\n      - action: ice:QueryIProductionJob\n")
    assert quiet.code == 0 and "warning" not in quiet.err
