"""`policycheck check`: prove policycheck.yaml's expectations against the policies."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TYPE_CHECKING

from policycheck import DOCS_URL
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
    from policycheck.expect.spec import CheckSpec

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
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: the nearest policycheck.yaml here or above, to the repo top)",
    )
    parser.add_argument(
        "--fail-on",
        choices=SEVERITY_CHOICES,
        help="least lint severity that fails the check (default: lint.fail_on, else warning)",
    )
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="text output: only the expectations that failed, their lint findings and the summary",
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
        help="with --probe (an error without it): send the calls here (e.g. the emulator's URL) "
        "instead of probe.endpoint",
    )


def run(args: argparse.Namespace) -> int:
    from policycheck.config import load_config
    from policycheck.evaluate.budget import DEFAULT_STEPS
    from policycheck.expect.check import run_check
    from policycheck.expect.live import CheckOutcome
    from policycheck.expect.spec import read_spec

    if args.endpoint and not args.probe:
        # Not implied: --probe makes live calls with real credentials, which a flag meant for
        # them should not start on its own; silently ignoring it would mislead.
        raise UserError("--endpoint applies only to live calls: add --probe (check --probe --endpoint URL)")
    config = load_config(args.config)
    spec = read_spec(config)
    settings = config.lint if not args.fail_on else config.lint._replace(fail_on=args.fail_on)
    report = run_check(spec, settings, steps=args.budget or DEFAULT_STEPS)
    for message in report.warnings:
        warning(message)
    outcome = _probe(report, args.endpoint) if args.probe else CheckOutcome(report)
    outcome = replace(outcome, quiet=args.quiet)
    write_report(outcome, args)
    if outcome.failed:
        return EXIT_FAILED
    return EXIT_INCONCLUSIVE if outcome.inconclusive else EXIT_OK


def _probe(report: CheckReport, endpoint: str | None) -> CheckOutcome:
    from policycheck.cli.connection import retry_notice
    from policycheck.cloud.live import probe_principals
    from policycheck.expect.live import live_checks

    spec = report.spec
    if not spec.probe.principals:
        raise UserError(
            f"--probe: {spec.config.path} has no principals under probe: "
            f"(see {DOCS_URL}/README.md#check---probe-confirm-it-live)"
        )
    _check_probe_section(spec, endpoint)
    results = probe_principals(report.spec.probe, endpoint, on_retry=retry_notice)
    return live_checks(report, results)


def _check_probe_section(spec: CheckSpec, endpoint: str | None) -> None:
    """A bad action, region or endpoint in the probe section is an error at its line in the
    config file the user named (--config), before any call is made."""
    from policycheck.cloud.api import check_region, parse_endpoint
    from policycheck.cloud.probe import probe_action

    probe = spec.probe
    checks = [((*p.path, "action"), lambda p=p: probe_action(p.action, "action")) for p in probe.principals]
    if probe.region:
        checks.append((("probe", "region"), lambda: check_region(probe.region)))
    if probe.endpoint and not endpoint:
        checks.append((("probe", "endpoint"), lambda: parse_endpoint(probe.endpoint)))
    for path, check in checks:
        try:
            check()
        except UserError as problem:
            raise spec.error(path, str(problem)) from None
