"""Config discovery in parent folders, YAML on standard input, check --quiet and folded groups."""

from __future__ import annotations

import subprocess

from tests.conftest import REPO, run_cli

SID = {
    "Version": "1",
    "Statement": [{"Sid": "a", "Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}],
}
DELETES = {  # allows every ice:Query* action but one, which a Deny takes back
    "Version": "1",
    "Statement": [
        {"Effect": "Allow", "Action": "ice:Query*", "Resource": "*"},
        {"Effect": "Deny", "Action": "ice:QueryIProductionJob", "Resource": "*"},
    ],
}
CONFIG = (
    "policies: [p.json]\nprincipals:\n  w: {identity: [p]}\n  ok: {identity: [p]}\n"
    "expect:\n  w:\n    allow:\n      - action: ice:Query*\n"
    "  ok:\n    deny:\n      - action: ice:Delete*\n"
)
QUIET_SETTINGS = "lint:\n  severity: {UNSUPPORTED_ELEMENT: info}\n"


def test_config_is_found_in_a_parent_folder(tmp_path, write, cli):
    write("policycheck.yaml", QUIET_SETTINGS)
    write("a/b/p.json", SID)
    run = cli("lint", "p.json", cwd=tmp_path / "a" / "b")
    assert run.code == 0 and "info UNSUPPORTED_ELEMENT" in run.out
    write("policycheck.yaml", QUIET_SETTINGS + "  ignore:\n    - {codes: [NO_SUCH_CODE], reason: x}\n")
    run = cli("lint", "p.json", cwd=tmp_path / "a" / "b")
    assert run.code == 2 and run.err.startswith("policycheck: error: ../../policycheck.yaml:4:")


def test_the_search_stops_at_the_repository_top(tmp_path, write, cli):
    write("policycheck.yaml", QUIET_SETTINGS)  # above the repository: someone else's
    write("repo/sub/p.json", SID)
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True, timeout=60)
    run = cli("lint", "p.json", cwd=tmp_path / "repo" / "sub")
    assert run.code == 1 and "warning UNSUPPORTED_ELEMENT" in run.out
    write("repo/policycheck.yaml", QUIET_SETTINGS)  # at the top of the repository: found
    assert cli("lint", "p.json", cwd=tmp_path / "repo" / "sub").code == 0


def test_check_from_a_subfolder_reads_paths_relative_to_the_config(tmp_path, write, cli):
    write("p.json", DELETES)
    write("policycheck.yaml", CONFIG)
    (tmp_path / "deep").mkdir()
    run = cli("check", cwd=tmp_path / "deep")
    assert (
        run.out.splitlines()[0]
        == "policycheck check: ../policycheck.yaml: 2 principals, 2 expectations (16 checks)"
    )


def test_standard_input_reads_yaml_and_json(tmp_path):
    yaml_text = 'Version: "1"\nStatement:\n  - Effect: allow\n    Action: ice:QueryIProductionJob\n    Resource: "*"\n'
    run = run_cli("lint", "-", stdin=yaml_text, cwd=tmp_path)
    assert run.code == 1 and run.out.startswith('<stdin>:3:5: error SCHEMA Effect must be "Allow" or "Deny"')
    run = run_cli("lint", "-", stdin='{"Version": "1", "Statement": [}', cwd=tmp_path)
    assert run.out.startswith("<stdin>:1:32: error JSON_SYNTAX")
    good = '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}]}'
    assert run_cli("lint", "-", stdin=good, cwd=tmp_path).code == 0


def test_a_partly_failing_group_folds_with_counts(tmp_path, write, cli):
    write("p.json", DELETES)
    write("policycheck.yaml", CONFIG)
    run = cli("check", cwd=tmp_path)
    assert run.code == 1
    lines = run.out.splitlines()
    folded = lines.index('  ✗ may      ice:Query* (15 actions: 14 hold, 1 violated) on "*"  [violated]')
    assert lines[folded + 1] == '    ✗ may      ice:QueryIProductionJob on "*"  [violated]'
    assert lines[folded + 2] == "        explicitly denied by Statement[1] of p.json:9"
    assert "QueryMediaInfoJob" not in run.out  # the 14 that hold are counted, not listed


def test_quiet_prints_only_failures(tmp_path, write, cli):
    write("p.json", DELETES)
    write("policycheck.yaml", CONFIG)
    run = cli("check", "--quiet", cwd=tmp_path)
    assert run.code == 1
    assert run.out.splitlines() == [
        "policycheck check: policycheck.yaml: 2 principals, 2 expectations (16 checks)",
        "",
        "w",
        '  ✗ may      ice:Query* (15 actions: 14 hold, 1 violated) on "*"  [violated]',
        '    ✗ may      ice:QueryIProductionJob on "*"  [violated]',
        "        explicitly denied by Statement[1] of p.json:9",
        "",
        "16 checks of 2 expectations: 15 hold, 1 violated. Check FAILED.",
    ]
    passing = cli("check", "-q")  # the repository's own config: all hold
    assert passing.code == 0 and len(passing.out.splitlines()) == 3


def test_a_violated_allow_says_which_statements_came_close_and_why(tmp_path, write, cli):
    write("p.json", (REPO / "policies/examples-bad/resource-scoped-ice.json").read_text())
    only_inside = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ice:Query*",
                "Resource": "*",
                "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}},
            }
        ],
    }
    write("q.json", only_inside)
    write(
        "policycheck.yaml",
        "policies: [p.json, q.json]\nprincipals:\n  w: {identity: [p, q]}\nexpect:\n  w:\n    allow:\n"
        "      - action: ice:QueryIProductionJob\n        context: {acs:SourceIp: 8.8.8.8}\n",
    )
    run = cli("check", cwd=tmp_path)
    assert run.code == 1
    lines = run.out.splitlines()
    at = lines.index("      statements for this action that did not apply:")
    assert lines[at - 1] == "      implicitly denied: no identity policy allows it"
    assert lines[at + 1] == (
        '        Statement[0] of p.json:4 (identity): its Resource "acs:ice:cn-shanghai:123456789012****:job/*" '
        'does not match "acs:ice:<region>:<account-id>:*" (ice authorizes per operation: '
        'write "Resource": "*" or "acs:ice:*:*:*")'
    )
    assert lines[at + 2] == (
        '        Statement[0] of q.json:4 (identity): condition IpAddress acs:SourceIp "10.0.0.0/8" is false: '
        "the request has 8.8.8.8"
    )
    [result] = cli("check", "--format", "json", cwd=tmp_path).json()["results"]
    missed = {
        (m["file"], m["resource_matched"], len(m["failed_conditions"])) for m in result["did_not_apply"]
    }
    assert missed == {("p.json", False, 0), ("q.json", True, 1)}
