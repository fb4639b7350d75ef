""".tf files -> documents and principals, evaluated only as far as they are known before apply."""

from __future__ import annotations

import textwrap

import pytest

from policycheck.load.terraform_config import load_modules
from tests.conftest import REPO


def module(tmp_path, text: str, name: str = "main.tf"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    (tmp_path / ".git").mkdir(exist_ok=True)  # the repository file() may read in
    [loaded] = load_modules([str(path)], {str(path): name})
    return loaded


def documents(loaded) -> dict:
    return {item.address: item.document.value for item in loaded.documents}


def codes(loaded) -> list[tuple[str, int, int]]:
    return [(f.code, f.line, f.column) for f in loaded.plan.findings]


def test_jsonencode_of_literals_locals_and_variable_defaults(tmp_path):
    loaded = module(
        tmp_path,
        """
        locals {
          actions = ["ice:QueryIProductionJob"]
          doc     = { Version = "1" }
        }
        variable "bucket" { default = "media" }
        resource "alicloud_ram_policy" "p" {
          policy_name     = "p-${var.bucket}"
          policy_document = jsonencode(merge(local.doc, {}))
        }
        resource "alicloud_ram_policy" "q" {
          policy_name = "q"
          policy_document = jsonencode({
            Version   = local.doc.Version
            Statement = [{ Effect = "Allow", Action = local.actions, Resource = "acs:oss:*:*:${var.bucket}/*", "N" : 1.5, B = true }]
          })
        }
        """,
    )
    assert documents(loaded) == {
        "alicloud_ram_policy.q": {
            "Version": "1",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["ice:QueryIProductionJob"],
                    "Resource": "acs:oss:*:*:media/*",
                    "N": 1.5,
                    "B": True,
                }
            ],
        }
    }
    # merge() is a function policycheck does not evaluate: reported at the expression, not guessed
    assert codes(loaded) == [("NOT_KNOWN_BEFORE_APPLY", 9, 32)]
    assert "merge() is not evaluated" in loaded.plan.findings[0].message
    assert [p.name for p in loaded.plan.policies] == ["p-media", "q"]


def test_heredocs_keep_their_lines_and_indented_heredocs_are_trimmed(tmp_path):
    loaded = module(
        tmp_path,
        """
        resource "alicloud_ram_policy" "p" {
          policy_name     = "p"
          policy_document = <<-EOT
            {"Version": "1",
             "Statement": [{"Effect": "Allow", "Action": "ice:Get*", "Resource": "$${ram:x}"}]}
          EOT
        }
        """,
    )
    document = loaded.documents[0].document
    assert document.value["Statement"][0]["Resource"] == "${ram:x}"
    assert document.locate(("Statement", 0, "Action"))[0] == 6


def test_the_data_source_renders_as_the_provider_does(tmp_path):
    loaded = module(
        tmp_path,
        """
        data "alicloud_ram_policy_document" "d" {
          statement {
            action   = ["oss:GetObject"]
            resource = ["acs:oss:*:*:a", "acs:oss:*:*:b"]
            condition {
              operator = "StringLike"
              variable = "oss:Prefix"
              values   = ["x/"]
            }
            condition {
              operator = "StringLike"
              variable = "oss:Delimiter"
              values   = ["/", "-"]
            }
          }
          statement {
            effect = "Deny"
            action = ["sts:AssumeRole"]
            principal {
              entity      = "RAM"
              identifiers = ["acs:ram::1:root", "acs:ram::2:root"]
            }
          }
        }
        """,
    )
    assert documents(loaded)["data.alicloud_ram_policy_document.d"] == {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "oss:GetObject",
                "Resource": ["acs:oss:*:*:a", "acs:oss:*:*:b"],
                "Condition": {"StringLike": {"oss:Prefix": "x/", "oss:Delimiter": ["/", "-"]}},
            },
            {
                "Effect": "Deny",
                "Action": "sts:AssumeRole",
                "Principal": {"RAM": ["acs:ram::2:root", "acs:ram::1:root"]},
            },
        ],
        "Version": "1",
    }
    document = loaded.documents[0].document
    assert document.locate(("Statement", 0, "Resource", 1))[0] == 5
    assert document.locate(("Statement", 0, "Condition", "StringLike", "oss:Delimiter"))[0] == 14
    assert document.locate(("Statement", 1, "Principal", "RAM"))[0] == 22


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ('templatefile("p.tpl", {})', "templatefile() is not evaluated"),
        ("alicloud_oss_bucket.b.bucket", "alicloud_oss_bucket.b.bucket is not known before apply"),
        ('var.on ? "a" : "b"', "a conditional expression"),
        ("[for a in local.x : a]", "a for expression"),
        ("var.missing_default", "var.missing_default has no default"),
        ("local.loop", "refers to itself"),
        ('file("../outside.json")', "outside the repository"),
        ('jsonencode({Resource = "${random_id.x.hex}"})', "random_id.x.hex is not known before apply"),
    ],
)
def test_what_is_not_known_before_apply_is_reported_never_guessed(tmp_path, expression, reason):
    (tmp_path.parent / "outside.json").write_text('{"Version": "1", "Statement": []}')
    loaded = module(
        tmp_path,
        f"""
        variable "missing_default" {{}}
        locals {{ loop = local.loop }}
        resource "alicloud_ram_policy" "p" {{
          policy_name     = "p"
          policy_document = {expression}
        }}
        """,
    )
    assert loaded.documents == ()
    [finding] = loaded.plan.findings
    # at the expression; a cycle where it closes (the local refers to itself on line 3)
    line = 3 if expression == "local.loop" else 6
    assert finding.code == "NOT_KNOWN_BEFORE_APPLY" and finding.line == line and reason in finding.message
    assert loaded.plan.policies[0].document is None and reason in loaded.plan.policies[0].unknown


def test_file_inside_the_repository_is_read_with_its_own_lines(tmp_path):
    (tmp_path / "p.json").write_text(
        '{\n  "Version": "1",\n  "Statement": [{"Effect": "Allow", "Action": "ice:Get*", "Resource": "*"}]\n}\n'
    )
    loaded = module(
        tmp_path,
        """
        resource "alicloud_ram_policy" "p" {
          policy_name     = "p"
          policy_document = file("${path.module}/p.json")
        }
        """,
    )
    document = loaded.documents[0].document
    assert document.source.endswith("p.json") and document.locate(("Statement", 0))[0] == 3


def test_syntax_errors_and_missing_documents_are_findings(tmp_path):
    loaded = module(tmp_path, 'resource "alicloud_ram_policy" "p" {\n  policy_name = \n}\n')
    assert [f.code for f in loaded.plan.findings] == ["TERRAFORM_CONFIG"]
    loaded = module(tmp_path, 'resource "alicloud_ram_role" "r" {\n  role_name = "r"\n}\n')
    assert codes(loaded) == [("TERRAFORM_CONFIG", 1, 1)]
    assert "assume_role_policy_document" in loaded.plan.findings[0].message


def test_hostile_nesting_is_bounded(tmp_path):
    def nested(levels: int):
        deep = "[" * levels + "]" * levels
        text = f'resource "alicloud_ram_policy" "p" {{\n  policy_name = "p"\n  policy_document = jsonencode({deep})\n}}\n'
        return module(tmp_path, text).plan.findings

    [finding] = nested(40)  # parsed, but deeper than any document: not evaluated
    assert finding.code == "NOT_KNOWN_BEFORE_APPLY" and "nests deeper" in finding.message
    [finding] = nested(3000)  # refused before the parser, whose time grows with the square of the depth
    assert finding.code == "TERRAFORM_CONFIG" and "nest deeper than 64" in finding.message
    assert (finding.line, finding.column) == (3, 94)  # jsonencode( is level 1, the 64th [ level 65


def test_the_sample_configuration_gives_the_principals_the_plan_gives():
    path = REPO / "tests" / "data" / "terraform" / "main.tf"
    [loaded] = load_modules([str(path)])
    assert {p.name for p in loaded.plan.policies} >= {"media-ice-worker", "media-legacy-reader"}
    assert loaded.plan.policy("media-bucket-access").document is None


def test_a_file_named_alone_sees_its_folders_locals_but_reports_only_itself(tmp_path):
    (tmp_path / "locals.tf").write_text(
        'locals {\n  actions = ["ice:Get*"]\n}\nresource "alicloud_ram_policy" "other" {\n  policy_name = "o"\n  policy_document = templatefile("x", {})\n}\n'
    )
    (tmp_path / "broken.tf").write_text("this is { not hcl\n")
    main = tmp_path / "main.tf"
    main.write_text(
        'resource "alicloud_ram_policy" "p" {\n  policy_name = "p"\n'
        '  policy_document = jsonencode({Version = "1", Statement = [{Effect = "Allow", Action = local.actions, Resource = "*"}]})\n}\n'
    )
    [loaded] = load_modules([str(main)])
    assert [item.address for item in loaded.documents] == ["alicloud_ram_policy.p"]
    assert loaded.documents[0].document.value["Statement"][0]["Action"] == ["ice:Get*"]
    assert loaded.plan.findings == ()  # neither the other resource's unknown nor broken.tf


def test_what_terraform_itself_refuses_is_a_config_error_at_the_expression(tmp_path):
    loaded = module(
        tmp_path,
        """
        data "alicloud_ram_policy_document" {
        }
        resource "alicloud_ram_policy" "missing" {
          policy_name     = "m"
          policy_document = file("nope.json")
        }
        resource "alicloud_ram_policy" "number" {
          policy_name     = "n"
          policy_document = 12
        }
        """,
    )
    found = sorted((f.code, f.line, f.column) for item in loaded.documents for f in item.document.findings)
    assert found == [("TERRAFORM_CONFIG", 6, 21), ("TERRAFORM_CONFIG", 10, 21)]


def test_users_get_their_groups_attachments_as_from_a_plan(tmp_path):
    loaded = module(
        tmp_path,
        """
        resource "alicloud_ram_user" "u" { name = "ana" }
        resource "alicloud_ram_group" "g" { group_name = "editors" }
        resource "alicloud_ram_group_membership" "m" {
          group_name = alicloud_ram_group.g.group_name
          user_names = [alicloud_ram_user.u.name, "bo"]
        }
        resource "alicloud_ram_group_policy_attachment" "a" {
          group_name  = alicloud_ram_group.g.name
          policy_name = "AliyunICEReadOnlyAccess"
          policy_type = "System"
        }
        """,
    )
    [attachment] = loaded.plan.attached("user", "ana")
    assert (attachment.via_group, attachment.policy_name, attachment.policy_type) == (
        "editors",
        "AliyunICEReadOnlyAccess",
        "System",
    )
    assert loaded.plan.users == ("ana",) and loaded.plan.groups == ("editors",)
