"""Issue #19's verdicts through the CLI, as users run it: the account-scoped ARN of operation-level
actions, the control layer's default, and the real-world false positives and misses."""

from __future__ import annotations

import json

import pytest

from tests.conftest import policy

FULL_ACCESS = policy({"Effect": "Allow", "Action": "ice:*", "Resource": "acs:ice:*:*:*"})
READ_ONLY = policy(
    {"Effect": "Allow", "Action": ["ice:Get*", "ice:List*", "ice:Describe*"], "Resource": "acs:ice:*:*:*"}
)
JOB_SCOPED = policy({"Effect": "Allow", "Action": "ice:*", "Resource": "acs:ice:*:*:job/*"})
IN_SHANGHAI = policy({"Effect": "Allow", "Action": "ice:*", "Resource": "acs:ice:cn-shanghai:*:*"})
IN_ACCOUNT = policy({"Effect": "Allow", "Action": "ice:*", "Resource": "acs:ice:*:1234567890123456:*"})
EVERYTHING = policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
DENY_RAM = policy({"Effect": "Deny", "Action": "ram:*", "Resource": "*"})
ALLOW_ICE_ONLY = policy({"Effect": "Allow", "Action": "ice:*", "Resource": "*"})


# ---- 1. "All Resources" operations are requested on acs:<ram-code>:<region>:<account-id>:* ----


@pytest.mark.parametrize(
    "document", [FULL_ACCESS, READ_ONLY], ids=["AliyunICEFullAccess", "AliyunICEReadOnlyAccess"]
)
def test_alibabas_ice_system_policies_lint_without_errors(cli, write, document):
    path = write("system.json", document)
    run = cli("lint", str(path), "--format", "json", "--fail-on", "error")
    assert run.code == 0, run.out
    assert "RESOURCE_MISMATCH" not in run.out


def test_explain_allows_what_alibabas_full_access_says(cli, write):
    path = write("full.json", FULL_ACCESS)
    run = cli("explain", str(path), "--action", "ice:QueryIProductionJob")
    assert run.code == 0 and run.out.startswith(
        'ALLOW  ice:QueryIProductionJob on "acs:ice:<region>:<account-id>:*"'
    )
    run = cli(
        "explain",
        str(path),
        "--action",
        "ice:QueryIProductionJob",
        "--region",
        "cn-beijing",
        "--account",
        "42",
    )
    assert run.code == 0 and 'on "acs:ice:cn-beijing:42:*"' in run.out


def test_a_job_scoped_grant_is_still_a_mismatch_and_still_denied(cli, write):
    path = write("job.json", JOB_SCOPED)
    lint = cli("lint", str(path), "--format", "json")
    assert lint.code == 1 and [f["code"] for f in lint.json()["findings"]] == ["RESOURCE_MISMATCH"]
    assert "acs:ice:<region>:<account-id>:*" in lint.json()["findings"][0]["message"]
    run = cli(
        "explain",
        str(path),
        "--action",
        "ice:QueryIProductionJob",
        "--region",
        "cn-shanghai",
        "--account",
        "1",
    )
    assert run.code == 1 and run.out.startswith("DENY (implicit)")
    assert 'write "Resource": "*" or "acs:ice:*:*:*"' in run.out


def test_explain_says_when_the_answer_depends_on_the_region_or_account(cli, write):
    region = write("region.json", IN_SHANGHAI)
    run = cli("explain", str(region), "--action", "ice:QueryIProductionJob")
    assert run.code == 1 and "missing region" in run.out and "--region" in run.out
    assert "applies only in some regions, not given" in run.out
    assert (
        cli("explain", str(region), "--action", "ice:QueryIProductionJob", "--region", "cn-shanghai").code
        == 0
    )
    assert (
        cli("explain", str(region), "--action", "ice:QueryIProductionJob", "--region", "cn-beijing").code == 1
    )
    account = write("account.json", IN_ACCOUNT)
    run = cli("explain", str(account), "--action", "ice:QueryIProductionJob", "--format", "json")
    body = run.json()
    assert run.code == 1 and body["missing_scope"] == ["account"]
    assert [s["statement"] for s in body["pending_statements"]] == [0]
    assert (
        cli(
            "explain", str(account), "--action", "ice:QueryIProductionJob", "--account", "1234567890123456"
        ).code
        == 0
    )
    # "could it ever": some region / account allows it, and the witness says which
    run = cli(
        "explain", str(region), "--action", "ice:QueryIProductionJob", "--any-context", "--format", "json"
    )
    assert run.code == 0 and run.json()["witness"]["region"] == "cn-shanghai"


def _project(write, principal: str, expect: str, top: str = "") -> None:
    write("policies/full.json", FULL_ACCESS)
    write("policies/region.json", IN_SHANGHAI)
    write("policies/job.json", JOB_SCOPED)
    write("policies/control/deny-ram.json", DENY_RAM)
    write("policies/control/ice-only.json", ALLOW_ICE_ONLY)
    write("policies/everything.json", EVERYTHING)
    write(
        "policycheck.yaml",
        f"policies: [policies/]\n{top}principals:\n  worker:\n{principal}expect:\n  worker:\n{expect}"
        "lint:\n  ignore:\n    - codes: [RESOURCE_MISMATCH, OVERLY_PERMISSIVE, PRIVILEGE_ESCALATION]\n"
        "      reason: broad and job-scoped on purpose\n",
    )


def test_check_reads_region_and_account_per_principal_or_at_the_top(cli, write, tmp_path):
    allow = "    allow:\n      - action: ice:QueryIProductionJob\n"
    _project(write, "    identity: [region]\n", allow)
    run = cli("check", "--format", "json", cwd=tmp_path)
    [result] = run.json()["results"]
    assert run.code == 1 and result["status"] == "conditional" and "region" in result["missing_context"]
    assert "region=cn-shanghai" in result["reason"]
    _project(write, "    identity: [region]\n", allow, top="region: cn-shanghai\naccount: '1'\n")
    run = cli("check", "--format", "json", cwd=tmp_path)
    assert run.code == 0 and run.json()["results"][0]["status"] == "holds"
    assert run.json()["principals"]["worker"]["region"] == "cn-shanghai"
    _project(write, "    identity: [region]\n    region: cn-beijing\n", allow, top="region: cn-shanghai\n")
    run = cli("check", "--format", "json", cwd=tmp_path)
    assert run.code == 1 and run.json()["results"][0]["status"] == "violated"


def test_check_deny_searches_every_region_not_given(cli, write, tmp_path):
    deny = "    deny:\n      - action: ice:QueryIProductionJob\n"
    _project(write, "    identity: [region]\n", deny)
    run = cli("check", "--format", "json", cwd=tmp_path)
    [result] = run.json()["results"]
    assert run.code == 1 and result["status"] == "violated"
    assert result["witness"]["resource"].startswith("acs:ice:cn-shanghai:")
    _project(write, "    identity: [region]\n    region: cn-beijing\n", deny)
    assert cli("check", cwd=tmp_path).code == 0
    _project(write, "    identity: [job]\n", deny)
    assert cli("check", cwd=tmp_path).code == 0


def test_check_rejects_a_malformed_region_with_its_line(cli, write, tmp_path):
    _project(
        write,
        "    identity: [full]\n    region: Shanghai\n",
        "    allow:\n      - action: ice:QueryIProductionJob\n",
    )
    run = cli("check", cwd=tmp_path)
    assert run.code == 2 and "policycheck.yaml:" in run.err and "region" in run.err


# ---- 2. the control layer's default ----


def test_a_deny_only_control_layer_is_a_deny_list_beside_full_aliyun_access(cli, write, tmp_path):
    expect = (
        "    allow:\n      - action: ice:QueryIProductionJob\n    deny:\n      - action: ram:CreateUser\n"
    )
    _project(write, "    identity: [everything]\n    control: [deny-ram]\n", expect)
    run = cli("check", cwd=tmp_path)
    assert run.code == 0, run.out
    assert "deny-list by default" in run.out and "FullAliyunAccess is assumed" in run.out
    body = cli("check", "--format", "json", cwd=tmp_path).json()["principals"]["worker"]
    assert (body["control_mode"], body["full_aliyun_access_assumed"]) == ("deny-list", True)


def test_a_stated_allow_list_denies_what_it_does_not_allow(cli, write, tmp_path):
    expect = "    deny:\n      - action: ice:QueryIProductionJob\n"
    _project(
        write, "    identity: [everything]\n    control: [deny-ram]\n    control_mode: allow-list\n", expect
    )
    run = cli("check", cwd=tmp_path)
    assert run.code == 0 and "complete allow-list as stated" in run.out


def test_a_layer_with_allows_is_the_allow_list_as_before(cli, write, tmp_path):
    expect = "    deny:\n      - action: ram:CreateUser\n"
    _project(write, "    identity: [everything]\n    control: [ice-only]\n", expect)
    assert cli("check", cwd=tmp_path).code == 0


def test_explain_control_mode(cli, write):
    identity = write("everything.json", EVERYTHING)
    deny_ram = write("deny-ram.json", DENY_RAM)
    ice_only = write("ice-only.json", ALLOW_ICE_ONLY)
    base = ("explain", str(identity), "--control-policy", str(deny_ram), "--action", "oss:GetObject")
    run = cli(*base)
    assert run.code == 0 and "FullAliyunAccess is assumed" in run.out
    assert cli(*base, "--control-mode", "allow-list").code == 1
    assert cli(*base, "--action", "ram:CreateUser").code == 1  # the deny-list still denies
    run = cli("explain", str(identity), "--control-policy", str(ice_only), "--action", "oss:GetObject")
    assert run.code == 1 and "no control policy allows it" in run.out
    assert (
        cli(
            "explain",
            str(identity),
            "--control-policy",
            str(ice_only),
            "--action",
            "oss:GetObject",
            "--control-mode",
            "deny-list",
        ).code
        == 0
    )
    run = cli("explain", str(identity), "--action", "oss:GetObject", "--control-mode", "deny-list")
    assert run.code == 2 and "--control-mode needs --control-policy" in run.err


# ---- 6. real-world false positives and misses ----


def test_empty_condition_does_not_hide_other_findings(cli, write):
    path = write(
        "vpc.json",
        policy({"Effect": "Allow", "Action": "ice:QueryIProdutionJob", "Resource": "*", "Condition": {}}),
    )
    run = cli("lint", str(path), "--format", "json")
    assert sorted(f["code"] for f in run.json()["findings"]) == ["EMPTY_CONDITION", "UNKNOWN_ACTION"]


def test_acs_ram_double_colon_star_is_a_resource_for_lint_and_explain(cli, write):
    path = write(
        "passrole.json", policy({"Effect": "Allow", "Action": "ram:GetRole", "Resource": "acs:ram::*"})
    )
    assert "INVALID_ARN" not in cli("lint", str(path)).out
    assert cli("explain", str(path), "--action", "ram:GetRole", "--resource", "acs:ram::1:role/x").code == 0
    typo = write("typo.json", policy({"Effect": "Allow", "Action": "ram:GetRole", "Resource": "acs:ram:*:x"}))
    assert "INVALID_ARN" in cli("lint", str(typo)).out
    assert cli("explain", str(typo), "--action", "ram:GetRole", "--resource", "acs:ram:a:1:x").code == 1


@pytest.mark.parametrize(
    "action",
    [
        "ecs: CreateInstance",
        "Oss: GetObject",
        " ecs:DescribeInstances",
        "ecs:Describe\u200bInstances",
        "\u0456ce:GetMediaInfo",
    ],
)
def test_actions_no_request_can_match_fail_lint(cli, write, action):
    path = write("typo.json", policy({"Effect": "Allow", "Action": action, "Resource": "*"}))
    run = cli("lint", str(path), "--format", "json")
    assert run.code == 1 and [f["code"] for f in run.json()["findings"]] == ["MALFORMED_ACTION"]


def test_service_wide_wildcard_on_the_service_wide_arn_is_overly_permissive(cli, write):
    path = write("oss.json", policy({"Effect": "Allow", "Action": "oss:*", "Resource": "acs:oss:*:*:*"}))
    run = cli("lint", str(path), "--format", "json")
    assert "OVERLY_PERMISSIVE" in [f["code"] for f in run.json()["findings"]]


# ---- set qualifiers: ForAnyValue: / ForAllValues: (docs/evaluation.md §2) ----

TAGGED = policy(
    {"Effect": "Allow", "Action": "ecs:CreateInstance", "Resource": "*"},
    {
        "Effect": "Deny",
        "Action": "ecs:CreateInstance",
        "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"acs:TagKeys": ["temp"]}},
    },
)


def test_set_qualifiers_lint_clean_and_warn_only_on_a_single_valued_key(cli, write):
    clean = write("tagged.json", TAGGED)
    run = cli("lint", str(clean), "--format", "json")
    assert run.code == 0 and "UNKNOWN_CONDITION_OPERATOR" not in run.out, run.out
    single = write(
        "ip.json",
        policy(
            {
                "Effect": "Allow",
                "Action": "ecs:DescribeInstances",
                "Resource": "*",
                "Condition": {"ForAllValues:IpAddress": {"acs:SourceIp": "10.0.0.0/8"}},
            }
        ),
    )
    run = cli("lint", str(single), "--format", "json", "--fail-on", "warning")
    assert run.code == 1
    assert [(f["code"], f["severity"]) for f in run.json()["findings"]] == [
        ("INVALID_CONDITION_KEY", "warning")
    ]


def test_a_for_all_values_deny_fires_without_the_key_and_not_on_another_tag(cli, write):
    path = write("tagged.json", TAGGED)
    run = cli("explain", str(path), "--action", "ecs:CreateInstance")
    assert run.code == 1 and run.out.startswith("DENY"), run.out
    assert "ForAllValues: ones as true" in run.out
    run = cli("explain", str(path), "--action", "ecs:CreateInstance", "--context", "acs:TagKeys=temp")
    assert run.code == 1 and run.out.startswith("DENY")
    run = cli(
        "explain",
        str(path),
        "--action",
        "ecs:CreateInstance",
        "--context",
        "acs:TagKeys=temp",
        "--context",
        "acs:TagKeys=owner",
    )
    assert run.code == 0 and run.out.startswith("ALLOW"), run.out


def test_check_dodges_a_for_all_values_deny_only_by_setting_the_key(cli, write, tmp_path):
    write("policies/tagged.json", TAGGED)
    write(
        "policycheck.yaml",
        "policies: [policies/]\nprincipals:\n  dev:\n    identity: [tagged]\n"
        "expect:\n  dev:\n    deny:\n      - action: ecs:CreateInstance\n",
    )
    run = cli("check", "--format", "json", cwd=tmp_path)
    [result] = run.json()["results"]
    assert run.code == 1 and result["status"] != "holds", result
    assert "acs:TagKeys" in json.dumps(result)


def test_dates_are_compared_exactly_past_28_significant_digits(cli, write):
    """The default Decimal context keeps 28 digits: these two instants would compare equal."""
    path = write(
        "date.json",
        policy(
            {
                "Effect": "Allow",
                "Action": "ecs:RunInstances",
                "Resource": "*",
                "Condition": {
                    "DateLessThan": {"acs:CurrentTime": "2026-01-01T00:00:00.00000000000000000000000000002Z"}
                },
            }
        ),
    )

    def at(instant: str):
        return cli(
            "explain", str(path), "--action", "ecs:RunInstances", "--context", f"acs:CurrentTime={instant}"
        )

    assert at("2026-01-01T00:00:00.00000000000000000000000000001Z").code == 0
    later = at("2026-01-01T00:00:00.00000000000000000000000000003Z")
    assert later.code == 1 and later.out.startswith("DENY")
