"""`policycheck probe` against the emulator, one test per verdict, run as users run it."""

from __future__ import annotations

import re

import pytest

from policycheck.catalog import lookup
from policycheck.cloud.api import RetryPolicy, parse_endpoint
from policycheck.cloud.credentials import Credentials
from policycheck.cloud.probe import (
    PROBE_ACTIONS,
    UNKNOWN_JOB_ID,
    ActionRefused,
    probe,
    probe_action,
)
from policycheck.cloud.sdk import SdkCaller
from policycheck.verdict import VERDICTS
from tests.cloud.conftest import (
    ACCOUNT,
    BLOCKED,
    CONTRACTOR,
    CONTRACTORS,
    DECODER,
    INTERN,
    ROOT,
    SEEDED_JOB,
    STS,
    STS_EXPIRED,
    THROTTLED,
    WORKER,
    free_port,
    run_as,
    serve,
    stub,
)


def probe_json(key, endpoint, *extra, home):
    run = run_as(key, "probe", "--endpoint", endpoint, "--format", "json", *extra, home=home)
    result = run.json() if run.out else None
    assert result is None or result["verdict"] in VERDICTS
    return run, result


def test_allowed_for_an_unknown_job(endpoint, tmp_path):
    run, result = probe_json(ROOT, endpoint, home=tmp_path)
    assert run.code == 0, run.err
    assert result["verdict"] == "allowed" and result["action"] == "ice:QueryIProductionJob"
    assert set(result) >= {"verdict", "detail", "denial", "job", "request_id", "attempts"}
    assert (result["http_status"], result["code"]) == (404, "ResourceNotFound") and result["request_id"]
    assert "looked the unknown ID up and answered ResourceNotFound" in result["detail"]
    assert result["principal"] == f"{ROOT[0]} (environment variables)"
    assert run.err == ""


def test_job_id_shows_status_function_times_and_result(endpoint, tmp_path):
    run, result = probe_json(ROOT, endpoint, "--job-id", SEEDED_JOB, home=tmp_path)
    assert run.code == 0
    job = result["job"]
    assert (job["found"], job["status"], job["state"], job["function"], job["name"]) == (
        True,
        "Success",
        "done",
        "Cover",
        "seeded cover",
    )
    assert job["created"] == "2024-01-01T00:00:00Z" and job["finished"]
    assert [set(item) for item in job["result"]] == [{"Score", "Time", "Url"}] * len(job["result"])
    assert job["result_problem"] is None
    assert job["outputs"] == ["https://bucket.oss-cn-shanghai.aliyuncs.com/out.jpg"]


def test_job_id_in_text(endpoint, tmp_path):
    run = run_as(ROOT, "probe", "--endpoint", endpoint, "--job-id", SEEDED_JOB, home=tmp_path)
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0] == f"allowed  ice:QueryIProductionJob at {endpoint}"
    assert f'  job      {SEEDED_JOB} "seeded cover": Cover Success (done)' in lines
    assert any(re.fullmatch(r"  result   \d thumbnails, best first:", line) for line in lines)


def test_a_job_that_does_not_exist(endpoint, tmp_path):
    run, result = probe_json(ROOT, endpoint, "--job-id", "a" * 32, home=tmp_path)
    assert run.code == 0
    assert result["job"]["found"] is False
    assert result["detail"] == f"allowed; there is no job {'a' * 32} (the service answered ResourceNotFound)"


def test_the_bare_200_for_an_unknown_job_also_proves_access(tmp_path):
    with serve(tmp_path / "world", unknown_job="empty") as url:
        run, result = probe_json(ROOT, url, home=tmp_path)
        job_run, job_result = probe_json(ROOT, url, "--job-id", "a" * 32, home=tmp_path)
    assert run.code == 0
    assert (result["verdict"], result["http_status"], result["code"]) == ("allowed", 200, None)
    assert result["detail"] == "allowed: the platform looked the unknown job up (HTTP 200 without a job)"
    assert job_run.code == 0 and job_result["job"]["found"] is False


def test_allowed_through_a_group_policy(endpoint, tmp_path):
    run = run_as(WORKER, "probe", "--endpoint", endpoint, home=tmp_path)
    assert run.code == 0, run.out + run.err
    assert run.out.startswith("allowed  ice:QueryIProductionJob")


def test_allowed_with_an_sts_token(endpoint, tmp_path):
    run, result = probe_json(STS, endpoint, home=tmp_path)
    assert run.code == 0 and result["principal"].startswith(f"STS key {STS[0]}")


def test_implicit_deny_is_explained_with_the_fix(endpoint, tmp_path):
    run = run_as(INTERN, "probe", "--endpoint", endpoint, home=tmp_path)
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0] == f"denied  ice:QueryIProductionJob at {endpoint}"
    assert lines[2].startswith("  answer   HTTP 403 Forbidden.RAM, request ")
    why = next(line for line in lines if line.startswith("  why"))
    assert "implicitly denied: nothing in the identity policies" in why
    assert "allows ice:QueryIProductionJob for RAM user" in why and f"in account {ACCOUNT}" in why
    assert any("lacks" in line and "ram:DecodeDiagnosticMessage" in line for line in lines)
    assert any(line.startswith("  hint") and '"Resource": "*"' in line for line in lines)


def test_explicit_deny_in_an_identity_policy(endpoint, tmp_path):
    run, result = probe_json(BLOCKED, endpoint, home=tmp_path)
    assert run.code == 1
    denial = result["denial"]
    assert (denial["explicit"], denial["policy_type"], denial["principal_type"]) == (
        True,
        "AccountLevelIdentityBasedPolicy",
        "SubUser",
    )
    assert denial["explanation"].startswith("explicitly denied: a Deny statement in the identity policies")


def test_control_policy_deny_says_it_is_outside_the_account(endpoint, tmp_path):
    run, result = probe_json(CONTRACTOR, endpoint, home=tmp_path)
    assert run.code == 1
    denial = result["denial"]
    assert (denial["explicit"], denial["policy_type"], denial["account_id"]) == (
        True,
        "ControlPolicy",
        CONTRACTORS,
    )
    assert "a Resource Directory control policy" in denial["explanation"]
    text = run_as(CONTRACTOR, "probe", "--endpoint", endpoint, home=tmp_path).out
    assert "a static check of your repository cannot see them" in text


def test_the_diagnostic_is_decoded_when_the_caller_may(endpoint, tmp_path):
    run = run_as(DECODER, "probe", "--endpoint", endpoint, home=tmp_path)
    assert run.code == 1
    assert "no statement matched the request" in run.out
    assert "request context: acs:AccessId=" in run.out and "acs:SourceIp=127.0.0.1" in run.out


def test_a_separate_decoder_names_the_control_policy(endpoint):
    local = parse_endpoint(endpoint)
    contractor = SdkCaller(Credentials(*CONTRACTOR), "cn-shanghai", local)
    decoder = SdkCaller(Credentials(*ROOT), "cn-shanghai", local)
    result = probe(contractor, PROBE_ACTIONS["queryiproductionjob"], decoder=decoder)
    assert result.verdict == "denied"
    matched = result.denial.decoded["MatchedPolicies"]
    assert [(m["PolicyIdentifier"], m["Effect"]) for m in matched] == [("corporate-network-only", "Deny")]


def test_unknown_access_key(endpoint, tmp_path):
    run, result = probe_json(("LTAIunknownKEY001", "whatever"), endpoint, home=tmp_path)
    assert run.code == 3
    assert (result["verdict"], result["code"], result["http_status"]) == (
        "auth_failed",
        "InvalidAccessKeyId.NotFound",
        404,
    )


def test_wrong_secret_is_a_bad_signature(endpoint, tmp_path):
    run, result = probe_json((ROOT[0], "not-the-right-secret"), endpoint, home=tmp_path)
    assert run.code == 3
    assert result["verdict"] == "auth_failed" and result["code"] == "SignatureDoesNotMatch"
    assert result["detail"] == "SignatureDoesNotMatch: the AccessKey secret is wrong for this AccessKey ID"


def test_expired_sts_token(endpoint, tmp_path):
    run, result = probe_json(STS_EXPIRED, endpoint, home=tmp_path)
    assert run.code == 3
    assert result["verdict"] == "auth_failed" and result["code"] == "InvalidSecurityToken.Expired"
    assert "expired" in result["detail"]


def test_endpoint_down(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    run = run_as(ROOT, "probe", "--endpoint", url, home=tmp_path)
    assert run.code == 3
    assert run.out.splitlines()[0] == f"unreachable  ice:QueryIProductionJob at {url}"
    assert "cannot connect to" in run.out and run.err == ""


def test_throttled_after_bounded_retries(endpoint, tmp_path):
    run, result = probe_json(THROTTLED, endpoint, home=tmp_path)
    assert run.code == 3
    assert (result["verdict"], result["code"], result["attempts"]) == ("throttled", "Throttling.User", 4)
    assert result["detail"] == "Throttling.User: still throttled after 4 attempts"


def test_server_errors_that_do_not_pass_are_inconclusive():
    with stub(
        lambda m, p, path: (503, {"Code": "ServiceUnavailable", "Message": "down", "RequestId": "R-5"})
    ) as server:
        caller = SdkCaller(
            Credentials(*ROOT),
            "cn-shanghai",
            parse_endpoint(server.url),
            retry=RetryPolicy(),
            sleep=lambda s: None,
        )
        result = probe(caller, PROBE_ACTIONS["queryiproductionjob"])
    assert (result.verdict, result.code, result.request_id, result.attempts) == (
        "error",
        "ServiceUnavailable",
        "R-5",
        4,
    )


# --- only read-only actions -------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("ice:SubmitIProductionJob", "is a create action; the probe calls only read-only"),
        ("ice:CancelIProductionJob", "the probe calls only read-only"),
        ("ice:DeleteMediaInfos", "is a delete action"),
        ("ram:GetUser", "the probe calls ICE actions only"),
        ("ice:NoSuchThing", "ICE has no such action"),
        ("ice:ListPipelines", "does not know which parameters it needs; it can call: ice:GetMediaInfo"),
    ],
)
def test_actions_that_are_not_safe_to_call_are_refused(action, message, tmp_path):
    closed = f"http://127.0.0.1:{free_port()}"  # a call would be `unreachable`, exit 3
    run = run_as(ROOT, "probe", "--endpoint", closed, "--action", action, home=tmp_path)
    assert run.code == 2
    assert message in run.err and run.out == ""


def test_every_action_in_the_table_is_read_only_in_the_catalog():
    for action in PROBE_ACTIONS.values():
        info = lookup(f"ice:{action.name}")
        assert info is not None and info.access_level in ("get", "list"), action.name


def test_action_names_are_matched_like_ram_does():
    assert probe_action("ice:queryiproductionjob").name == "QueryIProductionJob"
    assert probe_action("GetMediaProducingJob").name == "GetMediaProducingJob"
    with pytest.raises(ActionRefused):
        probe_action("sts:AssumeRole")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--action", "ice:ListTemplates", "--job-id", "x"), "ice:ListTemplates takes no job ID"),
        (("--job-id", "bad id with spaces"), "--job-id must be"),
        (("--region", "cn-shanghai.evil.example"), "is not a region ID"),
        (("--endpoint", "http://127.0.0.1:1/path"), "no path or query"),
    ],
)
def test_usage_errors(args, message, tmp_path):
    run = run_as(ROOT, "probe", *args, home=tmp_path)
    assert run.code == 2 and message in run.err


def test_no_credentials_is_a_usage_error(tmp_path):
    run = run_as(None, "probe", "--endpoint", f"http://127.0.0.1:{free_port()}", home=tmp_path)
    assert run.code == 2
    assert run.err.startswith("policycheck: error: no credentials found")


def test_timeout_must_be_positive_and_bounded(tmp_path):
    assert run_as(ROOT, "probe", "--timeout", "0", home=tmp_path).code == 2
    assert run_as(ROOT, "probe", "--timeout", "9999", home=tmp_path).code == 2


def test_the_unknown_job_id_looks_like_a_real_one():
    assert len(UNKNOWN_JOB_ID) == 32 and int(UNKNOWN_JOB_ID, 16) == 0


@pytest.mark.parametrize("action", sorted(f"ice:{a.name}" for a in PROBE_ACTIONS.values()))
def test_every_probe_action_works_offline_against_the_emulator(endpoint, tmp_path, action):
    run, result = probe_json(ROOT, endpoint, "--action", action, home=tmp_path)
    assert run.code == 0, run.out + run.err
    assert result["verdict"] == "allowed" and result["action"] == action
    assert result["code"] != "InvalidApi.NotFound"


def test_a_probe_action_is_still_denied_without_a_grant(endpoint, tmp_path):
    run, result = probe_json(WORKER, endpoint, "--action", "ice:GetMediaProducingJob", home=tmp_path)
    assert run.code != 0 and result["verdict"] == "denied"


def test_an_unknown_media_producing_job_is_resource_not_found(endpoint, tmp_path):
    run, result = probe_json(ROOT, endpoint, "--action", "ice:GetMediaProducingJob", home=tmp_path)
    assert (result["code"], result["http_status"]) == ("ResourceNotFound", 404)
