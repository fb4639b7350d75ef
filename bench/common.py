"""Helpers every bench case shares: timing, peak memory, and the one-line JSON result.

Each case runs as its own process (bench/run.py starts them), so the peak resident memory a
case reports is its own and figures of different cases never mix.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

GRACE_SECONDS = 5.0


def peak_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / (1024 * 1024)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call takes, and what it returned."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def median_time(function: Callable[[], Any], repeat: int) -> float:
    return statistics.median(timed(function)[0] for _ in range(repeat))


def emit(result: dict[str, Any]) -> None:
    """The last line of a case's output: its figures as JSON, with its peak memory."""
    result.setdefault("peak_mb", round(peak_mb(), 1))
    print(json.dumps(result, sort_keys=True), flush=True)


def wait_measured(process: subprocess.Popen, timeout: float) -> tuple[int, resource.struct_rusage]:
    """Exit code and resource usage (its own peak memory) of `process`, by os.wait4, with a deadline.

    os.wait4 has no timeout of its own: a child still running after `timeout` seconds gets
    SIGTERM, then SIGKILL after GRACE_SECONDS, and the case fails instead of hanging the bench.
    """
    stopped = threading.Event()

    def stop(send: Callable[[], None]) -> None:
        stopped.set()
        send()

    stops = [
        threading.Timer(timeout, stop, (process.terminate,)),
        threading.Timer(timeout + GRACE_SECONDS, stop, (process.kill,)),
    ]
    for timer in stops:
        timer.daemon = True
        timer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)  # bounded: the timers above stop the child
        process.returncode = os.waitstatus_to_exitcode(status)  # Popen now never signals the pid
    finally:
        for timer in stops:
            timer.cancel()
    if stopped.is_set():
        raise SystemExit(f"{' '.join(map(str, process.args))} ran past {timeout:g} s and was stopped")
    return process.returncode, usage


def run_bounded(command: list[str], timeout: float, **options: Any) -> subprocess.CompletedProcess:
    """subprocess.run with output captured as text, stopping the child with SIGTERM at the deadline.

    subprocess.run's own timeout sends SIGKILL, which leaves a case's own children (an
    emulator, a policycheck run) behind; SIGTERM lets it stop them. Raises TimeoutExpired.
    """
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options
    ) as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.communicate(timeout=GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate(timeout=GRACE_SECONDS)
            raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)
