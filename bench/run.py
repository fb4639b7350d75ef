"""`make bench`: every case in its own process, one table, every figure next to its baseline.

    .venv-bench/bin/python bench/run.py [--markdown FILE] [--only lint_rows lint_cli_rows ...]

Run by `make bench` in .venv-bench, where policycheck is installed from this tree as a wheel
would install it (no editable-install hook) together with parliament, which policycheck itself
never depends on. Each case is a child process (so its peak memory is its own) that prints one
JSON line; each figure is measured in the same run as its baseline and shown as a ratio,
because these machines are shared and noisy and absolute times alone mean little. The table
goes to stdout; with --markdown, also to FILE (bench/README.md holds the latest); the raw
figures go to bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from common import run_bounded

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"


@dataclass
class Row:
    case: str
    figure: str
    baseline: str
    ratio: str
    target: str
    met: str
    peak: str
    note: str = ""


def run_case(script: str, *args: str, timeout: float = 600) -> dict:
    """Run one bench script in its own process; its last stdout line is its result."""
    command = [sys.executable, str(BENCH / script), *args]
    print(f"  running {script} {' '.join(args)}", file=sys.stderr, flush=True)
    # From bench/: a child's `python -c` must not import the source tree in the current folder.
    done = run_bounded(command, timeout, cwd=BENCH)
    if done.returncode != 0:
        problem = done.stderr.strip()[-800:]
        raise RuntimeError(f"{script} {' '.join(args)} failed ({done.returncode}): {problem}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def commit() -> str:
    done = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        cwd=BENCH.parent,
        timeout=60,
    )
    return done.stdout.strip() or "unknown"


def mark(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "NO")


LINT_ROUNDS = 3
"""Alternating rounds of in-memory lint and parliament: one pass each is 1 to 20 s, and the
machine's speed drifts between minutes."""


def median_run(runs: list[dict], figure: str) -> dict:
    """The run whose `figure` is the median (so its other figures are from the same run)."""
    return sorted(runs, key=lambda run: run[figure])[len(runs) // 2]


def lint_rows(raw: dict) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-aws-") as folder:
        corpus = os.path.join(folder, "aws.jsonl")
        run_case("bench_lint.py", "--write-aws", corpus)
        rounds = [
            (run_case("bench_lint.py"), run_case("parliament_side.py", corpus)) for _ in range(LINT_ROUNDS)
        ]
    memory = raw["lint"] = median_run([ours for ours, _ in rounds], "policycheck_per_s")
    peer = raw["parliament"] = median_run([theirs for _, theirs in rounds], "parliament_per_s")
    raw["lint_rounds"] = [(ours["policycheck_per_s"], theirs["parliament_per_s"]) for ours, theirs in rounds]
    files = raw["lint_files"] = run_case("bench_lint.py", "--files")
    ours = memory["policycheck_per_s"]
    slower = memory["json_per_s"] / ours
    faster = ours / peer["parliament_per_s"]
    files_slower = files["json_per_s"] / files["policycheck_per_s"]
    size = (
        f"{memory['policies']:,} policies, {memory['statements']:,} statements, "
        f"{memory['defective']:,} broken"
    )
    return [
        Row(
            "lint, in memory",
            f"{ours:,.0f} policies/s",
            f"json.loads {memory['json_per_s']:,.0f}/s",
            f"{slower:.1f}x slower",
            "<= 10x slower",
            mark(slower <= 10),
            f"{memory['peak_mb']:.0f} MB",
            f"{size}; load_bytes + kind detection + lint_document, one pass in a fresh process, "
            f"median of {LINT_ROUNDS} alternating with parliament; {memory['findings']:,} findings "
            f"(digest {memory['digest']})",
        ),
        Row(
            "lint vs parliament",
            f"{ours:,.0f} policies/s",
            f"parliament {peer['parliament_per_s']:,.0f}/s",
            f"{faster:.1f}x faster",
            ">= 20x faster",
            mark(faster >= 20),
            f"{peer['peak_mb']:.0f} MB (parliament)",
            f"parliament {peer['version']} analyze_policy_string (defaults) on the same corpus in AWS "
            f"form, one pass in a fresh process, median of {LINT_ROUNDS} alternating with policycheck's; "
            f"per round (policycheck, parliament policies/s): "
            + ", ".join(f"{ours:,.0f}/{theirs:,.0f}" for ours, theirs in raw["lint_rounds"])
            + f"; {peer['findings']:,} findings, {peer['codes'].get('EXCEPTION', 0)} EXCEPTION",
        ),
        Row(
            "lint, files",
            f"{files['policycheck_per_s']:,.0f} policies/s",
            f"read + json.loads {files['json_per_s']:,.0f}/s",
            f"{files_slower:.1f}x slower",
            "-",
            "-",
            f"{files['peak_mb']:.0f} MB",
            f"the same corpus as {files['policies']:,} files in a folder, lint_paths (walk, read, lint, "
            "settings); baseline reads each file and runs json.loads",
        ),
    ]


def lint_cli_rows(raw: dict) -> list[Row]:
    """Whole `policycheck lint DIR` processes: vs parliament's CLI, with the cache, on 30,000 files."""
    cli = raw["lint_cli"] = run_case("bench_lint_cli.py", "--count", "3000", "--repeat", "3", timeout=1800)
    big = raw["lint_large"] = run_case("bench_lint_cli.py", "--large", "30000", "--repeat", "2", timeout=1800)
    seconds, peaks = cli["seconds"], cli["peak_mb"]
    each = f"{cli['policies']:,} policies, medians of {cli['repeat']} alternating runs"
    return [
        Row(
            "lint CLI vs parliament CLI, cold",
            f"{seconds['cold']:.2f} s",
            f"parliament --directory {seconds['parliament']:.2f} s",
            f"{cli['cold_vs_parliament']:.1f}x faster",
            ">= 20x faster",
            mark(cli["cold_vs_parliament"] >= 20),
            f"{peaks['cold']:.0f} MB ({peaks['parliament']:.0f} MB parliament)",
            f"`policycheck lint DIR --no-cache` and `parliament --directory DIR` (AWS twins) as whole "
            f"processes, start-up and catalog loads included; {each}",
        ),
        Row(
            "lint CLI, warm cache",
            f"{seconds['warm']:.2f} s",
            f"cold {seconds['cold']:.2f} s",
            f"{cli['warm_vs_cold']:.1f}x faster",
            ">= 3x, identical report",
            mark(cli["warm_vs_cold"] >= 3 and cli["identical"]),
            f"{peaks['warm']:.0f} MB",
            f"unchanged tree, cache filled by the run before; report byte-identical to the cold "
            f"one: {cli['identical']}; filling the cache {seconds['fill']:.2f} s "
            f"({seconds['fill'] / seconds['cold']:.2f}x cold); 1 % of files changed "
            f"{seconds['changed']:.2f} s ({seconds['changed'] / seconds['cold']:.2f}x cold); {each}",
        ),
        Row(
            f"lint CLI, {big['files']:,} files",
            f"default ({big['cpus']} workers) {big['seconds']['default']:.2f} s",
            f"--jobs 1 {big['seconds']['one']:.2f} s",
            f"{big['seconds']['default'] / big['seconds']['one']:.2f}x",
            "-",
            "-",
            f"{big['peak_mb']['default']:.0f} MB (--jobs 1: {big['peak_mb']['one']:.0f} MB)",
            f"`policycheck lint DIR --no-cache`, the corpus repeated as {big['files']:,} files, "
            f"medians of {big['repeat']} alternating runs; reports identical: {big['identical']}; "
            "peak memory: the largest of the main process and its workers (wait4)",
        ),
    ]


def startup_row(raw: dict) -> list[Row]:
    start = raw["startup"] = run_case("bench_startup.py")
    ratio = start["lint_ms"] / start["bare_ms"]
    extra = f"; loaded {', '.join(start['must_not_load_loaded'])}" if start["must_not_load_loaded"] else ""
    return [
        Row(
            "cold start",
            f"{start['lint_ms']:.1f} ms",
            f'python -c "import json" {start["bare_ms"]:.1f} ms',
            f"{ratio:.2f}x",
            "< 3x",
            mark(ratio < 3),
            f"{start['peak_mb']:.0f} MB",
            f"`policycheck lint ice-iproduction-query.json` as a whole process from a wheel install, "
            f"no config file, median of {start['repeat']} alternating runs{extra}",
        )
    ]


def explain_row(raw: dict) -> list[Row]:
    explain = raw["explain"] = run_case("bench_explain.py", "--policies", "1000", "--seconds", "3", "--json")
    row = explain["rows"][0]
    ratio = row["engine"] / row["naive"]
    return [
        Row(
            "explain",
            f"{row['engine']:,.0f} decisions/s",
            f"naive fnmatch loop {row['naive']:,.0f}/s",
            f"{ratio:.0f}x faster",
            ">= 100,000/s",
            mark(row["engine"] >= 100_000),
            f"{explain['peak_mb']:.0f} MB",
            f"bench_explain.py: {row['policies']:,} generated policies with conditions "
            f"({row['statements']:,} statements, {row['candidates']:.0f} of them name a request's action), "
            f"one core; could_allow {row['could']:,.0f}/s; 0 disagreements with the naive loop",
        )
    ]


def check_rows(raw: dict) -> list[Row]:
    shipped = raw["check_shipped"] = run_case("bench_check.py", "shipped")
    generated = raw["check_generated"] = run_case("bench_check.py", "generated")
    large = raw["check_2000"] = run_case("bench_check.py", "generated", "--principals", "2000")
    per_check_kb = large["peak_mb"] * 1024 / large["checks"]
    return [
        Row(
            "check, shipped config",
            f"{shipped['check_s'] * 1000:.0f} ms",
            f"lint of the same documents {shipped['lint_s'] * 1000:.0f} ms",
            f"{shipped['check_s'] / shipped['lint_s']:.2f}x",
            "-",
            "-",
            f"{shipped['peak_mb']:.0f} MB",
            f"`policycheck check` in the repository root ({shipped['documents']} documents), whole "
            f"process, median of {shipped['repeat']}; baseline `policycheck lint policies`",
        ),
        Row(
            f"check, {generated['principals']} x {generated['expectations'] // generated['principals']}",
            f"{generated['check_s']:.2f} s",
            f"lint of the same documents {generated['lint_s']:.2f} s",
            f"{generated['check_s'] / generated['lint_s']:.1f}x",
            "< 2 s",
            mark(generated["check_s"] < 2),
            f"{generated['peak_mb']:.0f} MB",
            f"generated policycheck.yaml: {generated['principals']} principals x "
            f"{generated['expectations'] // generated['principals']} expectations = "
            f"{generated['checks']:,} checks once wildcards expand, {generated['documents']} documents; "
            f"whole process, median of {generated['repeat']}; baseline lints the same documents",
        ),
        Row(
            f"check, {large['principals']:,} principals",
            f"{large['check_s']:.2f} s, {per_check_kb:.2f} KB/check",
            f"lint of the same documents {large['lint_s']:.2f} s",
            f"{large['check_s'] / large['lint_s']:.1f}x",
            "< 4 s, < 2 KB/check",
            mark(large["check_s"] < 4 and per_check_kb < 2),
            f"{large['peak_mb']:.0f} MB",
            f"the generated config at {large['principals']:,} principals x "
            f"{large['expectations'] // large['principals']} expectations = {large['checks']:,} checks; "
            f"KB/check is the whole process's peak RSS over the checks; whole process, median of "
            f"{large['repeat']}, alternating with the lint baseline",
        ),
    ]


def analysis_row(raw: dict) -> list[Row]:
    worst = raw["analysis"] = run_case("bench_analysis.py")
    each = ", ".join(f"{name} {case['check']:.2f} s" for name, case in sorted(worst["cases"].items()))
    return [
        Row(
            "check, analysis worst cases",
            f"{worst['check_s']:.2f} s (explain {worst['explain_s']:.2f} s)",
            f"lint of the same document {worst['lint_s']:.2f} s",
            f"{worst['check_s'] / worst['lint_s']:.1f}x",
            "< 5 s",
            mark(worst["check_s"] < 5 and worst["explain_s"] < 5),
            f"{worst['peak_mb']:.0f} MB",
            "the slowest of the generated legal-size policies of issue #14.1 "
            f"({worst['slowest']}; tests/hostile/worst_cases.py), `check` proving deny ram:GetUser, "
            f"ram:* and * (three analyses), median of {worst['repeat']}; once minutes to hours. "
            f"Each case: {each}",
        )
    ]


NONCE_BASELINE = "2a51dd187a3d8a3ce7f1ec2eca26b432530da5c1"
"""main just before nonces left the shared write lock (issue 17): the emulator row's "before"."""


def source_tree(commit: str, folder: str) -> str:
    """`git archive` of `commit` unpacked into `folder`, to run an older server from."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", commit],
        capture_output=True,
        check=True,
        cwd=BENCH.parent,
        timeout=300,
    )
    subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True, timeout=300)
    return folder


EMULATOR_ROUNDS = 7
"""Rounds of the emulator rows; every round runs each server once, in alternating order."""


def _paired(cases: dict[str, list[str]], rounds: int) -> dict[str, list[dict]]:
    """Each case once per round, the order reversed every other round, so drift in the
    machine's speed falls on both sides alike."""
    names = list(cases)
    results: dict[str, list[dict]] = {name: [] for name in names}
    for index in range(rounds):
        for name in names if index % 2 == 0 else reversed(names):
            results[name].append(run_case(*cases[name]))
    return results


def _versus(name: str, now: list[dict], before: list[dict], client: str) -> Row:
    """Median throughput now against NONCE_BASELINE's, with every round's ratio and both
    servers' CPU per request (less at the mercy of the machine's load than throughput)."""
    rps_now, rps_before = median([r["rps"] for r in now]), median([r["rps"] for r in before])
    cpu_now = median([r["server_cpu_ms"] for r in now])
    cpu_before = median([r["server_cpu_ms"] for r in before])
    p99_now, p99_before = median([r["p99_ms"] for r in now]), median([r["p99_ms"] for r in before])
    each = ", ".join(f"{n['rps'] / b['rps']:.2f}" for n, b in zip(now, before, strict=True))
    errors = sum(r["errors"] for r in now) + sum(r["errors"] for r in before)
    return Row(
        name,
        f"{rps_now:,.0f} req/s, p99 {p99_now:.1f} ms, server CPU {cpu_now:.2f} ms/req",
        f"{NONCE_BASELINE[:7]} {rps_before:,.0f} req/s, p99 {p99_before:.1f} ms, CPU {cpu_before:.2f} ms/req",
        f"{rps_now / rps_before:.2f}x",
        "> 1x, less CPU, 0 errors",
        mark(rps_now > rps_before and cpu_now < cpu_before and errors == 0),
        f"{median([r['server_peak_mb'] for r in now]):.0f} MB "
        f"(before {median([r['server_peak_mb'] for r in before]):.0f} MB)",
        f"{client}, {now[0]['concurrency']} client threads, {now[0]['requests']:,} signed "
        f"QueryIProductionJob per run; this tree and commit {NONCE_BASELINE[:7]} (each request "
        f"committing its nonce in its own write transaction) alternating, {len(now)} rounds, "
        f"medians; per-round ratios {each}; "
        f"server CPU {cpu_now / cpu_before:.2f}x; {errors} errors",
    )


def emulator_row(raw: dict) -> list[Row]:
    """The emulator now against NONCE_BASELINE (and a stub server), paired in alternating rounds."""
    sdk = ("bench_emulator.py", "--requests", "4000", "--json")
    light = ("bench_emulator.py", "--client", "light", "--requests", "5000", "--json")
    with tempfile.TemporaryDirectory(prefix="bench-emulator-before-") as folder:
        before_tree = source_tree(NONCE_BASELINE, folder)
        stores = _paired(
            {
                "before": ["bench_nonces.py", "--json", "--source", before_tree],
                "now": ["bench_nonces.py", "--json"],
            },
            EMULATOR_ROUNDS,
        )
        ends = _paired(
            {"before": [*sdk, "--source", before_tree], "now": list(sdk), "stub": [*sdk, "--baseline"]},
            EMULATOR_ROUNDS,
        )
        lights = _paired({"before": [*light, "--source", before_tree], "now": list(light)}, EMULATOR_ROUNDS)
    raw["nonces_before"], raw["nonces"] = stores["before"], stores["now"]
    raw["emulator_before"], raw["emulator"], raw["emulator_stub"] = ends["before"], ends["now"], ends["stub"]
    raw["emulator_light_before"], raw["emulator_light"] = lights["before"], lights["now"]
    now, stub = ends["now"], ends["stub"]
    rps, stub_rps = median([r["rps"] for r in now]), median([r["rps"] for r in stub])
    errors = sum(r["errors"] for r in now)
    ok = rps >= 300 and errors == 0 and all(r["requests"] == 4000 for r in now)
    store_now, store_before = stores["now"], stores["before"]
    per_s = median([r["per_s"] for r in store_now])
    per_s_before = median([r["per_s"] for r in store_before])
    cpu = median([r["cpu_us"] for r in store_now])
    cpu_before = median([r["cpu_us"] for r in store_before])
    return [
        Row(
            "emulator",
            f"{rps:,.0f} req/s, p50 {median([r['p50_ms'] for r in now]):.1f} ms, "
            f"p99 {median([r['p99_ms'] for r in now]):.1f} ms",
            f"stub server {stub_rps:,.0f} req/s, p50 {median([r['p50_ms'] for r in stub]):.1f} ms",
            f"{rps / stub_rps:.2f}x",
            ">= 300/s, 0 errors",
            mark(ok),
            f"{median([r['server_peak_mb'] for r in now]):.0f} MB (server)",
            f"signed, authorized QueryIProductionJob through aliyun-python-sdk-core on 127.0.0.1, "
            f"{now[0]['concurrency']} client threads, {now[0]['requests']:,} requests per run, "
            f"{errors} errors; server CPU {median([r['server_cpu_ms'] for r in now]):.2f} ms/request "
            f"(stub {median([r['server_cpu_ms'] for r in stub]):.2f}); baseline: the same server class "
            f"with a stub handler; medians of {len(now)} rounds alternating with the rows below",
        ),
        _versus("emulator vs before, SDK clients", now, ends["before"], "aliyun-python-sdk-core clients"),
        _versus("emulator vs before, light client", lights["now"], lights["before"], "light v1 clients"),
        Row(
            "emulator nonce store",
            f"{per_s:,.0f} nonces/s, CPU {cpu:.0f} us/nonce, "
            f"p99 {median([r['p99_ms'] for r in store_now]):.1f} ms",
            f"{NONCE_BASELINE[:7]} {per_s_before:,.0f}/s, CPU {cpu_before:.0f} us/nonce, "
            f"p99 {median([r['p99_ms'] for r in store_before]):.1f} ms",
            f"{per_s / per_s_before:.2f}x",
            "> 1x",
            mark(per_s > per_s_before),
            "-",
            f"bench_nonces.py: Store.remember_nonce alone, {store_now[0]['threads']} threads, "
            f"{store_now[0]['nonces']:,} fresh nonces per run; alternating, {len(store_now)} rounds, "
            "medians; "
            "per-round ratios "
            + ", ".join(
                f"{n['per_s'] / b['per_s']:.2f}" for n, b in zip(store_now, store_before, strict=True)
            ),
        ),
    ]


def audit_row(raw: dict) -> list[Row]:
    scale = ("--users", "2000", "--roles", "200", "--policies", "500", "--latency-ms", "50")
    audit = raw["audit"] = run_case("bench_audit.py", *scale, "--json", timeout=1800)
    ok = audit["speedup"] >= 6 and audit["concurrent_s"] < 60 and audit["unread"] == 0 and audit["identical"]
    return [
        Row(
            f"audit --all, {audit['users']:,} users",
            f"--concurrency {audit['concurrency']}: {audit['concurrent_s']:.1f} s",
            f"--concurrency 1: {audit['sequential_s']:.1f} s",
            f"{audit['speedup']:.1f}x faster",
            ">= 6x, < 60 s, 0 errors",
            mark(ok),
            "-",
            f"generated world: {audit['users']:,} users, {audit['roles']:,} roles, {audit['policies']:,} "
            f"custom policies, {audit['latency_ms']:g} ms per call (emulator latency_ms); whole "
            f"`policycheck audit --all` processes, {audit['principals']:,} principals, "
            f"{audit['documents']:,} documents, {audit['findings']:,} findings; {audit['unread']} unread; "
            f"reports identical (request IDs aside): {audit['identical']}",
        )
    ]


def half_open_row(raw: dict) -> list[Row]:
    flood = raw["half_open"] = run_case("bench_half_open.py", "--json")
    calm = raw["half_open_none"] = run_case("bench_half_open.py", "--connections", "0", "--json")
    ok = (
        flood["first_answer_seconds"] < 12
        and flood["stderr_lines"] == flood["expected_lines"]
        and flood["tracebacks"] == 0
    )
    return [
        Row(
            "emulator, half-sent flood",
            f"answered after {flood['first_answer_seconds']:.1f} s",
            f"no flood: {calm['first_answer_seconds'] * 1000:.0f} ms",
            f"{flood['first_answer_seconds'] / calm['first_answer_seconds']:.0f}x",
            "< 12 s, 1 line per connection",
            mark(ok),
            "-",
            f"{flood['connections']:,} connections each send half a request and wait (default "
            f"--max-connections 128, --idle-timeout 10); a signed query retried on 503 until answered; "
            f"{flood['stderr_lines']:,} stderr lines for {flood['expected_lines']:,} refused or dropped "
            f"connections, {flood['tracebacks']} tracebacks",
        )
    ]


HEADER = ("case", "policycheck", "baseline (same run)", "ratio", "target", "met", "peak RSS")


def text_table(rows: list[Row]) -> str:
    cells = [HEADER, *((r.case, r.figure, r.baseline, r.ratio, r.target, r.met, r.peak) for r in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    lines = []
    for index, row in enumerate(cells):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    lines.append("")
    lines += [f"{r.case}: {r.note}" for r in rows if r.note]
    return "\n".join(lines)


def markdown_table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in rows:
        cells = (r.case, r.figure, r.baseline, r.ratio, r.target, r.met, r.peak)
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines += [f"- **{r.case}**: {r.note}" for r in rows if r.note]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    parser.add_argument("--only", nargs="+", metavar="PART", help="run only these parts (e.g. lint_cli_rows)")
    args = parser.parse_args()
    started = datetime.datetime.now(datetime.timezone.utc)
    raw: dict = {}
    rows: list[Row] = []
    failures = []
    parts = [
        lint_rows,
        lint_cli_rows,
        startup_row,
        explain_row,
        check_rows,
        analysis_row,
        emulator_row,
        half_open_row,
        audit_row,
    ]
    for part in parts:
        if args.only and part.__name__ not in args.only:
            continue
        try:
            rows += part(raw)
        except Exception as problem:  # noqa: BLE001 - one broken case must not hide the others
            failures.append(f"{part.__name__}: {problem}")
    minutes = (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds() / 60
    about = (
        f"policycheck {commit()}, {started:%Y-%m-%d %H:%M} UTC, {minutes:.1f} min; {machine()}; "
        "shared machine: compare ratios, not absolute times"
    )
    print()
    print(about)
    print(text_table(rows))
    for failure in failures:
        print(f"FAILED {failure}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps({"about": about, "raw": raw}, indent=2, sort_keys=True))
    if args.markdown:
        Path(args.markdown).write_text(f"{about}\n\n{markdown_table(rows)}\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
