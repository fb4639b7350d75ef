"""`check` lints every document it reads the way `lint` does: every .tf document (data sources
too), the same `policycheck:ignore` comments, lint.ignore paths on .tf files and plans, the
team's catalog: section in .tf and ROS documents; control policies named by control_policy_name."""

from __future__ import annotations

MAIN_TF = """\
resource "alicloud_ram_policy" "deploy" {
  policy_name = "deploy"
  policy_document = jsonencode({
    Version = "1"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "ecs:*" # policycheck:ignore OVERLY_PERMISSIVE ops own every ecs call
        Resource = "*"
      },
      {
        Effect   = "Allow"
        Action   = "newsvc:DoThing"
        Resource = "*"
      }
    ]
  })
}

data "alicloud_ram_policy_document" "reader" {
  statement {
    effect   = "Allow"
    action   = ["rds:*"]
    resource = ["*"]
  }
}

resource "alicloud_resource_manager_control_policy" "guard" {
  control_policy_name = "no-delete"
  effect_scope        = "RAM"
  policy_document = jsonencode({
    Version   = "1"
    Statement = [{ Effect = "Deny", Action = "ecs:DeleteInstance", Resource = "*" }]
  })
}

resource "alicloud_ram_role" "ops" {
  role_name = "ops"
  assume_role_policy_document = jsonencode({
    Version   = "1"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = ["ecs.aliyuncs.com"] } }]
  })
}

resource "alicloud_ram_role_policy_attachment" "ops" {
  role_name   = alicloud_ram_role.ops.role_name
  policy_name = alicloud_ram_policy.deploy.policy_name
  policy_type = "Custom"
}
"""

LATER_TF = """\
variable "bucket" {}

resource "alicloud_ram_policy" "later" {
  policy_name     = "later"
  policy_document = jsonencode({ Version = "1", Statement = [{ Effect = "Allow", Action = "oss:GetObject", Resource = "acs:oss:*:*:${var.bucket}/*" }] })
}
"""

YAML_POLICY = """\
Version: "1"
Statement:
  - Effect: Allow
    Action: "*" # policycheck:ignore OVERLY_PERMISSIVE break-glass admin, reviewed
    Resource: "*"
  - Effect: Allow
    Action: "vpc:*" # policycheck:ignore UNKNOWN_ACTION wrong code
    Resource: "*"
"""

CHECK = """\
policies:
  - terraform: infra/
  - admin.yaml
principals:
  ops:
    terraform: {role: ops}
    control: [no-delete]
expect:
  ops:
    allow:
      - action: ecs:DescribeInstances
    deny:
      - action: ecs:DeleteInstance
"""


def found(run) -> set[tuple[str, str, int]]:
    return {(f["file"], f["code"], f["line"]) for f in run.json()["findings"]}


def repository(write, config: str = CHECK) -> None:
    write("infra/main.tf", MAIN_TF)
    write("infra/later.tf", LATER_TF)
    write("admin.yaml", YAML_POLICY)
    write("policycheck.yaml", config)


def test_check_reports_what_lint_reports_for_the_same_files(write, cli, tmp_path):
    repository(write)
    linted = cli("lint", "infra", "admin.yaml", "--format", "json", cwd=tmp_path)
    checked = cli("check", "--format", "json", cwd=tmp_path)
    assert found(checked) == found(linted)
    assert {
        ("admin.yaml", "OVERLY_PERMISSIVE", 7),  # vpc:*: its comment names another code
        ("admin.yaml", "WAIVER_UNUSED", 7),
        ("infra/later.tf", "NOT_KNOWN_BEFORE_APPLY", 5),
        ("infra/main.tf", "UNKNOWN_SERVICE", 13),
        ("infra/main.tf", "OVERLY_PERMISSIVE", 23),  # the data source's statement: linted by check too
    } <= found(checked)
    # the comments waived ecs:* (main.tf:8) and * (admin.yaml:4) in both
    waived = {("infra/main.tf", "OVERLY_PERMISSIVE", 8), ("admin.yaml", "OVERLY_PERMISSIVE", 4)}
    assert not waived & found(checked)
    assert checked.code == 1 and linted.code == 1


def test_control_policies_in_tf_are_named_by_control_policy_name(write, cli, tmp_path):
    repository(write)
    run = cli("check", cwd=tmp_path)
    assert "✓ must not ecs:DeleteInstance on any resource in any context" in run.out
    assert "denied by Statement[0] of infra/main.tf" in run.out
    repository(write, CHECK.replace("[no-delete]", "[no-such-guard]"))
    run = cli("check", cwd=tmp_path)
    assert run.code == 2 and 'policycheck.yaml:7:15: no document named "no-such-guard"' in run.err


def test_lint_ignore_paths_apply_to_tf_files_and_their_unknown_values(write, cli, tmp_path):
    ignore = """\
lint:
  ignore:
    - codes: [NOT_KNOWN_BEFORE_APPLY]
      paths: [infra/later.tf]
      reason: the bucket is chosen at apply
    - paths: [admin.yaml]
      reason: reviewed
    - codes: [OVERLY_PERMISSIVE, PRIVILEGE_ESCALATION, WAIVER_UNUSED]
      paths: [infra/main.tf]
      reason: reviewed
"""
    repository(write, CHECK + ignore)
    want = {("infra/main.tf", "UNKNOWN_SERVICE", 13)}
    assert found(cli("lint", "infra", "admin.yaml", "--format", "json", cwd=tmp_path)) == want
    assert found(cli("check", "--format", "json", cwd=tmp_path)) == want
    # from another folder, the globs still match paths relative to policycheck.yaml
    sub = tmp_path / "infra"
    run = cli("check", "--format", "json", "--config", "../policycheck.yaml", cwd=sub)
    assert {(code, line) for _, code, line in found(run)} == {("UNKNOWN_SERVICE", 13)}


def test_lint_ignore_paths_apply_to_findings_of_a_terraform_plan(write, cli, tmp_path):
    plan = {
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": []}},
        "resource_changes": [
            {
                "address": "alicloud_ram_policy.p",
                "type": "alicloud_ram_policy",
                "name": "p",
                "change": {
                    "after": {"policy_name": "p"},
                    "after_unknown": {"policy_document": True},
                },
            }
        ],
    }
    write("plan.json", plan)
    config = "policies:\n  - terraform: plan.json\n"
    write("policycheck.yaml", config)
    before = cli("check", "--format", "json", cwd=tmp_path)
    assert {code for _, code, _ in found(before)} == {"TERRAFORM_UNKNOWN"}
    write(
        "policycheck.yaml",
        config + "lint:\n  ignore:\n    - {paths: [plan.json], codes: [TERRAFORM_UNKNOWN], reason: ok}\n",
    )
    assert found(cli("check", "--format", "json", cwd=tmp_path)) == set()


def test_the_catalog_section_applies_to_tf_and_ros_documents(write, cli, tmp_path):
    repository(write, CHECK + "catalog:\n  actions: [newsvc:DoThing]\n")
    for run in (
        cli("lint", "infra", "--format", "json", cwd=tmp_path),
        cli("check", "--format", "json", cwd=tmp_path),
    ):
        assert "UNKNOWN_SERVICE" not in {code for _, code, _ in found(run)}
    template = """\
ROSTemplateFormatVersion: '2015-09-01'
Resources:
  Policy:
    Type: ALIYUN::RAM::ManagedPolicy
    Properties:
      PolicyName: thing
      PolicyDocument:
        Version: '1'
        Statement:
          - Effect: Allow
            Action: [newsvc:DoThing]
            Resource: ['*']
"""
    write("stack.yaml", template)
    write("policycheck.yaml", "policies: [stack.yaml]\n")
    assert ("stack.yaml", "UNKNOWN_SERVICE", 11) in found(
        cli("lint", "stack.yaml", "--format", "json", cwd=tmp_path)
    )
    assert ("stack.yaml", "UNKNOWN_SERVICE", 11) in found(cli("check", "--format", "json", cwd=tmp_path))
    write("policycheck.yaml", "policies: [stack.yaml]\ncatalog:\n  actions: [newsvc:DoThing]\n")
    assert found(cli("lint", "stack.yaml", "--format", "json", cwd=tmp_path)) == set()
    assert found(cli("check", "--format", "json", cwd=tmp_path)) == set()
