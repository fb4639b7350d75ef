"""`lint` and `check` on policies where they are written: .tf files, ROS templates, mixed folders."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

from tests.conftest import REPO, policy

TF_SAMPLE = REPO / "tests" / "data" / "terraform-config"
ROS_SAMPLES = REPO / "tests" / "data" / "ros"


def found(run) -> list[tuple[str, str, int, int]]:
    return [(f["file"].rsplit("/", 1)[-1], f["code"], f["line"], f["column"]) for f in run.json()["findings"]]


def test_lint_tf_points_at_the_element_in_the_tf_file(cli):
    run = cli("lint", str(TF_SAMPLE / "main.tf"), "--format", "json")
    assert run.code == 1
    assert found(run) == [
        ("main.tf", "RESOURCE_MISMATCH", 40, 7),  # heredoc: the line inside it
        ("main.tf", "NOT_KNOWN_BEFORE_APPLY", 57, 90),  # ${var.bucket}: no default
    ]
    assert run.json()["summary"]["files"] == 2  # main.tf, and policies/reader.json read by file()


def test_lint_tf_jsonencode_elements_and_data_source_blocks(cli, write):
    tf = write(
        "infra/main.tf",
        textwrap.dedent(
            """\
            resource "alicloud_ram_policy" "p" {
              policy_name = "p"
              policy_document = jsonencode({
                Version = "1"
                Statement = [{
                  Effect    = "Allow"
                  Action    = "ice:QueryIProductionJob"
                  Resource  = "*"
                  Condition = { IpAdress = { "acs:SourceIp" = "10.0.0.1" } }
                }]
              })
            }

            data "alicloud_ram_policy_document" "d" {
              statement {
                effect   = "Allow"
                action   = ["ecs:DescribeInstances"]
                resource = ["*"]
                condition {
                  operator = "StringEqual"
                  variable = "acs:SourceVpc"
                  values   = ["vpc-1"]
                }
              }
            }
            """
        ),
    )
    run = cli("lint", str(tf.parent), "--format", "json")
    assert ("main.tf", "UNKNOWN_CONDITION_OPERATOR", 9, 21) in found(run)  # the IpAdress key
    assert ("main.tf", "UNKNOWN_CONDITION_OPERATOR", 19, 5) in found(run)  # the condition block


def test_lint_ros_templates_at_their_own_lines(cli):
    run = cli("lint", str(ROS_SAMPLES), "--format", "json")
    assert run.code == 1
    findings = found(run)
    assert ("single-role-add-policy.yml", "NOT_KNOWN_BEFORE_DEPLOY", 67, 11) in findings  # Fn::Split
    assert ("single-role-add-policy.yml", "NOT_KNOWN_BEFORE_DEPLOY", 85, 13) in findings  # Ref
    assert ("single-role-add-policy.yml", "OVERLY_PERMISSIVE", 92, 15) in findings  # ros:* inline
    assert ("single-user-with-different-policies.yml", "OVERLY_PERMISSIVE", 136, 13) in findings  # oss:*
    assert ("use-sts-to-access-OSS.yml", "NOT_KNOWN_BEFORE_DEPLOY", 145, 19) in findings  # Fn::Sub
    # 3 inline or managed documents + 1 trust + ... : none of the templates is reported as a broken policy
    assert not [f for f in findings if f[1] in ("SCHEMA", "JSON_SYNTAX")]


def test_lint_ros_json_template(cli, write):
    template = {
        "ROSTemplateFormatVersion": "2015-09-01",
        "Resources": {
            "Worker": {
                "Type": "ALIYUN::RAM::ManagedPolicy",
                "Properties": {
                    "PolicyName": "worker",
                    "PolicyDocumentUnchecked": policy(
                        {
                            "Effect": "Allow",
                            "Action": "ice:QueryIProductionJob",
                            "Resource": "acs:ice:*:*:job/1",
                        }
                    ),
                },
            },
            "Empty": {"Type": "ALIYUN::RAM::ManagedPolicy", "Properties": {"PolicyName": "x"}},
            "Attach": {"Type": "ALIYUN::RAM::AttachPolicyToRole", "Properties": {"PolicyName": {"Ref": "P"}}},
        },
    }
    path = write("stack.json", template)
    run = cli("lint", str(path), "--format", "json")
    assert found(run) == [
        ("stack.json", "RESOURCE_MISMATCH", 14, 15),  # the Resource inside PolicyDocumentUnchecked
        ("stack.json", "ROS_TEMPLATE", 22, 7),  # Empty.Properties: no document
    ]  # the attachment's Ref is a name, not a document: nothing to report


def test_folders_skip_what_is_not_a_policy_and_list_it_with_verbose(cli, write):
    write("repo/package.json", {"name": "site", "version": "1.0.0"})
    write("repo/tsconfig.json", '{ // comments make this JSONC, not JSON\n  "compilerOptions": {}\n}\n')
    write("repo/docker-compose.yml", "services:\n  web:\n    image: nginx\n")
    write("repo/.github/workflows/ci.yml", "on: push\njobs: {}\n")  # hidden folders are not read
    write("repo/world.yaml", "accounts:\n  - id: '1'\n")
    write("repo/notes.json", "[1, 2]")
    write("repo/ok.json", policy({"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}))
    write("repo/broken.json", '{"Version": "1", "Statement": [')  # a policy by its text: an error
    write("repo/empty.policy.json", "{}")  # a policy by its name: an error
    run = cli("lint", str(write("repo/x.txt", "").parent), "--verbose")
    assert run.code == 1
    assert "broken.json:1:32: error JSON_SYNTAX" in run.out
    assert "empty.policy.json:1:1: error SCHEMA" in run.out
    assert "package.json" not in run.out and "tsconfig" not in run.out
    skipped = sorted(line.split(":")[1].strip().rsplit("/", 1)[-1] for line in run.err.splitlines())
    assert skipped == ["docker-compose.yml", "notes.json", "package.json", "tsconfig.json", "world.yaml"]
    assert "no Statement or Version at its top level" in run.err
    assert cli("lint", str(write("repo/x.txt", "").parent)).err == ""  # listed only with --verbose


def test_files_named_on_the_command_line_are_always_linted(cli, write):
    package = write("package.json", {"name": "site"})
    assert "SCHEMA" in cli("lint", str(package)).out  # the user named it: it is read as a policy
    assert "JSON_SYNTAX" in cli("lint", str(write("anything.json", "["))).out
    folder = package.parent
    assert cli("lint", str(folder)).code == 0  # found in a folder: skipped, anything.json too
    (folder / "policycheck.yaml").write_text("lint:\n  kinds:\n    package.json: identity\n")
    assert "package.json" in cli("lint", str(folder), "--config", str(folder / "policycheck.yaml")).out


def test_check_takes_principals_from_tf_files(cli):
    run = cli("check", "--format", "json", cwd=TF_SAMPLE)
    results = {(r["action"], r["status"]) for r in run.json()["results"]}
    assert results == {
        ("ice:QueryIProductionJob", "holds"),
        ("ice:ListMediaBasicInfos", "holds"),  # from file("policies/reader.json")
        ("ice:SubmitIProductionJob", "holds"),
    }
    assert run.code == 1  # the lint error in the job-scoped policy


def test_check_is_unknown_when_an_attached_policy_is_not_known_before_apply(cli, write):
    write(
        "main.tf",
        textwrap.dedent(
            """\
            variable "bucket" {}
            resource "alicloud_ram_policy" "p" {
              policy_name     = "p"
              policy_document = jsonencode({Version = "1", Statement = [{Effect = "Allow", Action = "oss:GetObject", Resource = "acs:oss:*:*:${var.bucket}/*"}]})
            }
            resource "alicloud_ram_user_policy_attachment" "a" {
              user_name   = "u"
              policy_name = alicloud_ram_policy.p.policy_name
              policy_type = "Custom"
            }
            """
        ),
    )
    config = write(
        "policycheck.yaml",
        "policies:\n  - terraform: .\nprincipals:\n  u:\n    terraform: {user: u}\n"
        "expect:\n  u:\n    allow:\n      - action: oss:GetObject\n",
    )
    run = cli("check", "--format", "json", cwd=config.parent)
    [result] = run.json()["results"]
    assert result["status"] == "unknown" and "var.bucket has no default" in result["reason"]
    assert run.code == 1


def test_lint_of_json_does_not_import_the_hcl_parser(write):
    path = write("p.json", policy({"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}))
    code = (
        "import sys; from policycheck.cli import main; code = main(['lint', sys.argv[1]]); "
        "assert 'hcl2' not in sys.modules and 'lark' not in sys.modules; sys.exit(code)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_a_copied_repository_lints_tf_next_to_json(cli, tmp_path):
    shutil.copytree(TF_SAMPLE, tmp_path / "infra")
    run = cli("lint", str(tmp_path), "--format", "json")
    assert {f["code"] for f in run.json()["findings"]} == {"RESOURCE_MISMATCH", "NOT_KNOWN_BEFORE_APPLY"}
    assert json.loads(run.out)["summary"]["files"] == 2  # main.tf and reader.json (also read by file())


def test_check_names_a_ros_managed_policy_by_its_policy_name(cli, write):
    write(
        "stacks/worker.yml",
        textwrap.dedent(
            """\
            ROSTemplateFormatVersion: '2015-09-01'
            Resources:
              WorkerPolicy:
                Type: ALIYUN::RAM::ManagedPolicy
                Properties:
                  PolicyName: media-worker
                  PolicyDocument:
                    Version: '1'
                    Statement:
                      - Effect: Allow
                        Action: ice:QueryIProductionJob
                        Resource: '*'
            """
        ),
    )
    write("stacks/package.json", {"name": "not-a-policy"})
    config = write(
        "policycheck.yaml",
        "policies:\n  - stacks/\nprincipals:\n  w:\n    identity: [media-worker]\n"
        "expect:\n  w:\n    allow:\n      - action: ice:QueryIProductionJob\n",
    )
    run = cli("check", "--format", "json", cwd=config.parent)
    assert run.code == 0, run.out + run.err
    [result] = run.json()["results"]
    assert result["status"] == "holds" and result["statements"][0]["line"] == 10


def test_lint_real_terraform_modules_at_the_lines_inside_their_heredoc_locals(cli):
    run = cli("lint", str(REPO / "tests" / "data" / "terraform-real"), "--format", "json")
    findings = found(run)
    assert ("main.tf", "OVERLY_PERMISSIVE", 7, 7) in findings  # RamFullAccessOnlyMFAEnabled: "ram:*"
    assert ("main.tf", "OVERLY_PERMISSIVE", 29, 9) in findings  # EcsFullAccessDenyBuy: "ecs:*"
    # nothing unknown, no schema error (UNKNOWN_SERVICE only where the action catalogs lack a service)
    assert {f[1] for f in findings} - {"UNKNOWN_SERVICE"} == {"OVERLY_PERMISSIVE", "PRIVILEGE_ESCALATION"}


def test_hostile_tf_files_are_findings_never_crashes(cli, write):
    cases = {
        "random.tf": bytes(range(256)) * 4,
        "deep-blocks.tf": ("a {\n" * 5000 + "}\n" * 5000).encode(),
        "deep-expression.tf": (
            'resource "alicloud_ram_policy" "p" {\n  policy_name = "p"\n  policy_document = jsonencode('
            + "[" * 3000
            + "]" * 3000
            + ")\n}\n"
        ).encode(),
        "unterminated.tf": b'resource "alicloud_ram_policy" "p" {\n  policy_document = <<EOT\n{\n',
        "huge.tf": b"# " + b"x" * (2 << 20) + b"\n",
        "cycle.tf": b'locals {\n  a = local.b\n  b = local.a\n}\nresource "alicloud_ram_policy" "p" {\n  policy_name = "p"\n  policy_document = local.a\n}\n',
        "escape.tf": b'resource "alicloud_ram_policy" "p" {\n  policy_name = "p"\n  policy_document = "\\u001b[31m"\n}\n',
    }
    expected = {
        "random.tf": "JSON_SYNTAX",  # not UTF-8
        "deep-blocks.tf": "TERRAFORM_CONFIG",
        "deep-expression.tf": "TERRAFORM_CONFIG",  # refused before parsing: bounded time
        "unterminated.tf": "TERRAFORM_CONFIG",
        "huge.tf": "JSON_SYNTAX",  # larger than 1 MiB
        "cycle.tf": "NOT_KNOWN_BEFORE_APPLY",
        "escape.tf": "JSON_SYNTAX",  # the document string is not JSON
    }
    for name, content in cases.items():
        run = cli("lint", str(write(f"{name}/{name}", content)), "--format", "json")
        assert "Traceback" not in run.err and "internal error" not in run.err, (name, run.err)
        assert {f["code"] for f in run.json()["findings"]} == {expected[name]}, name
    text = cli("lint", str(write("escape.tf/escape.tf", cases["escape.tf"]))).out
    assert "\x1b" not in text
