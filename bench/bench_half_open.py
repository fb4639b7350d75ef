"""The emulator under half-sent connections: how soon does an honest request get its answer?

Starts `policycheck emulator` (demo world, default --max-connections and --idle-timeout) in its
own process, opens --connections connections that each send half a request and then wait, and
times a signed QueryIProductionJob through aliyun-python-sdk-core until it is answered (503s,
the answer while every slot is taken, are retried every 0.1 s). Then counts the emulator's
stderr lines: one per refused or dropped connection is the promise, tracebacks none.
Loopback only; every wait is bounded.

    .venv/bin/python bench/bench_half_open.py                    # 2,000 half-sent connections
    .venv/bin/python bench/bench_half_open.py --connections 0    # the same request, no flood
    .venv/bin/python bench/bench_half_open.py --json
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack

from bench_emulator import DEMO_JOB, DEMO_WORLD, KEYS, SERVE, first_line, stop
from common import emit

HALF_REQUEST = (
    b"POST /?Action=QueryIProductionJob HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\nJobId="
)
GIVE_UP_SECONDS = 120.0
IDLE_SECONDS = 10.0
"""`policycheck emulator --idle-timeout`'s default, which this bench runs with."""


def first_answer(host: str) -> tuple[float, int]:
    """Seconds until a signed query is answered 200, and how many 503s came first."""
    from aliyunsdkcore.acs_exception.exceptions import ServerException
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.request import CommonRequest

    key = KEYS["root"]
    client = AcsClient(key[0], key[1], "cn-shanghai", auto_retry=False, proxy={"http": None, "https": None})
    started = time.perf_counter()
    refused = 0
    while time.perf_counter() - started < GIVE_UP_SECONDS:
        request = CommonRequest(domain=host, version="2020-11-09", action_name="QueryIProductionJob")
        request.set_method("POST")
        request.add_query_param("JobId", DEMO_JOB)
        try:
            client.do_action_with_exception(request)
            return time.perf_counter() - started, refused
        except ServerException as error:
            if error.get_http_status() != 503:
                raise
            refused += 1
            time.sleep(0.1)
    raise RuntimeError(f"no answer in {GIVE_UP_SECONDS:g} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=2000, help="half-sent connections (default 2000)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-half-open-") as folder, ExitStack() as held:
        errors = open(os.path.join(folder, "stderr"), "w+")  # noqa: SIM115 - read back after the server stops
        held.callback(errors.close)
        command = [sys.executable, "-c", SERVE, "--world", str(DEMO_WORLD), "--port", "0"]
        command += ["--db", os.path.join(folder, "bench.db")]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True, cwd=folder)
        try:
            host = first_line(server).split()[-1].split("://", 1)[1]
            address, port = host.split(":")
            opened = time.perf_counter()
            for _ in range(args.connections):
                connection = held.enter_context(socket.create_connection((address, int(port)), timeout=10))
                connection.sendall(HALF_REQUEST)
            opening = time.perf_counter() - opened
            seconds, refused = first_answer(host)
            if args.connections:
                time.sleep(IDLE_SECONDS + 1)  # every held connection times out and is logged
        finally:
            stop(server)
        errors.seek(0)
        lines = errors.read().splitlines()
    result = {
        "connections": args.connections,
        "opening_seconds": round(opening, 3),
        "first_answer_seconds": round(seconds, 3),
        "refused_tries": refused,
        "stderr_lines": len(lines),
        "expected_lines": args.connections + refused,
        "tracebacks": sum(line.startswith("Traceback") for line in lines),
    }
    if args.json:
        emit(result)
        return 0
    print(
        f"{args.connections} half-sent connections opened in {opening:.2f} s; an honest request was "
        f"answered {seconds:.2f} s later, after {refused} refused tries; the emulator wrote "
        f"{len(lines)} stderr lines (one per refused or dropped connection: {args.connections + refused}), "
        f"{result['tracebacks']} tracebacks"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
