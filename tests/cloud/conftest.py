"""A world with one principal per probe verdict, an emulator serving it over real HTTP, and
ways to run `policycheck probe/audit` against it as users do (a subprocess)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from policycheck.emulator.server import running_emulator
from policycheck.emulator.world import load_world
from tests.conftest import REPO, Run
from tests.emulator.conftest import write_world

ACCOUNT = "1000000000000001"
CONTRACTORS = "1000000000000002"

# (AccessKey ID, secret[, STS token]); every secret and token is planted so tests can search
# every output for it.
ROOT = ("LTAItestROOT00001", "secret-ROOT-9f1c2a7e")
WORKER = ("LTAItestWORKER001", "secret-WORKER-51d0b3aa")
INTERN = ("LTAItestINTERN001", "secret-INTERN-0e4f9c21")
BLOCKED = ("LTAItestBLOCKED01", "secret-BLOCKED-7a63d5e0")
DECODER = ("LTAItestDECODER01", "secret-DECODER-c2b81f44")
AUDITOR = ("LTAItestAUDITOR01", "secret-AUDITOR-3d9e7b12")
CONTRACTOR = ("LTAItestCONTRACT1", "secret-CONTRACTOR-a5f0e8d3")
THROTTLED = ("LTAItestTHROTTLE1", "secret-THROTTLED-66e2c0b9")
STS = ("STS.testSESSION001", "secret-STS-b7d4e1f0", "token-STS-5c8a2f93e1d7")
STS_EXPIRED = ("STS.testEXPIRED001", "secret-EXPIRED-1e9d3c57", "token-EXPIRED-80f4b6a2c3e9")

SECRETS = tuple(
    value
    for key in (ROOT, WORKER, INTERN, BLOCKED, DECODER, AUDITOR, CONTRACTOR, THROTTLED, STS, STS_EXPIRED)
    for value in key[1:]
)
SEEDED_JOB = "0123456789abcdef0123456789abcdef"


def allow(*actions: str, resource: str = "*") -> dict:
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": resource}]}


TRUST = {
    "Version": "1",
    "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": ["ecs.aliyuncs.com"]}}
    ],
}

WORLD: dict[str, Any] = {
    "settings": {"queuing_seconds": 1, "analysing_seconds": 1},
    "system_policies": {
        "AliyunICEReadOnlyAccess": {
            "document": allow("ice:Get*", "ice:List*", "ice:Describe*", resource="acs:ice:*:*:*")
        },
        "AliyunRAMReadOnlyAccess": {"document": allow("ram:Get*", "ram:List*")},
    },
    "accounts": [
        {
            "id": ACCOUNT,
            "name": "media",
            "root_access_keys": [{"id": ROOT[0], "secret": ROOT[1]}],
            "policies": {
                "query": {"description": "query jobs", "document": allow("ice:QueryIProductionJob")},
                "deny-query": {
                    "document": {
                        "Version": "1",
                        "Statement": [
                            {"Effect": "Deny", "Action": "ice:QueryIProductionJob", "Resource": "*"}
                        ],
                    }
                },
                "decode": {"document": allow("ram:DecodeDiagnosticMessage")},
                # a real mistake for audits to find: ICE is authorized per operation, so a job ARN
                # grants nothing (RESOURCE_MISMATCH)
                "job-scoped": {"document": allow("ice:GetMediaInfo", resource="acs:ice:*:*:job/*")},
            },
            "groups": [{"name": "workers", "policies": ["query"]}],
            "users": [
                {
                    "name": "worker",
                    "groups": ["workers"],
                    "access_keys": [
                        {"id": WORKER[0], "secret": WORKER[1]},
                        {"id": THROTTLED[0], "secret": THROTTLED[1], "throttled": True},
                    ],
                },
                {
                    "name": "intern",
                    "policies": ["AliyunICEReadOnlyAccess", "job-scoped"],
                    "access_keys": [{"id": INTERN[0], "secret": INTERN[1]}],
                },
                {
                    "name": "blocked",
                    "policies": ["query", "deny-query"],
                    "access_keys": [{"id": BLOCKED[0], "secret": BLOCKED[1]}],
                },
                {
                    "name": "decoder",
                    "policies": ["decode"],
                    "access_keys": [{"id": DECODER[0], "secret": DECODER[1]}],
                },
                {
                    "name": "auditor",
                    "policies": ["AliyunRAMReadOnlyAccess"],
                    "access_keys": [{"id": AUDITOR[0], "secret": AUDITOR[1]}],
                },
            ],
            "roles": [{"name": "worker-role", "trust_policy": TRUST, "policies": ["query"]}],
            "sts_tokens": [
                {
                    "access_key_id": STS[0],
                    "secret": STS[1],
                    "security_token": STS[2],
                    "role": "worker-role",
                    "session_name": "probe-1",
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
                    "name": "seeded cover",
                    "function_name": "Cover",
                    "input": {"Type": "OSS", "Media": "oss://bucket/in.mp4"},
                    "output": {"Type": "OSS", "Media": "oss://bucket/out.jpg"},
                    "create_time": "2024-01-01T00:00:00Z",
                }
            ],
        },
        {
            "id": CONTRACTORS,
            "name": "contractors",
            "policies": {"query": {"document": allow("ice:QueryIProductionJob")}},
            "control_policies": {
                "corporate-network-only": {
                    "document": {
                        "Version": "1",
                        "Statement": [
                            {
                                "Effect": "Deny",
                                "Action": "ice:*",
                                "Resource": "*",
                                "Condition": {"NotIpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}},
                            }
                        ],
                    }
                }
            },
            "users": [
                {
                    "name": "contractor",
                    "policies": ["query"],
                    "access_keys": [{"id": CONTRACTOR[0], "secret": CONTRACTOR[1]}],
                }
            ],
        },
    ],
}


@contextmanager
def serve(folder: Path, world: dict[str, Any] | None = None, **settings: Any) -> Iterator[str]:
    """The world (WORLD by default, settings overridden) on 127.0.0.1; yields the base URL."""
    folder.mkdir(parents=True, exist_ok=True)
    path = write_world(folder, world or WORLD, **settings)
    with running_emulator(load_world(str(path)), db=str(folder / "emulator.db")) as url:
        yield url


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory) -> Iterator[str]:
    with serve(tmp_path_factory.mktemp("world")) as url:
        yield url


def key_env(key: tuple[str, ...]) -> dict[str, str]:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": key[0], "ALIBABA_CLOUD_ACCESS_KEY_SECRET": key[1]}
    if len(key) == 3:
        env["ALIBABA_CLOUD_SECURITY_TOKEN"] = key[2]
    return env


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The test process's environment without any credentials or proxies, HOME at `home`."""
    drop = ("ALIBABA_CLOUD_", "ALIYUN_", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "DEBUG")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env["HOME"] = str(home)
    env.update(extra)
    return env


def run_as(key: tuple[str, ...] | None, *args: str, home: Path, **extra: str) -> Run:
    """`python -m policycheck ARGS` with only `key` configured (in the environment)."""
    return run_in(clean_env(home, **(key_env(key) if key else {}), **extra), *args)


def run_in(environment: dict[str, str], *args: str) -> Run:
    """`python -m policycheck ARGS` with exactly this environment, as a user runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "policycheck", *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def free_port() -> int:
    """A port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StubServer(ThreadingHTTPServer):
    """A tiny HTTP server for what the emulator does not do; `answer(method, params, raw)`
    returns (status, body dict) or None to forward the request to `forward`."""

    daemon_threads = True

    def __init__(self, answer, forward: str | None = None) -> None:
        self.answer = answer
        self.forward = forward
        self.requests: list[dict[str, str]] = []
        super().__init__(("127.0.0.1", 0), _StubHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _StubHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StubServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        self.server.requests.append(params)
        reply = self.server.answer(self.command, params, self.path)
        if reply is None:
            request = urllib.request.Request(
                self.server.forward + self.path, data=body, method=self.command, headers=dict(self.headers)
            )
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            try:
                with opener.open(request, timeout=30) as forwarded:
                    status, data = forwarded.status, forwarded.read()
            except urllib.error.HTTPError as error:
                status, data = error.code, error.read()
        else:
            status, payload = reply
            data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST


@contextmanager
def stub(answer, forward: str | None = None) -> Iterator[StubServer]:
    server = StubServer(answer, forward)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
