"""Inputs that crashed policycheck (exit 70, no report): each is now a finding or a one-line error."""

from __future__ import annotations

import json

import pytest

from tests.cloud.conftest import clean_env, run_in
from tests.conftest import run_cli

STATEMENT_ONLY = {"Statement": [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]}


def one_line_error(run, code: int, words: str) -> None:
    assert run.code == code, run.out + run.err
    assert "internal error" not in run.err and "Traceback" not in run.err
    [line] = run.err.strip().splitlines()
    assert line.startswith("policycheck: error: ") and words in line, line


def test_yaml_escape_of_half_a_surrogate_pair_is_a_finding(write):
    path = write(
        "policy.yaml", 'Version: "1"\nStatement:\n- Effect: Allow\n  Action: "\\udfff"\n  Resource: "*"\n'
    )
    run = run_cli("lint", str(path), "--format", "json")
    assert run.code == 1, run.err
    [finding] = run.json()["findings"]
    assert finding["code"] == "JSON_SYNTAX" and (finding["line"], finding["column"]) == (4, 11)
    assert "\\udfff is half of a surrogate pair" in finding["message"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("check", "--config", "{path}"), 'unknown element "Statement" in the document'),
        (("audit", "--all", "--expect", "{path}", "--endpoint", "http://127.0.0.1:9"), '"Statement"'),
        (("emulator", "--world", "{path}", "--port", "0"), "missing accounts"),
    ],
    ids=["check --config", "audit --expect", "emulator --world"],
)
def test_a_policy_given_where_a_config_or_world_belongs(write, args, words):
    path = write("x.json", STATEMENT_ONLY)
    run = run_cli(*(arg.format(path=path) for arg in args))
    one_line_error(run, 2, words)


def write_cli_config(home, profiles: list[dict], current: str) -> None:
    folder = home / ".aliyun"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"current": current, "profiles": profiles}))
    (folder / "config.json").chmod(0o600)


def test_a_chain_of_three_thousand_profiles(tmp_path):
    profiles = [{"name": "p0", "mode": "AK", "access_key_id": "LTAIchain", "access_key_secret": "s"}]
    profiles += [
        {
            "name": f"p{n}",
            "mode": "ChainableRamRoleArn",
            "source_profile": f"p{n - 1}",
            "ram_role_arn": "acs:ram::1:role/r",
        }
        for n in range(1, 3000)
    ]
    write_cli_config(tmp_path, profiles, "p2999")
    for command in (("probe",), ("audit", "--all")):
        run = run_in(clean_env(tmp_path), *command, "--endpoint", "http://127.0.0.1:9")
        one_line_error(run, 2, "more than 16 profiles")


def test_a_three_gib_credentials_file_is_not_read(tmp_path):
    huge = tmp_path / "credentials"
    with open(huge, "wb") as handle:  # sparse: no disk is used
        handle.truncate(3 << 30)
    huge.chmod(0o600)
    environment = clean_env(tmp_path, ALIBABA_CLOUD_CREDENTIALS_FILE=str(huge))
    run = run_in(environment, "probe", "--endpoint", "http://127.0.0.1:9")
    one_line_error(run, 2, "is larger than 1,048,576 bytes")


def test_a_config_over_one_mib_is_read_as_a_config(tmp_path):
    """The policy size cap (1 MiB) is not for policycheck.yaml: a long one is read whole."""
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "worker.json").write_text(
        json.dumps(
            {
                "Version": "1",
                "Statement": [{"Effect": "Allow", "Action": "ecs:DescribeInstances", "Resource": "*"}],
            }
        )
    )
    padding = "".join(f"# {'-' * 100} {n}\n" for n in range(12_000))
    config = tmp_path / "policycheck.yaml"
    config.write_text(
        padding + "policies: [p/]\nprincipals:\n  worker: {type: user, identity: [worker]}\n"
        "expect:\n  worker:\n    allow: [{action: ecs:DescribeInstances}]\n"
    )
    assert config.stat().st_size > 1 << 20
    run = run_cli("check", "--format", "json", cwd=tmp_path)
    assert run.code == 0, run.err
    assert [result["passed"] for result in run.json()["results"]] == [True]


def test_a_config_over_its_own_limit_says_so(tmp_path):
    config = tmp_path / "policycheck.yaml"
    with open(config, "wb") as handle:
        handle.truncate(17 << 20)
    for args in (("check",), ("lint", ".")):
        run = run_cli(*args, cwd=tmp_path)
        one_line_error(
            run,
            2,
            "policycheck.yaml:1:1: the file has 17,825,792 bytes; policycheck reads at most 16,777,216",
        )
