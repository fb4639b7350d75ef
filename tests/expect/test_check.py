"""policycheck check, through the CLI and its JSON: every status, layer, source and format."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ElementTree

import jsonschema
import pytest

from tests.conftest import REPO

ALLOW_QUERY = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}],
}
ALLOW_SUBMIT = {
    "Version": "1",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["ice:SubmitIProductionJob", "ice:QueryIProductionJob"],
            "Resource": "*",
        }
    ],
}
SECURE_ONLY = {
    "Version": "1",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "ice:Get*",
            "Resource": "*",
            "Condition": {"Bool": {"acs:SecureTransport": "true"}},
        }
    ],
}
DENY_OUTSIDE = json.loads((REPO / "policies/deny-outside-corporate-network.json").read_text())
EVERYTHING = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@pytest.fixture
def project(tmp_path, write):
    """A project folder: write("policycheck.yaml", ...) and policy files, then run check in it."""

    def check(config: str, *args: str, cli):
        write("policycheck.yaml", config)
        return cli("check", "--format", "json", *args, cwd=tmp_path)

    for name, document in {
        "query.json": ALLOW_QUERY,
        "submit.json": ALLOW_SUBMIT,
        "secure.json": SECURE_ONLY,
        "deny-outside.json": DENY_OUTSIDE,
    }.items():
        write(f"policies/{name}", document)
    write("control/everything.json", EVERYTHING)  # outside policies/: read only as a control policy
    return check


def statuses(run) -> list[tuple[str, str, str]]:
    return [(r["expectation"], r["action"], r["status"]) for r in run.json()["results"]]


BASE = "policies: [policies/]\nprincipals:\n  worker:\n    identity: [{identity}]\n{more}expect:\n  worker:\n{expect}"


def config(identity: str, expect: str, more: str = "") -> str:
    return BASE.format(identity=identity, expect=expect, more=more)


def test_the_shipped_config_passes(cli):
    run = cli("check")
    assert run.code == 0, run.out + run.err
    assert "Check passed." in run.out and "violated" not in run.out


def test_allow_holds_and_cites_the_statement(project, cli):
    run = project(config("query", "    allow:\n      - action: ice:QueryIProductionJob\n"), cli=cli)
    assert run.code == 0
    [result] = run.json()["results"]
    assert result["status"] == "holds" and result["statements"][0]["file"] == "policies/query.json"
    assert result["statements"][0]["line"] == 4 and result["line"] == 8


def test_allow_violated(project, cli):
    run = project(config("query", "    allow:\n      - action: ice:SubmitIProductionJob\n"), cli=cli)
    assert run.code == 1
    [result] = run.json()["results"]
    assert result["status"] == "violated" and "no identity policy allows it" in result["reason"]


def test_allow_violated_by_explicit_deny_names_it(project, cli):
    expect = "    allow:\n      - action: ice:QueryIProductionJob\n        context: {acs:SourceIp: 8.8.8.8}\n"
    [result] = project(config("query, deny-outside", expect), cli=cli).json()["results"]
    assert (
        result["status"] == "violated"
        and "explicitly denied by Statement[0] of policies/deny-outside.json" in result["reason"]
    )


def test_allow_conditional_unless_accepted(project, cli):
    run = project(config("secure", "    allow:\n      - action: ice:GetMediaInfo\n"), cli=cli)
    [result] = run.json()["results"]
    assert run.code == 1 and result["status"] == "conditional" and not result["passed"]
    assert "acs:SecureTransport" in result["reason"] and result["witness"]["context"] == {
        "acs:SecureTransport": ["true"]
    }
    run = project(
        config("secure", "    allow:\n      - action: ice:GetMediaInfo\n        conditional: ok\n"), cli=cli
    )
    assert run.code == 0 and run.json()["results"][0]["passed"]
    # a Deny on a key the expectation does not give also makes it conditional
    [result] = project(
        config("query, deny-outside", "    allow:\n      - action: ice:QueryIProductionJob\n"), cli=cli
    ).json()["results"]
    assert result["status"] == "conditional" and result["missing_context"] == ["acs:SourceIp"]


def test_deny_holds_and_violated_with_witness(project, cli):
    run = project(
        config(
            "submit",
            "    deny:\n      - action: ice:SubmitIProductionJob\n      - action: ice:DeleteMediaInfos\n",
        ),
        cli=cli,
    )
    violated, holds = run.json()["results"]
    assert run.code == 1
    assert violated["status"] == "violated" and violated["statements"][0]["file"] == "policies/submit.json"
    assert violated["witness"] == {
        "action": "ice:SubmitIProductionJob",
        "resource": "acs:ice:cn-hangzhou:1234567890123456:*",
        "context": {},
    }
    assert holds["status"] == "holds"


def test_deny_considers_every_context_unless_one_is_given(project, cli):
    expect = "    deny:\n      - action: ice:SubmitIProductionJob\n"
    [result] = project(config("submit, deny-outside", expect), cli=cli).json()["results"]
    assert result["status"] == "violated"  # from inside the corporate network it is allowed
    ips = result["witness"]["context"].get("acs:SourceIp", ["10.0.0.1"])
    assert ips[0].startswith(("10.", "192.168."))
    expect += "        context: {acs:SourceIp: 203.0.113.9}\n"
    [result] = project(config("submit, deny-outside", expect), cli=cli).json()["results"]
    assert result["status"] == "holds"


def test_a_missing_file_reference_is_a_config_error(project, cli):
    run = project(
        config(
            "query",
            "    deny:\n      - action: ice:Delete*\n",
            "    control: [control/everything.json, ../control-deny.json]\n",
        ),
        cli=cli,
    )
    assert run.code == 2 and "policycheck.yaml:5:40: no such file or folder: ../control-deny.json" in run.err


def test_control_and_session_layers(project, cli, write):
    write(
        "policies/broad.json",
        {
            "Version": "1",
            "Statement": [
                {"Effect": "Allow", "Action": ["ice:Get*", "ice:Delete*", "ice:Query*"], "Resource": "*"}
            ],
        },
    )
    write(
        "policies/control/deny-delete.json",
        {"Version": "1", "Statement": [{"Effect": "Deny", "Action": "ice:Delete*", "Resource": "*"}]},
    )
    more = "    control: [control/everything.json, policies/control/deny-delete.json]\n"
    run = project(
        config(
            "broad",
            "    deny:\n      - action: ice:Delete*\n    allow:\n      - action: ice:GetMediaInfo\n",
            more,
        ),
        cli=cli,
    )
    results = run.json()["results"]
    deletes = [r for r in results if r["expectation"] == "deny"]
    # A deny pattern is one question over every action matching it, not one per catalogued action.
    assert [(r["action"], r["status"]) for r in deletes] == [("ice:Delete*", "holds")]
    assert run.code == 0
    session = "    session: query\n"
    run = project(
        config(
            "broad",
            "    allow:\n      - action: ice:QueryIProductionJob\n      - action: ice:GetMediaInfo\n",
            session,
        ),
        cli=cli,
    )
    assert statuses(run) == [
        ("allow", "ice:QueryIProductionJob", "holds"),
        ("allow", "ice:GetMediaInfo", "violated"),
    ]
    assert "no session policy allows it" in run.json()["results"][1]["reason"]


TERRAFORM = """\
policies:
  - terraform: plan.json
principals:
  editor:
    terraform: {user: media-editor-ana}
  worker:
    terraform: {role: media-worker}
  operator:
    terraform: {user: media-operator}
expect:
  editor:
    allow: [{action: ice:GetMediaInfo}, {action: ice:ListMediaBasicInfos}]
    deny: [{action: ice:QueryIProductionJob}]
  worker:
    allow: [{action: ice:QueryIProductionJob}]
    deny: [{action: ice:SubmitIProductionJob}]
  operator:
    allow: [{action: ice:QueryIProductionJob}]
"""


def test_terraform_plan_principals(tmp_path, write, cli):
    shutil.copy(REPO / "tests/data/terraform/plan.json", tmp_path / "plan.json")
    run = cli("check", "--format", "json", cwd=tmp_path) if write("policycheck.yaml", TERRAFORM) else None
    results = {(r["principal"], r["expectation"], r["action"]): r for r in run.json()["results"]}
    # the group's policy uses the old `document` spelling; the worker's the current `policy_document`
    assert results[("editor", "allow", "ice:GetMediaInfo")]["status"] == "holds"
    assert (
        results[("editor", "allow", "ice:GetMediaInfo")]["statements"][0]["file"]
        == "plan.json:alicloud_ram_policy.legacy_reader"
    )
    # a System policy reaches the editor through another group; the System policy library
    # knows its text (oss:Get*, oss:List*), so the deny is proved
    assert results[("editor", "deny", "ice:QueryIProductionJob")]["status"] == "holds"
    assert results[("worker", "allow", "ice:QueryIProductionJob")]["status"] == "holds"
    # a document known only after apply: the deny cannot be proved
    assert results[("worker", "deny", "ice:SubmitIProductionJob")]["status"] == "unknown"
    # a System policy whose text is not in the plan but in the library: AliyunICEReadOnlyAccess
    # allows ice:Get*, ice:List* and ice:Describe*, not ice:QueryIProductionJob
    operator = results[("operator", "allow", "ice:QueryIProductionJob")]
    assert operator["status"] == "violated" and "implicitly denied" in operator["reason"]
    unknowns = run.json()["principals"]["worker"]["unknowns"]
    assert any("known only after apply" in note for note in unknowns)
    assert run.code == 1


def test_text_output_reads_like_a_plan(cli):
    run = cli("check")
    lines = run.out.splitlines()
    assert lines[0] == "policycheck check: policycheck.yaml: 5 principals, 14 expectations (14 checks)"
    assert '  ✓ may      ice:QueryIProductionJob on "*" with acs:SourceIp=10.20.30.40' in lines
    assert "  ✓ must not ice:Delete* on any resource in any context" in lines
    assert lines[-1] == "14 checks of 14 expectations: 14 hold. Check passed."


def test_text_shows_violations_with_reason(project, cli, tmp_path):
    project(config("submit", "    deny:\n      - action: ice:SubmitIProductionJob\n"), cli=cli)
    run = cli("check", cwd=tmp_path)
    assert run.code == 1
    assert "  ✗ must not ice:SubmitIProductionJob on any resource in any context  [violated]" in run.out
    assert (
        'can be allowed (resource "acs:ice:cn-hangzhou:1234567890123456:*") by Statement[0] of policies/submit.json:4'
        in run.out
    )
    assert run.out.rstrip().endswith("1 check of 1 expectation: 0 hold, 1 violated. Check FAILED.")


def test_lint_findings_of_involved_documents_fail_the_check(project, cli, write):
    write(
        "policies/sid.json",
        {
            "Version": "1",
            "Statement": [{"Sid": "x", "Effect": "Allow", "Action": "ice:GetMediaInfo", "Resource": "*"}],
        },
    )
    run = project(config("query", "    allow:\n      - action: ice:QueryIProductionJob\n"), cli=cli)
    assert run.code == 1 and [f["code"] for f in run.json()["findings"]] == ["UNSUPPORTED_ELEMENT"]
    assert (
        project(
            config("query", "    allow:\n      - action: ice:QueryIProductionJob\n"),
            "--fail-on",
            "error",
            cli=cli,
        ).code
        == 0
    )


def test_sarif_is_valid_and_points_at_the_expectation(project, cli, tmp_path):
    project(config("submit", "    deny:\n      - action: ice:SubmitIProductionJob\n"), cli=cli)
    run = cli("check", "--format", "sarif", cwd=tmp_path)
    log = json.loads(run.out)
    jsonschema.Draft4Validator(
        json.loads((REPO / "tests/data/sarif-schema-2.1.0.json").read_text())
    ).validate(log)
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "EXPECTATION_VIOLATED"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "policycheck.yaml" and location["region"]["startLine"] == 8


def test_junit_has_a_case_per_check(project, cli, tmp_path):
    project(
        config(
            "submit", "    deny:\n      - action: ice:SubmitIProductionJob\n      - action: ice:Delete*\n"
        ),
        cli=cli,
    )
    run = cli("check", "--format", "junit", cwd=tmp_path)
    root = ElementTree.fromstring(run.out)
    cases = root.findall(".//testcase")
    failures = root.findall(".//failure")
    assert int(root.get("tests")) == len(cases) == 3  # a deny pattern is one question
    assert int(root.get("failures")) == len(failures) == 1
    assert failures[0].get("type") == "violated"
    assert cases[0].get("classname") == "worker" and cases[0].get("file") == "policycheck.yaml"


@pytest.mark.parametrize(
    ("config_text", "where", "words"),
    [
        (
            "principals: {}\nexpect:\n  ghost:\n    allow: [{action: ice:X}]\n",
            ":3:3:",
            'expectations for "ghost"',
        ),
        (
            config("nope", "    allow:\n      - action: ice:QueryIProductionJob\n"),
            ":4:16:",
            'no document named "nope"',
        ),
        (config("query", "    allow:\n      - action: nosuch:Get*\n"), ":8:9:", "no action catalog"),
        (config("query", "    allow:\n      - action: ice:Nothing*\n"), ":8:9:", "matches no action"),
        (
            config("query", "    allow:\n      - action: ice:X\n        conditional: yes\n"),
            ":9:9:",
            "conditional: only takes ok",
        ),
        ("policies: [missing/]\n", ":1:12:", "no such file or folder"),
        (
            config("query", "    allow:\n      - action: ice:QueryIProductionJob\n", "    trust: query\n"),
            ":5:5:",
            "not a trust policy",
        ),
    ],
)
def test_config_errors_exit_2_with_the_line(project, cli, config_text, where, words):
    run = project(config_text, cli=cli)
    assert run.code == 2, run.out
    [line] = run.err.strip().splitlines()
    assert line.startswith(f"policycheck: error: policycheck.yaml{where}") and words in line, line


def test_no_config_is_a_usage_error(cli, tmp_path):
    run = cli("check", cwd=tmp_path)
    assert run.code == 2 and "no policycheck.yaml here" in run.err
