"""`policycheck check` as a whole process, against `policycheck lint` of the same documents.

    python bench/bench_check.py shipped [--repeat 10]    # the repository's policycheck.yaml
    python bench/bench_check.py generated [--principals 500 --expectations 20] [--repeat 3]

`check` lints every document its config names, then proves each expectation (allow: one
decision, and "could it be allowed under some context" when it is not; deny: "could any
resource and context make it allowed", the exact analysis). The baseline is `policycheck lint`
of the same documents in the same run (for the generated config, with a config file holding only
its lint: section), so the ratio is what reading the expectations and proving them cost on top
of reading and linting the documents. Reports are text, as by default. Both alternate; the
figure is the median wall time; peak memory is that of the largest check process (from wait4).

The generated config (seeded) has 250 valid identity policies drawn from the lint corpus
(bench/corpus.py, defective and trust policies left out) and two control policies (allow all;
deny ICE deletions). Each principal has 1 to 4 identity policies, half of them the control
policies, and N expectations: allow and deny, of real ICE/RAM/STS actions, a tenth of them
wildcards expanded over the catalog (ice:Delete*), some with a resource or a context.
Expectations may hold or fail: what is timed is working out the answer, and the exit code
(1 when some fail) is reported, not required.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from common import emit, wait_measured
from corpus import generate, ram_actions

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 300.0
"""Seconds one `policycheck check` may take before the bench stops it and fails."""

CONTROL = {
    "full-access.json": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    "deny-ice-delete.json": {
        "Version": "1",
        "Statement": [{"Effect": "Deny", "Action": "ice:Delete*", "Resource": "*"}],
    },
}


def policycheck_command() -> str:
    scripts = sysconfig.get_path("scripts")
    return shutil.which("policycheck", path=scripts) or os.path.join(scripts, "policycheck")


def run_once(command: list[str], folder: Path) -> tuple[float, float, int]:
    """Wall seconds, peak resident MiB and exit code of one process."""
    import subprocess

    # stderr goes to a file: a pipe nobody reads until the end would block a chatty child.
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=stderr)
        code, usage = wait_measured(process, TIMEOUT)
        elapsed = time.perf_counter() - start
        stderr.seek(0)
        error = stderr.read().decode(errors="replace").strip()
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {code}: {error}")
    return elapsed, usage.ru_maxrss / 1024, code


def write_generated(folder: Path, principals: int, expectations: int, seed: int) -> dict:
    """A policies/ folder and a policycheck.yaml; returns counts for the report."""
    rng = random.Random(seed)
    corpus = generate(1500, seed)
    valid = [text for text in corpus.ram if '"Principal"' not in text and _is_clean(text)][:250]
    policies = folder / "policies"
    (policies / "control").mkdir(parents=True)
    names = []
    for number, text in enumerate(valid):
        name = f"team-policy-{number:03d}"
        (policies / f"{name}.json").write_text(text)
        names.append(name)
    for file, document in CONTROL.items():
        (policies / "control" / file).write_text(json.dumps(document, indent=2))
    table = ram_actions()
    catalogued = [
        f"{code}:{name}"
        for family, (code, actions) in table.items()
        if family in ("media", "identity", "token")
        for name in actions
    ]
    wildcards = ["ice:Delete*", "ice:Get*", "ram:Create*", "ram:List*", "ice:Submit*"]
    lines = ["policies:", "  - policies/", "", "principals:"]
    for number in range(principals):
        identity = rng.sample(names, rng.randint(1, 4))
        lines.append(f"  p{number:03d}:")
        lines.append(f"    type: {rng.choice(['user', 'role'])}")
        lines.append(f"    identity: [{', '.join(identity)}]")
        if number % 2:
            lines.append("    control: [full-access, deny-ice-delete]")
    lines += ["", "expect:"]
    from policycheck import catalog

    total_actions = checks = 0
    for number in range(principals):
        lines.append(f"  p{number:03d}:")
        allow, deny = [], []
        for _ in range(expectations):
            action = rng.choice(wildcards) if rng.random() < 0.1 else rng.choice(catalogued)
            entry = [f"      - action: {action}"]
            roll = rng.random()
            if roll < 0.15:
                entry.append("        context: {acs:SourceIp: 10.1.2.3, acs:SecureTransport: 'true'}")
            elif roll < 0.25 and action.startswith("ram:") and not catalog.is_operation_level(action):
                # an "All Resources" action is decided on the account-scoped ARN: resource: is an error
                entry.append(f"        resource: acs:ram::123456789012:user/team-{rng.randrange(37)}")
            effect = allow if rng.random() < 0.5 else deny
            effect.append(entry)
            total_actions += 1
            # as `check` counts them: an allow's wildcard is one check per action, a deny one question
            checks += len(catalog.expand(action) or ()) if "*" in action and effect is allow else 1
        for effect, entries in (("allow", allow), ("deny", deny)):
            if entries:
                lines.append(f"    {effect}:")
                lines += [line for entry in entries for line in entry]
    lint = ["lint:", "  fail_on: error", "  kinds:", "    policies/control/**: control", ""]
    (folder / "policycheck.yaml").write_text("\n".join([*lines, "", *lint]))
    (folder / "lint-only.yaml").write_text("\n".join(lint))
    return {
        "documents": len(names) + len(CONTROL),
        "principals": principals,
        "expectations": total_actions,
        "checks": checks,
    }


def _is_clean(text: str) -> bool:
    """A policy that lints without errors (so every principal can be evaluated)."""
    from policycheck.lint import lint_document
    from policycheck.load import load_bytes

    document = load_bytes(text.encode(), "x.json")
    findings, policy = lint_document(document, "identity")
    return policy is not None and not any(f.severity == "error" for f in findings)


def measure(folder: Path, repeat: int, lint_config: str | None) -> dict:
    policycheck = policycheck_command()
    check = [policycheck, "check"]
    lint = [policycheck, "lint", "policies"] + (["--config", lint_config] if lint_config else [])
    run_once(check, folder)  # warm the file cache
    check_times, lint_times, peaks, codes = [], [], [], set()
    for _ in range(repeat):
        seconds, peak, code = run_once(check, folder)
        check_times.append(seconds)
        peaks.append(peak)
        codes.add(code)
        lint_times.append(run_once(lint, folder)[0])
    return {
        "check_s": statistics.median(check_times),
        "lint_s": statistics.median(lint_times),
        "repeat": repeat,
        "exit_codes": sorted(codes),
        "peak_mb": round(max(peaks), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", choices=("shipped", "generated"))
    parser.add_argument("--principals", type=int, default=500)
    parser.add_argument("--expectations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=0, help="default: 10 shipped, 3 generated")
    args = parser.parse_args()
    if args.config == "shipped":
        result = measure(REPO, args.repeat or 10, None)
        # what policycheck.yaml's policies: reads (its lint.exclude leaves these two folders out)
        result["documents"] = sum(
            1
            for path in (REPO / "policies").rglob("*")
            if path.suffix in (".json", ".yaml") and path.parent.name not in ("examples-bad", "emulator")
        )
        emit(result)
        return
    with tempfile.TemporaryDirectory(prefix="bench-check-") as name:
        folder = Path(name)
        counts = write_generated(folder, args.principals, args.expectations, args.seed)
        result = measure(folder, args.repeat or 3, "lint-only.yaml")
    emit({**result, **counts})


if __name__ == "__main__":
    sys.exit(main())
