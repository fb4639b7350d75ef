"""`policycheck lint`: check policy files and report findings."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from policycheck.cli import EXIT_FAILED, EXIT_OK, SEVERITY_CHOICES, add_output_arguments, say, write_report
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

Folders are read recursively (hidden folders skipped); lint.exclude in policycheck.yaml drops
files found that way, never files named on the command line. A JSON or YAML file found in a
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
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: ./policycheck.yaml)")
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
    if args.fail_on or args.kind:
        settings = replace(settings, fail_on=args.fail_on or settings.fail_on, kind=args.kind)
    result = lint_paths(args.paths, settings)
    write_report(result, args)
    if args.verbose:
        from policycheck.load.files import display_path
        from policycheck.report.escape import printable

        for skipped in result.skipped:
            shown = printable(display_path(skipped.path))
            sys.stderr.write(f"policycheck: skipped {shown}: {printable(skipped.reason)}\n")
    if not result.files and not result.extra:
        hint = f" ({len(result.skipped)} skipped as not policies; see --verbose)" if result.skipped else ""
        say(
            "warning",
            f"no policy documents (.json, .yaml, .yml, .tf, ROS templates) in {' '.join(args.paths)}{hint}",
        )
    return EXIT_FAILED if result.failed else EXIT_OK
