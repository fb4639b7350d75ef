"""`policycheck explain` as users run it, on the shipped policies."""

from __future__ import annotations

import json

import pytest

QUERY = "policies/ice-iproduction-query.json"
OPERATOR = "policies/ice-operator.json"
DENY_OUTSIDE = "policies/deny-outside-corporate-network.json"
CONTROL = "policies/control/deny-ice-delete.json"


def explain(cli, *args):
    run = cli("explain", *args, "--format", "json")
    return run.code, (json.loads(run.out) if run.out else None), run.err


def test_allowed_names_the_statement_and_line(cli):
    code, out, _ = explain(cli, QUERY, "--action", "ice:QueryIProductionJob")
    assert code == 0
    assert out["decision"] == "allow" and out["denied_by_layer"] is None and out["missing_context"] == []
    assert out["matched_statements"] == [
        {"file": QUERY, "statement": 0, "line": 4, "effect": "Allow", "layer": "identity"}
    ]


def test_case_insensitive_action(cli):
    assert explain(cli, QUERY, "--action", "ICE:queryIProductionJOB")[0] == 0


def test_explicit_deny_across_documents(cli):
    code, out, _ = explain(
        cli,
        OPERATOR,
        DENY_OUTSIDE,
        "--action",
        "ice:SubmitIProductionJob",
        "--context",
        "acs:SourceIp=203.0.113.9",
    )
    assert code == 1 and out["decision"] == "explicit_deny" and out["denied_by_layer"] == "identity"
    assert [m["file"] for m in out["matched_statements"]] == [DENY_OUTSIDE]
    [condition] = out["conditions"]
    assert (
        condition["operator"] == "NotIpAddress"
        and condition["request_values"] == ["203.0.113.9"]
        and condition["held"]
    )


def test_inside_the_network_is_allowed_and_a_missing_key_is_reported(cli):
    code, out, _ = explain(
        cli,
        OPERATOR,
        DENY_OUTSIDE,
        "--action",
        "ice:SubmitIProductionJob",
        "--context",
        "acs:SourceIp=10.1.2.3",
    )
    assert code == 0 and out["missing_context"] == []
    code, out, _ = explain(cli, OPERATOR, DENY_OUTSIDE, "--action", "ice:SubmitIProductionJob")
    assert code == 0 and out["missing_context"] == ["acs:SourceIp"]


def test_control_layer_denies(cli):
    code, out, _ = explain(cli, OPERATOR, "--control-policy", CONTROL, "--action", "ice:DeleteMediaInfos")
    assert (
        code == 1
        and out["denied_by_layer"] == "control"
        and out["matched_statements"][0]["layer"] == "control"
    )
    # a control policy that only denies is a deny-list: FullAliyunAccess is assumed beside it
    code, out, _ = explain(cli, OPERATOR, "--control-policy", CONTROL, "--action", "ice:QueryIProductionJob")
    assert code == 0 and out["decision"] == "allow" and out["full_aliyun_access_assumed"] is True
    # stated as the complete allow-list, it allows nothing: the control layer must also allow
    code, out, _ = explain(
        cli,
        OPERATOR,
        "--control-policy",
        CONTROL,
        "--control-mode",
        "allow-list",
        "--action",
        "ice:QueryIProductionJob",
    )
    assert code == 1 and out["decision"] == "implicit_deny" and out["denied_by_layer"] == "control"


def test_session_layer(cli, write):
    session = write(
        "session.json",
        {
            "Version": "1",
            "Statement": [{"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}],
        },
    )
    assert (
        explain(cli, OPERATOR, "--session-policy", str(session), "--action", "ice:QueryIProductionJob")[0]
        == 0
    )
    code, out, _ = explain(
        cli, OPERATOR, "--session-policy", str(session), "--action", "ice:SubmitIProductionJob"
    )
    assert code == 1 and out["denied_by_layer"] == "session"


def test_resource_scoped_ice_grant_allows_nothing_and_text_says_why(cli):
    run = cli(
        "explain", "policies/examples-bad/resource-scoped-ice.json", "--action", "ice:QueryIProductionJob"
    )
    assert run.code == 1
    assert run.out.startswith("DENY (implicit)  ice:QueryIProductionJob")
    assert 'authorizes per operation: write "Resource": "*"' in run.out


def test_text_explicit_deny_shows_the_condition(cli):
    run = cli(
        "explain",
        OPERATOR,
        DENY_OUTSIDE,
        "--action",
        "ice:SubmitIProductionJob",
        "--context",
        "acs:SourceIp=8.8.8.8",
    )
    assert (
        "denied by Statement[0] of policies/deny-outside-corporate-network.json:4 (identity layer)" in run.out
    )
    assert 'because NotIpAddress acs:SourceIp ["10.0.0.0/8", "192.168.0.0/16"] holds for 8.8.8.8' in run.out


def test_repeated_context_key_adds_values(cli, write):
    policy = write(
        "p.json",
        {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ram:GetUser",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"acs:ResourceTag/team": "media"}},
                }
            ],
        },
    )
    code, out, _ = explain(
        cli,
        str(policy),
        "--action",
        "ram:GetUser",
        "--context",
        "acs:ResourceTag/team=ops",
        "--context",
        "acs:ResourceTag/team=media",
    )
    assert code == 0 and out["conditions"][0]["request_values"] == ["ops", "media"]


def test_could_it_ever_be_allowed(cli):
    code, out, _ = explain(
        cli,
        OPERATOR,
        DENY_OUTSIDE,
        "--action",
        "ice:SubmitIProductionJob",
        "--context",
        "acs:SourceIp=8.8.8.8",
        "--any-context",
    )
    # the given IP is pinned: it stays denied
    assert code == 1 and out["possible"] is False
    code, out, _ = explain(
        cli, OPERATOR, DENY_OUTSIDE, "--action", "ice:SubmitIProductionJob", "--any-context"
    )
    assert code == 0 and out["possible"] is True and out["exhaustive"] is True
    assert out["granted_by"][0]["file"] == OPERATOR
    code, out, _ = explain(cli, QUERY, "--action", "ice:DeleteMediaInfos", "--any-context", "--any-resource")
    assert (
        code == 1
        and out["possible"] is False
        and out["witness"] is None
        and "ice:DeleteMediaInfos" in out["reason"]
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ("policies/examples-bad/broken-grammar.json", "--action", "ice:QueryIProductionJob"),
            "is not a valid policy",
        ),
        (("policies/ice-worker-role-trust.yaml", "--action", "sts:AssumeRole"), "is a role trust policy"),
        ((QUERY, "--action", "ice:QueryIProductionJob", "--context", "acs:SourceIp"), "write KEY=VALUE"),
        (("missing.json", "--action", "ice:QueryIProductionJob"), "no such file or folder"),
        ((QUERY,), "the following arguments are required: --action"),
    ],
)
def test_usage_errors_exit_2(cli, args, words):
    run = cli("explain", *args)
    assert run.code == 2 and words in run.err and "Traceback" not in run.err


def test_invalid_policy_shows_schema_errors(cli):
    run = cli("explain", "policies/examples-bad/broken-grammar.json", "--action", "ice:QueryIProductionJob")
    assert "broken-grammar.json:2:3: SCHEMA Version must be the string" in run.err
