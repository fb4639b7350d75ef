"""sdk.py over real HTTP with the real aliyun-python-sdk-core: each pitfall it must defuse."""

from __future__ import annotations

import threading
import time

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.credentials import StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from policycheck.cloud.api import ApiError, ClientError, Endpoint, NetworkError, RetryPolicy, parse_endpoint
from policycheck.cloud.credentials import Credentials, RoleToAssume
from policycheck.cloud.sdk import AssumeRoleError, SdkCaller, assume_role, connect, proxies_for
from tests.cloud.conftest import (
    ACCOUNT,
    ROOT,
    SEEDED_JOB,
    STS,
    THROTTLED,
    free_port,
    stub,
)


def caller(endpoint: str, key: tuple[str, ...], **options) -> SdkCaller:
    return SdkCaller(Credentials(*key, source="test"), "cn-shanghai", parse_endpoint(endpoint), **options)


def query(target: SdkCaller, job: str = SEEDED_JOB) -> dict:
    return dict(target.call("ice", "QueryIProductionJob", {"JobId": job}).body)


def test_a_call_returns_the_parsed_body(endpoint):
    body = query(caller(endpoint, ROOT))
    assert body["JobId"] == SEEDED_JOB and body["FunctionName"] == "Cover" and body["RequestId"]


def test_error_keeps_the_whole_body_that_server_exception_drops(endpoint):
    with pytest.raises(ApiError) as caught:
        query(caller(endpoint, (ROOT[0], "not-the-secret")))
    error = caught.value
    assert (error.status, error.code) == (400, "SignatureDoesNotMatch")
    assert error.host_id == endpoint.split("://")[1]
    assert error.recommend.startswith("https://api.aliyun.com/troubleshoot?q=SignatureDoesNotMatch")


# --- ALIYUN_ACCESS_KEY_* cannot take over -----------------------------------------------


def test_sdk_core_environment_keys_override_a_credential_object(endpoint, monkeypatch):
    """The trap, shown with the SDK alone: its own env keys win over an StsTokenCredential."""
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_ID", "LTAIbogusBOGUS01")
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_SECRET", "bogus")
    client = AcsClient(
        region_id="cn-shanghai", credential=StsTokenCredential(*STS), auto_retry=False, proxy={"http": None}
    )
    request = CommonRequest(
        domain=endpoint.split("://")[1], version="2020-11-09", action_name="QueryIProductionJob"
    )
    request.set_method("POST")
    request.add_query_param("JobId", SEEDED_JOB)
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(request)
    assert caught.value.get_error_code() == "InvalidAccessKeyId.NotFound"


def test_policycheck_keys_win_over_sdk_core_environment_keys(endpoint, monkeypatch):
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_ID", "LTAIbogusBOGUS01")
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_SECRET", "bogus")
    assert query(caller(endpoint, ROOT))["JobId"] == SEEDED_JOB


def test_sts_keys_win_over_sdk_core_environment_keys(endpoint, monkeypatch):
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_ID", ROOT[0])
    monkeypatch.setenv("ALIYUN_ACCESS_KEY_SECRET", ROOT[1])
    target = caller(endpoint, STS)
    assert target.principal == "STS key STS.testSESSION001 (test)"
    with pytest.raises(ApiError) as caught:  # the role may not list users; root could
        target.call("ram", "ListUsers", {})
    assert caught.value.access_denied_detail["AuthPrincipalType"] == "AssumedRoleUser"


# --- proxies, protocol, timeouts --------------------------------------------------------


def test_loopback_is_never_sent_through_a_proxy(endpoint, monkeypatch):
    dead = f"http://127.0.0.1:{free_port()}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, dead)
    assert query(caller(endpoint, ROOT))["JobId"] == SEEDED_JOB


def test_proxy_choice_honours_no_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", ".internal.example")
    public = Endpoint("ice.cn-shanghai.aliyuncs.com")
    assert proxies_for(public)["https"] == "http://proxy.example:3128"
    assert proxies_for(Endpoint("ice.internal.example")) == {"http": None, "https": None}
    assert proxies_for(Endpoint("127.0.0.1:8765", https=False)) == {"http": None, "https": None}


def test_https_is_really_https(endpoint):
    """The SDK compares protocols with `is`; a string that is not its constant silently becomes
    plain HTTP, and this plain-HTTP emulator would answer. A TLS failure proves HTTPS was used."""
    target = caller(endpoint.replace("http://", "https://"), ROOT)
    with pytest.raises(NetworkError) as caught:
        query(target)
    assert caught.value.kind == "tls"


def test_closed_port_is_a_connect_error():
    with pytest.raises(NetworkError) as caught:
        query(caller(f"http://127.0.0.1:{free_port()}", ROOT))
    assert caught.value.kind == "connect"
    assert "Connection refused" in caught.value.message


def test_unresolvable_host_is_a_dns_error():
    with pytest.raises(NetworkError) as caught:
        query(caller("http://no-such-host.invalid", ROOT, timeout=5))
    assert caught.value.kind == "dns"


def test_slow_answer_is_a_timeout():
    def slow(method, params, path):
        time.sleep(3)
        return 200, {"RequestId": "late"}

    with stub(slow) as server, pytest.raises(NetworkError) as caught:
        query(caller(server.url, ROOT, timeout=0.5))
    assert caught.value.kind == "timeout"


# --- retries ----------------------------------------------------------------------------


def test_throttling_is_retried_with_backoff_then_given_up(endpoint):
    pauses: list[float] = []
    notices: list[tuple[str, int]] = []
    target = caller(
        endpoint,
        THROTTLED,
        retry=RetryPolicy(attempts=4, base_delay=0.5, max_delay=8, budget_seconds=20),
        sleep=pauses.append,
        random_fraction=lambda: 0.5,
        on_retry=lambda code, attempt, pause: notices.append((code, attempt)),
    )
    with pytest.raises(ApiError) as caught:
        query(target)
    assert caught.value.code == "Throttling.User" and caught.value.attempts == 4
    assert pauses == [0.375, 0.75, 1.5]
    assert notices == [("Throttling.User", 1), ("Throttling.User", 2), ("Throttling.User", 3)]


def test_throttling_pauses_the_next_call_from_any_thread_too(endpoint):
    """A pool of workers shares the caller: after one is throttled, the others wait too
    instead of earning more Throttling answers (sleep is recorded, not slept)."""
    pauses: list[float] = []
    target = caller(
        endpoint,
        THROTTLED,
        retry=RetryPolicy(attempts=2, base_delay=60, max_delay=60, budget_seconds=120),
        sleep=pauses.append,
        random_fraction=lambda: 0.0,
    )
    with pytest.raises(ApiError):
        query(target)
    assert pauses == [30.0]
    other: list[float] = []
    target._sleep = other.append
    thread = threading.Thread(target=lambda: pytest.raises(ApiError, query, target))
    thread.start()
    thread.join(timeout=60)
    assert len(other) == 2 and 29 < other[0] <= 30 and other[1] == 30.0


def test_retries_stop_at_the_time_budget(endpoint):
    pauses: list[float] = []
    target = caller(
        endpoint,
        THROTTLED,
        retry=RetryPolicy(attempts=50, base_delay=1.0, max_delay=1.0, budget_seconds=2.5),
        sleep=pauses.append,
        random_fraction=lambda: 0.999,
    )
    with pytest.raises(ApiError):
        query(target)
    assert len(pauses) == 2 and sum(pauses) <= 2.5


def test_a_transient_5xx_is_retried_until_it_passes():
    answers = iter([(503, {"Code": "ServiceUnavailable"}), (500, {"Code": "InternalError"})])

    def flaky(method, params, path):
        return next(answers, (200, {"RequestId": "OK-1", "JobId": params["JobId"]}))

    with stub(flaky) as server:
        answer = caller(server.url, ROOT, sleep=lambda s: None).call(
            "ice", "QueryIProductionJob", {"JobId": SEEDED_JOB}
        )
        assert len(server.requests) == 3
        nonces = {request["SignatureNonce"] for request in server.requests}
    assert (answer.request_id, answer.attempts) == ("OK-1", 3)
    assert len(nonces) == 3  # each attempt is a freshly signed request


def test_a_denial_or_bad_key_is_not_retried():
    def deny(method, params, path):
        return 403, {"Code": "Forbidden.RAM", "Message": "no"}

    with stub(deny) as server:
        with pytest.raises(ApiError) as caught:
            caller(server.url, ROOT, sleep=lambda s: None).call("ice", "QueryIProductionJob", {"JobId": "x"})
        assert len(server.requests) == 1
    assert caught.value.attempts == 1


def test_a_non_json_answer_is_a_client_error():
    with (
        stub(lambda m, p, path: (200, ["not", "an", "object"])) as server,
        pytest.raises(ClientError) as caught,
    ):
        query(caller(server.url, ROOT))
    assert caught.value.code == "InvalidResponse"


# --- read-only gate ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("product", "action"),
    [
        ("ice", "SubmitIProductionJob"),
        ("ice", "CancelIProductionJob"),
        ("ram", "CreatePolicy"),
        ("ram", "Nope"),
    ],
)
def test_only_get_and_list_actions_are_ever_sent(product, action):
    with stub(lambda m, p, path: (200, {"RequestId": "x"})) as server:
        with pytest.raises(ClientError) as caught:
            caller(server.url, ROOT).call(product, action, {})
        assert server.requests == []
    assert caught.value.code == "policycheck.NotReadOnly"


# --- AssumeRole -------------------------------------------------------------------------

ROLE = RoleToAssume(
    Credentials(*ROOT, source="test"), f"acs:ram::{ACCOUNT}:role/worker-role", "probe-1", 900, "profile r"
)


def test_assume_role_against_the_emulator_says_it_has_no_sts(endpoint):
    with pytest.raises(AssumeRoleError) as caught:
        assume_role(ROLE, "cn-shanghai", parse_endpoint(endpoint))
    message = str(caught.value)
    assert "InvalidApi.NotFound" in message and "does not serve STS AssumeRole" in message


def test_assume_role_is_signed_with_the_source_keys_and_its_keys_are_used(endpoint):
    """A stub STS in front of the emulator: AssumeRole hands out the world's STS session."""

    def sts(method, params, path):
        if params.get("Action") != "AssumeRole":
            return None
        return 200, {
            "RequestId": "STS-1",
            "Credentials": {"AccessKeyId": STS[0], "AccessKeySecret": STS[1], "SecurityToken": STS[2]},
        }

    with stub(sts, forward=endpoint) as server:
        target = connect(ROLE, "cn-shanghai", parse_endpoint(server.url))
        assume = server.requests[0]
        assert (assume["AccessKeyId"], assume["RoleArn"], assume["RoleSessionName"]) == (
            ROOT[0],
            ROLE.role_arn,
            "probe-1",
        )
        assert assume["DurationSeconds"] == "900" and assume["Version"] == "2015-04-01"
        assert target.principal.startswith(f"STS key {STS[0]} (role {ROLE.role_arn} assumed with {ROOT[0]}")
        assert query(target)["JobId"] == SEEDED_JOB
        assert server.requests[-1]["AccessKeyId"] == STS[0]
        assert server.requests[-1]["SecurityToken"] == STS[2]
