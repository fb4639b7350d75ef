"""Endpoints, retry timing and redaction: the transport-free part of calling Alibaba Cloud."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from policycheck.cloud.api import (
    ApiError,
    Endpoint,
    NetworkError,
    Redactor,
    RetryPolicy,
    check_region,
    endpoint_for,
    parse_endpoint,
)
from policycheck.errors import UserError


def test_public_endpoints_are_regional_for_ice_and_central_for_ram_and_sts():
    assert endpoint_for("ice", "cn-beijing") == Endpoint("ice.cn-beijing.aliyuncs.com", https=True)
    assert endpoint_for("ram", "cn-beijing").url == "https://ram.aliyuncs.com"
    assert endpoint_for("sts", "us-west-1").url == "https://sts.aliyuncs.com"


def test_an_override_serves_every_product():
    local = parse_endpoint("http://127.0.0.1:8765")
    assert local == Endpoint("127.0.0.1:8765", https=False)
    assert {endpoint_for(p, "cn-shanghai", local) for p in ("ice", "ram", "sts")} == {local}


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com",
        "http://host/path",
        "http://host?x=1",
        "http://user@host",
        "http://host:99999",
        "host",
    ],
)
def test_endpoint_must_be_scheme_host_port(url):
    with pytest.raises(UserError, match="--endpoint"):
        parse_endpoint(url)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:1", True),
        ("http://127.9.9.9", True),
        ("http://[::1]:8765", True),
        ("http://localhost:8765", True),
        ("https://ice.cn-shanghai.aliyuncs.com", False),
        ("http://10.0.0.1", False),
    ],
)
def test_loopback(url, loopback):
    assert parse_endpoint(url).loopback is loopback


def test_region_ids_are_checked_because_they_become_host_names():
    assert check_region("ap-southeast-1") == "ap-southeast-1"
    for bad in ("cn-shanghai.evil.com", "CN-SHANGHAI", "shanghai", ""):
        with pytest.raises(UserError):
            check_region(bad)


def test_backoff_doubles_with_jitter_and_is_capped():
    policy = RetryPolicy(base_delay=0.5, max_delay=2.0)
    assert [policy.delay(n, 0.0) for n in range(4)] == [0.25, 0.5, 1.0, 1.0]
    assert [policy.delay(n, 0.999999) for n in range(4)] == pytest.approx([0.5, 1.0, 2.0, 2.0])


def test_only_throttling_and_transient_5xx_are_retried():
    policy = RetryPolicy()
    assert policy.retryable(ApiError(400, {"Code": "Throttling.User"}))
    assert policy.retryable(ApiError(503, {"Code": "ServiceUnavailable"}))
    assert not policy.retryable(ApiError(403, {"Code": "Forbidden.RAM"}))
    assert not policy.retryable(ApiError(501, {"Code": "NotImplemented"}))
    assert not policy.retryable(NetworkError("connect", "refused"))


def test_api_error_keeps_the_body_and_reads_a_detail_given_as_a_string():
    error = ApiError(
        403,
        {
            "Code": "NoPermission",
            "Message": "no",
            "RequestId": "R-1",
            "HostId": "ram.aliyuncs.com",
            "Recommend": "https://x",
            "AccessDeniedDetail": '{"NoPermissionType": "ImplicitDeny"}',
        },
    )
    assert str(error) == "NoPermission: no (HTTP 403, request R-1)"
    assert (error.host_id, error.recommend) == ("ram.aliyuncs.com", "https://x")
    assert error.access_denied_detail == {"NoPermissionType": "ImplicitDeny"}


def test_redactor_removes_every_spelling_of_a_secret_and_signatures():
    token = "tok+en/with=odd*chars"
    redact = Redactor(("s3cret", token))
    once = quote(token, safe="")
    twice = quote(once, safe="")
    text = (
        f"raw {token} once {once} twice {twice} s3cret "
        "url: /?Action=X&Signature=abc%3D&SecurityToken=zzz then "
        "GET /?Signature=AbC+dEf%2F HTTP/1.1 "
        "is:POST&%2F&AccessKeyId%3DK%26Signature%3DQq%252B%26SignatureMethod%3DHMAC-SHA1"
    )
    cleaned = redact(text)
    for leaked in (token, once, twice, "s3cret", "abc%3D", "zzz", "AbC+dEf", "Qq%252B"):
        assert leaked not in cleaned
    assert cleaned.count("***") >= 6
    assert cleaned.endswith("%26Signature%3D***%26SignatureMethod%3DHMAC-SHA1")
