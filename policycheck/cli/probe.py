"""`policycheck probe`: does this principal's call really get through? One read-only ICE call."""

from __future__ import annotations

import argparse
import re

from policycheck.cli import (
    EXIT_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    UserError,
    add_output_arguments,
    write_report,
)
from policycheck.cli.connection import CREDENTIALS_HELP, add_connection_arguments, resolve, retry_notice

DESCRIPTION = f"""\
Call one read-only ICE (Intelligent Media Services) action with your credentials and say
whether RAM let it through. Without --job-id it asks for a job that cannot exist: an answer
from past the authorization step (no such job) proves access without touching any real job.
A denial is explained from the answer's AccessDeniedDetail: implicit or explicit, which
policy type (identity, control, session), which principal, which action.

examples:
  policycheck probe                                     # ice:QueryIProductionJob, cn-shanghai
  policycheck probe --profile media-worker --region cn-beijing
  policycheck probe --job-id 0123456789abcdef0123456789abcdef   # show that job
  policycheck probe --action ice:GetMediaProducingJob --format json
  policycheck probe --endpoint http://127.0.0.1:8765    # against `policycheck emulator`

verdicts and exit codes:
  allowed      0  the call got past RAM authorization
  denied       1  HTTP 403 NoPermission / Forbidden.RAM, with the reason decoded
  auth_failed  3  bad AccessKey ID, wrong secret, expired or mismatched STS token
  throttled    3  still throttled after bounded retries with backoff
  unreachable  3  DNS, connection, TLS or timeout
  error        3  any other answer (its code and request ID are shown)
  A usage or configuration mistake (no credentials, an action that is not read-only) is exit 2.

{CREDENTIALS_HELP}"""

VERDICT_EXIT = {"allowed": EXIT_OK, "denied": EXIT_FAILED}

_JOB_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    add_output_arguments(parser, "probe")
    parser.add_argument(
        "--action",
        default="ice:QueryIProductionJob",
        metavar="ACTION",
        help="read-only ICE action to call (default: ice:QueryIProductionJob); get/list actions only",
    )
    parser.add_argument("--job-id", metavar="ID", help="query this job and show its status and result")
    add_connection_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from policycheck.cloud.probe import probe, probe_action
    from policycheck.verdict import AUTH_FAILED, ProbeResult

    action = probe_action(args.action)
    if args.job_id is not None:
        if action.job_param is None:
            raise UserError(f"--job-id: ice:{action.name} takes no job ID")
        if not _JOB_ID.match(args.job_id):
            raise UserError("--job-id must be 1 to 128 letters, digits or . _ : -")
    credentials, region, override = resolve(args)

    from policycheck.cloud.api import endpoint_for
    from policycheck.cloud.sdk import AssumeRoleError, connect

    try:
        caller = connect(credentials, region, override, args.timeout, on_retry=retry_notice)
    except AssumeRoleError as problem:
        result = ProbeResult(
            AUTH_FAILED,
            action=f"ice:{action.name}",
            endpoint=endpoint_for("ice", region, override).url,
            principal=f"role {credentials.role_arn} ({credentials.origin})",
            detail=str(problem),
            attempts=problem.attempts,
        )
    else:
        result = probe(caller, action, args.job_id)
    write_report(result, args)
    return VERDICT_EXIT.get(result.verdict, EXIT_INCONCLUSIVE)
