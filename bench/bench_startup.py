"""Cold start: `policycheck lint FILE` as a whole process, against `python -c "import json"`.

    python bench/bench_startup.py [--repeat 30]

Both run with the interpreter this script runs with, from an empty temporary folder (so no
policycheck.yaml is found and read), alternating, each N times; the figure is the median wall
time. Run it from a wheel-style install (bench/run.py uses .venv-bench, where policycheck is
installed with `pip install .`): an editable install adds an import hook to every process,
policycheck or not, which hides the difference being measured. The policy is the shipped
policies/ice-iproduction-query.json, which has no finding. Peak memory is the largest
resident size of one lint process (from wait4).

Also lists which modules `policycheck lint` loads that it must not (jsonschema, yaml, the
SDK, the emulator), from `python -X importtime`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from common import emit, run_bounded, wait_measured

REPO = Path(__file__).resolve().parent.parent
POLICY = REPO / "policies" / "ice-iproduction-query.json"
TIMEOUT = 60.0
"""Seconds one start of `policycheck lint` may take before the bench stops it and fails."""
MUST_NOT_LOAD = ("jsonschema", "yaml", "aliyunsdkcore", "policycheck.emulator", "policycheck.cloud")


def run_once(command: list[str], folder: str) -> tuple[float, float, int]:
    """Wall seconds, peak resident MiB and exit code of one process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    code, usage = wait_measured(process, TIMEOUT)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss / 1024, code


def loaded_modules(command: list[str], folder: str) -> list[str]:
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    done = run_bounded(command, TIMEOUT, cwd=folder, env=env)
    names = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.append(line.rsplit("|", 1)[1].strip())
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    scripts = sysconfig.get_path("scripts")
    policycheck = shutil.which("policycheck", path=scripts) or os.path.join(scripts, "policycheck")
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        shutil.copy(POLICY, folder)
        lint = [policycheck, "lint", POLICY.name]
        bare = [sys.executable, "-c", "import json"]
        for command in (lint, bare):  # warm the file cache
            run_once(command, folder)
        lint_times, bare_times, peaks, codes = [], [], [], set()
        for _ in range(args.repeat):
            seconds, peak, code = run_once(lint, folder)
            lint_times.append(seconds)
            peaks.append(peak)
            codes.add(code)
            bare_times.append(run_once(bare, folder)[0])
        bare_peak = run_once(bare, folder)[1]
        modules = loaded_modules(lint, folder)
    forbidden = sorted({m for m in modules for bad in MUST_NOT_LOAD if m == bad or m.startswith(bad + ".")})
    emit(
        {
            "repeat": args.repeat,
            "lint_ms": statistics.median(lint_times) * 1000,
            "bare_ms": statistics.median(bare_times) * 1000,
            "exit_codes": sorted(codes),
            "modules": len(modules),
            "policycheck_modules": sorted(m for m in modules if m.startswith("policycheck")),
            "must_not_load_loaded": forbidden,
            "peak_mb": round(max(peaks), 1),
            "bare_peak_mb": round(bare_peak, 1),
        }
    )


if __name__ == "__main__":
    main()
