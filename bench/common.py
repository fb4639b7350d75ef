"""Helpers every bench case shares: timing, peak memory, and the one-line JSON result.

Each case runs as its own process (bench/run.py starts them), so the peak resident memory a
case reports is its own and figures of different cases never mix.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any


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
