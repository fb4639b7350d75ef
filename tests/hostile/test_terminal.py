"""Output that cannot lie: data policycheck did not write reaches no terminal or CI page raw.

Every command runs as users run it, on a policy, a file name, a config, an account and a
server answer that carry terminal escapes (erase the screen, OSC 52 to the clipboard), a
carriage return and a newline drawing a fake line, C1 controls and bidi overrides. Text
output must hold no character that is not printable but the reporter's own newlines; JSON
and SARIF must decode to the very same data; JUnit must be well-formed XML.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.cloud.conftest import clean_env, key_env, run_in, stub
from tests.conftest import run_cli

EVIL = (
    "\x1b[2J\x1b[H\x1b]52;c;cm0gLXJmIH4=\x07\rCheck passed.\nFAKE LINE \u202eevil\u2066\x9b31m\x85\x7f\u200b"
)
FILE_EVIL = EVIL.replace("/", "").replace("[", "(")  # a file name holds anything but "/"; no glob
KEY = ("LTAIterminal000001", "terminal-secret-not-real")
JOB = "0123456789abcdef0123456789abcdef"


def assert_inert(text: str, where: str) -> None:
    bad = sorted({f"U+{ord(c):04X}" for c in text if not (c.isprintable() or c == "\n")})
    assert bad == [], f"{where} holds {bad}"
    fake = [line for line in text.splitlines() if line.startswith(("FAKE LINE", "Check passed."))]
    assert fake == [], f"{where} has a line drawn by the data: {fake}"


def policy_text(action: str) -> str:
    return json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})


@pytest.fixture
def repo(tmp_path) -> Path:
    """A folder with a policy whose file name and action are hostile, and a policycheck.yaml."""
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / f"worker{FILE_EVIL}.json").write_text(policy_text(f"ice:Query{EVIL}"))
    description = json.dumps(EVIL)  # YAML reads a JSON string
    (tmp_path / "policycheck.yaml").write_text(
        "policies: [policies/]\n"
        "principals:\n"
        f"  worker: {{type: user, identity: [{json.dumps('worker' + FILE_EVIL)}]}}\n"
        "expect:\n"
        "  worker:\n"
        f"    allow: [{{action: ice:QueryIProductionJob, description: {description}}}]\n"
        "    deny: [{action: ice:SubmitIProductionJob}]\n"
    )
    return tmp_path


def test_lint_text_json_and_sarif(repo):
    text = run_cli("lint", "policies", "--color", "never", cwd=repo)
    assert text.code == 1 and "1 finding in 1 file" in text.out
    assert_inert(text.out, "lint text")
    for output in ("json", "sarif"):
        run = run_cli("lint", "policies", "--format", output, cwd=repo)
        assert_inert(run.out, f"lint {output}")


def test_colour_keeps_only_its_own_sgr_codes(repo):
    run = run_cli("lint", "policies", "--color", "always", cwd=repo)
    own = re.findall(r"\x1b\[[0-9;]*m", run.out)
    assert own and set(own) <= {"\x1b[31m", "\x1b[1m", "\x1b[0m"}
    assert_inert(re.sub(r"\x1b\[[0-9;]*m", "", run.out), "lint text in colour")


def test_json_and_sarif_decode_to_the_same_data(repo):
    report = run_cli("lint", "policies", "--format", "json", cwd=repo).json()
    [finding] = report["findings"]
    assert finding["file"] == f"policies/worker{FILE_EVIL}.json"
    sarif = run_cli("lint", "policies", "--format", "sarif", cwd=repo).json()
    [result] = sarif["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert result["message"]["text"] == finding["message"] and "worker" in uri


def test_check_text_and_junit(repo):
    run = run_cli("check", "--color", "never", cwd=repo)
    assert run.code == 1, run.err
    assert_inert(run.out, "check text")
    assert_inert(run.err, "check stderr")
    junit = run_cli("check", "--format", "junit", cwd=repo)
    root = ElementTree.fromstring(junit.out)  # well-formed: no character XML 1.0 forbids
    texts = [root.itertext(), *(element.attrib.values() for element in root.iter())]
    assert_inert("".join("".join(part) for part in texts).replace("\n", " "), "junit")
    assert "worker" in junit.out and "\\x1b" in junit.out


def test_explain_text(repo):
    policy = next((repo / "policies").iterdir())
    run = run_cli("explain", str(policy), "--action", f"ice:Query{EVIL}", "--color", "never", cwd=repo)
    assert run.code in (0, 1, 2), run.err  # 2: main refuses an action its catalog lacks, inertly
    assert_inert(run.out + run.err, "explain")


def hostile_ice(method, params, path):
    """QueryIProductionJob: a job whose every field is hostile."""
    return 200, {
        "RequestId": f"R{EVIL}",
        "JobId": params.get("JobId"),
        "Status": f"Success{EVIL}",
        "Name": EVIL,
        "FunctionName": f"Cover{EVIL}",
        "CreateTime": EVIL,
        "FinishTime": EVIL,
        "Result": json.dumps({"Code": EVIL, "Message": EVIL}),
        "OutputUrls": [f"https://x/{EVIL}"],
    }


def denying_ice(method, params, path):
    detail = {
        "AuthAction": f"ice:QueryIProductionJob{EVIL}",
        "AuthPrincipalDisplayName": EVIL,
        "AuthPrincipalType": EVIL,
        "PolicyType": EVIL,
        "NoPermissionType": "ImplicitDeny",
    }
    return 403, {
        "Code": f"Forbidden.RAM{EVIL}",
        "Message": EVIL,
        "RequestId": EVIL,
        "Recommend": f"https://x/{EVIL}",
        "AccessDeniedDetail": detail,
    }


@pytest.mark.parametrize("answer", [hostile_ice, denying_ice], ids=["job", "denial"])
def test_probe_text(answer, tmp_path):
    with stub(answer) as server:
        environment = clean_env(tmp_path, **key_env(KEY))
        run = run_in(environment, "probe", "--endpoint", server.url, "--job-id", JOB, "--color", "never")
    assert run.code in (0, 1, 3), run.err
    assert_inert(run.out, "probe stdout")
    assert_inert(run.err, "probe stderr")
    assert "\\x1b]52;c;" in run.out


def hostile_ram(method, params, path):
    action = params.get("Action")
    if action == "ListPoliciesForUser":
        return 200, {"RequestId": "R", "Policies": {"Policy": [{"PolicyName": EVIL, "PolicyType": "Custom"}]}}
    if action == "ListGroupsForUser":
        return 200, {"RequestId": "R", "Groups": {"Group": [{"GroupName": EVIL}]}}
    if action == "ListPoliciesForGroup":
        return 200, {"RequestId": "R", "Policies": {"Policy": [{"PolicyName": EVIL, "PolicyType": EVIL}]}}
    if action == "GetPolicy":
        return 200, {
            "RequestId": "R",
            "Policy": {"DefaultVersion": "v1"},
            "DefaultPolicyVersion": {"VersionId": f"v1{EVIL}", "PolicyDocument": policy_text(f"ram:{EVIL}")},
        }
    return 404, {"Code": f"EntityNotExist{EVIL}", "Message": EVIL, "RequestId": EVIL}


@pytest.mark.parametrize("who", [("--user", "alice"), ("--all",)], ids=["user", "all"])
def test_audit_text(who, tmp_path):
    with stub(hostile_ram) as server:
        environment = clean_env(tmp_path, **key_env(KEY))
        run = run_in(environment, "audit", *who, "--endpoint", server.url, "--color", "never")
    assert run.code in (1, 3), run.err
    assert_inert(run.out, "audit stdout")
    assert_inert(run.err, "audit stderr")
    assert "\\x1b]52;c;" in run.out


def throttling_then_evil(method, params, path, seen=[]):  # noqa: B006 - counts the calls
    seen.append(1)
    if len(seen) % 2:
        return 400, {"Code": f"Throttling.{EVIL}", "Message": EVIL, "RequestId": "T"}
    return 400, {"Code": "SignatureDoesNotMatch", "Message": EVIL, "RequestId": "S"}


def test_throttling_codes_and_server_messages(tmp_path):
    with stub(throttling_then_evil) as server:
        run = run_in(clean_env(tmp_path, **key_env(KEY)), "probe", "--endpoint", server.url)
    assert_inert(run.out, "probe stdout")
    assert_inert(run.err, "probe stderr")


@pytest.mark.parametrize(
    "args",
    [
        ("lint", f"missing{FILE_EVIL}.json"),
        ("check", "--config", f"missing{FILE_EVIL}.yaml"),
        ("probe", "--profile", EVIL),
        ("explain", f"missing{FILE_EVIL}.json", "--action", "ice:X"),
    ],
    ids=["lint path", "config path", "profile", "explain path"],
)
def test_one_line_errors_quote_data_inertly(args, tmp_path):
    run = run_in(clean_env(tmp_path), *args)
    assert run.code == 2, run.out + run.err
    assert_inert(run.err, "stderr")
    assert len(run.err.splitlines()) == 1


def test_a_config_error_quoting_a_hostile_key(tmp_path):
    (tmp_path / "policycheck.yaml").write_text(f"{json.dumps(EVIL)}: 1\n")
    run = run_cli("check", cwd=tmp_path)
    assert run.code == 2
    assert_inert(run.err, "stderr")
    assert len(run.err.splitlines()) == 1
