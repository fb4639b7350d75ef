"""`policycheck audit`: lint what is really attached in an account, read through the RAM API."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from policycheck.cli import (
    EXIT_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    SEVERITY_CHOICES,
    UserError,
    add_output_arguments,
    error,
    write_report,
)
from policycheck.cli.connection import (
    CREDENTIALS_HELP,
    ProgressBar,
    add_connection_arguments,
    resolve,
    retry_notice,
)

if TYPE_CHECKING:
    from policycheck.account import Snapshot
    from policycheck.cloud.credentials import Credentials, RoleToAssume

DESCRIPTION = f"""\
Read principals and their policies from an account through RAM (2015-05-01, read-only
calls only): the policies attached to a user, role or group, a user's groups' policies, each
policy's default version, and a role's trust policy, paging through every list. Then lint
every document as `policycheck lint` would; findings name the document as
ram://policy/TYPE/NAME@VERSION or ram://role/NAME/trust.

examples:
  policycheck audit --user media-worker
  policycheck audit --role ice-worker --group media-workers
  policycheck audit --all --format sarif --output audit.sarif
  policycheck audit --all --save audit/               # keep the documents for review
  policycheck audit --all --endpoint http://127.0.0.1:8765   # against `policycheck emulator`
  policycheck audit --all --concurrency 16            # a large account, more calls at once

The caller needs RAM read access (e.g. the system policy AliyunRAMReadOnlyAccess). A
principal that cannot be read is reported and the others go on; throttled calls are retried
with backoff, and a Throttling answer pauses every worker. --all also lints the custom
policies attached to no one. Calls run --concurrency at a time (default 8); the report is the
same, byte for byte, whatever the concurrency. On a terminal, progress is shown on stderr.

exit codes: 0 no finding at or above --fail-on; 1 findings at or above it; 2 usage or
configuration error; 3 nothing at or above --fail-on, but part of the account could not be read.

{CREDENTIALS_HELP}"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_output_arguments(parser, "audit")
    who = parser.add_argument_group("what to read (at least one; each may repeat)")
    who.add_argument("--user", action="append", default=[], metavar="NAME", help="a RAM user")
    who.add_argument("--role", action="append", default=[], metavar="NAME", help="a RAM role")
    who.add_argument("--group", action="append", default=[], metavar="NAME", help="a RAM user group")
    who.add_argument(
        "--all", action="store_true", help="every user, group and role, and unattached custom policies"
    )
    add_connection_arguments(parser, region=False)
    parser.add_argument(
        "--concurrency",
        type=_concurrency,
        default=8,
        metavar="N",
        help="RAM calls in flight at once, 1 to 32 (default 8); 1 reads one call at a time",
    )
    parser.add_argument(
        "--save", metavar="DIR", help="write the fetched documents and principals.json to DIR"
    )
    parser.add_argument(
        "--expect",
        metavar="FILE",
        help="also run the expectations of this policycheck.yaml against what is really attached "
        "(principals are matched by type and name; a System policy the audit cannot read is taken "
        "from the System policy library)",
    )
    parser.add_argument(
        "--fail-on",
        choices=SEVERITY_CHOICES,
        default="warning",
        help="exit 1 when a finding is at or above this severity (default: warning)",
    )


def _concurrency(text: str) -> int:
    from policycheck.cloud.audit import MAX_CONCURRENCY

    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_CONCURRENCY:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_CONCURRENCY}, not {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    if not (args.user or args.role or args.group or args.all):
        raise UserError("say what to audit: --user NAME, --role NAME, --group NAME or --all")
    expectations = _load_expectations(args.expect) if args.expect else None
    credentials, region, override = resolve(args)

    from policycheck.account import AuditReport, audit
    from policycheck.cloud.audit import Selection, fetch_account, save_documents
    from policycheck.cloud.sdk import AssumeRoleError, connect

    try:
        caller = connect(credentials, region, override, args.timeout, on_retry=retry_notice)
    except AssumeRoleError as problem:
        error(str(problem))
        return EXIT_INCONCLUSIVE
    selection = Selection(tuple(args.user), tuple(args.group), tuple(args.role), args.all)
    result = audit(
        fetch_account(caller, selection, progress=ProgressBar(), concurrency=args.concurrency), args.fail_on
    )
    if args.save:
        try:
            save_documents(result, args.save)
        except OSError as problem:
            raise UserError(f"cannot save to {args.save}: {problem.strerror or problem}") from None
    endpoint = caller.endpoint("ram").url
    checked = None
    if expectations is not None:
        from policycheck.account import principal_policies
        from policycheck.expect.check import run_check
        from policycheck.expect.live import CheckOutcome

        spec, settings, system = expectations
        account = principal_policies(result, system)
        checked = CheckOutcome(
            run_check(spec, settings, account=account, account_id=_account_id(result.snapshot, credentials))
        )
    report = AuditReport(result, endpoint, caller.principal, checked)
    write_report(report, args)
    if report.failed:
        return EXIT_FAILED
    return EXIT_OK if result.complete else EXIT_INCONCLUSIVE


def _account_id(snapshot: Snapshot, credentials: Credentials | RoleToAssume) -> str | None:
    """The audited account's id: from the Arn GetRole answered, else from the RamRoleArn the
    credentials assumed (the RAM API is then called as that role, in its account). A user's
    AccessKey names no account: None, and the check says so."""
    from policycheck.account import account_of_arn

    return snapshot.account_id or account_of_arn(getattr(credentials, "role_arn", None))


def _load_expectations(path: str):
    """The spec, lint settings and System policy library of a policycheck.yaml, checked before
    any call is made."""
    from policycheck.catalog.system import library
    from policycheck.config import load_config
    from policycheck.expect.spec import read_spec

    config = load_config(path)
    return read_spec(config), config.lint, library(config.system_policies)
