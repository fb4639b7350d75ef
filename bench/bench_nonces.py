"""The emulator's nonce store alone: many threads each recording fresh nonces at once.

    .venv/bin/python bench/bench_nonces.py                       # this tree
    .venv/bin/python bench/bench_nonces.py --source /tmp/old     # another tree's Store
    .venv/bin/python bench/bench_nonces.py --json                # one JSON line (bench/run.py)

Every request to the emulator records its signature nonce (Store.remember_nonce) before it
is answered; this isolates that step from signing, HTTP and authorization, which share the
machine's CPU with it in bench_emulator.py. Prints nonces/second, the process's CPU time per
nonce (every thread's, the database's work included) and per-call p50/p99.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time

from common import emit


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=16, help="writer threads (default 16)")
    parser.add_argument("--each", type=int, default=500, help="nonces per thread (default 500)")
    parser.add_argument("--source", metavar="DIR", help="import policycheck from this source tree")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()
    if args.source:
        sys.path.insert(0, args.source)
    from policycheck.emulator.store import Store

    latencies: list[float] = []
    lock = threading.Lock()
    with tempfile.TemporaryDirectory(prefix="bench-nonces-") as folder:
        store = Store(os.path.join(folder, "nonces.db"))

        def writer(thread: int) -> None:
            mine = []
            for index in range(args.each):
                started = time.perf_counter()
                if not store.remember_nonce("bench", "ak", f"{thread}-{index}", time.time(), 1800):
                    raise RuntimeError("a fresh nonce was refused")
                mine.append(time.perf_counter() - started)
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(args.threads)]
        started, cpu_started = time.perf_counter(), time.process_time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        store.close()
    latencies.sort()
    result = {
        "nonces": len(latencies),
        "threads": args.threads,
        "per_s": len(latencies) / wall,
        "cpu_us": cpu / len(latencies) * 1e6,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "source": args.source,
    }
    if args.json:
        emit(result)
    else:
        print(
            f"{result['nonces']:,} nonces from {args.threads} threads: {result['per_s']:,.0f}/s, "
            f"CPU {result['cpu_us']:.0f} us each, "
            f"p50 {result['p50_ms']:.2f} ms, p99 {result['p99_ms']:.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
