"""`policycheck lint DIR` as a whole process: against parliament's CLI, cold and warm cache,
and over a large tree with and without worker processes.

    python bench/bench_lint_cli.py [--count 3000] [--repeat 3]      # vs parliament, cache
    python bench/bench_lint_cli.py --large 30000                     # workers, peak memory

The first form writes the corpus (bench/corpus.py, seed 1) as COUNT RAM policy files and their
AWS twins as COUNT files, then runs, alternating, REPEAT times each: `parliament --directory`
(its CLI with its defaults, the whole process, its catalog load included), `policycheck lint
DIR --no-cache` (cold), `policycheck lint DIR` with an empty cache folder (the run that fills
it), the same again (warm: nothing changed), and again after 1 % of the files changed. Figures
are medians; the warm report must be byte-identical to the cold one.

With --large, the corpus is written as N files (its policies repeated under new names) and
`policycheck lint DIR --no-cache` runs with `--jobs 1` and with the default (one worker per
available CPU at that size), alternating; peak memory is wait4's, the largest of the main
process and its workers.
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

from common import emit, wait_measured
from corpus import generate

TIMEOUT = 600.0


def timed_process(command: list[str], cwd: str) -> tuple[float, float, bytes]:
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL)
        _, usage = wait_measured(process, TIMEOUT)
        seconds = time.perf_counter() - start
        out.seek(0)
        return seconds, usage.ru_maxrss / 1024, out.read()


def tool(name: str) -> str:
    scripts = sysconfig.get_path("scripts")
    return shutil.which(name, path=scripts) or os.path.join(scripts, name)


def write(folder: Path, texts: list[str], count: int) -> None:
    folder.mkdir()
    for number in range(count):
        (folder / f"policy-{number:05d}.json").write_text(texts[number % len(texts)])


def versus_parliament(count: int, repeat: int) -> dict:
    corpus = generate(count, 1)
    policycheck = tool("policycheck")
    with tempfile.TemporaryDirectory(prefix="bench-lint-cli-") as top:
        ram, aws, cache = Path(top, "ram"), Path(top, "aws"), Path(top, "cache")
        write(ram, corpus.ram, count)
        write(aws, corpus.aws, count)
        lint = [policycheck, "lint", "ram", "--format", "json"]
        commands = {
            "parliament": [tool("parliament"), "--directory", "aws"],
            "cold": [*lint, "--no-cache"],
            "fill": [*lint, "--cache-dir", str(cache)],
            "warm": [*lint, "--cache-dir", str(cache)],
            "changed": [*lint, "--cache-dir", str(cache)],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, float] = {}
        reports: dict[str, bytes] = {}
        for command in commands.values():  # warm the file cache
            timed_process(command, top)
        for round_number in range(repeat):
            for name, command in commands.items():
                if name == "fill":
                    shutil.rmtree(cache, ignore_errors=True)
                if name == "changed":  # 1 % of the files: a Sid added to each
                    for number in range(round_number, count, 100):
                        path = ram / f"policy-{number:05d}.json"
                        path.write_text(
                            path.read_text().replace('"Effect"', f'"Sid": "r{round_number}", "Effect"', 1)
                        )
                seconds, peak, out = timed_process(command, top)
                times[name].append(seconds)
                peaks[name] = max(peaks.get(name, 0.0), peak)
                if name in ("cold", "warm") and round_number == 0:
                    reports[name] = out
    median = {name: statistics.median(values) for name, values in times.items()}
    return {
        "policies": count,
        "repeat": repeat,
        "seconds": median,
        "peak_mb": peaks,
        "identical": reports["cold"] == reports["warm"],
        "cold_vs_parliament": median["parliament"] / median["cold"],
        "warm_vs_cold": median["cold"] / median["warm"],
    }


def large(count: int, repeat: int) -> dict:
    corpus = generate(10_000, 1)
    policycheck = tool("policycheck")
    with tempfile.TemporaryDirectory(prefix="bench-lint-large-") as top:
        write(Path(top, "ram"), corpus.ram, count)
        commands = {
            "one": [policycheck, "lint", "ram", "--format", "json", "--no-cache", "--jobs", "1"],
            "default": [policycheck, "lint", "ram", "--format", "json", "--no-cache"],
        }
        timed_process(commands["one"], top)
        times: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, float] = {}
        reports: dict[str, bytes] = {}
        for _ in range(repeat):
            for name, command in commands.items():
                seconds, peak, out = timed_process(command, top)
                times[name].append(seconds)
                peaks[name] = max(peaks.get(name, 0.0), peak)
                reports[name] = out
    median = {name: statistics.median(values) for name, values in times.items()}
    return {
        "files": count,
        "repeat": repeat,
        "cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "seconds": median,
        "peak_mb": peaks,
        "identical": reports["one"] == reports["default"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--large", type=int, metavar="N", help="N files, --jobs 1 against the default")
    args = parser.parse_args()
    emit(large(args.large, args.repeat) if args.large else versus_parliament(args.count, args.repeat))


if __name__ == "__main__":
    sys.exit(main())
