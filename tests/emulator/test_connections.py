"""Connections that never finish their request, and emulators that share one database.

Loopback only, bounded counts: a few hundred half-sent connections against a server with a
small cap and a one-second idle timeout show what thousands do against the defaults.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack

from policycheck.emulator.server import running_emulator
from policycheck.emulator.world import load_world
from tests.emulator.conftest import (
    ROOT,
    SEEDED_JOB,
    WAIT_SECONDS,
    Endpoint,
    FakeClock,
    first_line,
    raw,
    sign_v1,
    signed,
    v1_params,
    write_world,
)

HALF_SENT = (
    b"POST /?Action=QueryIProductionJob HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nJobId=",
    b"GET /?Action=QueryIProductionJob HTTP/1.1\r\nHost: 127.0",
    b"POST / HT",
    b"",
)
LINE = re.compile(
    r"policycheck emulator: (refused the connection from 127\.0\.0\.1:\d+: 8 connections open"
    r"|dropped the connection from 127\.0\.0\.1:\d+: no complete request within 1 s)"
)


def _half_open(stack: ExitStack, host: str, port: int, count: int) -> list[socket.socket]:
    sockets = []
    for index in range(count):
        connection = stack.enter_context(socket.create_connection((host, port), timeout=10))
        connection.sendall(HALF_SENT[index % len(HALF_SENT)])
        sockets.append(connection)
    return sockets


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"still waiting after {WAIT_SECONDS} s for {what}"
        time.sleep(0.05)


def _answered(endpoint: Endpoint) -> dict:
    """The seeded job, retrying a 503 (as the probe does) while slots are busy."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        reply = raw(endpoint, signed(ROOT, "QueryIProductionJob", JobId=SEEDED_JOB))
        if reply.status != 503 or time.monotonic() > deadline:
            return reply.json()
        time.sleep(0.2)


def test_half_sent_connections_are_capped_timed_out_and_logged_one_line_each(start, capfd):
    lines: list[str] = []
    lock = threading.Lock()

    def log(line: str) -> None:
        with lock:
            lines.append(line)

    count = 300
    options = {"max_connections": 8, "idle_seconds": 1.0, "log": log}
    with start(server=options) as endpoint, ExitStack() as stack:
        host, port = endpoint.host.split(":")
        sockets = _half_open(stack, host, int(port), count)
        _wait_for(lambda: len(lines) >= count, f"{count} log lines")
        assert _answered(endpoint)["Status"] == "Success"
        refused = [line for line in lines if "refused" in line]
        dropped = [line for line in lines if "dropped" in line]
        assert len(lines) == count and all(LINE.fullmatch(line) for line in lines), lines[:5]
        assert len(dropped) >= 8 and len(refused) + len(dropped) == count
        # a refused connection was told why, in the platform's envelope, without being read
        answers = []
        for connection in sockets[-20:]:
            try:
                answers.append(connection.recv(4096))
            except OSError:
                continue
        assert any(a.startswith(b"HTTP/1.1 503 ") and b'"Code":"ServiceUnavailable"' in a for a in answers), (
            answers
        )
    err = capfd.readouterr().err
    assert "Traceback" not in err and err == ""


def test_the_command_logs_one_line_per_dropped_connection_and_keeps_serving(tmp_path):
    """As users meet it: `policycheck emulator` with a small cap, flooded, then asked."""
    command = [sys.executable, "-m", "policycheck", "emulator", "--port", "0", "--db", str(tmp_path / "e.db")]
    command += ["--max-connections", "8", "--idle-timeout", "1"]
    log = tmp_path / "stderr"
    count = 200
    with log.open("w") as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True)
    try:
        url = first_line(process).split()[-1]
        endpoint = Endpoint(url, url.split("://")[1], "")
        host, port = endpoint.host.split(":")
        with ExitStack() as stack:
            _half_open(stack, host, int(port), count)
            demo_root = ("LTAI5tDEMOaccountRoot001", "demo-root-secret-NOT-REAL")
            refused = 0
            deadline = time.monotonic() + WAIT_SECONDS
            while (
                reply := raw(endpoint, signed(demo_root, "QueryIProductionJob", JobId=SEEDED_JOB))
            ).status == 503:
                refused += 1
                assert time.monotonic() < deadline, "never answered"
                time.sleep(0.2)
            assert reply.status == 200 and reply.json()["Status"] == "Success"
            _wait_for(lambda: len(log.read_text().splitlines()) >= count + refused, "a line per connection")
    finally:
        process.terminate()
        try:
            process.communicate(timeout=WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate(timeout=WAIT_SECONDS)
    assert process.returncode == 0
    lines = log.read_text().splitlines()
    assert len(lines) == count + refused and all(LINE.fullmatch(line) for line in lines), lines[:5]


def _replay_to(endpoint: Endpoint, params: dict[str, str]) -> str:
    reply = raw(endpoint, params)
    return reply.json().get("Code", "OK") if reply.status != 200 else "OK"


def test_emulators_sharing_a_database_keep_each_others_nonces(start, tmp_path):
    shared = str(tmp_path / "shared.db")
    ahead = FakeClock()
    ahead.advance(3600)
    other_folder = tmp_path / "other"
    other_folder.mkdir()
    with start(db=shared) as long_skew:
        request = signed(ROOT, "QueryIProductionJob", JobId=SEEDED_JOB)
        assert _replay_to(long_skew, request) == "OK"
        # A second emulator on the same file, another world (skew 60 s, clock an hour ahead),
        # forgets its own expired nonces whenever it checks one.
        world = write_world(other_folder, clock_skew_seconds=60)
        with running_emulator(load_world(str(world)), db=shared, clock=ahead) as url:
            short_skew = Endpoint(url, url.split("://")[1], shared)
            params = v1_params(ROOT, "QueryIProductionJob", JobId=SEEDED_JOB)
            params["Timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ahead.now))
            params["Signature"] = sign_v1("POST", params, ROOT[1])
            assert _replay_to(short_skew, params) == "OK"
        assert _replay_to(long_skew, request) == "SignatureNonceUsed"


def test_emulators_of_one_world_refuse_each_others_replays(start, tmp_path):
    shared = str(tmp_path / "shared.db")
    with start(db=shared) as first, start(db=shared) as second:
        request = signed(ROOT, "QueryIProductionJob", JobId=SEEDED_JOB)
        assert _replay_to(first, request) == "OK"
        assert _replay_to(second, request) == "SignatureNonceUsed"
