"""The gateway steps every call passes: API lookup, timestamp, key, signature, nonce, token, rate.

Each error is checked with the code, message and HTTP status the platform uses, through
aliyun-python-sdk-core where it can send the request and with the raw client where it cannot.
"""

from __future__ import annotations

from tests.emulator.conftest import (
    OPERATOR,
    ROOT,
    SEEDED_JOB,
    STS,
    STS_EXPIRED,
    THROTTLED,
    FakeClock,
    call,
    error_of,
    raw,
    sign_v1,
    signed,
    v1_params,
)


def test_unknown_action_and_version(endpoint):
    assert error_of(endpoint, ROOT, "ListIProductionJobs") == (
        404,
        "InvalidApi.NotFound",
        "Specified api is not found,please check your url and method.",
    )
    assert (
        error_of(endpoint, ROOT, "QueryIProductionJob", version="2014-06-18", JobId="x")[1]
        == "InvalidApi.NotFound"
    )


def test_unknown_access_key(endpoint):
    assert error_of(endpoint, ("LTAInobody", "x"), "QueryIProductionJob", JobId="x") == (
        404,
        "InvalidAccessKeyId.NotFound",
        "Specified access key is not found.",
    )


def test_wrong_secret_shows_the_server_string_to_sign(endpoint):
    status, code, message = error_of(endpoint, (ROOT[0], "not-the-secret"), "QueryIProductionJob", JobId="x")
    assert (status, code) == (400, "SignatureDoesNotMatch")
    prefix = "Specified signature is not matched with our calculation. server string to sign is:"
    assert message.startswith(prefix + "POST&%2F&AccessKeyId%3D" + ROOT[0])
    assert "%26JobId%3Dx%26" in message


def test_server_string_to_sign_is_the_clients(endpoint):
    params = v1_params(ROOT, "QueryIProductionJob", JobId="job 1/ü*~")
    params["Signature"] = "AAAA"
    message = raw(endpoint, params).json()["Message"]
    from tests.emulator.conftest import pct

    canonical = "&".join(pct(k) + "=" + pct(v) for k, v in sorted(params.items()) if k != "Signature")
    assert message.endswith("is:POST&%2F&" + pct(canonical))


def test_timestamp_outside_the_allowed_skew(start):
    clock = FakeClock()
    clock.advance(16 * 60)
    with start(clock=clock) as endpoint:
        assert error_of(endpoint, ROOT, "QueryIProductionJob", JobId="x") == (
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        )
    clock.advance(-2 * 16 * 60)
    with start(clock=clock) as endpoint:
        assert error_of(endpoint, ROOT, "QueryIProductionJob", JobId="x")[1] == "InvalidTimeStamp.Expired"


def test_skew_is_a_setting(start):
    clock = FakeClock()
    clock.advance(120)
    with start(clock=clock, clock_skew_seconds=60) as endpoint:
        assert error_of(endpoint, ROOT, "QueryIProductionJob", JobId="x")[1] == "InvalidTimeStamp.Expired"


def test_malformed_timestamp(endpoint):
    for stamp in ("2024-01-01 00:00:00", "yesterday", "2024-13-01T00:00:00Z", "1704067200"):
        params = v1_params(ROOT, "QueryIProductionJob", JobId="x", Timestamp=stamp)
        params["Signature"] = sign_v1("POST", params, ROOT[1])
        reply = raw(endpoint, params)
        assert (reply.status, reply.json()["Code"]) == (400, "InvalidTimeStamp.Format"), stamp
        assert reply.json()["Message"] == "Specified time stamp or date value is not well formatted."


def test_replayed_request_is_refused(endpoint):
    params = signed(ROOT, "QueryIProductionJob", JobId=SEEDED_JOB)
    assert raw(endpoint, params).status == 200
    again = raw(endpoint, params)
    assert (again.status, again.json()["Code"]) == (400, "SignatureNonceUsed")
    assert again.json()["Message"] == "Specified signature nonce was used already."


def test_nonce_is_per_access_key(endpoint):
    first = signed(ROOT, "QueryIProductionJob", JobId=SEEDED_JOB, SignatureNonce="same-nonce")
    second = signed(OPERATOR, "QueryIProductionJob", JobId=SEEDED_JOB, SignatureNonce="same-nonce")
    assert raw(endpoint, first).status == 200
    assert raw(endpoint, second).json().get("Code") != "SignatureNonceUsed"


def test_a_forged_signature_does_not_burn_the_nonce(endpoint):
    params = signed(ROOT, "QueryIProductionJob", JobId=SEEDED_JOB)
    assert raw(endpoint, {**params, "Signature": "AAAA"}).json()["Code"] == "SignatureDoesNotMatch"
    assert raw(endpoint, params).status == 200


def test_sts_token_expired(endpoint):
    assert error_of(endpoint, STS_EXPIRED, "QueryIProductionJob", JobId="x") == (
        400,
        "InvalidSecurityToken.Expired",
        "Specified SecurityToken is expired.",
    )


def test_sts_token_forged(endpoint):
    assert error_of(endpoint, (STS[0], STS[1], "forged-token"), "QueryIProductionJob", JobId="x") == (
        400,
        "InvalidSecurityToken.Malformed",
        "Specified SecurityToken is malformed.",
    )


def test_sts_key_without_its_token(endpoint):
    reply = raw(endpoint, signed(STS[:2], "QueryIProductionJob", JobId="x"))
    assert (reply.status, reply.json()["Code"]) == (400, "MissingSecurityToken")


def test_token_sent_with_a_long_term_key(endpoint):
    reply = raw(endpoint, signed((*ROOT, "some-token"), "QueryIProductionJob", JobId="x"))
    assert (reply.status, reply.json()["Code"]) == (400, "InvalidSecurityToken.MismatchWithAccessKey")


def test_signature_mismatch_never_echoes_the_sts_token(endpoint):
    params = signed(STS, "QueryIProductionJob", JobId="x")
    reply = raw(endpoint, {**params, "Signature": "AAAA"})
    assert reply.json()["Code"] == "SignatureDoesNotMatch"
    assert STS[2] not in reply.body.decode() and "sts-token" not in reply.body.decode()


def test_throttled_key(endpoint):
    assert error_of(endpoint, THROTTLED, "QueryIProductionJob", JobId="x") == (
        400,
        "Throttling.User",
        "Request was denied due to user flow control.",
    )


def test_rate_limit_per_key(start):
    clock = FakeClock()  # frozen: the bucket never refills
    with start(clock=clock, rate_limit=2) as endpoint:
        assert call(endpoint, ROOT, "QueryIProductionJob", JobId=SEEDED_JOB)["Status"] == "Success"
        assert call(endpoint, ROOT, "QueryIProductionJob", JobId=SEEDED_JOB)["Status"] == "Success"
        assert error_of(endpoint, ROOT, "QueryIProductionJob", JobId=SEEDED_JOB)[1] == "Throttling.User"
        clock.advance(1)
        assert call(endpoint, ROOT, "QueryIProductionJob", JobId=SEEDED_JOB)["Status"] == "Success"


def test_missing_common_parameters(endpoint):
    for name in ("AccessKeyId", "Signature", "SignatureNonce", "Timestamp", "Action", "Version"):
        params = signed(ROOT, "QueryIProductionJob", JobId="x")
        del params[name]
        reply = raw(endpoint, params)
        assert (reply.status, reply.json()["Code"]) == (400, f"Missing{name}"), name
        assert reply.json()["Message"] == f"{name} is mandatory for this action."


def test_signature_method_and_version(endpoint):
    reply = raw(endpoint, signed(ROOT, "QueryIProductionJob", JobId="x", SignatureMethod="HMAC-SHA256"))
    assert reply.json()["Code"] == "InvalidSignatureMethod"
    reply = raw(endpoint, signed(ROOT, "QueryIProductionJob", JobId="x", SignatureVersion="2.0"))
    assert reply.json()["Code"] == "InvalidSignatureVersion"


def test_error_envelope(endpoint):
    reply = raw(endpoint, signed(ROOT, "QueryIProductionJob"))
    assert reply.status == 400
    assert reply.headers["Content-Type"] == "application/json;charset=utf-8"
    body = reply.json()
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert body["HostId"] == endpoint.host
    assert reply.headers["x-acs-request-id"] == body["RequestId"]
    assert body["RequestId"] == body["RequestId"].upper() and len(body["RequestId"]) == 36
    assert body["Recommend"] == (
        f"https://api.aliyun.com/troubleshoot?q=MissingJobId&product=ICE&requestId={body['RequestId']}"
    )


def test_xml_when_asked(endpoint):
    reply = raw(endpoint, signed(ROOT, "QueryIProductionJob", JobId=SEEDED_JOB, Format="XML"))
    assert reply.headers["Content-Type"] == "text/xml;charset=utf-8"
    text = reply.body.decode()
    assert text.startswith("<?xml version='1.0' encoding='UTF-8'?><QueryIProductionJobResponse>")
    assert (
        "<Status>Success</Status>" in text
        and "<Input><Media>oss://bucket/in.mp4</Media><Type>OSS</Type></Input>" in text
    )
    error = raw(endpoint, signed(ROOT, "QueryIProductionJob", Format="XML"))
    assert error.status == 400
    assert "<Error><RequestId>" in error.body.decode() and "<Code>MissingJobId</Code>" in error.body.decode()


def test_parameters_in_a_form_body_are_signed_too(endpoint):
    params = signed(ROOT, "QueryIProductionJob", JobId=SEEDED_JOB)
    job = params.pop("JobId")
    from urllib.parse import urlencode

    reply = raw(
        endpoint,
        params,
        body=urlencode({"JobId": job}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (reply.status, reply.json()["JobId"]) == (200, job)


def test_other_http_methods(endpoint):
    reply = raw(endpoint, signed(ROOT, "QueryIProductionJob", JobId="x", method="PUT"), method="PUT")
    assert (reply.status, reply.json()["Code"]) == (403, "UnsupportedHTTPMethod")


def test_only_the_root_path(endpoint):
    reply = raw(endpoint, signed(ROOT, "QueryIProductionJob", JobId="x"), path="/v1/jobs")
    assert (reply.status, reply.json()["Code"]) == (404, "InvalidApi.NotFound")


def test_sdk_timestamps_are_accepted_within_the_window(endpoint):
    # sdk-core signs with its own clock; a fresh client each time must always pass.
    for _ in range(3):
        assert call(endpoint, ROOT, "QueryIProductionJob", JobId=SEEDED_JOB)["JobId"] == SEEDED_JOB


def test_parameters_are_read_as_parse_qsl_reads_them():
    """The emulator's own reader of query strings and form bodies against the standard
    library's, on random text over the characters that matter (separators, escapes, bad
    UTF-8, repeated names), down to which error comes first."""
    import random
    from urllib.parse import parse_qsl

    from policycheck.emulator.errors import ApiError, invalid
    from policycheck.emulator.server import MAX_PARAMS, _parse_params

    def reference(text: str) -> dict[str, str] | str:
        try:
            pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_PARAMS)
        except UnicodeDecodeError:
            return "The request parameters are not valid UTF-8."
        except ValueError:
            return "The request has too many parameters."
        into: dict[str, str] = {}
        for name, value in pairs:
            if name in into:
                return invalid(name).message
            into[name] = value
        return into

    def ours(text: str) -> dict[str, str] | str:
        into: dict[str, str] = {}
        try:
            _parse_params(text, into)
        except ApiError as error:
            assert error.code == "InvalidParameter"
            return error.message
        return into

    pieces = ["a", "b", "=", "&", "+", "%20", "%2B", "%26", "%3D", "%C3%BC", "%FF", "%", "%2", "ü", " ", ""]
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choices(pieces, k=rng.randint(0, 12)))
        assert ours(text) == reference(text), text
    for fields in (MAX_PARAMS, MAX_PARAMS + 1):
        text = "&".join(f"p{index}=1" for index in range(fields))
        assert ours(text) == reference(text)
