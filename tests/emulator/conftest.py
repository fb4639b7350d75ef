"""A test world, an emulator running on a free port, and clients that talk to it.

Requests go over real HTTP: through aliyun-python-sdk-core as users send them, or through
`raw`, which signs with its own ten-line v1 implementation (the reference from
research/ice.md), so tests can send what the SDK never would.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import os
import selectors
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import yaml
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.auth.credentials import StsTokenCredential
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from policycheck.emulator.server import running_emulator
from policycheck.emulator.world import load_world

ICE = "2020-11-09"
RAM = "2015-05-01"
ACCOUNT = "1000000000000001"
OTHER_ACCOUNT = "2000000000000002"
ROOT = ("LTAItestROOT0001", "root-secret")
OTHER_ROOT = ("LTAItestOTHERROOT", "other-root-secret")
WORKER = ("LTAItestWORKER01", "worker-secret")
INTERN = ("LTAItestINTERN01", "intern-secret")
OPERATOR = ("LTAItestOPERATOR", "operator-secret")
THROTTLED = ("LTAItestTHROTTLED", "throttled-secret")
STS = ("STS.testSESSION01", "sts-secret", "sts-token-value")
STS_EXPIRED = ("STS.testEXPIRED01", "expired-secret", "expired-token-value")
SEEDED_JOB = "0123456789abcdef0123456789abcdef"

QUERY_ANY = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "*"}],
}
OPERATE_ANY = {
    "Version": "1",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["ice:SubmitIProductionJob", "ice:QueryIProductionJob", "ice:CancelIProductionJob"],
            "Resource": "*",
        }
    ],
}

TEST_WORLD: dict[str, Any] = {
    "settings": {"queuing_seconds": 100, "analysing_seconds": 100},
    "system_policies": {
        "AliyunICEReadOnlyAccess": {
            "document": {
                "Version": "1",
                "Statement": [
                    {"Effect": "Allow", "Action": ["ice:Get*", "ice:List*"], "Resource": "acs:ice:*:*:*"}
                ],
            }
        }
    },
    "accounts": [
        {
            "id": ACCOUNT,
            "name": "test",
            "root_access_keys": [{"id": ROOT[0], "secret": ROOT[1]}],
            "policies": {"query": {"document": QUERY_ANY}, "operate": {"document": OPERATE_ANY}},
            "groups": [{"name": "workers", "policies": ["query"]}],
            "users": [
                {
                    "name": "worker",
                    "groups": ["workers"],
                    "access_keys": [{"id": WORKER[0], "secret": WORKER[1]}],
                },
                {
                    "name": "intern",
                    "policies": ["AliyunICEReadOnlyAccess"],
                    "access_keys": [{"id": INTERN[0], "secret": INTERN[1]}],
                },
                {
                    "name": "operator",
                    "policies": ["operate"],
                    "access_keys": [
                        {"id": OPERATOR[0], "secret": OPERATOR[1]},
                        {"id": THROTTLED[0], "secret": THROTTLED[1], "throttled": True},
                    ],
                },
            ],
            "roles": [
                {
                    "name": "worker-role",
                    "trust_policy": {
                        "Version": "1",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "sts:AssumeRole",
                                "Principal": {"Service": ["ecs.aliyuncs.com"]},
                            }
                        ],
                    },
                    "policies": ["operate"],
                }
            ],
            "sts_tokens": [
                {
                    "access_key_id": STS[0],
                    "secret": STS[1],
                    "security_token": STS[2],
                    "role": "worker-role",
                    "session_name": "session-1",
                    "session_policy": QUERY_ANY,
                    "expiration": "2099-01-01T00:00:00Z",
                },
                {
                    "access_key_id": STS_EXPIRED[0],
                    "secret": STS_EXPIRED[1],
                    "security_token": STS_EXPIRED[2],
                    "role": "worker-role",
                    "expiration": "2020-01-01T00:00:00Z",
                },
            ],
            "jobs": [
                {
                    "job_id": SEEDED_JOB,
                    "function_name": "Cover",
                    "name": "seeded",
                    "input": {"Type": "OSS", "Media": "oss://bucket/in.mp4"},
                    "output": {"Type": "OSS", "Media": "oss://bucket/out.jpg"},
                    "create_time": "2024-01-01T00:00:00Z",
                }
            ],
        },
        {
            "id": OTHER_ACCOUNT,
            "name": "other",
            "root_access_keys": [{"id": OTHER_ROOT[0], "secret": OTHER_ROOT[1]}],
        },
    ],
}


class _NoAliases(yaml.SafeDumper):
    """policycheck refuses YAML aliases; PyYAML writes them for shared objects."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def write_world(folder: Path, world: dict[str, Any] | None = None, **settings: Any) -> Path:
    """The test world (or `world`) with settings overridden, as a YAML file in `folder`."""
    data = copy.deepcopy(world or TEST_WORLD)
    data.setdefault("settings", {}).update(settings)
    path = folder / "world.yaml"
    path.write_text(yaml.dump(data, Dumper=_NoAliases, sort_keys=False))
    return path


@dataclass
class Endpoint:
    url: str
    host: str
    db: str


@pytest.fixture
def start(tmp_path):
    """start(**settings, clock=..., db=..., server={...}) -> context manager yielding an Endpoint;
    `server` holds EmulatorServer options (max_connections, idle_seconds, log)."""
    from contextlib import contextmanager

    @contextmanager
    def _start(
        world: dict[str, Any] | None = None,
        clock=time.time,
        db: str | None = None,
        server: dict[str, Any] | None = None,
        **settings: Any,
    ):
        path = write_world(tmp_path, world, **settings)
        database = db or str(tmp_path / "emulator.db")
        with running_emulator(load_world(str(path)), db=database, clock=clock, **(server or {})) as url:
            yield Endpoint(url, url.split("://", 1)[1], database)

    return _start


@pytest.fixture
def endpoint(start):
    with start() as running:
        yield running


def client(key: tuple[str, ...]) -> AcsClient:
    """An sdk-core client as the probe builds one; proxies off (sdk-core ignores NO_PROXY)."""
    options = {"auto_retry": False, "timeout": 20, "proxy": {"http": None, "https": None}}
    if len(key) == 3:
        return AcsClient(region_id="cn-shanghai", credential=StsTokenCredential(*key), **options)
    return AcsClient(key[0], key[1], "cn-shanghai", **options)


def sdk_request(
    host: str, action: str, version: str = ICE, method: str = "POST", **params: str
) -> CommonRequest:
    request = CommonRequest(domain=host, version=version, action_name=action)
    request.set_method(method)
    request.set_accept_format("json")
    for name, value in params.items():
        request.add_query_param(name, value)
    return request


def call(endpoint: Endpoint, key: tuple[str, ...], action: str, version: str = ICE, **params: str) -> dict:
    """One call through aliyun-python-sdk-core; the parsed body, or ServerException."""
    return json.loads(
        client(key).do_action_with_exception(sdk_request(endpoint.host, action, version, **params))
    )


def error_of(endpoint: Endpoint, key: tuple[str, ...], action: str, version: str = ICE, **params: str):
    """(HTTP status, Code, Message) of a call that must fail."""
    with pytest.raises(ServerException) as caught:
        call(endpoint, key, action, version, **params)
    error = caught.value
    return error.get_http_status(), error.get_error_code(), error.get_error_msg()


def pct(text: str) -> str:
    return quote(text, safe="-_.~", encoding="utf-8")


def sign_v1(method: str, params: dict[str, str], secret: str) -> str:
    """The reference v1 signer (independent of policycheck.emulator.signature)."""
    items = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(pct(k) + "=" + pct(v) for k, v in items)
    string_to_sign = method + "&" + pct("/") + "&" + pct(canonical)
    digest = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def v1_params(key: tuple[str, ...], action: str, version: str = ICE, **params: str) -> dict[str, str]:
    """Common parameters as sdk-core sends them, unsigned."""
    common = {
        "Action": action,
        "Version": version,
        "Format": "JSON",
        "RegionId": "cn-shanghai",
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "SignatureMethod": "HMAC-SHA1",
        "SignatureType": "",
        "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex,
        "AccessKeyId": key[0],
    }
    if len(key) == 3:
        common["SecurityToken"] = key[2]
    return {**common, **params}


def signed(
    key: tuple[str, ...], action: str, version: str = ICE, method: str = "POST", **params: str
) -> dict:
    values = v1_params(key, action, version, **params)
    values["Signature"] = sign_v1(method, values, key[1])
    return values


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def raw(
    endpoint: Endpoint,
    params: dict[str, str] | None = None,
    method: str = "POST",
    query: str | None = None,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    path: str = "/",
) -> Reply:
    """Send exactly this request (urllib, no proxy) and return whatever comes back."""
    target = (
        f"{endpoint.url}{path}?{query if query is not None else urlencode(params or {}, quote_via=quote)}"
    )
    request = urllib.request.Request(target, data=body if method != "GET" else None, method=method)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=20) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def submit_params(**overrides: str) -> dict[str, str]:
    params = {
        "FunctionName": "Cover",
        "Input": json.dumps({"Type": "OSS", "Media": "oss://bucket/input/video.mp4"}),
        "Output": json.dumps({"Type": "OSS", "Media": "oss://bucket/output/cover.jpg"}),
    }
    params.update(overrides)
    return params


WAIT_SECONDS = 30
"""The longest a test waits on an emulator process (to print, or to stop) before killing it."""


def first_line(process: subprocess.Popen) -> str:
    """The child's first line of output, waiting at most WAIT_SECONDS (then kill it and fail).

    Read a byte at a time from the pipe itself, so nothing after the line sits in a buffer
    that `communicate` would not see."""
    data = b""
    deadline = time.monotonic() + WAIT_SECONDS
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while not data.endswith(b"\n"):
            if not selector.select(max(0.0, deadline - time.monotonic())):
                process.kill()
                process.communicate(timeout=WAIT_SECONDS)
                pytest.fail(f"the emulator printed no whole line in {WAIT_SECONDS} s")
            byte = os.read(process.stdout.fileno(), 1)
            if not byte:
                break
            data += byte
    return data.decode()


class FakeClock:
    """The emulator's clock, moved by hand; starts at the real time so SDK timestamps pass."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
