"""`policycheck:ignore CODE reason` comments in YAML policies and .tf files, through the CLI."""

from __future__ import annotations

import re

YAML = """\
Version: "1"
Statement:
  - Effect: Allow
    Action: "oss:*"{same}
    Resource: "*"
  - Effect: Allow
{above}    Action: "ice:*"
    Resource: "*"
"""


def found(run) -> set[tuple[str, int]]:
    return {(f["code"], f["line"]) for f in run.json()["findings"]}


def lint(cli, tmp_path, name: str):
    return cli("lint", name, "--format", "json", cwd=tmp_path)


def test_without_comments_both_statements_are_reported(tmp_path, write, cli):
    write("p.yaml", YAML.format(same="", above=""))
    assert found(lint(cli, tmp_path, "p.yaml")) == {("OVERLY_PERMISSIVE", 4), ("OVERLY_PERMISSIVE", 7)}


def test_yaml_comment_on_the_line_and_on_the_line_above_waive(tmp_path, write, cli):
    write(
        "p.yaml",
        YAML.format(
            same="  # policycheck:ignore OVERLY_PERMISSIVE break-glass admin, reviewed by security",
            above="    # policycheck:ignore OVERLY_PERMISSIVE ops own every ice call\n",
        ),
    )
    run = cli("lint", "p.yaml", cwd=tmp_path)
    assert run.code == 0 and run.out == "No findings in 1 file.\n"


def test_yaml_comment_with_another_code_waives_nothing_and_is_unused(tmp_path, write, cli):
    write("p.yaml", YAML.format(same="  # policycheck:ignore UNKNOWN_ACTION legacy", above=""))
    run = lint(cli, tmp_path, "p.yaml")
    assert run.code == 1
    assert found(run) == {("OVERLY_PERMISSIVE", 4), ("OVERLY_PERMISSIVE", 7), ("WAIVER_UNUSED", 4)}
    unused = next(f for f in run.json()["findings"] if f["code"] == "WAIVER_UNUSED")
    assert unused["severity"] == "suggestion" and "no UNKNOWN_ACTION finding at line 4" in unused["message"]


def test_yaml_comment_without_reason_is_a_finding_and_waives_nothing(tmp_path, write, cli):
    write("p.yaml", YAML.format(same="", above="    # policycheck:ignore OVERLY_PERMISSIVE\n"))
    run = cli("lint", "p.yaml", cwd=tmp_path)
    assert run.code == 1
    assert "p.yaml:7:5: warning WAIVER_INVALID this policycheck:ignore comment gives no reason" in run.out
    assert "p.yaml:8:5: security_warning OVERLY_PERMISSIVE" in run.out


def test_a_comment_two_lines_above_or_after_code_does_not_waive(tmp_path, write, cli):
    text = YAML.format(same="", above="    # policycheck:ignore OVERLY_PERMISSIVE too far away\n    Sid: x\n")
    write("p.yaml", text.replace('Action: "oss:*"', 'Action: "oss:*" # policycheck:ignore'))
    run = lint(cli, tmp_path, "p.yaml")
    assert {("WAIVER_UNUSED", 7), ("WAIVER_INVALID", 4), ("OVERLY_PERMISSIVE", 9)} <= found(run)


def test_a_marker_inside_a_yaml_string_is_not_a_comment(tmp_path, write, cli):
    write("p.yaml", YAML.format(same="", above='    Sid: "x # policycheck:ignore OVERLY_PERMISSIVE no"\n'))
    assert ("OVERLY_PERMISSIVE", 8) in found(lint(cli, tmp_path, "p.yaml"))


TF = """\
resource "alicloud_ram_policy" "admin" {
  policy_name = "admin"
  policy_document = jsonencode({
    Version = "1"
    Statement = [
      {
        Effect   = "Allow"
        Action   = "*" # policycheck:ignore OVERLY_PERMISSIVE break-glass admin
        Resource = "*"
      },
      {
        Effect = "Allow"
        // policycheck:ignore OVERLY_PERMISSIVE ops own every ecs call
        Action   = "ecs:*"
        Resource = "*"
      },
      {
        Effect   = "Allow"
        Action   = "oss:*" /* policycheck:ignore UNKNOWN_ACTION wrong code */
        Resource = "*"
      },
      {
        Effect = "Allow"
        # policycheck:ignore OVERLY_PERMISSIVE
        Action   = "rds:*"
        Resource = "*"
      }
    ]
  })
}

resource "alicloud_ram_policy" "text" {
  policy_name     = "text"
  policy_document = <<EOT
{"Version": "1", "Statement": [{"Effect": "Allow",
 "Action": "vpc:*", "Resource": "*", "Sid": "# policycheck:ignore OVERLY_PERMISSIVE not a comment"}]}
EOT
}
"""


def test_tf_comments_waive_jsonencode_elements(tmp_path, write, cli):
    write("main.tf", TF)
    run = lint(cli, tmp_path, "main.tf")
    assert run.code == 1
    codes = found(run)
    # same line (#) and line above (//) waive; the wrong code and the reasonless comment do not
    assert ("OVERLY_PERMISSIVE", 8) not in codes and ("OVERLY_PERMISSIVE", 14) not in codes
    expected = {
        ("OVERLY_PERMISSIVE", 19),
        ("WAIVER_UNUSED", 19),
        ("OVERLY_PERMISSIVE", 25),
        ("WAIVER_INVALID", 24),
    }
    assert expected <= codes
    # text inside a heredoc is policy text, never a comment: the marker there waives nothing
    assert ("OVERLY_PERMISSIVE", 36) in codes
    assert not {c for c in codes if c[1] >= 33 and c[0].startswith("WAIVER")}
    # and without the comments, the waived elements are reported at those lines
    write("main.tf", re.sub(r" *(#|//|/\*) policycheck:ignore[^\n]*", "", TF))
    assert {("OVERLY_PERMISSIVE", 8), ("OVERLY_PERMISSIVE", 14)} <= found(lint(cli, tmp_path, "main.tf"))
