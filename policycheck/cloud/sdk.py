"""The one module that imports aliyun-python-sdk-core: signed RPC calls, retried by us.

Every pitfall of sdk-core 2.16 that research/ice.md §3.4-§4 found is handled here, so the
rest of policycheck sees only api.Caller (and the transport could be swapped):
- credentials: always an explicit AccessKey pair to AcsClient, the STS token added as the
  SecurityToken parameter ourselves; so the SDK's ALIYUN_ACCESS_KEY_ID/_SECRET, which
  override a credential object, can never take over;
- endpoint: always an explicit domain (the SDK would otherwise ask the Location service over
  the network), the regional ICE domain, and the SDK's protocol constants (it compares
  protocols with `is`, so an "https" string built at run time silently becomes HTTP);
- proxies: the SDK applies HTTP(S)_PROXY even to loopback and ignores NO_PROXY, so the proxy
  is chosen here (none for loopback, NO_PROXY honoured) and passed explicitly;
- retries: the SDK retries nothing for ICE or RAM; api.RetryPolicy is applied here, for
  throttling and transient 5xx only, bounded in count and time per call; a Throttling
  answer pauses every thread sharing the caller (audit's workers), not only the one that
  got it, so a pool of workers backs off together instead of hammering the limit;
- threads: one AcsClient (and its HTTP session) per thread, as requests.Session is not
  documented as thread-safe;
- errors: ServerException drops the body (HostId, Recommend, AccessDeniedDetail) and building
  it crashes on some bodies, so it is never built: the raw status and body are read and kept,
  and secrets are redacted from every decoded string of them;
- logging: DEBUG=sdk makes the SDK print signed URLs and headers to stderr, and its loggers
  can echo server messages; both are silenced when this module is imported.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
import urllib.request
import warnings
from collections.abc import Callable, Mapping

from aliyunsdkcore.acs_exception.exceptions import ClientException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.http import protocol_type
from aliyunsdkcore.request import CommonRequest

from policycheck.cloud.api import (
    PRODUCTS,
    ApiError,
    ApiResponse,
    ClientError,
    CloudError,
    Endpoint,
    NetworkError,
    Redactor,
    RetryPolicy,
    endpoint_for,
    is_throttling,
)
from policycheck.cloud.credentials import Credentials, RoleToAssume

DEFAULT_TIMEOUT = 10.0
MAX_CONNECT_TIMEOUT = 5.0


def _silence_sdk_logging() -> None:
    """sdk-core's http_response logger has its own stderr handler at DEBUG level, used when
    DEBUG=sdk is set, and prints the signed URL; its client logger repeats server messages."""
    logging.getLogger("aliyunsdkcore.http.http_response").disabled = True
    logging.getLogger("aliyunsdkcore").propagate = False


_silence_sdk_logging()


class AssumeRoleError(CloudError):
    """sts:AssumeRole for a RamRoleArn profile failed; `cause` says how."""

    def __init__(self, role_arn: str, cause: CloudError) -> None:
        self.role_arn = role_arn
        self.cause = cause
        self.attempts = cause.attempts
        hint = ""
        if isinstance(cause, ApiError) and cause.code == "InvalidApi.NotFound":
            hint = (
                "; this endpoint does not serve STS AssumeRole (the policycheck emulator has no STS): "
                "use an AK or StsToken profile with it"
            )
        super().__init__(f"could not assume role {role_arn}: {cause}{hint}")


class _Client(AcsClient):
    """AcsClient without its own reading of error answers, which get_response drops anyway.

    sdk-core 2.16 parses every error body to build an exception: a 400 SignatureDoesNotMatch
    whose Message has no ":" raises IndexError, a body that is not UTF-8 UnicodeDecodeError,
    a Message that is not a string AttributeError. policycheck reads status and body itself.
    """

    def _get_server_exception(
        self, http_status: int, response_body: bytes, endpoint: str, string_to_sign: str
    ) -> None:
        return None


def proxies_for(endpoint: Endpoint) -> dict[str, str | None]:
    """The proxy for `endpoint`: none for loopback or a NO_PROXY match, else HTTP(S)_PROXY.

    Always a non-empty dict: an empty one makes sdk-core read HTTP(S)_PROXY itself.
    """
    none: dict[str, str | None] = {"http": None, "https": None}
    if endpoint.loopback or urllib.request.proxy_bypass_environment(endpoint.hostname):
        return none
    configured = urllib.request.getproxies_environment()
    return {"http": configured.get("http"), "https": configured.get("https")}


_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")\]]+")


def _network_error(text: str, endpoint: Endpoint) -> NetworkError:
    """SDK.HttpError wraps any IOError from requests; its text names the failure, and the
    signed URL, which is never repeated: only the kind and the errno phrase are kept."""
    lower = text.lower()
    if "ssl" in lower or "certificate" in lower:
        kind, what = "tls", "TLS handshake with"
    elif "timed out" in lower or "timeout" in lower:
        kind, what = "timeout", "timed out waiting for"
    elif any(
        marker in lower
        for marker in ("name or service not known", "nodename nor servname", "getaddrinfo", "resolution")
    ) or re.search(r"errno -[235]\b", lower):
        kind, what = "dns", "cannot resolve the host of"
    elif any(marker in lower for marker in ("refused", "newconnectionerror", "unreachable", "reset")):
        kind, what = "connect", "cannot connect to"
    else:
        kind, what = "network", "network error talking to"
    reason = _ERRNO.search(text)
    detail = f" ({reason.group(0).strip()})" if reason else ""
    return NetworkError(kind, f"{what} {endpoint.url}{detail}")


class SdkCaller:
    """api.Caller over aliyun-python-sdk-core, for one set of credentials.

    `sleep`, `random_fraction` and `on_retry` are there so tests (and progress displays)
    can see and speed up the backoff. Safe to share between threads.
    """

    def __init__(
        self,
        credentials: Credentials,
        region: str,
        override: Endpoint | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        random_fraction: Callable[[], float] = random.random,
        on_retry: Callable[[str, int, float], None] | None = None,
    ) -> None:
        self.principal = credentials.describe()
        self.region = region
        self.override = override
        self.retry = retry or RetryPolicy()
        self._credentials = credentials
        self._redact = Redactor(credentials.secrets)
        self._timeouts = (min(timeout, MAX_CONNECT_TIMEOUT), timeout)
        self._sleep = sleep
        self._random = random_fraction
        self._on_retry = on_retry
        self._local = threading.local()
        self._throttle_lock = threading.Lock()
        self._resume_at = 0.0
        """time.monotonic() before which no thread sends: set by a Throttling answer."""

    def endpoint(self, product: str) -> Endpoint:
        return endpoint_for(product, self.region, self.override)

    def _client(self, endpoint: Endpoint) -> AcsClient:
        clients: dict[Endpoint, AcsClient] = self._local.__dict__.setdefault("clients", {})
        client = clients.get(endpoint)
        if client is None:
            client = _Client(
                self._credentials.access_key_id,
                self._credentials.access_key_secret,
                self.region,
                auto_retry=False,
                connect_timeout=self._timeouts[0],
                timeout=self._timeouts[1],
                proxy=proxies_for(endpoint),
            )
            clients[endpoint] = client
        return client

    def _wait_for_throttling(self) -> None:
        """Hold a call while another thread's Throttling pause lasts."""
        with self._throttle_lock:
            wait = self._resume_at - time.monotonic()
        if wait > 0:
            self._sleep(wait)

    def _throttled_for(self, pause: float) -> None:
        with self._throttle_lock:
            self._resume_at = max(self._resume_at, time.monotonic() + pause)

    def call(self, product: str, action: str, params: Mapping[str, str]) -> ApiResponse:
        _check_read_only(product, action)
        endpoint = self.endpoint(product)
        slept = 0.0
        attempt = 1
        while True:
            if attempt == 1:
                self._wait_for_throttling()
            try:
                body = self._once(endpoint, product, action, params)
                return ApiResponse(body, attempt)
            except CloudError as error:
                error.attempts = attempt
                if attempt >= self.retry.attempts or not self.retry.retryable(error):
                    raise
                pause = self.retry.delay(attempt - 1, self._random())
                if slept + pause > self.retry.budget_seconds:
                    raise
                if self._on_retry is not None:
                    self._on_retry(getattr(error, "code", "error"), attempt, pause)
                if isinstance(error, ApiError) and is_throttling(error.code):
                    self._throttled_for(pause)
                self._sleep(pause)
                slept += pause
                attempt += 1

    def _once(self, endpoint: Endpoint, product: str, action: str, params: Mapping[str, str]) -> dict:
        request = CommonRequest(domain=endpoint.host, version=PRODUCTS[product].version, action_name=action)
        request.set_method("POST")
        request.set_protocol_type(protocol_type.HTTPS if endpoint.https else protocol_type.HTTP)
        request.set_accept_format("JSON")
        request.set_connect_timeout(self._timeouts[0])
        request.set_read_timeout(self._timeouts[1])
        for name, value in params.items():
            request.add_query_param(name, value)
        if self._credentials.security_token:
            request.add_query_param("SecurityToken", self._credentials.security_token)
        try:
            with warnings.catch_warnings():
                # get_response is the public call that returns status and body of any answer;
                # 2.16 marks it deprecated in favour of one that drops the error body.
                warnings.simplefilter("ignore", DeprecationWarning)
                status, _headers, raw = self._client(endpoint).get_response(request)
        except ClientException as error:
            code, message = error.get_error_code(), self._redact(str(error.get_error_msg()))
            if code == "SDK.HttpError":
                raise _network_error(message, endpoint) from None
            raise ClientError(code, message) from None
        text = raw.decode("utf-8", errors="replace") if raw else ""
        try:
            # Redacted after decoding: a server may spell the token with \u escapes.
            body = self._redact.redact_value(json.loads(text))
        except ValueError:
            body = None
        if 200 <= status < 300:
            if not isinstance(body, dict):
                raise ClientError(
                    "InvalidResponse", f"HTTP {status} from {endpoint.url} is not a JSON object"
                )
            return body
        if not isinstance(body, dict):
            body = {"Code": f"HTTP{status}", "Message": self._redact(" ".join(text.split()))[:200]}
        raise ApiError(status, body)


def _check_read_only(product: str, action: str) -> None:
    """The last gate: policycheck calls only actions the catalog marks get or list.

    sts:AssumeRole is one of them: it reads a role and hands out keys; it changes nothing.
    """
    from policycheck.catalog import lookup

    info = lookup(f"{PRODUCTS[product].code}:{action}")
    if info is None or info.access_level not in ("get", "list"):
        raise ClientError(
            "policycheck.NotReadOnly",
            f"{product}:{action} is not a read-only action; policycheck never calls it",
        )


def assume_role(
    role: RoleToAssume,
    region: str,
    override: Endpoint | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retry: RetryPolicy | None = None,
) -> Credentials:
    """STS credentials for a RamRoleArn profile, from sts:AssumeRole signed with its source keys.

    Sent to `override` when given, so a test endpoint can serve it. Raises AssumeRoleError.
    """
    source = role.source
    if isinstance(source, RoleToAssume):
        source = assume_role(source, region, override, timeout, retry)
    caller = SdkCaller(source, region, override, timeout, retry)
    params = {
        "RoleArn": role.role_arn,
        "RoleSessionName": role.session_name,
        "DurationSeconds": str(role.duration_seconds),
    }
    try:
        answer = caller.call("sts", "AssumeRole", params)
    except CloudError as error:
        raise AssumeRoleError(role.role_arn, error) from None
    issued = answer.body.get("Credentials")
    fields = ("AccessKeyId", "AccessKeySecret", "SecurityToken")
    if not isinstance(issued, dict) or not all(isinstance(issued.get(f), str) for f in fields):
        raise AssumeRoleError(
            role.role_arn, ClientError("InvalidResponse", "the AssumeRole answer has no Credentials")
        )
    return Credentials(
        issued["AccessKeyId"],
        issued["AccessKeySecret"],
        issued["SecurityToken"],
        source=f"role {role.role_arn} assumed with {source.access_key_id}, {role.origin}",
    )


def connect(
    credentials: Credentials | RoleToAssume,
    region: str,
    override: Endpoint | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retry: RetryPolicy | None = None,
    on_retry: Callable[[str, int, float], None] | None = None,
) -> SdkCaller:
    """A Caller for resolved credentials; a RamRoleArn profile is assumed first (AssumeRoleError)."""
    if isinstance(credentials, RoleToAssume):
        credentials = assume_role(credentials, region, override, timeout, retry)
    return SdkCaller(credentials, region, override, timeout, retry, on_retry=on_retry)
