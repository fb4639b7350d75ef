"""check --probe and audit --expect against the emulator's demo world, as `make demo` runs them."""

from __future__ import annotations

import json

import pytest

from policycheck.emulator.server import running_emulator
from policycheck.emulator.world import load_world
from policycheck.expect.live import CONFIRMED, INCONCLUSIVE, MISMATCH, compare
from policycheck.expect.spec import ProbePrincipal
from policycheck.verdict import Denial, ProbeResult
from tests.conftest import REPO

DEMO_KEYS = {
    "MEDIA_WORKER_ACCESS_KEY_ID": "LTAI5tDEMOmediaWorker001",
    "MEDIA_WORKER_ACCESS_KEY_SECRET": "demo-media-worker-secret-NOT-REAL",
    "AUDITOR_ACCESS_KEY_ID": "LTAI5tDEMOauditor0000001",
    "AUDITOR_ACCESS_KEY_SECRET": "demo-auditor-secret-NOT-REAL",
    "CONTRACTOR_ACCESS_KEY_ID": "LTAI5tDEMOcontractor0001",
    "CONTRACTOR_ACCESS_KEY_SECRET": "demo-contractor-secret-NOT-REAL",
}
SECRETS = [value for key, value in DEMO_KEYS.items() if key.endswith("SECRET")]


@pytest.fixture(scope="module")
def demo_endpoint():
    with running_emulator(load_world(str(REPO / "policycheck/data/demo-world.yaml"))) as url:
        yield url


def test_check_probe_confirms_denies_and_finds_the_hidden_control_policy(cli, demo_endpoint):
    run = cli("check", "--probe", "--endpoint", demo_endpoint, "--format", "json", env=DEMO_KEYS)
    assert run.code == 1, run.err
    live = {check["principal"]: check for check in run.json()["live"]}
    assert (
        live["media-worker"]["status"] == "confirmed"
        and live["media-worker"]["probe"]["verdict"] == "allowed"
    )
    auditor = live["auditor"]
    assert (auditor["static"], auditor["probe"]["verdict"], auditor["status"]) == (
        "deny",
        "denied",
        "confirmed",
    )
    assert "implicitly denied" in auditor["reason"]
    contractor = live["contractor"]
    assert (contractor["static"], contractor["probe"]["verdict"], contractor["status"]) == (
        "allow",
        "denied",
        "mismatch",
    )
    assert "control policy that is not in the repository" in contractor["reason"]
    assert contractor["probe"]["denial"]["policy_type"] == "ControlPolicy"
    assert all(r["passed"] for r in run.json()["results"])
    assert not any(secret in run.out + run.err for secret in SECRETS)


def test_check_probe_text_and_sarif(cli, demo_endpoint):
    run = cli("check", "--probe", "--endpoint", demo_endpoint, env=DEMO_KEYS)
    assert "  ✗ contractor: ice:QueryIProductionJob, static allow, live denied" in run.out
    assert run.out.rstrip().endswith("live: 2 confirmed, 1 mismatch. Check FAILED.")
    sarif = json.loads(
        cli("check", "--probe", "--endpoint", demo_endpoint, "--format", "sarif", env=DEMO_KEYS).out
    )
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "PROBE_MISMATCH" and "contractor" in result["message"]["text"]


def test_missing_credentials_are_inconclusive_not_a_crash(cli, demo_endpoint):
    run = cli("check", "--probe", "--endpoint", demo_endpoint, "--format", "json")
    assert run.code == 3, run.out + run.err
    assert {check["status"] for check in run.json()["live"]} == {"inconclusive"}
    reasons = {check["principal"]: check["reason"] for check in run.json()["live"]}
    assert (
        "environment variable MEDIA_WORKER_ACCESS_KEY_ID, MEDIA_WORKER_ACCESS_KEY_SECRET is not set"
        in reasons["media-worker"]
    )


def test_a_dead_endpoint_is_inconclusive(cli):
    run = cli("check", "--probe", "--endpoint", "http://127.0.0.1:9", "--format", "json", env=DEMO_KEYS)
    assert run.code == 3 and {c["probe"]["verdict"] for c in run.json()["live"]} == {"unreachable"}


def test_probe_needs_a_probe_section(cli, tmp_path, write):
    write("policycheck.yaml", "principals: {}\n")
    run = cli("check", "--probe", cwd=tmp_path)
    assert run.code == 2 and "no principals under probe:" in run.err


def test_audit_expect_runs_the_expectations_on_what_is_attached(cli, demo_endpoint):
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEMO_KEYS["AUDITOR_ACCESS_KEY_ID"],
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEMO_KEYS["AUDITOR_ACCESS_KEY_SECRET"],
    }
    run = cli(
        "audit",
        "--all",
        "--endpoint",
        demo_endpoint,
        "--expect",
        "policycheck.yaml",
        "--format",
        "json",
        env=env,
    )
    assert run.code == 1
    checked = run.json()["expectations"]
    assert checked["absent"] == ["contractor"]
    results = {
        (r["principal"], r["expectation"], r["action"], json.dumps(r["context"])): r
        for r in checked["results"]
    }
    # the account attached the operator's ICE policy but not the corporate-network Deny
    outside = results[
        ("media-operator", "deny", "ice:SubmitIProductionJob", '{"acs:SourceIp": ["203.0.113.9"]}')
    ]
    assert outside["status"] == "violated"
    assert "ram://policy/Custom/ice-operator@v1" in {s["file"] for s in outside["statements"]}
    worker = results[("media-worker", "allow", "ice:QueryIProductionJob", "null")]
    assert worker["status"] == "holds"


def test_audit_expect_bad_config_is_exit_2_before_any_call(cli):
    run = cli("audit", "--all", "--endpoint", "http://127.0.0.1:9", "--expect", "missing.yaml")
    assert run.code == 2 and "missing.yaml: no such config file" in run.err


PROBED = ProbePrincipal(
    "p", None, {"access_key_id": "A", "access_key_secret": "B"}, "ice:QueryIProductionJob", {}, ()
)


def live(verdict: str, policy_type: str = "", explicit: bool = False) -> ProbeResult:
    denial = (
        Denial(explicit, policy_type, "SubUser", "u", "1", "ice:QueryIProductionJob")
        if verdict == "denied"
        else None
    )
    return ProbeResult(verdict, "ice:QueryIProductionJob", "http://x", "p", "detail", denial=denial)


@pytest.mark.parametrize(
    ("static", "result", "status", "words"),
    [
        ("allow", live("allowed"), CONFIRMED, "as expected"),
        ("deny", live("denied", "AccountLevelIdentityBasedPolicy"), CONFIRMED, "implicitly denied"),
        (
            "allow",
            live("denied", "ControlPolicy", True),
            MISMATCH,
            "control policy that is not in the repository",
        ),
        ("allow", live("denied", "SessionPolicy"), MISMATCH, "session policy"),
        ("allow", live("denied", "AccountLevelIdentityBasedPolicy"), MISMATCH, "differ from the repository"),
        ("deny", live("allowed"), MISMATCH, "grants more than the repository declares"),
        ("allow", live("unreachable"), INCONCLUSIVE, "could not tell"),
        ("conditional", live("denied", "ControlPolicy"), INCONCLUSIVE, "not a confirmation"),
        ("conditional", live("allowed"), INCONCLUSIVE, "not a confirmation"),
    ],
)
def test_compare(static, result, status, words):
    check = compare(PROBED, static, "why", result)
    assert check.status == status and words in check.reason


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_no_report_of_check_probe_holds_a_secret(cli, demo_endpoint, tmp_path, fmt):
    out = tmp_path / f"report.{fmt}"
    env = {**DEMO_KEYS, "DEBUG": "sdk"}
    run = cli("check", "--probe", "--endpoint", demo_endpoint, "--format", fmt, "--output", str(out), env=env)
    assert run.code == 1
    everything = out.read_text() + run.out + run.err
    assert "contractor" in everything
    assert not any(secret in everything for secret in SECRETS)


GUARDED_KEYS = {"GUARDED_ID": "LTAItestGUARDED01", "GUARDED_SECRET": "guarded-secret"}
QUERY = {"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}
DENY_FROM_PARTNER_NETWORK = {
    "Effect": "Deny",
    "Action": "ice:*",
    "Resource": "*",
    "Condition": {"IpAddress": {"acs:SourceIp": "203.0.113.0/24"}},
}


@pytest.fixture
def guarded_endpoint(tmp_path):
    """The emulator with a user whose only guard is a conditional Deny (it calls from 127.0.0.1)."""
    import copy

    from tests.emulator.conftest import TEST_WORLD, write_world

    world = copy.deepcopy(TEST_WORLD)
    account = world["accounts"][0]
    account["policies"]["guarded"] = {
        "document": {"Version": "1", "Statement": [QUERY, DENY_FROM_PARTNER_NETWORK]}
    }
    account["users"].append(
        {
            "name": "guarded",
            "policies": ["guarded"],
            "access_keys": [{"id": GUARDED_KEYS["GUARDED_ID"], "secret": GUARDED_KEYS["GUARDED_SECRET"]}],
        }
    )
    folder = tmp_path / "world"
    folder.mkdir()
    with running_emulator(load_world(str(write_world(folder, world)))) as url:
        yield url


def _guarded_project(write, context: str) -> None:
    write("policies/guarded.json", {"Version": "1", "Statement": [QUERY, DENY_FROM_PARTNER_NETWORK]})
    write(
        "policycheck.yaml",
        "policies: [policies/]\n"
        "principals:\n  guarded: {type: user, identity: [guarded]}\n"
        "expect:\n  guarded:\n    allow:\n      - {action: ice:QueryIProductionJob, conditional: ok}\n"
        "probe:\n  principals:\n    guarded:\n"
        "      env: {access_key_id: GUARDED_ID, access_key_secret: GUARDED_SECRET}\n" + context,
    )


def test_conditional_static_and_live_allowed_is_not_a_confirmation(cli, write, tmp_path, guarded_endpoint):
    """The only guard is a Deny on acs:SourceIp: without the probe's source address the static
    verdict is conditional, and the live "allowed" proves nothing about the guard."""
    _guarded_project(write, "")
    run = cli(
        "check", "--probe", "--endpoint", guarded_endpoint, "--format", "json", cwd=tmp_path, env=GUARDED_KEYS
    )
    [check] = run.json()["live"]
    assert (check["static"], check["probe"]["verdict"], check["status"]) == (
        "conditional",
        "allowed",
        "inconclusive",
    )
    assert "not a confirmation" in check["reason"] and "acs:SourceIp" in check["reason"]
    assert run.code == 3, run.out + run.err
    text = cli("check", "--probe", "--endpoint", guarded_endpoint, cwd=tmp_path, env=GUARDED_KEYS)
    assert "static conditional, live allowed" in text.out and "not a confirmation" in text.out


def test_the_context_the_probe_really_has_decides_and_confirms(cli, write, tmp_path, guarded_endpoint):
    _guarded_project(write, "      context: {acs:SourceIp: 127.0.0.1}\n")
    run = cli(
        "check", "--probe", "--endpoint", guarded_endpoint, "--format", "json", cwd=tmp_path, env=GUARDED_KEYS
    )
    [check] = run.json()["live"]
    assert (check["static"], check["probe"]["verdict"], check["status"]) == ("allow", "allowed", "confirmed")
    assert run.code == 0, run.out + run.err
    # stating the partner network makes the static verdict deny, which the live call contradicts
    _guarded_project(write, "      context: {acs:SourceIp: 203.0.113.9}\n")
    run = cli(
        "check", "--probe", "--endpoint", guarded_endpoint, "--format", "json", cwd=tmp_path, env=GUARDED_KEYS
    )
    [check] = run.json()["live"]
    assert (check["static"], check["status"]) == ("deny", "mismatch")


def test_static_verdict_of_an_allow_whose_other_allows_need_keys_is_decided():
    """Keys only an Allow the decision did not need tests do not make it conditional."""
    from policycheck.evaluate import Evaluator, PolicySet
    from policycheck.expect.live import static_verdict
    from policycheck.model import build_policy

    needs_key = {**QUERY, "Condition": {"Bool": {"acs:SecureTransport": "true"}}}
    policies = build_policy({"Version": "1", "Statement": [QUERY, needs_key]}, "p.json", "identity")
    assert static_verdict(Evaluator(PolicySet((policies,))), PROBED)[0] == "allow"
    guarded = build_policy(
        {"Version": "1", "Statement": [QUERY, DENY_FROM_PARTNER_NETWORK]}, "g.json", "identity"
    )
    assert static_verdict(Evaluator(PolicySet((guarded,))), PROBED)[0] == "conditional"
