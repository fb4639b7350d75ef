"""`policycheck check`: prove policycheck.yaml's expectations against the policies."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TYPE_CHECKING

from policycheck.cli import (
    EXIT_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    SEVERITY_CHOICES,
    UserError,
    add_output_arguments,
    steps_argument,
    warning,
    write_report,
)

if TYPE_CHECKING:
    from policycheck.expect.check import CheckReport
    from policycheck.expect.live import CheckOutcome

DESCRIPTION = """\
Read policycheck.yaml (or --config FILE): the principals, the policies that apply to each, and
what each must be able to do (expect: allow) and must not (expect: deny). Every expectation is
proved against the policies, the documents involved are linted, and the result reads like
`terraform plan`: one line per expectation with the statement that decided, at file:line.

examples:
  policycheck check
  policycheck check --config deploy/policycheck.yaml --format junit --output policycheck.xml
  policycheck check --format sarif --output policycheck.sarif

With --probe, every principal under probe: (its credentials named by environment variables or
a CLI profile, never the secrets) is also probed live with a read-only call, and the live answer
is shown next to the static verdict; a disagreement is a violation with its likely cause.

An action with a wildcard (ice:Delete*) is expanded over the action catalog and each action is
checked on its own. A deny expectation holds only if no resource and no context (unless one is
given) can make the request allowed: it is proved, not sampled.

Policies can come from Terraform before deploy: under policies:, {terraform: plan.json} (from
terraform show -json) or {terraform: infra/} (.tf files as written); a principal then names
terraform: {role: NAME}. A value known only at apply makes the expectations needing it unknown.

exit codes: 0 every expectation holds and no lint finding at or above the threshold,
1 a violated, conditional (not accepted) or unknown expectation, such a finding, or a live
mismatch, 2 usage or configuration error, 3 (--probe) a probe could not tell and nothing failed.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_output_arguments(parser, "check")
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: ./policycheck.yaml)")
    parser.add_argument(
        "--fail-on",
        choices=SEVERITY_CHOICES,
        help="least lint severity that fails the check (default: lint.fail_on, else warning)",
    )
    parser.add_argument(
        "--budget",
        type=steps_argument,
        default=None,
        metavar="STEPS",
        help="work budget of each expectation's analysis, in steps (default 2,000,000, about a "
        "second); an expectation whose proof needs more is unknown, which fails",
    )
    parser.add_argument(
        "--probe",
        action="store_true",
        help="also probe the principals under probe: with live, read-only calls",
    )
    parser.add_argument(
        "--endpoint",
        metavar="URL",
        help="with --probe: send the calls here (e.g. the emulator's URL) instead of probe.endpoint",
    )


def run(args: argparse.Namespace) -> int:
    from policycheck.config import load_config, read_spec
    from policycheck.evaluate.budget import DEFAULT_STEPS
    from policycheck.expect.check import run_check
    from policycheck.expect.live import CheckOutcome

    config = load_config(args.config)
    spec = read_spec(config)
    settings = config.lint if not args.fail_on else replace(config.lint, fail_on=args.fail_on)
    report = run_check(spec, settings, steps=args.budget or DEFAULT_STEPS)
    for message in report.warnings:
        warning(message)
    outcome = _probe(report, args.endpoint) if args.probe else CheckOutcome(report)
    write_report(outcome, args)
    if outcome.failed:
        return EXIT_FAILED
    return EXIT_INCONCLUSIVE if outcome.inconclusive else EXIT_OK


def _probe(report: CheckReport, endpoint: str | None) -> CheckOutcome:
    from policycheck.cli.connection import retry_notice
    from policycheck.cloud.live import probe_principals
    from policycheck.expect.live import live_checks

    if not report.spec.probe.principals:
        raise UserError("--probe: policycheck.yaml has no principals under probe: (see README)")
    results = probe_principals(report.spec.probe, endpoint, on_retry=retry_notice)
    return live_checks(report, results)
