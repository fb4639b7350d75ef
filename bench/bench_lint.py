"""Lint throughput on the generated corpus, against bare `json.loads` of the same bytes.

    python bench/bench_lint.py [--count 10000] [--seed 1]            # in memory
    python bench/bench_lint.py --files                              # lint_paths over a folder
    python bench/bench_lint.py --write-aws FILE                     # the AWS twin, for parliament

In memory, each policy goes through the path `policycheck lint` takes for a file once its bytes
are read: `load_bytes` (decode, parse, duplicate keys), kind detection, then `lint_document`
(schema, model, every rule). One pass over a fresh process: caches start empty, as in a real
run, and the catalog is loaded during the pass. The baseline is `json.loads` of the same bytes
(median of three passes, one before and two after).

With --files, the corpus is written to a temporary folder and linted with `lint_paths`, as
`policycheck lint FOLDER` does (walk, read, lint, settings; no cache, one process), with the
garbage collector set as the CLI sets it; the baseline reads every file and runs `json.loads`
on it, under the same settings.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

from common import emit, timed
from corpus import generate


def lint_in_memory(blobs: list[bytes]) -> list:
    from policycheck.lint import lint_document
    from policycheck.load import load_bytes
    from policycheck.model import detect_kind
    from policycheck.rules import RuleOptions

    options = RuleOptions()
    found = []
    for number, data in enumerate(blobs):
        document = load_bytes(data, f"policy-{number:05d}.json")
        kind = detect_kind(document.value) if document.parsed else "identity"
        findings, _ = lint_document(document, kind, f"policy-{number:05d}", options)
        found.extend(findings)
    return found


def summary(findings: list) -> dict:
    """Counts per code, and a digest of every finding: an optimisation must not change it."""
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    for finding in sorted(findings, key=lambda f: f.sort_key()):
        counts[finding.code] = counts.get(finding.code, 0) + 1
        where = (os.path.basename(finding.file), finding.line, finding.column, finding.path)
        digest.update(repr((*where, finding.code, finding.severity, finding.message)).encode())
    codes = dict(sorted(counts.items()))
    return {"findings": len(findings), "codes": codes, "digest": digest.hexdigest()[:16]}


def parse_all(blobs: list[bytes]) -> int:
    parsed = 0
    for data in blobs:
        try:
            json.loads(data)
            parsed += 1
        except ValueError:
            pass
    return parsed


def read_and_parse(folder: str) -> int:
    parsed = 0
    for entry in os.scandir(folder):
        with open(entry.path, "rb") as handle:
            data = handle.read()
        try:
            json.loads(data)
            parsed += 1
        except ValueError:
            pass
    return parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--files", action="store_true", help="lint_paths over files in a temporary folder")
    parser.add_argument("--write-aws", metavar="FILE", help="write the AWS twin corpus (JSON lines) and exit")
    args = parser.parse_args()
    corpus = generate(args.count, args.seed)
    if args.write_aws:
        Path(args.write_aws).write_text("".join(json.dumps(text) + "\n" for text in corpus.aws))
        emit({"written": len(corpus.aws)})
        return
    blobs = [text.encode() for text in corpus.ram]
    result = {
        "policies": len(blobs),
        "statements": corpus.statements,
        "defective": sum(corpus.defects.values()),
        "megabytes": round(sum(map(len, blobs)) / 1e6, 2),
    }
    if args.files:
        import gc

        from policycheck.cli import GC_THRESHOLDS
        from policycheck.lint import LintSettings, lint_paths

        gc.set_threshold(*GC_THRESHOLDS)  # as `policycheck lint` runs; the baseline too

        with tempfile.TemporaryDirectory(prefix="bench-lint-") as folder:
            for number, data in enumerate(blobs):
                Path(folder, f"policy-{number:05d}.json").write_bytes(data)
            baseline = [timed(lambda: read_and_parse(folder))[0]]
            seconds, linted = timed(lambda: lint_paths([folder], LintSettings(root=folder)))
            baseline += [timed(lambda: read_and_parse(folder))[0] for _ in range(2)]
        findings = linted.findings
    else:
        baseline = [timed(lambda: parse_all(blobs))[0]]
        seconds, findings = timed(lambda: lint_in_memory(blobs))
        baseline += [timed(lambda: parse_all(blobs))[0] for _ in range(2)]
    result.update(
        policycheck_per_s=len(blobs) / seconds,
        json_per_s=len(blobs) / statistics.median(baseline),
        **summary(findings),
    )
    emit(result)


if __name__ == "__main__":
    sys.exit(main())
