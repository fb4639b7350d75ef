"""Fixes a new user trips on (issue 16), each through the CLI as it was seen."""

from __future__ import annotations

import json
import re
import shutil

from tests.conftest import REPO

QUERY = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}],
}
ONE = (
    "policies: [query.json]\nprincipals:\n  worker:\n    identity: [query]\n"
    "expect:\n  worker:\n    allow:\n      - action: ice:QueryIProductionJob\n"
)


def test_endpoint_without_probe_is_an_error_not_ignored(cli):
    run = cli("check", "--endpoint", "http://127.0.0.1:9")
    assert run.code == 2 and run.out == ""
    assert run.err == (
        "policycheck: error: --endpoint applies only to live calls: add --probe (check --probe --endpoint URL)\n"
    )


def test_probe_errors_name_the_config_given(tmp_path, write, cli):
    write("query.json", QUERY)
    write("other.yaml", ONE + "probe:\n  region: nowhere_x\n  principals:\n    worker: {profile: p}\n")
    run = cli("check", "--config", "other.yaml", "--probe", cwd=tmp_path)
    assert run.code == 2
    assert run.err.startswith("policycheck: error: other.yaml:10:3: region 'nowhere_x'"), run.err
    write(
        "other.yaml",
        ONE + "probe:\n  principals:\n    worker: {profile: p, action: ice:SubmitIProductionJob}\n",
    )
    run = cli("check", "--config", "other.yaml", "--probe", cwd=tmp_path)
    assert run.err.startswith("policycheck: error: other.yaml:11:"), run.err
    assert "action ice:SubmitIProductionJob is a create action" in run.err
    write("other.yaml", ONE)
    run = cli("check", "--config", "other.yaml", "--probe", cwd=tmp_path)
    assert run.err.startswith("policycheck: error: --probe: other.yaml has no principals under probe:")
    assert "policycheck.yaml" not in run.err


def test_counts_agree_in_number(tmp_path, write, cli):
    write("query.json", QUERY)
    write("policycheck.yaml", ONE)
    run = cli("check", cwd=tmp_path)
    assert run.code == 0
    assert (
        run.out.splitlines()[0] == "policycheck check: policycheck.yaml: 1 principal, 1 expectation (1 check)"
    )
    assert run.out.splitlines()[-1] == "1 check of 1 expectation: 1 hold. Check passed."


def test_explain_never_suggests_an_option_it_lacks(write, cli):
    mixed = {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": "ice:*", "Resource": "*", "Principal": {"RAM": ["acs:ram::1:root"]}}
        ],
    }
    run = cli("explain", str(write("p.json", mixed)), "--action", "ice:QueryIProductionJob")
    assert run.code == 2 and "Resource" in run.out + run.err
    assert "--kind" not in run.out + run.err


def test_messages_show_values_as_policies_write_them_not_python_lists(write, cli):
    ip = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ice:*",
                "Resource": "*",
                "Condition": {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
            }
        ],
    }
    run = cli(
        "explain", str(write("ip.json", ip)), "--action", "ice:GetMediaInfo", "--any-resource",
        "--context", "acs:SourceIp=8.8.8.8",
    )  # fmt: skip
    assert run.code == 1
    assert (
        'requires IpAddress acs:SourceIp ["10.0.0.0/8", "192.168.0.0/16"], and the context gives the value "8.8.8.8"'
        in run.out
    )
    assert "['" not in run.out


def test_witness_source_address_is_an_address_not_a_cidr(write, cli):
    # A StringEquals on the address key names a block: no request ever carries that text as
    # its source address, so the witness must not offer it.
    policy = {
        "Version": "1",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ice:*",
                "Resource": "*",
                "Condition": {
                    "IpAddress": {"acs:SourceIp": "10.0.0.0/8"},
                    "StringLike": {"acs:SourceIp": "10.*"},
                },
            }
        ],
    }
    run = cli(
        "explain",
        str(write("p.json", policy)),
        "--action",
        "ice:GetMediaInfo",
        "--any-context",
        "--format",
        "json",
    )
    witness = run.json()["witness"]
    assert witness["context"] == {"acs:SourceIp": ["10.0.0.1"]}
    cidr_only = dict(policy)
    cidr_only["Statement"] = [
        {**policy["Statement"][0], "Condition": {"StringEquals": {"acs:SourceIp": "10.0.0.0/8"}}}
    ]
    run = cli(
        "explain",
        str(write("q.json", cidr_only)),
        "--action",
        "ice:GetMediaInfo",
        "--any-context",
        "--format",
        "json",
    )
    assert run.json()["possible"] is False  # text "10.0.0.0/8" is never a source address
    assert "10.0.0.0/8" not in json.dumps(run.json()["witness"])


def test_sarif_gives_security_severity_only_to_security_findings(cli):
    run = cli("lint", "policies/examples-bad/broken-grammar.json", "--format", "sarif")
    rules = {rule["id"]: rule for rule in run.json()["runs"][0]["tool"]["driver"]["rules"]}
    assert "security-severity" not in rules["SCHEMA"]["properties"]
    assert "security" not in rules["SCHEMA"]["properties"]["tags"]
    from policycheck.findings import code_table

    security = [code for code, info in code_table().items() if info.severity == "security_warning"]
    assert security
    for code in security:
        assert rules[code]["properties"]["security-severity"] == "7.0"
    for code, rule in rules.items():
        assert ("security-severity" in rule["properties"]) == (code in security)


def _readme_block(after: str, fence: str) -> str:
    text = (REPO / "README.md").read_text()
    start = text.index(fence, text.index(after)) + len(fence)
    return text[start : text.index("```", start)]


def test_readme_complete_example_runs_against_the_repository(tmp_path, cli):
    """The README's complete policycheck.yaml, run against the repository's own policies, passes."""
    shutil.copytree(REPO / "policies", tmp_path / "policies")
    (tmp_path / "policycheck.yaml").write_text(_readme_block("A complete example", "```yaml\n"))
    run = cli("check", cwd=tmp_path)
    assert run.code == 0, run.out + run.err
    lint = cli("lint", "policies/", cwd=tmp_path)
    assert lint.code == 0, lint.out + lint.err


def test_readme_check_sample_is_the_real_output(cli):
    sample = _readme_block("### `policycheck check`", "```console\n$ policycheck check\n")
    real = cli("check", "--color", "never").out.splitlines()
    shown = [line for line in sample.splitlines() if line != "..."]
    for line in shown:
        assert line in real, line
    assert re.fullmatch(r"\d+ checks of \d+ expectations: \d+ hold\. Check passed\.", shown[-1])


def test_readme_escalation_sample_is_the_real_output(cli):
    command = (
        "policycheck lint policies/examples-bad/deployer-escalation.json "
        "policies/examples-bad/vendor-role-trust.json"
    )
    sample = _readme_block("**Privilege escalation, proved.**", f"```console\n$ {command}\n")
    real = cli(*command.split()[1:], "--color", "never")
    assert real.code == 1
    assert sample == real.out


def test_emulator_db_in_a_missing_folder_is_an_error_not_new_folders(tmp_path, cli):
    missing = tmp_path / "missing" / "dir"
    run = cli("emulator", "--port", "0", "--db", str(missing / "x.db"))
    assert run.code == 2 and run.out == ""
    assert (
        run.err
        == f"policycheck: error: cannot open the database {missing / 'x.db'}: no such folder {missing}\n"
    )
    assert not (tmp_path / "missing").exists()
