"""`policycheck probe`: does this principal's call really get through? One read-only ICE call."""

from __future__ import annotations

import argparse
import re
import sys
from typing import TYPE_CHECKING

from policycheck.cli import (
    EXIT_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_OK,
    UserError,
    add_output_arguments,
    write_report,
)
from policycheck.cli.connection import (
    CREDENTIALS_HELP,
    MAX_TIMEOUT,
    add_connection_arguments,
    resolve,
    retry_notice,
    seconds_up_to,
)
from policycheck.report.escape import printable

if TYPE_CHECKING:
    from policycheck.cloud.probe import WaitProgress

DEFAULT_WAIT = 600.0
MAX_WAIT = 86400.0
ANSWER_TIMEOUT = 10.0
"""--timeout: seconds for each answer (ANSWER_TIMEOUT by default, at most MAX_TIMEOUT), or with
--wait for the whole wait (DEFAULT_WAIT by default, at most MAX_WAIT; each answer then at most
ANSWER_TIMEOUT)."""

DESCRIPTION = f"""\
Call one read-only ICE (Intelligent Media Services) action with your credentials and say
whether RAM let it through. Without --job-id it asks for a job that cannot exist: an answer
from past the authorization step (no such job) proves access without touching any real job.
A denial is explained from the answer's AccessDeniedDetail: implicit or explicit, which
policy type (identity, control, session), which principal, which action.

examples:
  policycheck probe                                     # ice:QueryIProductionJob, cn-shanghai
  policycheck probe --profile media-worker --region cn-beijing
  policycheck probe --job-id 0123456789abcdef0123456789abcdef   # show that job and its result
  policycheck probe --job-id 0123456789abcdef0123456789abcdef --wait --timeout 900
                                                        # wait until it has finished
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

--job-id shows the job's Result read for its function: Cover thumbnails best first (score, time,
URL), VideoClip clips and MusicSegmentDetect segments in seconds, AudioQualityAssessment per
channel (MOS, noisiness, loudness, discontinuity, coloration with their ratings), and "no
additional information" for the functions that return {{}}. --format json carries it parsed.

--wait (with --job-id) looks at the job again, 1 s later, then 1.5 times longer each time (at
most 15 s apart), until it is no longer Queuing or Analysing, for at most --timeout seconds in
all (default {DEFAULT_WAIT:g}); on a terminal a progress line says where it stands. Its exit code is
the job's: 0 Success, 1 Fail or no such job, 3 still running at the timeout (or any verdict
but allowed, as above).

{CREDENTIALS_HELP}"""

VERDICT_EXIT = {"allowed": EXIT_OK, "denied": EXIT_FAILED}
JOB_STATE_EXIT = {"done": EXIT_OK, "failed": EXIT_FAILED, "running": EXIT_INCONCLUSIVE}

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
    parser.add_argument(
        "--wait",
        action="store_true",
        help="with --job-id: look again until the job has finished, for at most --timeout seconds",
    )
    add_connection_arguments(parser, timeout=False)
    parser.add_argument(
        "--timeout",
        type=seconds_up_to(MAX_WAIT),
        metavar="S",
        help=f"seconds to wait for each answer (default: {ANSWER_TIMEOUT:g}, at most {MAX_TIMEOUT:g}; "
        f"connecting waits at most 5); with --wait, for the whole wait (default: {DEFAULT_WAIT:g})",
    )


def _timeouts(args: argparse.Namespace) -> tuple[float, float]:
    """(seconds for each answer, seconds for the whole --wait) from --timeout."""
    if not args.wait:
        if args.timeout is not None and args.timeout > MAX_TIMEOUT:
            raise UserError(f"--timeout {args.timeout:g}: at most {MAX_TIMEOUT:g} seconds without --wait")
        return args.timeout or ANSWER_TIMEOUT, 0.0
    budget = args.timeout or DEFAULT_WAIT
    return min(budget, ANSWER_TIMEOUT), budget


class _ProgressLine:
    """One line on stderr, rewritten in place, while --wait waits; only on a terminal."""

    def __init__(self) -> None:
        self.shown = sys.stderr.isatty()
        self.used = False

    def __call__(self, progress: WaitProgress) -> None:
        if not self.shown:
            return
        job = progress.job
        line = printable(
            f"policycheck: job {job.job_id} is {job.status} after {progress.elapsed:.0f} s; "
            f"looking again in {progress.next_pause:.0f} s"
        )
        sys.stderr.write(f"\r{line}\x1b[K")
        sys.stderr.flush()
        self.used = True

    def clear(self) -> None:
        if self.used:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    from policycheck.cloud.probe import probe, probe_action, wait_for_job
    from policycheck.verdict import AUTH_FAILED, ProbeResult

    action = probe_action(args.action)
    if args.job_id is not None:
        if action.job_param is None:
            raise UserError(f"--job-id: ice:{action.name} takes no job ID")
        if not _JOB_ID.match(args.job_id):
            raise UserError("--job-id must be 1 to 128 letters, digits or . _ : -")
    if args.wait and (args.job_id is None or action.name != "QueryIProductionJob"):
        raise UserError("--wait needs --job-id (and the action ice:QueryIProductionJob)")
    answer_timeout, budget = _timeouts(args)
    credentials, region, override = resolve(args)

    from policycheck.cloud.api import endpoint_for
    from policycheck.cloud.sdk import AssumeRoleError, connect

    try:
        caller = connect(credentials, region, override, answer_timeout, on_retry=retry_notice)
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
        if args.wait:
            progress = _ProgressLine()
            try:
                result = wait_for_job(caller, args.job_id, budget, on_progress=progress)
            finally:
                progress.clear()
        else:
            result = probe(caller, action, args.job_id)
    write_report(result, args)
    exit_code = VERDICT_EXIT.get(result.verdict, EXIT_INCONCLUSIVE)
    if args.wait and exit_code == EXIT_OK and result.job is not None:
        return JOB_STATE_EXIT.get(result.job.state, EXIT_FAILED) if result.job.found else EXIT_FAILED
    return exit_code
