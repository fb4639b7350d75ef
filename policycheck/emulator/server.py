"""The HTTP endpoint: Alibaba Cloud RPC-style requests in, the platform's answers out.

One request goes through the steps the API gateway takes: parse the parameters, find the
API, check the timestamp, find the AccessKey, verify the signature (v1 or V3), refuse a
reused nonce, check the STS token, apply the rate limit, authorize with RAM policies, then
run the operation. Any step can answer with the platform's error envelope; nothing a
client sends can take the server down or reach another account's jobs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

from policycheck.emulator import ice, ram
from policycheck.emulator.authorize import Authorizer, decode_diagnostic
from policycheck.emulator.errors import ApiError, invalid, missing
from policycheck.emulator.signature import (
    parse_v3_authorization,
    percent_encode,
    rpc_signature,
    rpc_string_to_sign,
    signatures_equal,
    v3_canonical_request,
    v3_signature,
    v3_string_to_sign,
)
from policycheck.emulator.store import Store, StoredJob
from policycheck.emulator.world import Credential, World, format_time, parse_time

MAX_BODY_BYTES = 1 << 20
"""1 MiB: more than any ICE or RAM request needs (a policy document is at most 6,144 characters)."""

LINGER_SECONDS = 2.0
LINGER_BYTES = 4 * MAX_BODY_BYTES
"""How long and how much unread input is discarded before closing after an early error."""

ICE_VERSION = "2020-11-09"
RAM_VERSION = "2015-05-01"
PRODUCTS = {ICE_VERSION: ("ICE", "ice", "Forbidden.RAM"), RAM_VERSION: ("Ram", "ram", "NoPermission")}
ICE_ACTIONS = frozenset({"SubmitIProductionJob", "QueryIProductionJob", "CancelIProductionJob"})
RAM_ACTIONS = frozenset({*ram.OPERATIONS, "DecodeDiagnosticMessage"})
ACTIONS = {ICE_VERSION: ICE_ACTIONS, RAM_VERSION: RAM_ACTIONS}

V1_REQUIRED = (
    "Action",
    "Version",
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
)
V3_REQUIRED = ("x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256")
_COMMON_V1 = frozenset(
    {*V1_REQUIRED, "SignatureType", "Format", "RegionId", "SecurityToken", "ResourceOwnerAccount"}
)
"""v1 parameters of the gateway, not of the operation: handlers never see them."""
_HOST = re.compile(r"^[A-Za-z0-9.:\[\]-]{1,255}$")


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    target: str
    headers: Mapping[str, str]
    """Lower-case names; repeated headers joined with "," as V3 canonicalisation does."""
    body: bytes
    client_ip: str


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    body: bytes
    content_type: str
    request_id: str


@dataclass(frozen=True, slots=True)
class _Call:
    """An authenticated request: who, what, and the operation's parameters."""

    credential: Credential
    action: str
    version: str
    params: Mapping[str, str]


class _RateLimiter:
    """A token bucket per AccessKey ID: `rate` requests per second, bursts up to one second's worth."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, rate: float, now: float) -> bool:
        with self._lock:
            tokens, last = self._buckets.get(key, (rate, now))
            tokens = min(rate, tokens + (now - last) * rate)
            allowed = tokens >= 1
            self._buckets[key] = (tokens - 1 if allowed else tokens, now)
            return allowed


def _parse_params(text: str, into: dict[str, str]) -> None:
    try:
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=False, errors="strict", max_num_fields=1000
        )
    except UnicodeDecodeError:
        raise ApiError("InvalidParameter", message="The request parameters are not valid UTF-8.") from None
    except ValueError:
        raise ApiError("InvalidParameter", message="The request has too many parameters.") from None
    for name, value in pairs:
        if name in into:
            raise invalid(name)
        into[name] = value


def _redact_token(string_to_sign: str, token: str | None) -> str:
    """The echoed string-to-sign would repeat the STS token; policycheck never prints one."""
    if not token:
        return string_to_sign
    return string_to_sign.replace(percent_encode(percent_encode(token)), "***").replace(token, "***")


class Emulator:
    """The request pipeline over a world and a store, free of HTTP plumbing so tests can drive it."""

    def __init__(self, world: World, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.world = world
        self.store = store
        self.clock = clock
        self.authorizer = Authorizer()
        self.limiter = _RateLimiter()
        for account in world.accounts:
            for job in account.jobs:
                store.seed_job(
                    StoredJob(job.job_id, account.account_id, dict(job.params), job.create_time, None)
                )

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4()).upper()
        params: dict[str, str] = {}
        product = "ICE"
        xml = False
        action = ""
        try:
            if request.method not in ("GET", "POST"):
                raise ApiError("UnsupportedHTTPMethod")
            split = urlsplit(request.target)
            if split.path not in ("", "/"):
                raise ApiError("InvalidApi.NotFound")
            _parse_params(split.query, params)
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if request.body and content_type == "application/x-www-form-urlencoded":
                try:
                    body_text = request.body.decode("utf-8")
                except UnicodeDecodeError:
                    raise ApiError(
                        "InvalidParameter", message="The request body is not valid UTF-8."
                    ) from None
                _parse_params(body_text, params)
            xml = params.get("Format", "").upper() == "XML"
            call = self._authenticate(request, params)
            product = PRODUCTS[call.version][0]
            action = call.action
            body = self._dispatch(call, request)
        except ApiError as error:
            return self.error_response(error, request.headers.get("host", ""), request_id, product, xml)
        except Exception as error:  # a bug must cost one request, never the server
            print(
                f"policycheck emulator: internal error ({type(error).__name__}) in request {request_id}",
                file=sys.stderr,
            )
            return self.error_response(
                ApiError("InternalError"), request.headers.get("host", ""), request_id, product, xml
            )
        return _reply(200, {"RequestId": request_id, **body}, request_id, xml, f"{action}Response")

    def _api(self, action: str | None, version: str | None) -> tuple[str, str]:
        if not action:
            raise missing("Action")
        if not version:
            raise missing("Version")
        if action not in ACTIONS.get(version, ()):
            raise ApiError("InvalidApi.NotFound")
        return action, version

    def _check_time(self, timestamp: str, now: float) -> None:
        try:
            when = parse_time(timestamp)
        except ValueError:
            raise ApiError("InvalidTimeStamp.Format") from None
        if abs(now - when) > self.world.settings.clock_skew_seconds:
            raise ApiError("InvalidTimeStamp.Expired")

    def _credential(self, access_key_id: str) -> Credential:
        credential = self.world.credential(access_key_id)
        if credential is None:
            raise ApiError("InvalidAccessKeyId.NotFound")
        return credential

    def _authenticate(self, request: HttpRequest, params: dict[str, str]) -> _Call:
        now = self.clock()
        authorization = request.headers.get("authorization")
        if authorization is not None:
            return self._authenticate_v3(request, params, authorization, now)
        for name in V1_REQUIRED:
            if not params.get(name):
                raise missing(name)
        action, version = self._api(params["Action"], params["Version"])
        if params["SignatureMethod"] != "HMAC-SHA1":
            raise ApiError("InvalidSignatureMethod")
        if params["SignatureVersion"] != "1.0":
            raise ApiError("InvalidSignatureVersion")
        self._check_time(params["Timestamp"], now)
        credential = self._credential(params["AccessKeyId"])
        token = params.get("SecurityToken")
        string_to_sign = rpc_string_to_sign(request.method, params)
        if not signatures_equal(params["Signature"], rpc_signature(credential.secret, string_to_sign)):
            raise ApiError("SignatureDoesNotMatch", _redact_token(string_to_sign, token))
        self._check_nonce(credential, params["SignatureNonce"], now)
        self._check_token(credential, token, now)
        business = {k: v for k, v in params.items() if k not in _COMMON_V1}
        return _Call(credential, action, version, business)

    def _authenticate_v3(
        self, request: HttpRequest, params: dict[str, str], header: str, now: float
    ) -> _Call:
        parsed = parse_v3_authorization(header)
        if parsed is None:
            raise ApiError("IncompleteSignature")
        headers = request.headers
        if not all(headers.get(name) for name in V3_REQUIRED):
            raise ApiError("IncompleteSignature")
        action, version = self._api(headers["x-acs-action"], headers["x-acs-version"])
        signed = set(parsed.signed_headers)
        must_sign = {"host", *(name for name in headers if name.startswith("x-acs-"))}
        if not must_sign <= signed or any(name != name.lower() for name in signed):
            raise ApiError("IncompleteSignature")
        self._check_time(headers["x-acs-date"], now)
        credential = self._credential(parsed.access_key_id)
        token = headers.get("x-acs-security-token")
        canonical = v3_canonical_request(
            request.method,
            urlsplit(request.target).path or "/",
            params,
            headers,
            parsed.signed_headers,
            hashlib.sha256(request.body).hexdigest(),
        )
        string_to_sign = v3_string_to_sign(canonical)
        if not signatures_equal(parsed.signature, v3_signature(credential.secret, string_to_sign)):
            raise ApiError("SignatureDoesNotMatch", string_to_sign)
        self._check_nonce(credential, headers["x-acs-signature-nonce"], now)
        self._check_token(credential, token, now)
        return _Call(credential, action, version, params)

    def _check_nonce(self, credential: Credential, nonce: str, now: float) -> None:
        horizon = now - 2 * self.world.settings.clock_skew_seconds
        if not self.store.remember_nonce(credential.access_key_id, nonce, now, horizon):
            raise ApiError("SignatureNonceUsed")

    def _check_token(self, credential: Credential, token: str | None, now: float) -> None:
        expected = credential.security_token
        if expected is None:
            if token:
                raise ApiError("InvalidSecurityToken.MismatchWithAccessKey")
            return
        if not token:
            raise missing("SecurityToken")
        if not signatures_equal(token, expected):
            raise ApiError("InvalidSecurityToken.Malformed")
        if credential.expiration is not None and now >= credential.expiration:
            raise ApiError("InvalidSecurityToken.Expired")

    def _dispatch(self, call: _Call, request: HttpRequest) -> dict[str, Any]:
        credential = call.credential
        now = self.clock()
        settings = self.world.settings
        rate = credential.rate_limit if credential.rate_limit is not None else settings.rate_limit
        if credential.throttled or (rate > 0 and not self.limiter.allow(credential.access_key_id, rate, now)):
            raise ApiError("Throttling.User")
        _, ram_code, denial = PRODUCTS[call.version]
        account = credential.account
        resource = (
            "*" if call.version == ICE_VERSION else ram.resource(account.account_id, call.action, call.params)
        )
        context = {
            "acs:SourceIp": (request.client_ip,),
            "acs:SecureTransport": ("false",),
            "acs:CurrentTime": (format_time(now),),
            "acs:AccessId": (credential.access_key_id,),
            "acs:UserAgent": (request.headers.get("user-agent", ""),),
        }
        self.authorizer.check(
            credential, f"{ram_code}:{call.action}", resource, context, denial, settings.region
        )
        params = call.params
        if call.action == "SubmitIProductionJob":
            return ice.submit(self.store, account.account_id, params, now)
        if call.action == "QueryIProductionJob":
            return ice.query(self.store, settings, account.account_id, params, now)
        if call.action == "CancelIProductionJob":
            return ice.cancel(self.store, settings, account.account_id, params, now)
        if call.action == "DecodeDiagnosticMessage":
            encoded = params.get("EncodedDiagnosticMessage")
            if not encoded:
                raise missing("EncodedDiagnosticMessage")
            return {"DecodedDiagnosticMessage": decode_diagnostic(encoded)}
        return ram.OPERATIONS[call.action](self.world, account, params)

    def error_response(
        self, error: ApiError, host: str, request_id: str, product: str, xml: bool
    ) -> HttpResponse:
        """The platform's error envelope; HostId is the endpoint the client addressed."""
        body = {
            "RequestId": request_id,
            "HostId": host if _HOST.match(host) else "127.0.0.1",
            "Code": error.code,
            "Message": error.message,
            "Recommend": f"https://api.aliyun.com/troubleshoot?q={error.code}&product={product}&requestId={request_id}",
            **error.extra,
        }
        return _reply(error.status, body, request_id, xml, "Error")


def _xml(value: Any, name: str) -> str:
    if isinstance(value, dict):
        inner = "".join(_xml(v, k) for k, v in value.items())
        return f"<{name}>{inner}</{name}>"
    if isinstance(value, list):
        return "".join(_xml(item, name) for item in value)
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return f"<{name}>{escape(text)}</{name}>"


def _reply(status: int, body: dict[str, Any], request_id: str, xml: bool, root: str) -> HttpResponse:
    if xml:
        data = ("<?xml version='1.0' encoding='UTF-8'?>" + _xml(body, root)).encode()
        return HttpResponse(status, data, "text/xml;charset=utf-8", request_id)
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return HttpResponse(status, data, "application/json;charset=utf-8", request_id)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "policycheck-emulator"
    sys_version = ""
    timeout = 30
    server: EmulatorServer

    def setup(self) -> None:
        """No Nagle delay: headers and body go out in two writes, and waiting for the client's
        delayed ACK of the first would add 40 ms to every answer."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: request lines carry signatures and STS tokens, which policycheck never prints."""

    def _serve(self) -> None:
        emulator = self.server.emulator
        length_header = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding"):
            self._send_error(
                emulator,
                ApiError("InvalidParameter", message="Chunked request bodies are not accepted.", status=411),
            )
            return
        try:
            length = int(length_header) if length_header is not None else 0
            if length < 0:
                raise ValueError
        except ValueError:
            self._send_error(emulator, ApiError("InvalidParameter", message="Content-Length is not valid."))
            return
        if length > MAX_BODY_BYTES:
            self._send_error(emulator, ApiError("RequestEntityTooLarge", MAX_BODY_BYTES))
            return
        body = self.rfile.read(length) if length else b""
        headers: dict[str, str] = {}
        for name in self.headers:
            lower = name.lower()
            if lower not in headers:
                values = self.headers.get_all(name) or []
                headers[lower] = ",".join(sorted(v.strip() for v in values))
        request = HttpRequest(self.command, self.path, headers, body, self.client_address[0])
        self._send(emulator.handle(request))

    def _send_error(self, emulator: Emulator, error: ApiError) -> None:
        """Answer without reading the body, then close the connection (its rest is unread).

        Closing a socket with unread input makes the kernel reset the connection, which can
        destroy the answer before the client reads it; so stop writing first and discard what
        is still arriving, for at most LINGER_SECONDS and LINGER_BYTES.
        """
        self.close_connection = True
        self._send(
            emulator.error_response(
                error, self.headers.get("Host", ""), str(uuid.uuid4()).upper(), "ICE", False
            )
        )
        self.wfile.flush()
        try:
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(LINGER_SECONDS)
            deadline = time.monotonic() + LINGER_SECONDS
            drained = 0
            while drained < LINGER_BYTES and time.monotonic() < deadline:
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                drained += len(chunk)
        except OSError:
            pass  # the client went away: nothing left to protect

    def _send(self, response: HttpResponse) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("x-acs-request-id", response.request_id)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, emulator: Emulator, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.emulator = emulator

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def running_emulator(
    world: World, port: int = 0, db: str | None = None, clock: Callable[[], float] = time.time
) -> Iterator[str]:
    """Serve `world` on 127.0.0.1 in a background thread; yields the base URL.

    Without `db` the state lives in a temporary database removed afterwards.
    """
    with tempfile.TemporaryDirectory(prefix="policycheck-emulator-") as folder:
        store = Store(db or os.path.join(folder, "emulator.db"))
        server = EmulatorServer(Emulator(world, store, clock), port)
        thread = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="policycheck-emulator", daemon=True
        )
        thread.start()
        try:
            yield server.url
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
            store.close()
