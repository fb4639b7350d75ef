"""policycheck.yaml: settings take effect, and every mistake is one line with its position."""

from __future__ import annotations

import pytest

from tests.conftest import policy

SID = policy({"Sid": "Q", "Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"})


def test_ignore_severity_exclude_and_kinds(cli, write, tmp_path):
    write("legacy/a.json", SID)
    write("new/b.json", SID)
    write("drafts/c.json", "[")
    write(
        "control/big.json",
        policy({"Effect": "Deny", "Action": [f"media:A{i:05d}" for i in range(600)], "Resource": "*"}),
    )
    write(
        "policycheck.yaml",
        "lint:\n"
        "  exclude: [drafts/**]\n"
        "  ignore:\n"
        "    - codes: [UNSUPPORTED_ELEMENT]\n"
        "      paths: [legacy/**]\n"
        "      reason: legacy files keep their Sids until the migration\n"
        "  severity:\n"
        "    UNSUPPORTED_ELEMENT: info\n"
        "  kinds:\n"
        "    control/**: control\n",
    )
    run = cli("lint", ".", "--format", "json", cwd=tmp_path)
    found = sorted((f["file"], f["code"], f["severity"]) for f in run.json()["findings"])
    assert found == [
        ("control/big.json", "POLICY_TOO_LARGE", "error"),
        ("control/big.json", "UNKNOWN_SERVICE", "info"),
        ("new/b.json", "UNSUPPORTED_ELEMENT", "info"),
    ]
    assert "4,096" in run.json()["findings"][0]["message"]  # the control-policy limit
    assert run.json()["summary"]["files"] == 3


@pytest.mark.parametrize(
    ("config", "where", "words"),
    [
        ("lint:\n  fail_on: loud\n", "policycheck.yaml:2:3:", "a severity is error"),
        (
            "lint:\n  ignore:\n    - codes: [NOPE]\n      reason: x\n",
            "policycheck.yaml:3:15:",
            "unknown finding code NOPE",
        ),
        ("lint:\n  ignore:\n    - codes: [SCHEMA]\n", "policycheck.yaml:3:7:", "is missing reason"),
        ("lint:\n  severity:\n    BOGUS: info\n", "policycheck.yaml:3:5:", "unknown finding code BOGUS"),
        ("lint:\n  exlude: [a]\n", "policycheck.yaml:2:3:", 'unknown element "exlude"'),
        ("lint: [\n", "policycheck.yaml:2:1:", "not valid YAML"),
        ("lint:\n  fail_on: error\n  fail_on: info\n", "policycheck.yaml:3:3:", "appears again"),
        ("lint: !!python/object:os.system x\n", "policycheck.yaml:1:7:", "not plain data"),
    ],
)
def test_bad_config_is_exit_2_with_the_line(cli, write, tmp_path, config, where, words):
    write("policycheck.yaml", config)
    write("p.json", SID)
    run = cli("lint", "p.json", cwd=tmp_path)
    assert run.code == 2, run.out
    [line] = run.err.strip().splitlines()
    assert line.startswith(f"policycheck: error: {where}") and words in line, line


def test_empty_config_is_fine(cli, write, tmp_path):
    write("policycheck.yaml", "")
    write("p.json", policy({"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}))
    assert cli("lint", "p.json", cwd=tmp_path).code == 0
