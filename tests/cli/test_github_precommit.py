"""--format github (workflow annotations) and --force-exclude (pre-commit), through the CLI."""

from __future__ import annotations

import yaml

from tests.conftest import REPO

SCOPED = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "acs:ice:*:*:job/x"}],
}


def test_lint_annotations_point_at_file_line_and_column(cli):
    run = cli("lint", "policies/examples-bad/broken-grammar.json", "--format", "github")
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0] == (
        "::error file=policies/examples-bad/broken-grammar.json,line=2,col=3,title=SCHEMA::"
        'Version must be the string "1", the only version of the RAM policy language; found 1'
    )
    assert len(lines) == 4 and lines[-1] == "policycheck lint: 3 errors in 1 file; failed"


def test_annotation_values_are_escaped_the_way_the_runner_reads_them(write, cli, tmp_path):
    # A file name with , and : would end the property early; % and a newline the message.
    write("a,b:c%.json", SCOPED)
    write("bad\x1b[31m.json", '{"Version": "1",\n "Statement": [}')
    run = cli("lint", ".", "--format", "github", "--fail-on", "error", cwd=tmp_path)
    first, second = sorted(line for line in run.out.splitlines() if line.startswith("::"))
    assert first.startswith("::error file=a%2Cb%3Ac%25.json,line=7,col=7,")
    assert ",title=RESOURCE_MISMATCH::ice:QueryIProductionJob is authorized per operation" in first
    assert second.startswith("::error file=bad\\x1b[31m.json,line=2,col=")
    assert "\x1b" not in run.out


def test_warnings_and_suggestions_get_their_own_commands(write, cli, tmp_path):
    sid = {
        "Version": "1",
        "Statement": [{"Sid": "x", "Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}],
    }
    write("p.json", sid)
    run = cli("lint", "p.json", "--format", "github", cwd=tmp_path)
    assert run.out.startswith("::warning file=p.json,line=5,col=7,title=UNSUPPORTED_ELEMENT::")


def test_check_annotates_failed_expectations_in_the_config(write, cli, tmp_path):
    write("q.json", SCOPED)
    write(
        "policycheck.yaml",
        "policies: [q.json]\nprincipals:\n  w:\n    identity: [q]\nexpect:\n  w:\n    allow:\n      - action: ice:QueryIProductionJob\n",
    )
    run = cli("check", "--format", "github", cwd=tmp_path)
    assert run.code == 1
    assert "::error file=policycheck.yaml,line=8,col=9,title=EXPECTATION_VIOLATED::" in run.out
    assert "::error file=q.json,line=7,col=7,title=RESOURCE_MISMATCH::" in run.out
    assert run.out.splitlines()[-1] == "policycheck check: 2 errors; failed"


def test_force_exclude_applies_lint_exclude_to_named_files(write, cli, tmp_path):
    write("legacy/old.json", SCOPED)
    good = {
        "Version": "1",
        "Statement": [{"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}],
    }
    write("new.json", good)
    write("policycheck.yaml", "lint:\n  exclude: [legacy/**]\n")
    named = ("legacy/old.json", "new.json", "policycheck.yaml")
    assert cli("lint", *named, cwd=tmp_path).code == 1  # named files are linted, as before
    run = cli("lint", "--force-exclude", *named, cwd=tmp_path)
    assert run.code == 0 and run.out == "No findings in 1 file.\n" and run.err == ""
    run = cli("lint", "--force-exclude", "legacy/old.json", cwd=tmp_path)
    assert run.code == 0 and run.err == ""  # pre-commit may name only excluded files


def test_force_exclude_skips_named_files_that_are_not_policies(write, cli, tmp_path):
    # pre-commit names every changed JSON, YAML and .tf file: package.json is not a broken policy.
    write("package.json", {"name": "web", "version": "1.0.0"})
    write(".github/workflows/ci.yml", "on: push\njobs: {}\n")
    write("p.json", SCOPED)
    write(
        "infra/main.tf",
        'resource "alicloud_ram_policy" "p" {\n  policy_name = "p"\n  policy_document = jsonencode({\n    Version = "1"\n    Statement = [{ Effect = "Allow", Action = "ice:QueryIProductionJob", Resource = "acs:ice:*:*:job/x" }]\n  })\n}\n',
    )
    write("infra/prod.tfvars", 'bucket = "media"\n')  # identify tags .tfvars as terraform too
    named = ("package.json", ".github/workflows/ci.yml", "p.json", "infra/main.tf", "infra/prod.tfvars")
    assert "package.json" in cli("lint", *named, cwd=tmp_path).out  # named: linted, as before
    run = cli("lint", "--force-exclude", "--verbose", *named, cwd=tmp_path)
    assert run.code == 1
    assert "package.json" not in run.out and "ci.yml" not in run.out
    assert "p.json:7:7: error RESOURCE_MISMATCH" in run.out
    assert "infra/main.tf:5:" in run.out and "RESOURCE_MISMATCH" in run.out.split("infra/main.tf:5:")[1]
    assert "skipped package.json: not a policy" in run.err
    assert "skipped infra/prod.tfvars: not a policy" in run.err
    run = cli("lint", "--force-exclude", "package.json", cwd=tmp_path)
    assert run.code == 0 and run.out == "No findings in 0 files.\n" and run.err == ""


def test_the_pre_commit_hook_uses_force_exclude_and_reads_terraform():
    [hook] = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["entry"].split() == ["policycheck", "lint", "--force-exclude"]
    # identify's tags: what pre-commit passes to the hook (.tf files are tagged terraform)
    assert set(hook["types_or"]) == {"json", "yaml", "terraform"}
