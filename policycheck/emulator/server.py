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
from urllib.parse import unquote, urlsplit
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

MAX_REQUEST_LINE = 65536
"""Bytes of the request line (the query string with it), as http.server reads it."""

MAX_CONNECTIONS = 128
IDLE_SECONDS = 10.0
"""Connections served at once, and how long one may wait between bytes: a client that opens
connections and sends nothing (or half a request) holds a slot for at most IDLE_SECONDS, and
connections beyond the cap are answered 503 at once instead of piling up threads."""

LINGER_SECONDS = 2.0
LINGER_BYTES = 4 * MAX_BODY_BYTES
"""How long and how much unread input is discarded before closing after an early error."""

ICE_VERSION = "2020-11-09"
RAM_VERSION = "2015-05-01"
PRODUCTS = {ICE_VERSION: ("ICE", "ice", "Forbidden.RAM"), RAM_VERSION: ("Ram", "ram", "NoPermission")}
ICE_ACTIONS = frozenset(
    {"SubmitIProductionJob", "QueryIProductionJob", "CancelIProductionJob", *ice.LOOKUPS, *ice.EMPTY_LISTS}
)
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


MAX_PARAMS = 1000
"""Fields of one query string or form body, as parse_qsl's max_num_fields counts them."""


def _unquote(part: str) -> str:
    if "+" in part:
        part = part.replace("+", " ")
    return unquote(part, errors="strict") if "%" in part else part


def _parse_params(text: str, into: dict[str, str]) -> None:
    """Read a query string or form body into `into` exactly as `parse_qsl(keep_blank_values=True,
    errors="strict", max_num_fields=MAX_PARAMS)` reads it, at a third of its cost (every request's
    parameters pass here); a name given twice is InvalidParameter."""
    if text.count("&") >= MAX_PARAMS:
        raise ApiError("InvalidParameter", message="The request has too many parameters.")
    try:
        pairs = [(_unquote(name), _unquote(value)) for name, _, value in _fields(text)]
    except UnicodeDecodeError:
        raise ApiError("InvalidParameter", message="The request parameters are not valid UTF-8.") from None
    for name, value in pairs:
        if name in into:
            raise invalid(name)
        into[name] = value


def _fields(text: str) -> Iterator[tuple[str, str, str]]:
    return (field.partition("=") for field in text.split("&") if field)


def _redact_token(string_to_sign: str, token: str | None) -> str:
    """The echoed string-to-sign would repeat the STS token; policycheck never prints one."""
    if not token:
        return string_to_sign
    return string_to_sign.replace(percent_encode(percent_encode(token)), "***").replace(token, "***")


def nonce_scope(world: World) -> str:
    """Whose nonces these are: the world file and its clock skew. Emulators sharing a database
    expire only their own scope's nonces, and emulators of one world refuse each other's replays."""
    key = f"{os.path.realpath(world.source)}\0{world.settings.clock_skew_seconds}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class Emulator:
    """The request pipeline over a world and a store, free of HTTP plumbing so tests can drive it."""

    def __init__(self, world: World, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.world = world
        self.store = store
        self.clock = clock
        self.authorizer = Authorizer()
        self.limiter = _RateLimiter()
        self.nonce_scope = nonce_scope(world)
        for account in world.accounts:
            for job in account.jobs:
                store.seed_job(
                    StoredJob(job.job_id, account.account_id, dict(job.params), job.create_time, None)
                )

    def handle(self, request: HttpRequest) -> HttpResponse:
        """The answer to one request, held back by the world's `latency_ms` (a distant endpoint)."""
        latency = self.world.settings.latency_ms
        if latency:
            time.sleep(latency / 1000)
        return self._answer(request)

    def _answer(self, request: HttpRequest) -> HttpResponse:
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
        """A nonce is single-use while its request could still pass the timestamp check
        (skew either side), then forgotten."""
        keep = 2 * self.world.settings.clock_skew_seconds
        if not self.store.remember_nonce(self.nonce_scope, credential.access_key_id, nonce, now, keep):
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
        if call.action in ice.LOOKUPS:
            return ice.lookup(call.action, params)
        if call.action in ice.EMPTY_LISTS:
            return ice.empty_list(call.action)
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


_HTTP_ERRORS = {414: "RequestURITooLong", 431: "RequestHeaderFieldsTooLarge"}
"""What http.server's own refusals (send_error) become in the platform's envelope."""


def _why(error: BaseException) -> str:
    """An exception in a few words, for one log line (never a traceback)."""
    if isinstance(error, TimeoutError):
        return "timed out"
    text = getattr(error, "strerror", None) or str(error)
    return f"{type(error).__name__}: {text}"[:120] if text else type(error).__name__


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "policycheck-emulator"
    sys_version = ""
    server: EmulatorServer

    def setup(self) -> None:
        """No Nagle delay: an answer is written at once, never held back until the client's
        delayed ACK of an earlier write (40 ms)."""
        self.timeout = self.server.idle_seconds
        self.served = 0
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: request lines carry signatures and STS tokens, which policycheck never prints."""

    def handle_one_request(self) -> None:
        """Read and answer one request. A connection that stalls or breaks is dropped with one
        line on stderr; an idle keep-alive connection is closed quietly."""
        self.raw_requestline = b""
        try:
            self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
            if len(self.raw_requestline) > MAX_REQUEST_LINE:
                self.requestline = self.request_version = self.command = ""
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return  # parse_request answered (through send_error)
            self._serve()
            self.wfile.flush()
            self.served += 1
        except TimeoutError:
            self.close_connection = True
            if self.raw_requestline or not self.served:
                self.server.dropped(self.client_address, f"no complete request within {self.timeout:g} s")
        except OSError as error:
            self.close_connection = True
            self.server.dropped(self.client_address, _why(error))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (request line too long, bad syntax, too many headers)
        in the platform's JSON envelope instead of an HTML page."""
        name = _HTTP_ERRORS.get(code, "BadRequest")
        error = ApiError(name, MAX_REQUEST_LINE, status=code)
        self._send_error(self.server.emulator, error)

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
        grouped: dict[str, list[str]] = {}
        for name, value in self.headers.items():  # one pass: get_all() rescans every header
            grouped.setdefault(name.lower(), []).append(value.strip())
        headers = {name: ",".join(sorted(values)) for name, values in grouped.items()}
        request = HttpRequest(self.command, self.path, headers, body, self.client_address[0])
        self._send(emulator.handle(request))

    def _send_error(self, emulator: Emulator, error: ApiError) -> None:
        """Answer without reading the body, then close the connection (its rest is unread).

        Closing a socket with unread input makes the kernel reset the connection, which can
        destroy the answer before the client reads it; so stop writing first and discard what
        is still arriving, for at most LINGER_SECONDS and LINGER_BYTES.
        """
        self.close_connection = True
        headers = getattr(self, "headers", None)  # None when the request line itself was refused
        host = (headers.get("Host") if headers is not None else None) or ""
        self._send(emulator.error_response(error, host, str(uuid.uuid4()).upper(), "ICE", False))
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
        # end_headers() would write the head alone and the body after it: one write instead
        # (one system call, and one release of the GIL, per answer rather than two)
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(response.body)
        self.flush_headers()


def _peer(client_address: Any) -> str:
    try:
        return f"{client_address[0]}:{client_address[1]}"
    except (TypeError, IndexError):
        return "?"


def _stderr_line(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class EmulatorServer(ThreadingHTTPServer):
    """A thread per connection, at most `max_connections` at once; every connection that is
    refused or dropped is one line through `log`."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        emulator: Emulator,
        port: int = 0,
        max_connections: int = MAX_CONNECTIONS,
        idle_seconds: float = IDLE_SECONDS,
        log: Callable[[str], None] = _stderr_line,
    ) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.emulator = emulator
        self.max_connections = max_connections
        self.idle_seconds = idle_seconds
        self.log = log
        self._slots = threading.BoundedSemaphore(max_connections)

    def dropped(self, client_address: Any, why: str) -> None:
        self.log(f"policycheck emulator: dropped the connection from {_peer(client_address)}: {why}")

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._refuse(request, client_address)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:  # the thread did not start: its slot is free again
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _refuse(self, request: socket.socket, client_address: Any) -> None:
        """Over the cap: 503 ServiceUnavailable (which clients retry) without waiting for the
        request, written only if the socket takes it at once, then closed."""
        request_id = str(uuid.uuid4()).upper()
        answer = self.emulator.error_response(ApiError("ServiceUnavailable"), "", request_id, "ICE", False)
        head = (
            f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: {answer.content_type}\r\n"
            f"Content-Length: {len(answer.body)}\r\nx-acs-request-id: {request_id}\r\n"
            "Connection: close\r\n\r\n"
        )
        try:
            request.setblocking(False)
            request.send(head.encode() + answer.body)
        except OSError:
            pass
        self.shutdown_request(request)
        self.log(
            f"policycheck emulator: refused the connection from {_peer(client_address)}: "
            f"{self.max_connections} connections open"
        )

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Anything the handler did not catch: one line, never a traceback."""
        self.dropped(client_address, _why(sys.exc_info()[1] or RuntimeError("unknown")))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def running_emulator(
    world: World,
    port: int = 0,
    db: str | None = None,
    clock: Callable[[], float] = time.time,
    **server_options: Any,
) -> Iterator[str]:
    """Serve `world` on 127.0.0.1 in a background thread; yields the base URL.

    Without `db` the state lives in a temporary database removed afterwards. `server_options`
    go to EmulatorServer (max_connections, idle_seconds, log).
    """
    with tempfile.TemporaryDirectory(prefix="policycheck-emulator-") as folder:
        store = Store(db or os.path.join(folder, "emulator.db"))
        server = EmulatorServer(Emulator(world, store, clock), port, **server_options)
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
