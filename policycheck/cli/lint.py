"""`policycheck lint`: check policy files and report findings."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policycheck.baseline import Fingerprint
    from policycheck.findings import Finding
    from policycheck.lint import LintResult, LintSettings

from policycheck.cli import (
    EXIT_FAILED,
    EXIT_OK,
    SEVERITY_CHOICES,
    UserError,
    add_output_arguments,
    say,
    write_output,
    write_report,
)
from policycheck.model import POLICY_KINDS

DESCRIPTION = """\
Check RAM policy documents against the RAM policy grammar (JSON Schema) and the lint rules;
every finding points at file:line:column and a JSON path. Read where policies are written:
policy files (.json, .yaml, .yml), Terraform configuration (.tf: alicloud_ram_policy,
alicloud_ram_role, alicloud_resource_manager_control_policy, data "alicloud_ram_policy_document")
and ROS templates (ALIYUN::RAM::ManagedPolicy, Role, User, Group).

examples:
  policycheck lint policies/
  policycheck lint 'policies/**/*.json' --fail-on error
  policycheck lint policies/ --format sarif --output policycheck.sarif
  policycheck lint trust/ci-role.json --kind trust
  policycheck lint buckets/media-bucket.json --kind bucket
  policycheck lint infra/ --verbose          # .tf files too; lists the files skipped
  policycheck lint policies/ --write-baseline .policycheck-baseline.json   # adopt: accept today's
  policycheck lint policies/ --baseline .policycheck-baseline.json         # then fail on new ones

Folders are read recursively (hidden folders skipped); lint.exclude in policycheck.yaml drops
files found that way, and files named on the command line only with --force-exclude (as
pre-commit runs it; named files that are not policies are then skipped too). A JSON or YAML file found in a
folder that does not look like a policy (no top-level Statement or Version, not named
*.policy.json) is skipped, and listed with --verbose; a broken one whose text mentions Statement
or Version is an error. Values a .tf file
or template does not state (other resources' attributes, Ref, Fn::Sub) are reported as not known
before apply or deploy, never guessed. Trust policies (statements with a Principal object) and
OSS bucket policies (a Resource and a Principal list) are detected; control and session policies
need --kind or lint.kinds.
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
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: the nearest policycheck.yaml here or above, to the repo top)",
    )
    parser.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply lint.exclude to files named on the command line too, and skip those that are not "
        "policies (for pre-commit, which names every changed file)",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        help="report only findings that FILE (written by --write-baseline) does not list",
    )
    parser.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="record every finding of this run in FILE as accepted, and exit 0",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the lint cache (findings of unchanged files, kept between runs)",
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="keep the lint cache in DIR (default: $POLICYCHECK_CACHE_DIR, else .policycheck/cache "
        "next to the policycheck.yaml in use, else in the working directory)",
    )
    parser.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        metavar="N",
        help="lint in N processes (default: one below 1,000 files to lint, else one per available CPU)",
    )
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="list on standard error the files skipped because they are not policies, and why",
    )


def run(args: argparse.Namespace) -> int:
    from policycheck.config import load_config
    from policycheck.lint import lint_paths

    config = load_config(args.config)
    settings = config.lint
    if args.fail_on or args.kind or args.force_exclude:
        settings = settings._replace(
            fail_on=args.fail_on or settings.fail_on,
            kind=args.kind,
            force_exclude=args.force_exclude,
        )
    cache_dir = None
    if not args.no_cache:
        from policycheck.lint_cache import cache_folder

        cache_dir = cache_folder(args.cache_dir, config.root)
    keep_values = bool(args.baseline or args.write_baseline)  # fingerprints read the elements
    result = lint_paths(args.paths, settings, cache_dir=cache_dir, jobs=args.jobs, keep_values=keep_values)
    if args.write_baseline:
        from policycheck.baseline import baseline_document  # hashlib: only for baselines

        keyed = _fingerprinted(result, settings)
        write_output(baseline_document(key for _, key in keyed), args.write_baseline)
        sys.stderr.write(
            f"policycheck: wrote {args.write_baseline}: {_count(len(keyed))} accepted; "
            f"run with --baseline {args.write_baseline} to fail only on new ones\n"
        )
        return EXIT_OK
    if args.baseline:
        result = _without_baseline(result, settings, args.baseline)
    write_report(result, args)
    if args.verbose:
        from policycheck.load.files import display_path
        from policycheck.report.escape import printable

        for skipped in result.skipped:
            shown = printable(display_path(skipped.path))
            sys.stderr.write(f"policycheck: skipped {shown}: {printable(skipped.reason)}\n")
    if not result.files and not result.extra and not args.force_exclude:  # pre-commit names excluded files
        hint = f" ({len(result.skipped)} skipped as not policies; see --verbose)" if result.skipped else ""
        say(
            "warning",
            f"no policy documents (.json, .yaml, .yml, .tf, ROS templates) in {' '.join(args.paths)}{hint}",
        )
    return EXIT_FAILED if result.failed else EXIT_OK


def _fingerprinted(result: LintResult, settings: LintSettings) -> list[tuple[Finding, Fingerprint]]:
    """Every finding with its baseline fingerprint (file relative to the config's folder)."""
    from policycheck.baseline import NEVER_BASELINED, fingerprint

    return [
        (finding, fingerprint(finding, settings.relative(linted.path), linted.value))
        for linted in result.files
        for finding in linted.findings
        if finding.code not in NEVER_BASELINED
    ]


def _without_baseline(result: LintResult, settings: LintSettings, path: str) -> LintResult:
    """The result with the findings the baseline accepts left out (a note on stderr counts them)."""
    from policycheck.baseline import BaselineError, read_baseline, split_new

    try:
        with open(path, encoding="utf-8") as handle:
            accepted = read_baseline(handle.read())
    except OSError as problem:
        raise UserError(f"--baseline {path}: {problem.strerror or problem}") from None
    except (BaselineError, UnicodeDecodeError) as problem:
        raise UserError(f"--baseline {path}: {problem}") from None
    new, covered = split_new(_fingerprinted(result, settings), accepted)
    kept = set(map(id, new))
    files = [
        linted._replace(findings=[f for f in linted.findings if id(f) in kept]) for linted in result.files
    ]
    if covered:
        sys.stderr.write(f"policycheck: {_count(covered)} accepted by the baseline {path} not shown\n")
    return result.with_files(files)


def _jobs(text: str) -> int:
    """--jobs N: a whole number of processes, at least 1."""
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of processes (a whole number, at least 1)"
        )
    return jobs


def _count(findings: int) -> str:
    return f"{findings} finding{'' if findings == 1 else 's'}"
