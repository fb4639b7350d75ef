"""`policycheck lint`: check policy files and report findings."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from policycheck.cli import EXIT_FAILED, EXIT_OK, SEVERITY_CHOICES, add_output_arguments, write_report
from policycheck.model import POLICY_KINDS

DESCRIPTION = """\
Check RAM policy documents (.json, .yaml, .yml) against the RAM policy grammar (JSON Schema)
and the lint rules; every finding points at file:line:column and a JSON path.

examples:
  policycheck lint policies/
  policycheck lint 'policies/**/*.json' --fail-on error
  policycheck lint policies/ --format sarif --output policycheck.sarif
  policycheck lint trust/ci-role.json --kind trust
  policycheck lint buckets/media-bucket.json --kind bucket

Folders are read recursively (hidden folders skipped); lint.exclude in policycheck.yaml drops
files found that way, never files named on the command line. Trust policies (statements with a
Principal object) and OSS bucket policies (a Resource and a Principal list) are detected;
control and session policies need --kind or lint.kinds.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_output_arguments(parser, "lint")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files, folders or globs to lint")
    parser.add_argument(
        "--fail-on",
        choices=SEVERITY_CHOICES,
        help="exit 1 when a finding is at or above this severity (default: warning, or lint.fail_on)",
    )
    parser.add_argument(
        "--kind",
        choices=POLICY_KINDS,
        help="treat every file as this kind of policy (default: detect bucket and trust policies, "
        "else identity)",
    )
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: ./policycheck.yaml)")


def run(args: argparse.Namespace) -> int:
    from policycheck.config import load_config
    from policycheck.lint import lint_paths

    config = load_config(args.config)
    settings = config.lint
    if args.fail_on or args.kind:
        settings = replace(settings, fail_on=args.fail_on or settings.fail_on, kind=args.kind)
    result = lint_paths(args.paths, settings)
    write_report(result, args)
    if not result.files:
        sys.stderr.write(
            f"policycheck: warning: no policy files (.json, .yaml, .yml) in {' '.join(args.paths)}\n"
        )
    return EXIT_FAILED if result.failed else EXIT_OK
