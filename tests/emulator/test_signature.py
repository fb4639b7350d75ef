"""The signature functions reproduce the platform's published algorithms bit for bit."""

from __future__ import annotations

import pytest

from policycheck.emulator.signature import (
    EMPTY_PAYLOAD_SHA256,
    parse_v3_authorization,
    percent_encode,
    rpc_signature,
    rpc_string_to_sign,
    signatures_equal,
    v3_canonical_request,
    v3_signature,
    v3_string_to_sign,
)

V1_PARAMS = {
    "Action": "QueryIProductionJob",
    "Version": "2020-11-09",
    "Format": "JSON",
    "RegionId": "cn-shanghai",
    "JobId": "****20b48fb04483915d4f2cd8ac****",
    "AccessKeyId": "testAK",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureType": "",
    "SignatureVersion": "1.0",
    "SignatureNonce": "3ee8c1b883d344afa94f4e0ad82fd6cf",
    "Timestamp": "2024-01-01T00:00:00Z",
}


def test_v1_matches_the_sdk_core_test_vector():
    string_to_sign = rpc_string_to_sign("POST", V1_PARAMS)
    assert string_to_sign == (
        "POST&%2F&AccessKeyId%3DtestAK%26Action%3DQueryIProductionJob%26Format%3DJSON%26JobId%3D"
        "%252A%252A%252A%252A20b48fb04483915d4f2cd8ac%252A%252A%252A%252A%26RegionId%3Dcn-shanghai"
        "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b883d344afa94f4e0ad82fd6cf"
        "%26SignatureType%3D%26SignatureVersion%3D1.0%26Timestamp%3D2024-01-01T00%253A00%253A00Z"
        "%26Version%3D2020-11-09"
    )
    assert rpc_signature("testSecret", string_to_sign) == "lGH9UuAsr3Rn/9uFmPpq4TpDaNY="


def test_v1_ignores_the_signature_parameter_and_depends_on_every_other():
    base = rpc_string_to_sign("POST", V1_PARAMS)
    assert rpc_string_to_sign("POST", {**V1_PARAMS, "Signature": "x"}) == base
    assert rpc_string_to_sign("GET", V1_PARAMS) != base
    for name in V1_PARAMS:
        assert rpc_string_to_sign("POST", {**V1_PARAMS, name: V1_PARAMS[name] + "x"}) != base


@pytest.mark.parametrize(
    ("text", "encoded"),
    [("a b", "a%20b"), ("*", "%2A"), ("~", "~"), ("+", "%2B"), ("ü", "%C3%BC"), ("/", "%2F"), ("-_.", "-_.")],
)
def test_percent_encoding_is_rfc_3986(text, encoded):
    assert percent_encode(text) == encoded


def test_v3_matches_the_tea_sdk_test_vector():
    headers = {
        "host": "ice.cn-shanghai.aliyuncs.com",
        "x-acs-action": "QueryIProductionJob",
        "x-acs-version": "2020-11-09",
        "x-acs-date": "2024-01-01T00:00:00Z",
        "x-acs-signature-nonce": "3ee8c1b883d344afa94f4e0ad82fd6cf",
        "x-acs-content-sha256": EMPTY_PAYLOAD_SHA256,
    }
    canonical = v3_canonical_request(
        "POST",
        "/",
        {"JobId": "****20b48fb04483915d4f2cd8ac****"},
        headers,
        tuple(headers),
        EMPTY_PAYLOAD_SHA256,
    )
    assert canonical.split("\n")[2] == "JobId=%2A%2A%2A%2A20b48fb04483915d4f2cd8ac%2A%2A%2A%2A"
    assert v3_signature("testSecret", v3_string_to_sign(canonical)) == (
        "fd97c32ae9989545786eeafe5353ebd964dd8e6b5b759824d41031491cecfde7"
    )


@pytest.mark.parametrize(
    "header",
    [
        "",
        "ACS3-HMAC-SHA256",
        "ACS3-HMAC-SHA1 Credential=a,SignedHeaders=host,Signature=b",
        "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host",
        "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=b",
        "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host;;x,Signature=b",
        "ACS3-HMAC-SHA256 Credential=a,Credential=b,SignedHeaders=host,Signature=b",
        "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=b,Extra=c",
    ],
)
def test_malformed_v3_authorization_headers_are_refused(header):
    assert parse_v3_authorization(header) is None


def test_signatures_compare_exactly_even_for_text_that_is_not_ascii():
    assert signatures_equal("abc=", "abc=")
    assert not signatures_equal("abc", "abc=")
    assert not signatures_equal("ü\udcff", "abc=")


def test_v1_string_to_sign_equals_the_published_recipe_for_any_text():
    """The fast paths (unreserved text kept as is, the outer encoding by replacement) against
    the recipe done with urllib's quote: random names and values over reserved, unreserved,
    percent and non-ASCII characters."""
    import random
    from urllib.parse import quote

    def reference(method: str, params: dict[str, str]) -> str:
        def enc(text: str) -> str:
            return quote(text, safe="-_.~", encoding="utf-8")

        canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params.items()) if k != "Signature")
        return f"{method}&{enc('/')}&{enc(canonical)}"

    alphabet = "aZ09-_.~ =&%+*/:,;?#[]@!$'()ü€😀\t"
    rng = random.Random(17)
    for _ in range(500):
        params = {
            "".join(rng.choices(alphabet, k=rng.randint(1, 6))): "".join(
                rng.choices(alphabet, k=rng.randint(0, 9))
            )
            for _ in range(rng.randint(1, 6))
        }
        assert rpc_string_to_sign("POST", params) == reference("POST", params)
