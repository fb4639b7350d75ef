"""Request signatures as Alibaba Cloud's API gateway computes them: pure functions, no I/O.

Two schemes reach the emulator:
- RPC signature v1 (HMAC-SHA1), what aliyun-python-sdk-core sends: every query and form
  parameter but Signature, sorted, percent-encoded, then encoded a second time into
  `METHOD&%2F&<canonical>`, signed with the secret plus "&", base64.
- V3 `ACS3-HMAC-SHA256` in the Authorization header, what the Tea SDKs send: a canonical
  request (method, path, query, the signed headers, the payload hash) hashed, prefixed with
  the algorithm name, signed with the bare secret, hex.

Callers compare the result with `signatures_equal`, which does not leak timing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

V3_ALGORITHM = "ACS3-HMAC-SHA256"
EMPTY_PAYLOAD_SHA256 = hashlib.sha256(b"").hexdigest()
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def percent_encode(text: str) -> str:
    """RFC 3986 encoding as the gateway uses it: only A-Z a-z 0-9 - _ . ~ stay as they are.

    >>> percent_encode("a b*c~/ü")
    'a%20b%2Ac~%2F%C3%BC'
    """
    if _UNRESERVED.fullmatch(text):  # most names and values: quote() costs a lookup per byte
        return text
    return quote(text, safe="-_.~", encoding="utf-8")


def rpc_string_to_sign(method: str, params: Mapping[str, str]) -> str:
    """The v1 string-to-sign over every parameter except Signature.

    >>> rpc_string_to_sign("POST", {"b": "x y", "a": "", "Signature": "ignored"})
    'POST&%2F&a%3D%26b%3Dx%2520y'
    """
    canonical = "&".join(
        f"{percent_encode(name)}={percent_encode(value)}"
        for name, value in sorted(params.items())
        if name != "Signature"
    )
    # percent_encode(canonical), exactly: its only reserved characters are "=", "&" and "%"
    encoded = canonical.replace("%", "%25").replace("=", "%3D").replace("&", "%26")
    return f"{method}&%2F&{encoded}"


def rpc_signature(secret: str, string_to_sign: str) -> str:
    """base64(HMAC-SHA1(secret + "&", string_to_sign)); the "&" stands for an empty token secret."""
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signatures_equal(given: str, expected: str) -> bool:
    """Constant-time comparison, so response timing tells nothing about the right signature."""
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())


@dataclass(frozen=True, slots=True)
class V3Authorization:
    """The parts of `Authorization: ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`."""

    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_v3_authorization(header: str) -> V3Authorization | None:
    """Split a V3 Authorization header; None when it does not have the documented shape.

    >>> parse_v3_authorization("ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host;x-acs-date,Signature=ab")
    V3Authorization(access_key_id='AK', signed_headers=('host', 'x-acs-date'), signature='ab')
    >>> parse_v3_authorization("ACS3-HMAC-SHA256 Credential=AK") is None
    True
    """
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != V3_ALGORITHM:
        return None
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, equals, value = part.strip().partition("=")
        if not equals or name in fields:
            return None
        fields[name] = value
    if set(fields) != {"Credential", "SignedHeaders", "Signature"}:
        return None
    signed = tuple(fields["SignedHeaders"].split(";"))
    if not fields["Credential"] or not fields["Signature"] or "" in signed:
        return None
    return V3Authorization(fields["Credential"], signed, fields["Signature"])


def v3_canonical_request(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    signed_headers: tuple[str, ...],
    payload_sha256: str,
) -> str:
    """The V3 canonical request; `headers` maps lower-case names to their (joined) values.

    Query names and values are encoded alike, sorted by encoded name; each signed header
    is `name:trimmed-value`, sorted, so the block ends with a newline.
    """
    canonical_query = "&".join(
        f"{name}={value}"
        for name, value in sorted((percent_encode(k), percent_encode(v)) for k, v in query.items())
    )
    names = sorted(signed_headers)
    canonical_headers = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in names)
    return "\n".join(
        (method, path or "/", canonical_query, canonical_headers, ";".join(names), payload_sha256)
    )


def v3_string_to_sign(canonical_request: str) -> str:
    return f"{V3_ALGORITHM}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"


def v3_signature(secret: str, string_to_sign: str) -> str:
    """hex(HMAC-SHA256(secret, string_to_sign)); unlike v1, the key has no trailing "&"."""
    return hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
