"""The analysis worst cases of issue #14.1, each through the CLI as a user meets it.

    python bench/bench_analysis.py [--repeat 3]

Every generated legal-size case (tests/hostile/worst_cases.py: the same cases the tests check
for a right or "unknown" answer) is written to a folder with a policycheck.yaml whose principal
carries it and must not `ram:GetUser`, `ram:*` or `*`. Timed, whole process, median of
--repeat: `policycheck check` (three deny analyses) and `policycheck explain --any-context
--any-resource` (one). Before the work budget and the per-key solver, the slowest of these ran
for minutes to hours; the target is "a few seconds" for every case. The baseline is `policycheck
lint` of the same document in the same run, so the ratio says what proving costs on top of
reading. Each process has a 120 s timeout: a hang is a failure, not a long row.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from common import emit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "hostile"))
import worst_cases  # noqa: E402

CONFIG = """\
policies: [policies/]
principals:
  p:
    identity: [{name}]
expect:
  p:
    deny:
      - action: ram:GetUser
      - action: "ram:*"
      - action: "*"
"""


def policycheck_command() -> str:
    scripts = sysconfig.get_path("scripts")
    return shutil.which("policycheck", path=scripts) or os.path.join(scripts, "policycheck")


def wall(command: list[str], folder: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=folder, capture_output=True, timeout=120)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-400:]}")
    return time.perf_counter() - start, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    command = policycheck_command()
    cases = {}
    with tempfile.TemporaryDirectory() as temporary:
        for name, build in sorted(worst_cases.CASES.items()):
            folder = Path(temporary) / name
            (folder / "policies").mkdir(parents=True)
            policy = folder / "policies" / f"{name}.json"
            policy.write_text(json.dumps(build()))
            (folder / "policycheck.yaml").write_text(CONFIG.format(name=name))
            check = [command, "check", "--fail-on", "error"]
            explain = [
                command,
                "explain",
                str(policy),
                "--action",
                "ram:GetUser",
                "--any-context",
                "--any-resource",
            ]
            lint = [command, "lint", str(policy)]
            runs = {"check": [], "explain": [], "lint": []}
            codes = {}
            for _ in range(args.repeat):
                for label, line in (("check", check), ("explain", explain), ("lint", lint)):
                    seconds, codes[label] = wall(line, folder)
                    runs[label].append(seconds)
            cases[name] = {label: round(statistics.median(times), 3) for label, times in runs.items()}
            cases[name]["check_exit"] = codes["check"]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    slowest = max(cases, key=lambda n: cases[n]["check"])
    emit(
        {
            "cases": cases,
            "slowest": slowest,
            "check_s": cases[slowest]["check"],
            "explain_s": max(c["explain"] for c in cases.values()),
            "lint_s": cases[slowest]["lint"],
            "repeat": args.repeat,
            "peak_mb": round(peak, 1),
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
