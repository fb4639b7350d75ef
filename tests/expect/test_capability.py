"""`deny: [{capability: privilege-escalation}]` in policycheck.yaml, through the CLI."""

from __future__ import annotations

import json
import shutil

import pytest

from policycheck.config import load_config
from policycheck.expect.check import run_check
from policycheck.expect.spec import read_spec
from tests.conftest import REPO

ADMIN = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ram:*", "Resource": "*"}]}
READER = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": ["ram:Get*", "ram:List*"], "Resource": "*"}],
}
FC_DEPLOYER = {
    "Version": "1",
    "Statement": [
        {"Effect": "Allow", "Action": "fc:*", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "ram:PassRole",
            "Resource": "*",
            "Condition": {"StringEquals": {"acs:Service": "fc.aliyuncs.com"}},
        },
    ],
}
DENY_RAM = {"Version": "1", "Statement": [{"Effect": "Deny", "Action": "ram:*", "Resource": "*"}]}

CONFIG = """\
policies: [policies/]
principals:
  admin: {type: user, identity: [admin]}
  reader: {type: user, identity: [reader]}
  deployer: {type: role, identity: [fc-deployer]}
  guarded: {type: user, identity: [admin], control: [everything, deny-ram]}
expect:
  admin: {deny: [{capability: privilege-escalation}]}
  reader: {deny: [{capability: privilege-escalation, description: auditors only read}]}
  deployer: {deny: [{capability: privilege-escalation}]}
  guarded: {deny: [{capability: privilege-escalation}]}
lint:
  ignore:
    - codes: [OVERLY_PERMISSIVE, PRIVILEGE_ESCALATION]
      reason: the expectations are what this test is about
"""


@pytest.fixture
def project(tmp_path, write):
    for name, document in {
        "admin": ADMIN,
        "reader": READER,
        "fc-deployer": FC_DEPLOYER,
        "deny-ram": DENY_RAM,
        "everything": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    }.items():
        write(f"policies/{name}.json", document)
    write("policycheck.yaml", CONFIG)
    return tmp_path


def results(run) -> dict[str, dict]:
    return {r["principal"]: r for r in run.json()["results"]}


def test_each_principal_is_proved(project, cli):
    run = cli("check", "--format", "json", cwd=project)
    assert run.code == 1, run.err
    found = results(run)
    assert {p: r["status"] for p, r in found.items()} == {
        "admin": "violated",
        "reader": "holds",
        "deployer": "violated",
        "guarded": "holds",  # the control layer denies ram:*: no capability is left
    }
    admin = found["admin"]
    assert admin["pattern"] == admin["action"] == "privilege-escalation"
    assert admin["witness"]["action"] == "ram:AttachPolicyToUser"
    assert "attach-policy-to-user (ram:AttachPolicyToUser)" in admin["reason"]
    assert "by Statement[0] of policies/admin.json:4" in admin["reason"]
    assert admin["statements"][0]["file"] == "policies/admin.json"


def test_a_conditional_capability_names_its_context(project, cli):
    deployer = results(cli("check", "--format", "json", cwd=project))["deployer"]
    assert (
        "pass-role-to-fc (ram:PassRole when acs:Service=fc.aliyuncs.com + fc:CreateFunction)"
        in deployer["reason"]
    )
    assert deployer["witness"]["context"] == {"acs:Service": ["fc.aliyuncs.com"]}


def test_text_output(project, cli):
    run = cli("check", cwd=project)
    assert "✗ must not privilege-escalation on any resource in any context  [violated]" in run.out
    assert "✓ must not privilege-escalation on any resource in any context" in run.out
    assert "none of the 15 capabilities of policycheck/data/escalation.json can be allowed" in run.out


def test_an_exhausted_budget_is_unknown_never_holds(project, monkeypatch):
    conditional = dict(
        ADMIN, Statement=[dict(ADMIN["Statement"][0], Condition={"Bool": {"acs:MFAPresent": "true"}})]
    )
    (project / "policies/admin.json").write_text(json.dumps(conditional))
    monkeypatch.chdir(project)
    spec = read_spec(load_config())
    report = run_check(spec, spec.config.lint, steps=1)
    admin = next(r for r in report.results if r.expectation.principal == "admin")
    assert (admin.status, admin.passed) == ("unknown", False)
    assert admin.reason.startswith("could not prove that attach-policy-to-user")


def test_policies_whose_text_is_not_known_make_it_unknown(tmp_path, write, cli):
    shutil.copy(REPO / "tests/data/terraform/plan.json", tmp_path / "plan.json")
    write(
        "policycheck.yaml",
        "policies:\n  - terraform: plan.json\nprincipals:\n  worker:\n    terraform: {role: media-worker}\n"
        "expect:\n  worker:\n    deny: [{capability: privilege-escalation}]\n",
    )
    run = cli("check", "--format", "json", cwd=tmp_path)
    [result] = run.json()["results"]
    assert result["status"] == "unknown" and "known only after apply" in result["reason"]
    assert run.code == 1


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("{capability: escalation}", "capability: is privilege-escalation"),
        (
            "{capability: privilege-escalation, action: ram:CreateUser}",
            "{capability: privilege-escalation} alone",
        ),
        ("{capability: privilege-escalation, resource: '*'}", "{capability: privilege-escalation} alone"),
    ],
)
def test_config_errors_exit_2_with_the_line(project, cli, write, entry, words):
    write(
        "policycheck.yaml",
        CONFIG.replace("{capability: privilege-escalation}]}\n  reader", f"{entry}]}}\n  reader", 1),
    )
    run = cli("check", cwd=project)
    assert run.code == 2
    assert "policycheck.yaml:8:" in run.err and words in run.err


def test_the_shipped_config_requires_it_of_the_auditor(cli):
    run = cli("check", "--format", "json")
    assert run.code == 0, run.out + run.err
    [auditor] = [
        r
        for r in run.json()["results"]
        if r["principal"] == "auditor" and r["pattern"] == "privilege-escalation"
    ]
    assert auditor["status"] == "holds"
