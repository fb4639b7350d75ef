"""`policycheck audit --all` of a large account: one call at a time vs --concurrency, same run.

A world file is generated in a temporary folder (users, groups, roles, custom policies shared
between them) with the emulator's `latency_ms` setting, so every RAM call costs what a distant
endpoint would; the emulator runs as `policycheck emulator` does, in its own process. Both
audits are whole `policycheck audit` processes against it, run one after the other.

    .venv/bin/python bench/bench_audit.py                                  # 2,000 users, 50 ms
    .venv/bin/python bench/bench_audit.py --users 200 --roles 20 --policies 50 --latency-ms 20
    .venv/bin/python bench/bench_audit.py --json                           # one JSON line (run.py)

Prints seconds for each run, the speed-up, how many calls were made (from the number of
principals and policies), and whether both reports are identical (request IDs aside) with
no principal, policy or list left unread.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_emulator import first_line, stop
from common import emit

ACCOUNT = "1000000000000001"
ROOT = ("LTAIbenchROOT0001", "bench-root-secret-NOT-REAL")
SERVE = (
    "import argparse, sys\n"
    "from policycheck.cli import emulator\n"
    "parser = argparse.ArgumentParser()\n"
    "emulator.add_arguments(parser)\n"
    "sys.exit(emulator.run(parser.parse_args(sys.argv[1:])))\n"
)
TRUST = {
    "Version": "1",
    "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": ["ecs.aliyuncs.com"]}}
    ],
}


def statement(index: int) -> dict:
    """A few kinds of grant, some with findings (a job-scoped ICE grant, a wildcard)."""
    kind = index % 4
    if kind == 0:
        return {"Effect": "Allow", "Action": "ice:QueryIProductionJob", "Resource": "acs:ice:*:*:job/*"}
    if kind == 1:
        return {
            "Effect": "Allow",
            "Action": ["ice:QueryIProductionJob", "ice:SubmitIProductionJob"],
            "Resource": "*",
        }
    if kind == 2:
        return {"Effect": "Allow", "Action": "ram:Get*", "Resource": "*"}
    return {"Effect": "Allow", "Action": "ice:*", "Resource": "*"}


def make_world(users: int, roles: int, policies: int, latency_ms: float) -> dict:
    groups = max(1, users // 100)
    name = [f"policy-{index:04}" for index in range(policies)]
    return {
        "settings": {"latency_ms": latency_ms},
        "accounts": [
            {
                "id": ACCOUNT,
                "root_access_keys": [{"id": ROOT[0], "secret": ROOT[1]}],
                "policies": {
                    name[index]: {"document": {"Version": "1", "Statement": [statement(index)]}}
                    for index in range(policies)
                },
                "groups": [
                    {"name": f"group-{index:03}", "policies": [name[(index * 13) % policies]]}
                    for index in range(groups)
                ],
                "users": [
                    {
                        "name": f"user-{index:05}",
                        "groups": [f"group-{index % groups:03}"],
                        "policies": [name[(index * 7) % policies], name[(index * 3 + 1) % policies]],
                    }
                    for index in range(users)
                ],
                "roles": [
                    {
                        "name": f"role-{index:04}",
                        "trust_policy": TRUST,
                        "policies": [name[(index * 11) % policies]],
                    }
                    for index in range(roles)
                ],
            }
        ],
    }


def audit(url: str, concurrency: int, folder: str) -> tuple[float, bytes, dict]:
    """Seconds a whole `policycheck audit --all` process takes, its report, and its summary."""
    output = os.path.join(folder, f"audit-{concurrency}.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "ALIYUN_"))}
    env.update({"ALIBABA_CLOUD_ACCESS_KEY_ID": ROOT[0], "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ROOT[1]})
    env["HOME"] = folder
    command = [sys.executable, "-m", "policycheck", "audit", "--all", "--endpoint", url]
    command += ["--concurrency", str(concurrency), "--format", "json", "--output", output]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=folder, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(
            f"audit --concurrency {concurrency} exited {done.returncode}: {done.stderr[-500:]}"
        )
    report = Path(output).read_bytes()
    return seconds, re.sub(rb"request [0-9A-F-]{36}", b"request ID", report), json.loads(report)


def unread(report: dict) -> int:
    """Principals, policies and lists that could not be read."""
    policies = sum(1 for p in report["principals"] for a in p["policies"] if a.get("error"))
    return report["summary"]["unreadable_principals"] + len(report["errors"]) + policies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--roles", type=int, default=200)
    parser.add_argument("--policies", type=int, default=500, help="custom policies")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="per request (default 50)")
    parser.add_argument("--concurrency", type=int, default=8, help="of the concurrent run (default 8)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as folder:
        world = Path(folder) / "world.json"
        world.write_text(json.dumps(make_world(args.users, args.roles, args.policies, args.latency_ms)))
        command = [sys.executable, "-c", SERVE, "--world", str(world), "--port", "0"]
        command += ["--db", os.path.join(folder, "emulator.db")]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=folder)
        try:
            url = first_line(server).split()[-1]
            sequential, one, one_report = audit(url, 1, folder)
            concurrent, many, many_report = audit(url, args.concurrency, folder)
        finally:
            stop(server)
    result = {
        "users": args.users,
        "roles": args.roles,
        "policies": args.policies,
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "principals": len(many_report["principals"]),
        "documents": len(many_report["documents"]),
        "findings": len(many_report["findings"]),
        "sequential_s": round(sequential, 2),
        "concurrent_s": round(concurrent, 2),
        "speedup": round(sequential / concurrent, 2),
        "identical": one == many,
        "unread": unread(one_report) + unread(many_report),
        "complete": bool(many_report["summary"]["complete"] and one_report["summary"]["complete"]),
    }
    if args.json:
        emit(result)
        return 0
    print(
        f"audit --all of {args.users:,} users, {args.roles:,} roles, {args.policies:,} custom policies, "
        f"{args.latency_ms:g} ms per call, {os.cpu_count()} CPUs"
    )
    print(
        f"--concurrency 1: {sequential:.1f} s; --concurrency {args.concurrency}: {concurrent:.1f} s; "
        f"{result['speedup']:.1f}x faster; identical reports: {result['identical']}; "
        f"unread: {result['unread']}; complete: {result['complete']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
