"""V3 (ACS3-HMAC-SHA256) signatures, sent by the official alibabacloud-tea-openapi client."""

from __future__ import annotations

import json
import warnings

import pytest
from alibabacloud_tea_openapi import utils_models as models
from alibabacloud_tea_openapi.client import Client
from alibabacloud_tea_openapi.exceptions import ClientException
from darabonba.runtime import RuntimeOptions

from tests.emulator.conftest import ICE, RAM, ROOT, SEEDED_JOB, STS, STS_EXPIRED, raw, submit_params


def tea(endpoint, key: tuple[str, ...]) -> Client:
    config = models.Config(
        access_key_id=key[0],
        access_key_secret=key[1],
        security_token=key[2] if len(key) == 3 else None,
        endpoint=endpoint.host,
        protocol="http",
        region_id="cn-shanghai",
    )
    return Client(config)


def v3_call(endpoint, key, action: str, version: str = ICE, **query: str) -> dict:
    params = models.Params(
        action=action,
        version=version,
        protocol="HTTP",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the SDK's own datetime.utcnow()
        reply = tea(endpoint, key).call_api(
            params, models.OpenApiRequest(query=query), RuntimeOptions(autoretry=False)
        )
    return reply["body"]


def v3_error(endpoint, key, action: str, **query: str) -> ClientException:
    with pytest.raises(ClientException) as caught:
        v3_call(endpoint, key, action, **query)
    return caught.value


def test_submit_and_query_with_v3(endpoint):
    params = submit_params(Name="space, plus+ and ü*~", UserData="a b")
    job_id = v3_call(endpoint, ROOT, "SubmitIProductionJob", **params)["JobId"]
    job = v3_call(endpoint, ROOT, "QueryIProductionJob", JobId=job_id)
    assert (job["Name"], job["UserData"], job["Status"]) == ("space, plus+ and ü*~", "a b", "Queuing")


def test_v3_and_v1_share_jobs_and_tokens(endpoint):
    from tests.emulator.conftest import call

    job_id = v3_call(endpoint, ROOT, "SubmitIProductionJob", ClientToken="both", **submit_params())["JobId"]
    assert (
        call(endpoint, ROOT, "SubmitIProductionJob", ClientToken="both", **submit_params())["JobId"] == job_id
    )


def test_v3_idempotence_mismatch(endpoint):
    v3_call(endpoint, ROOT, "SubmitIProductionJob", ClientToken="v3", **submit_params())
    error = v3_error(endpoint, ROOT, "SubmitIProductionJob", ClientToken="v3", **submit_params(Name="other"))
    assert (error.status_code, error.code) == (400, "IdempotentParameterMismatch")


def test_v3_wrong_secret(endpoint):
    error = v3_error(endpoint, (ROOT[0], "wrong"), "QueryIProductionJob", JobId=SEEDED_JOB)
    assert (error.status_code, error.code) == (400, "SignatureDoesNotMatch")
    assert "server string to sign is:ACS3-HMAC-SHA256\n" in error.data["Message"]


def test_v3_unknown_key_and_missing_parameter(endpoint):
    assert v3_error(endpoint, ("LTAInobody", "x"), "QueryIProductionJob", JobId="x").code == (
        "InvalidAccessKeyId.NotFound"
    )
    assert v3_error(endpoint, ROOT, "QueryIProductionJob").code == "MissingJobId"


def test_v3_sts_tokens(endpoint):
    assert (
        v3_error(endpoint, STS_EXPIRED, "QueryIProductionJob", JobId="x").code
        == "InvalidSecurityToken.Expired"
    )
    assert v3_error(endpoint, (STS[0], STS[1], "forged"), "QueryIProductionJob", JobId="x").code == (
        "InvalidSecurityToken.Malformed"
    )


def test_v3_ram_operation(endpoint):
    body = v3_call(endpoint, ROOT, "ListUsers", version=RAM, MaxItems="1")
    assert body["IsTruncated"] is True and len(body["Users"]["User"]) == 1


def _v3_headers(endpoint, query: dict[str, str]) -> dict[str, str]:
    """Capture the headers the Tea client sends by letting it sign a request to the emulator."""
    captured = {}
    from darabonba.core import DaraCore

    original = DaraCore.do_action

    def spy(request, runtime=None):
        captured.update(request.headers)
        captured["__query"] = json.dumps(request.query)
        return original(request, runtime)

    DaraCore.do_action = staticmethod(spy)
    try:
        v3_call(endpoint, ROOT, "QueryIProductionJob", **query)
    finally:
        DaraCore.do_action = original
    return captured


def test_mutated_v3_requests_are_refused(endpoint):
    headers = _v3_headers(endpoint, {"JobId": SEEDED_JOB})
    query = json.loads(headers.pop("__query"))
    headers.pop("host")
    assert raw(endpoint, query, headers=headers).json()["Code"] == "SignatureNonceUsed"  # a replay
    for name in ("x-acs-action", "x-acs-date", "x-acs-signature-nonce", "user-agent"):
        changed = {**headers, name: headers[name][:-1] + ("0" if headers[name][-1] != "0" else "1")}
        reply = raw(endpoint, query, headers=changed)
        assert reply.status in (400, 404), name
        assert reply.json()["Code"] in (
            "SignatureDoesNotMatch",
            "InvalidApi.NotFound",
            "InvalidTimeStamp.Format",
        )
    reply = raw(endpoint, {"JobId": "another"}, headers=headers)
    assert reply.json()["Code"] == "SignatureDoesNotMatch"
    body_added = {**headers, "Content-Type": "application/octet-stream"}
    assert raw(endpoint, query, headers=body_added, body=b"extra").json()["Code"] == "SignatureDoesNotMatch"
    unsigned_extra = {**headers, "x-acs-extra": "1"}
    assert raw(endpoint, query, headers=unsigned_extra).json()["Code"] == "IncompleteSignature"
    broken = {**headers, "Authorization": headers["Authorization"].replace("Signature=", "Sig=")}
    assert raw(endpoint, query, headers=broken).json()["Code"] == "IncompleteSignature"
    without_date = {k: v for k, v in headers.items() if k != "x-acs-date"}
    assert raw(endpoint, query, headers=without_date).json()["Code"] == "IncompleteSignature"
