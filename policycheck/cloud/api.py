"""What a call to Alibaba Cloud is, apart from how it is sent: endpoints, answers, errors, retries.

Everything here is plain data and pure functions, so probe.py and audit.py (and their tests)
depend on this module and never on the SDK; sdk.py is the one implementation of `Caller`.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from policycheck.errors import UserError


@dataclass(frozen=True, slots=True)
class Product:
    """An RPC product: its RAM code, API version and public endpoint (`{region}` filled in)."""

    code: str
    version: str
    host: str


PRODUCTS: dict[str, Product] = {
    # The SDKs' endpoint tables map most regions to the central ice.aliyuncs.com, whose
    # routing is undocumented (research/ice.md §2): always name the regional endpoint.
    "ice": Product("ice", "2020-11-09", "ice.{region}.aliyuncs.com"),
    "ram": Product("ram", "2015-05-01", "ram.aliyuncs.com"),
    "sts": Product("sts", "2015-04-01", "sts.aliyuncs.com"),
}

_REGION = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where requests go: `host` may carry a port; `https` picks the scheme."""

    host: str
    https: bool = True

    @property
    def url(self) -> str:
        return f"{'https' if self.https else 'http'}://{self.host}"

    @property
    def hostname(self) -> str:
        """The host without port or IPv6 brackets."""
        return urlsplit(self.url).hostname or self.host

    @property
    def loopback(self) -> bool:
        """127.0.0.0/8, ::1 or localhost: never through a proxy (the emulator lives there)."""
        name = self.hostname
        if name.lower() == "localhost" or name.lower().endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False


class SettingError(UserError):
    """An --endpoint or region that cannot be used as given."""


def check_region(region: str) -> str:
    """A region ID such as cn-shanghai; it becomes part of a host name, so it is checked."""
    if not _REGION.match(region):
        raise SettingError(f"region {region!r} is not a region ID (for example cn-shanghai)")
    return region


def parse_endpoint(url: str) -> Endpoint:
    """`--endpoint http://127.0.0.1:8765` -> Endpoint; a path, query or user name is refused.

    >>> parse_endpoint("http://127.0.0.1:8765")
    Endpoint(host='127.0.0.1:8765', https=False)
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise SettingError(f"--endpoint {url!r} must start with http:// or https://")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise SettingError(f"--endpoint {url!r} must be scheme://host[:port] only, no path or query")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise SettingError(f"--endpoint {url!r} has an invalid port") from None
    if not _HOST.match(parts.netloc):
        raise SettingError(f"--endpoint {url!r} has an invalid host")
    return Endpoint(parts.netloc, parts.scheme == "https")


def endpoint_for(product: str, region: str, override: Endpoint | None = None) -> Endpoint:
    """The product's public HTTPS endpoint in `region`, or `override` (one endpoint serves all)."""
    if override is not None:
        return override
    return Endpoint(PRODUCTS[product].host.format(region=region), https=True)


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """A 2xx answer: the parsed JSON body and how many attempts it took."""

    body: Mapping[str, Any]
    attempts: int = 1

    @property
    def request_id(self) -> str:
        return str(self.body.get("RequestId", ""))


class CloudError(Exception):
    """A call that did not succeed. Its text never holds a secret, token or signed URL."""

    attempts: int = 1


class ApiError(CloudError):
    """The platform answered with an error; `body` is the whole (redacted) JSON answer.

    aliyun-python-sdk-core's ServerException keeps only Code, Message and RequestId; the
    body also has HostId, Recommend and, for denials, AccessDeniedDetail.
    """

    def __init__(self, status: int, body: Mapping[str, Any], attempts: int = 1) -> None:
        self.status = status
        self.body = dict(body)
        self.attempts = attempts
        super().__init__(str(self))

    @property
    def code(self) -> str:
        return str(self.body.get("Code") or f"HTTP{self.status}")

    @property
    def message(self) -> str:
        return str(self.body.get("Message", ""))

    @property
    def request_id(self) -> str:
        return str(self.body.get("RequestId", ""))

    @property
    def host_id(self) -> str:
        return str(self.body.get("HostId", ""))

    @property
    def recommend(self) -> str:
        return str(self.body.get("Recommend", ""))

    @property
    def access_denied_detail(self) -> dict[str, Any] | None:
        """AccessDeniedDetail as a dict; some services send it as a JSON string."""
        detail = self.body.get("AccessDeniedDetail")
        if isinstance(detail, str):
            try:
                detail = json.loads(detail)
            except ValueError:
                return None
        return detail if isinstance(detail, dict) else None

    def __str__(self) -> str:
        request = f", request {self.request_id}" if self.request_id else ""
        return f"{self.code}: {self.message} (HTTP {self.status}{request})"


class NetworkError(CloudError):
    """No answer: the name did not resolve, the connection failed, TLS failed, or it timed out."""

    def __init__(self, kind: str, message: str, attempts: int = 1) -> None:
        self.kind = kind
        self.message = message
        self.attempts = attempts
        super().__init__(message)


class ClientError(CloudError):
    """The SDK refused to send the request (a bug or an unsupported setting), or the answer
    was not JSON."""

    def __init__(self, code: str, message: str, attempts: int = 1) -> None:
        self.code = code
        self.message = message
        self.attempts = attempts
        super().__init__(f"{code}: {message}")


class Caller(Protocol):
    """What probe and audit need from a transport: one signed RPC call, retried as it should be."""

    principal: str
    """Who calls, for reports: the AccessKey ID and where it came from; never a secret."""

    def endpoint(self, product: str) -> Endpoint: ...

    def call(self, product: str, action: str, params: Mapping[str, str]) -> ApiResponse:
        """Raises ApiError, NetworkError or ClientError."""
        ...


TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


def is_throttling(code: str) -> bool:
    """Throttling, Throttling.User, Throttling.Api, ... (the gateway's flow control)."""
    return code == "Throttling" or code.startswith("Throttling.")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter, for throttling and transient 5xx answers.

    aliyun-python-sdk-core retries nothing for ICE or RAM (its retry table lists only ECS),
    so policycheck retries itself: at most `attempts` requests, and never sleeps past
    `budget_seconds` in total. The n-th pause is uniform in [d/2, d], d = base * 2**n,
    capped at `max_delay` (the jitter keeps many throttled clients from retrying in step).
    """

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    budget_seconds: float = 20.0

    def retryable(self, error: CloudError) -> bool:
        return isinstance(error, ApiError) and (
            is_throttling(error.code) or error.status in TRANSIENT_STATUSES
        )

    def delay(self, retry: int, random_fraction: float) -> float:
        """Pause before retry number `retry` (0-based); `random_fraction` is in [0, 1)."""
        ceiling = min(self.max_delay, self.base_delay * (2**retry))
        return ceiling / 2 + ceiling / 2 * random_fraction


@dataclass(frozen=True)
class Redactor:
    """Removes secrets from any text before it can reach an output, log or exception.

    A secret can come back in many spellings: raw, percent-encoded once (a URL) or twice
    (the string-to-sign that SignatureDoesNotMatch echoes). Signature values are removed
    too: a signed URL is never shown.
    """

    secrets: tuple[str, ...] = field(default=())

    _SIGNED = re.compile(
        r"((?:^|[?&\s]|%26|%2526)(?:Signature|SecurityToken)(?:=|%3D|%253D))(?:(?!%26)[^&\s'\"])*"
    )
    _URL_QUERY = re.compile(r"(url: /)\?\S*")

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if not secret:
                continue
            once = quote(secret, safe="")
            for form in {secret, once, quote(once, safe=""), quote(secret, safe="-_.~")}:
                text = text.replace(form, "***")
        text = self._URL_QUERY.sub(r"\1?…", text)
        return self._SIGNED.sub(r"\1***", text)
