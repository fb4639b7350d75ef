"""`policycheck lint` as users run it: exit codes, formats, config, and each code by path and line."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import REPO, policy

QUERY = {"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}


def test_shipped_policies_lint_clean(cli):
    run = cli("lint", "policies/")
    assert run.code == 0, run.out + run.err
    assert "No findings in" in run.out


def test_bad_examples_fail_with_located_findings(cli):
    bad = sorted(str(p.relative_to(REPO)) for p in (REPO / "policies/examples-bad").glob("*.json"))
    run = cli("lint", *bad, "--format", "json")
    assert run.code == 1
    found = {(f["file"], f["code"], f["path"], f["line"]) for f in run.json()["findings"]}
    assert ("policies/examples-bad/broken-grammar.json", "SCHEMA", "Version", 2) in found
    assert ("policies/examples-bad/broken-grammar.json", "SCHEMA", "Statement[0].Effect", 5) in found
    assert ("policies/examples-bad/broken-grammar.json", "SCHEMA", "Statement[0]", 4) in found
    assert ("policies/examples-bad/duplicate-effect.json", "DUPLICATE_KEY", "Statement[0].Effect", 8) in found


def test_config_excludes_folder_but_not_named_files(cli):
    assert cli("lint", "policies/").code == 0
    named = cli("lint", "policies/examples-bad/duplicate-effect.json")
    assert named.code == 1 and "DUPLICATE_KEY" in named.out


@pytest.mark.parametrize(
    ("document", "code", "path", "line"),
    [
        ('{"Version": "1",\n "Statement": [\n]}', "SCHEMA", "Statement", 2),
        (
            '{"Version": "1", "Statement": [{"Effect": "Allow",\n "Action": "a:b",\n "NotAction": "c:d", "Resource": "*"}]}',
            "SCHEMA",
            "Statement[0]",
            1,
        ),
        (
            '{"Version": "1", "Statement": [{"Effect": "Allow", "Resource": "*"}]}',
            "SCHEMA",
            "Statement[0]",
            1,
        ),
        (
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*"}]}',
            "SCHEMA",
            "Version",
            1,
        ),
        (
            '{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "a:b",\n "Resource": "*", "Principal": {"RAM": "x"}}]}',
            "SCHEMA",
            "Statement[0].Resource",
            2,
        ),
        (
            '{"Version": "1",\n "Statement": [{"Effect": "Allow", "Action": "a:b",\n "Resource": "*", "Resource": "acs:x:*:*:y"}]}',
            "DUPLICATE_KEY",
            "Statement[0].Resource",
            3,
        ),
        ('{"Version": "1", "Statement": [\n', "JSON_SYNTAX", "", 2),
        (
            '{"Version": "1", "Statement": [{"Sid": "Q", "Effect": "Allow",\n "Action": "a:b", "Resource": "*"}]}',
            "UNSUPPORTED_ELEMENT",
            "Statement[0].Sid",
            1,
        ),
    ],
)
def test_each_code_by_path_and_line(cli, write, document, code, path, line):
    file = write("p.json", document)
    run = cli("lint", str(file), "--format", "json")
    assert run.code == 1
    findings = run.json()["findings"]
    assert (code, path, line) in {(f["code"], f["path"], f["line"]) for f in findings}, findings


def test_policy_too_large_says_which_limit(cli, write):
    actions = [f"media:QueryIProductionJob{i:04d}" for i in range(250)]
    file = write("big.json", policy({"Effect": "Allow", "Action": actions, "Resource": "*"}))
    [finding] = too_large(cli("lint", str(file), "--format", "json"))
    assert "characters" in finding["message"] and "6,144" in finding["message"]
    # multi-byte text: within 6,144 characters but over 6,144 bytes
    wide = [f"media:Query{'é' * 30}{i:03d}" for i in range(120)]
    file = write("wide.json", policy({"Effect": "Allow", "Action": wide, "Resource": "*"}))
    [finding] = too_large(cli("lint", str(file), "--format", "json"))
    assert "bytes" in finding["message"] and "characters" not in finding["message"]
    session = write("session.json", policy({"Effect": "Allow", "Action": actions[:80], "Resource": "*"}))
    assert too_large(cli("lint", str(session), "--format", "json")) == []
    assert len(too_large(cli("lint", str(session), "--kind", "session", "--format", "json"))) == 1


def too_large(run):
    return [f for f in run.json()["findings"] if f["code"] == "POLICY_TOO_LARGE"]


def test_trust_policies_are_detected_and_checked_with_their_schema(cli, write):
    trust = {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ecs.aliyuncs.com"}}
        ],
    }
    assert cli("lint", str(write("t.json", trust))).code == 0
    trust["Statement"][0]["Resource"] = "*"
    run = cli("lint", str(write("t2.json", trust)), "--format", "json")
    assert [(f["code"], f["path"]) for f in run.json()["findings"]] == [("SCHEMA", "Statement[0].Resource")]


def test_text_output_groups_by_file_and_summarises(cli, write):
    write("a.json", '{"Version": 1, "Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*"}]}')
    write("b.json", '{"Statement": [')  # broken, and a policy by its text
    run = cli("lint", str(write("c.json", policy(QUERY)).parent))
    lines = run.out.splitlines()
    assert run.code == 1
    assert lines[0].endswith(
        'a.json:1:2: error SCHEMA Version must be the string "1", the only version of the RAM policy language; found 1'
    )
    assert lines[1] == "" and "b.json:1:16: error JSON_SYNTAX" in lines[2]
    assert lines[-1] == "2 findings in 2 files of 3 checked (2 errors); fails at --fail-on warning."
    assert "\033[" not in run.out


def test_colour_only_when_asked_and_never_with_no_color(cli, write):
    file = write("a.json", "[")
    assert "\033[31merror" in cli("lint", str(file), "--color", "always").out
    assert "\033[" not in cli("lint", str(file)).out  # not a terminal
    file_ok = write("ok.json", policy(QUERY))
    assert "\033[" not in cli("lint", str(file_ok), env={"NO_COLOR": "1"}).out


def test_fail_on_threshold(cli, write):
    file = write("sid.json", policy({**QUERY, "Sid": "Query"}))
    assert cli("lint", str(file)).code == 1  # warning >= warning
    assert cli("lint", str(file), "--fail-on", "error").code == 0
    assert "passes at --fail-on error" in cli("lint", str(file), "--fail-on", "error").out


def test_json_contract(cli, write):
    file = write("sid.json", policy({**QUERY, "Sid": "Query"}))
    payload = cli("lint", str(file), "--format", "json").json()
    assert set(payload) == {"version", "findings", "summary"}
    [finding] = payload["findings"]
    assert set(finding) == {"code", "severity", "message", "file", "line", "column", "path"}
    assert payload["summary"] == {
        "files": 1,
        "findings": 1,
        "by_severity": {"info": 0, "suggestion": 0, "warning": 1, "security_warning": 0, "error": 0},
        "fail_on": "warning",
        "failed": True,
    }


def test_sarif_validates_against_the_official_schema(cli, tmp_path):
    out = tmp_path / "report.sarif"
    bad = sorted(str(p.relative_to(REPO)) for p in (REPO / "policies/examples-bad").glob("*.json"))
    run = cli("lint", *bad, "--format", "sarif", "--output", str(out))
    assert run.code == 1 and run.out == ""
    log = json.loads(out.read_text())
    schema = json.loads((REPO / "tests/data/sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(log)
    run0 = log["runs"][0]
    rules = {rule["id"]: rule for rule in run0["tool"]["driver"]["rules"]}
    assert "Fix:" in rules["DUPLICATE_KEY"]["help"]["text"]
    result = next(r for r in run0["results"] if r["ruleId"] == "DUPLICATE_KEY")
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 8, "startColumn": 7}
    assert run0["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "DUPLICATE_KEY"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lint", "nowhere/"), "no such file or folder: nowhere/"),
        (("lint", "nomatch/*.json"), "no file matches nomatch/*.json"),
        (("lint", "policies/", "--config", "missing.yaml"), "missing.yaml: no such config file"),
        (
            ("lint", "policies/", "--output", "/nonexistent/dir/out.txt"),
            "cannot write /nonexistent/dir/out.txt",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(cli, args, message):
    run = cli(*args)
    assert run.code == 2
    assert run.err.strip().splitlines() == [
        f"policycheck: error: {message}" if "cannot" not in message else run.err.strip()
    ]
    assert message in run.err and "Traceback" not in run.err


def test_bad_flag_and_no_command_exit_2(cli):
    assert cli("lint", "policies/", "--format", "xml").code == 2
    assert cli().code == 2
    assert cli("lint").code == 2


def test_entry_point_script_runs(tmp_path):
    import shutil
    import subprocess
    import sys

    script = Path(sys.executable).parent / "policycheck"
    assert script.exists() or shutil.which("policycheck")
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("policycheck ")


def test_a_folder_without_policies_warns(cli, tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    run = cli("lint", str(tmp_path))
    assert run.code == 0 and "No findings in 0 files." in run.out
    assert run.err.strip() == (
        f"policycheck: warning: no policy documents (.json, .yaml, .yml, .tf, ROS templates) in {tmp_path}"
    )
