"""Load on the emulator: many concurrent signed QueryIProductionJob calls through aliyun-python-sdk-core.

The emulator runs as `policycheck emulator` does, in its own process, serving the demo world;
client threads in this process each hold one sdk-core client and call as fast as answers come.
Loopback only; bounded by --requests and --seconds, whichever ends first.

    .venv/bin/python bench/bench_emulator.py                  # media-worker: signed and authorized
    .venv/bin/python bench/bench_emulator.py --key root       # signed, authorization skipped (root)
    .venv/bin/python bench/bench_emulator.py --requests 5000 --concurrency 32
    .venv/bin/python bench/bench_emulator.py --baseline       # the same client, a do-nothing server
    .venv/bin/python bench/bench_emulator.py --json           # one JSON line (bench/run.py)
    .venv/bin/python bench/bench_emulator.py --source /tmp/old  # the server from another tree
    .venv/bin/python bench/bench_emulator.py --client light   # a client that costs the server's CPU little

Prints one table: requests, errors, requests/second, latency p50/p99/max, and the emulator
process's CPU time per request (client and server share the machine). No thresholds here:
the target (>= 300 requests/second on a 2-core machine) is read off the table.

--baseline serves every request with the same HTTP server class and handler but a stub in
place of the emulator (no signature check, no authorization, no database: a fixed
QueryIProductionJob answer), so `emulator / baseline` is the share of the client's ceiling on
this machine that the emulator's own work leaves. The server's peak memory comes from wait4.

--client light signs v1 requests itself (HMAC-SHA1 over the sorted, percent-encoded
parameters, as sdk-core does) and sends them over one keep-alive http.client connection per
thread: about a tenth of the SDK's CPU per call, so the server's own cost decides more of the
throughput than it can with the SDK clients on the same cores.

--source DIR runs the server from another source tree (e.g. `git archive` of an older
commit), so bench/run.py can measure a change before and after in the same run.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import resource
import selectors
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, urlencode

from common import emit

REPO = Path(__file__).resolve().parent.parent
DEMO_WORLD = REPO / "policycheck" / "data" / "demo-world.yaml"
DEMO_JOB = "0123456789abcdef0123456789abcdef"
KEYS = {
    "worker": ("LTAI5tDEMOmediaWorker001", "demo-media-worker-secret-NOT-REAL"),
    "root": ("LTAI5tDEMOaccountRoot001", "demo-root-secret-NOT-REAL"),
}
SERVE = (
    "import argparse, sys\n"
    "from policycheck.cli import emulator\n"
    "parser = argparse.ArgumentParser()\n"
    "emulator.add_arguments(parser)\n"
    "sys.exit(emulator.run(parser.parse_args(sys.argv[1:])))\n"
)
SERVE_STUB = (
    "import json, signal, sys\n"
    "from policycheck.emulator.server import EmulatorServer, HttpResponse\n"
    "BODY = json.dumps({'RequestId': 'BENCH', 'JobId': sys.argv[1], 'Status': 'Success'}).encode()\n"
    "class Stub:\n"
    "    def handle(self, request):\n"
    "        return HttpResponse(200, BODY, 'application/json;charset=utf-8', 'BENCH')\n"
    "def stop(signum, frame):\n"
    "    raise KeyboardInterrupt\n"
    "signal.signal(signal.SIGTERM, stop)\n"
    "server = EmulatorServer(Stub(), 0)\n"
    "print('stub listening on', server.url, flush=True)\n"
    "try:\n"
    "    server.serve_forever()\n"
    "except KeyboardInterrupt:\n"
    "    server.server_close()\n"
)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


WAIT_SECONDS = 30.0
"""The longest the bench waits for the server to start or to stop before killing it."""


def first_line(server: subprocess.Popen) -> str:
    """The server's first line (its URL), or RuntimeError after WAIT_SECONDS or an early exit."""
    with selectors.DefaultSelector() as selector:
        selector.register(server.stdout, selectors.EVENT_READ)
        if not selector.select(WAIT_SECONDS):
            raise RuntimeError(f"the server printed nothing in {WAIT_SECONDS:g} s")
    line = server.stdout.readline()  # bounded: select() saw it readable; the server writes whole lines
    if not line.strip():
        raise RuntimeError("the server exited before printing its URL")
    return line


def stop(server: subprocess.Popen) -> resource.struct_rusage:
    """SIGTERM (which both servers handle, and which nohup does not ignore as it does SIGINT),
    then wait at most WAIT_SECONDS before SIGKILL; the server's resource usage from wait4."""
    server.terminate()
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(server.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.05)
    else:
        server.kill()
        _, status, usage = os.wait4(server.pid, 0)  # bounded: after SIGKILL
    server.returncode = os.waitstatus_to_exitcode(status)
    server.stdout.close()
    return usage


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def light_caller(host: str, key: tuple[str, str]) -> Callable[[], str | None]:
    """One keep-alive connection; each call a freshly signed v1 QueryIProductionJob (POST, query
    parameters, as sdk-core sends it). Returns None or the error code."""
    connection = http.client.HTTPConnection(host, timeout=30)

    def call() -> str | None:
        params = {
            "Action": "QueryIProductionJob",
            "Version": "2020-11-09",
            "Format": "JSON",
            "RegionId": "cn-shanghai",
            "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "SignatureMethod": "HMAC-SHA1",
            "SignatureType": "",
            "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex,
            "AccessKeyId": key[0],
            "JobId": DEMO_JOB,
        }
        canonical = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()))
        to_sign = f"POST&%2F&{_encode(canonical)}"
        digest = hmac.new(f"{key[1]}&".encode(), to_sign.encode(), hashlib.sha1).digest()
        params["Signature"] = base64.b64encode(digest).decode()
        connection.request("POST", "/?" + urlencode(params), headers={"Host": host})
        response = connection.getresponse()
        body = json.loads(response.read())
        return None if body.get("Status") == "Success" else str(body.get("Code", "unexpected body"))

    return call


def sdk_caller(host: str, key: tuple[str, str]) -> Callable[[], str | None]:
    """One aliyun-python-sdk-core client, as users call; returns None or the error code."""
    from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.request import CommonRequest

    client = AcsClient(key[0], key[1], "cn-shanghai", auto_retry=False, proxy={"http": None, "https": None})

    def call() -> str | None:
        request = CommonRequest(domain=host, version="2020-11-09", action_name="QueryIProductionJob")
        request.set_method("POST")
        request.add_query_param("JobId", DEMO_JOB)
        try:
            body = json.loads(client.do_action_with_exception(request))
        except (ClientException, ServerException) as error:
            return error.get_error_code()
        return None if body.get("Status") == "Success" else "unexpected body"

    return call


CLIENTS = {"sdk": sdk_caller, "light": light_caller}


def drive(
    host: str, key: tuple[str, str], requests: int, concurrency: int, seconds: float, client: str = "sdk"
) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    issued = 0
    deadline = time.monotonic() + seconds

    def take() -> bool:
        nonlocal issued
        with lock:
            if issued >= requests or time.monotonic() > deadline:
                return False
            issued += 1
            return True

    def worker() -> None:
        call = CLIENTS[client](host, key)
        mine: list[float] = []
        while take():
            started = time.perf_counter()
            try:
                failure = call()
            except (OSError, http.client.HTTPException, ValueError) as error:
                failure = type(error).__name__
                call = CLIENTS[client](host, key)  # a fresh connection for the next call
            elapsed = time.perf_counter() - started
            with lock:
                if failure:
                    errors[failure] = errors.get(failure, 0) + 1
            mine.append(elapsed)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()  # bounded: every call a worker makes has the SDK's connect and read timeouts
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": sum(errors.values()),
        "error_codes": errors,
        "seconds": wall,
        "rps": len(latencies) / wall if wall else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] if latencies else float("nan")) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="total calls (default 3000)")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads (default 16)")
    parser.add_argument("--seconds", type=float, default=60.0, help="stop after this long (default 60)")
    parser.add_argument("--key", choices=sorted(KEYS), default="worker", help="whose AccessKey signs")
    parser.add_argument("--baseline", action="store_true", help="a do-nothing server instead of the emulator")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--source", metavar="DIR", help="run the server from this source tree")
    parser.add_argument(
        "--client", choices=sorted(CLIENTS), default="sdk", help="how calls are made (default sdk)"
    )
    args = parser.parse_args()
    environment = dict(os.environ)
    if args.source:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, (args.source, os.environ.get("PYTHONPATH"))))
    with tempfile.TemporaryDirectory(prefix="bench-emulator-") as folder:
        if args.baseline:
            command = [sys.executable, "-c", SERVE_STUB, DEMO_JOB]
        else:
            database = os.path.join(folder, "bench.db")
            command = [
                sys.executable,
                "-c",
                SERVE,
                "--world",
                str(DEMO_WORLD),
                "--port",
                "0",
                "--db",
                database,
            ]
        # cwd: a `python -c` child imports from its working folder first, never the source tree
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=folder, env=environment)
        try:
            url = first_line(server).split()[-1]
            before = cpu_seconds(server.pid)
            result = drive(
                url.split("://", 1)[1],
                KEYS[args.key],
                args.requests,
                args.concurrency,
                args.seconds,
                args.client,
            )
            after = cpu_seconds(server.pid)
        finally:
            server_peak = stop(server).ru_maxrss / 1024
    server_cpu = None
    if before is not None and after is not None and result["requests"]:
        server_cpu = (after - before) / result["requests"] * 1000
    if args.json:
        emit(
            {
                **result,
                "server": "stub" if args.baseline else "emulator",
                "source": args.source,
                "client": args.client,
                "concurrency": args.concurrency,
                "server_cpu_ms": server_cpu,
                "server_peak_mb": round(server_peak, 1),
            }
        )
        return 0
    print(
        f"{'stub server' if args.baseline else 'emulator'}, signed QueryIProductionJob via "
        f"{'aliyun-python-sdk-core' if args.client == 'sdk' else 'a light v1 client'}, key={args.key}, "
        f"concurrency={args.concurrency}, {os.cpu_count()} CPUs"
    )
    server_cpu = "n/a" if server_cpu is None else f"{server_cpu:.2f}"
    print(
        f"{'requests':>9} {'errors':>7} {'seconds':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        f" {'server CPU ms/req':>18}"
    )
    print(
        f"{result['requests']:>9} {result['errors']:>7} {result['seconds']:>8.2f} {result['rps']:>8.1f} "
        f"{result['p50_ms']:>8.2f} {result['p99_ms']:>8.2f} {result['max_ms']:>8.2f} {server_cpu:>18}"
    )
    if result["error_codes"]:
        print(
            "errors by code:",
            ", ".join(f"{code} {count}" for code, count in sorted(result["error_codes"].items())),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
