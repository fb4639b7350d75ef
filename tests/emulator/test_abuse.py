"""Hostile clients: forged, mutated and replayed requests never succeed, and nothing a
client sends takes the server down or makes it answer 500."""

from __future__ import annotations

import calendar
import socket
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.emulator.conftest import ROOT, SEEDED_JOB, WORKER, raw, sign_v1, signed, submit_params


def _alive(endpoint) -> None:
    reply = raw(endpoint, signed(ROOT, "QueryIProductionJob", JobId=SEEDED_JOB))
    assert (reply.status, reply.json()["Status"]) == (200, "Success")


def _send(endpoint, data: bytes) -> bytes:
    """Write bytes to the socket as they are and read the answer until the server closes."""
    host, port = endpoint.host.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        chunks = []
        try:
            connection.sendall(data)
            connection.shutdown(socket.SHUT_WR)
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        except OSError:
            pass  # the server may close first, having answered what it could
    return b"".join(chunks)


def test_every_mutated_parameter_breaks_the_signature(endpoint):
    params = signed(ROOT, "SubmitIProductionJob", **submit_params())
    for name, value in params.items():
        reply = raw(endpoint, {**params, name: value + "x"})
        assert reply.status in (400, 404), name
        expected = {
            "AccessKeyId": "InvalidAccessKeyId.NotFound",
            "Action": "InvalidApi.NotFound",
            "Version": "InvalidApi.NotFound",
            "SignatureMethod": "InvalidSignatureMethod",
            "SignatureVersion": "InvalidSignatureVersion",
            "Timestamp": "InvalidTimeStamp.Format",
        }.get(name, "SignatureDoesNotMatch")
        assert reply.json()["Code"] == expected, name
    for extra in ({"ClientToken": "t"}, {"Name": "added"}, {"signature": "lower-case twin"}):
        assert raw(endpoint, {**params, **extra}).json()["Code"] == "SignatureDoesNotMatch", extra
    for name in ("FunctionName", "SignatureType", "RegionId", "Format"):
        reduced = {k: v for k, v in params.items() if k != name}
        assert raw(endpoint, reduced).json()["Code"] == "SignatureDoesNotMatch", name
    earlier = time.strftime(
        "%Y-%m-%dT%H:%M:%SZ",
        time.gmtime(calendar.timegm(time.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ")) - 1),
    )
    assert raw(endpoint, {**params, "Timestamp": earlier}).json()["Code"] == "SignatureDoesNotMatch"
    # signed for POST, sent as GET
    assert raw(endpoint, params, method="GET").json()["Code"] == "SignatureDoesNotMatch"
    # nothing was created by any of it, and the honest request still works once
    assert raw(endpoint, params).status == 200
    assert raw(endpoint, params).json()["Code"] == "SignatureNonceUsed"


def test_signature_of_another_key_does_not_carry_over(endpoint):
    params = signed(WORKER, "QueryIProductionJob", JobId=SEEDED_JOB)
    stolen = {**params, "AccessKeyId": ROOT[0]}
    assert raw(endpoint, stolen).json()["Code"] == "SignatureDoesNotMatch"
    resigned = dict(params)
    resigned["Signature"] = sign_v1("POST", resigned, "guessed-secret")
    assert raw(endpoint, resigned).json()["Code"] == "SignatureDoesNotMatch"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("Action=%zz&Version=%", "MissingAccessKeyId"),
        ("JobId=%ff%fe", "InvalidParameter"),
        ("JobId=a&JobId=b", "InvalidParameter"),
        ("=&&&==", "InvalidParameter"),
        ("Action=QueryIProductionJob&Version=2020-11-09&AccessKeyId=" + "A" * 5000, "MissingSignature"),
        ("a=" + "&a".join(str(i) for i in range(2000)), "InvalidParameter"),
        ("", "MissingAction"),
    ],
)
def test_malformed_query_strings_are_client_errors(endpoint, query, code):
    reply = raw(endpoint, query=query)
    assert (reply.status, reply.json()["Code"]) == (400, code)
    _alive(endpoint)


def test_bad_utf8_in_a_form_body(endpoint):
    reply = raw(
        endpoint,
        signed(ROOT, "QueryIProductionJob"),
        body=b"JobId=\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (reply.status, reply.json()["Code"]) == (400, "InvalidParameter")


def test_huge_body_is_refused_before_it_is_read(endpoint):
    headers = b"POST /?Action=x HTTP/1.1\r\nHost: h\r\nContent-Length: 50000000\r\n\r\n"
    answer = _send(endpoint, headers + b"x" * 100_000)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b'"Code":"RequestEntityTooLarge"' in answer
    _alive(endpoint)


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"POST /?a=b HTTP/1.1\r\nContent-Length: -5\r\n\r\n", b"400"),
        (b"POST /?a=b HTTP/1.1\r\nContent-Length: lots\r\n\r\n", b"400"),
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", b"411"),
        (b"GET / HTTP/1.1\r\n\r\n", b"400"),
        (b"GARBAGE\r\n\r\n", None),
        (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"414"),
        (b"GET / HTTP/1.1\r\nX: " + b"y" * 70000 + b"\r\n\r\n", b"431"),
        (b"\x00\xff\xfe\r\n\r\n", None),
        (b"", b""),
    ],
)
def test_broken_http_never_crashes_the_server(endpoint, request_bytes, status):
    """`status` None: http.server answers a request line it cannot read as HTTP/0.9, without one."""
    answer = _send(endpoint, request_bytes)
    if status is not None:
        assert answer[9:12] == status
    assert b" 500 " not in answer[:20]
    _alive(endpoint)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    query=st.text(alphabet=st.sampled_from("aAz=&%+;?#/\\.~*ü\x00 0123456789fF"), max_size=80),
    headers=st.dictionaries(
        st.sampled_from(["Authorization", "x-acs-action", "x-acs-version", "x-acs-date", "Content-Type"]),
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
        max_size=3,
    ),
)
def test_fuzzed_requests_get_client_errors(endpoint, query, headers):
    reply = raw(endpoint, query=quote(query, safe="=&%+;?/\\.~*"), headers=headers)
    assert 400 <= reply.status < 500, (query, headers, reply.body)
    assert reply.json()["Code"]


def _signed_with_body(key, action: str, in_body: dict[str, str], version: str = "2020-11-09", **query: str):
    """A v1 request whose `in_body` parameters travel in a form body (too big for a URL)."""
    from urllib.parse import urlencode

    values = signed(key, action, version, **query, **in_body)
    url_params = {k: v for k, v in values.items() if k not in in_body}
    body = urlencode(in_body, quote_via=quote).encode()
    return url_params, body


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Input", DEEP),
        ("Output", '{"Type": "OSS", "Media": "oss://b/o", "Biz": ' + DEEP + "}"),
        ("ScheduleConfig", '{"PipelineId": ' + DEEP + "}"),
        ("ScheduleConfig", '{"Priority": ' + "[" * 900 + "]" * 900 + "}"),
    ],
)
def test_deeply_nested_json_is_invalid_parameter_not_500(endpoint, name, value):
    params = submit_params(**{name: value})
    query, body = _signed_with_body(
        ROOT, "SubmitIProductionJob", {name: value}, **{k: v for k, v in params.items() if k != name}
    )
    reply = raw(endpoint, query, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (reply.status, reply.json()["Code"], reply.json()["Message"]) == (
        400,
        "InvalidParameter",
        f'The specified parameter "{name}" is not valid.',
    )
    _alive(endpoint)


def test_deeply_nested_job_params_fail_the_job_not_the_query(start):
    with start(queuing_seconds=0, analysing_seconds=0) as endpoint:
        query, body = _signed_with_body(
            ROOT, "SubmitIProductionJob", {"JobParams": DEEP[:3000]}, **submit_params()
        )
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        job_id = raw(endpoint, query, body=body, headers=form).json()["JobId"]
        job = raw(endpoint, signed(ROOT, "QueryIProductionJob", JobId=job_id)).json()
        assert job["Status"] == "Fail" and "JobParams" in job["Result"]


@pytest.mark.parametrize("max_items", ["\u00b2", "\u0661\u0660", "1\u0660", "\uff11", "+5", " 5", "5.0"])
def test_max_items_takes_ascii_digits_only(endpoint, max_items):
    reply = raw(endpoint, signed(ROOT, "ListUsers", "2015-05-01", MaxItems=max_items))
    assert (reply.status, reply.json()["Code"], reply.json()["Message"]) == (
        400,
        "InvalidParameter",
        'The specified parameter "MaxItems" is not valid.',
    )


def test_a_request_line_over_64_kb_gets_the_json_envelope(endpoint):
    reply = raw(endpoint, query="JobId=" + "a" * 70_000)
    assert reply.status == 414
    assert reply.headers["Content-Type"] == "application/json;charset=utf-8"
    body = reply.json()
    assert (body["Code"], body["Message"]) == (
        "RequestURITooLong",
        "The request line is longer than 65536 bytes.",
    )
    assert body["RequestId"] and body["HostId"] == "127.0.0.1" and body["Recommend"]
    _alive(endpoint)


def test_too_many_header_bytes_get_the_json_envelope(endpoint):
    answer = _send(endpoint, b"GET / HTTP/1.1\r\nX: " + b"y" * 70000 + b"\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 ") and b"application/json" in head
    assert b'"Code":"RequestHeaderFieldsTooLarge"' in body
