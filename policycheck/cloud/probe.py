"""One read-only ICE call with a principal's credentials, turned into a verdict.

Without a job ID the probe asks for a job that cannot exist: an answer from past the
authorization step (200 with only RequestId and JobId, or a not-found error) proves the
call is allowed without touching any real job. A denial is explained from the answer's
AccessDeniedDetail and, when the caller may, RAM's DecodeDiagnosticMessage.

Pure apart from the Caller it is given: no SDK, no printing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from policycheck.cloud.api import ApiError, Caller, ClientError, CloudError, NetworkError, is_throttling
from policycheck.cloud.auth import auth_hint, is_auth_failure
from policycheck.errors import UserError
from policycheck.job_result import read_result
from policycheck.verdict import (
    ALLOWED,
    AUTH_FAILED,
    DENIED,
    ERROR,
    THROTTLED,
    UNREACHABLE,
    Denial,
    JobSummary,
    ProbeResult,
    explain_denial,
)

UNKNOWN_JOB_ID = "0" * 32
"""Well-formed (32 hex digits, like every ICE job ID) and never issued."""


@dataclass(frozen=True, slots=True)
class ProbeAction:
    """A read-only ICE action the probe can call: the parameters it needs, with values that
    name nothing real, and the parameter --job-id fills (None: the action takes no job ID)."""

    name: str
    params: tuple[tuple[str, str], ...] = ()
    job_param: str | None = None


PROBE_ACTIONS: dict[str, ProbeAction] = {
    action.name.lower(): action
    for action in (
        ProbeAction("QueryIProductionJob", (("JobId", UNKNOWN_JOB_ID),), "JobId"),
        ProbeAction("GetMediaProducingJob", (("JobId", UNKNOWN_JOB_ID),), "JobId"),
        ProbeAction("GetSnapshotJob", (("JobId", UNKNOWN_JOB_ID),), "JobId"),
        ProbeAction("GetTranscodeJob", (("ParentJobId", UNKNOWN_JOB_ID),), "ParentJobId"),
        ProbeAction("GetSmartHandleJob", (("JobId", UNKNOWN_JOB_ID),), "JobId"),
        ProbeAction("GetMediaInfo", (("MediaId", UNKNOWN_JOB_ID),)),
        ProbeAction("GetTemplate", (("TemplateId", UNKNOWN_JOB_ID),)),
        ProbeAction("ListMediaProducingJobs"),
        ProbeAction("ListTemplates"),
    )
}
"""Every entry must be `get` or `list` in the ICE catalog (a test holds it to that)."""


class ActionRefused(UserError):
    """--action names something the probe will not call; the message says why."""


def probe_action(name: str, label: str = "--action") -> ProbeAction:
    """The table entry for `ice:Name` or `Name` (any case); ActionRefused otherwise, worded
    after `label` (where the name came from: the flag, or a config file's `action:`).

    Only read-only actions are ever called: the catalog must mark an action get or list,
    and the probe must know which parameters it needs.
    """
    from policycheck.catalog import lookup

    service, _, bare = name.rpartition(":")
    if service and service.lower() != "ice":
        raise ActionRefused(f"{label} {name}: the probe calls ICE actions only (ice:Name)")
    info = lookup(f"ice:{bare}")
    if info is None:
        raise ActionRefused(f"{label} {name}: ICE has no such action")
    if info.access_level not in ("get", "list"):
        raise ActionRefused(
            f"{label} ice:{info.name} is a {info.access_level} action; the probe calls only "
            "read-only (get/list) actions, never one that changes anything"
        )
    action = PROBE_ACTIONS.get(info.name.lower())
    if action is None:
        known = ", ".join(f"ice:{a.name}" for a in sorted(PROBE_ACTIONS.values(), key=lambda a: a.name))
        raise ActionRefused(
            f"{label} ice:{info.name} is read-only, but the probe does not know which parameters "
            f"it needs; it can call: {known}"
        )
    return action


DENIAL_CODES = frozenset({"NoPermission", "Forbidden.RAM", "NotAuthorized", "Forbidden.NoPermission"})

_GATEWAY_NOT_FOUND = frozenset(
    {
        "InvalidApi.NotFound",
        "InvalidProduct.NotFound",
        "InvalidAccessKeyId.NotFound",
        "InvalidRegionId.NotFound",
    }
)


def _past_authorization(error: ApiError) -> bool:
    """A 4xx that only the service behind the gateway gives, so the caller was authorized:
    the parameter was checked or the object looked up (and not found)."""
    code = error.code
    if error.status >= 500 or code in _GATEWAY_NOT_FOUND:
        return False
    return (
        code.startswith(("InvalidParameter", "EntityNotExist"))
        or code.endswith(("NotFound", "NotExist", "NotExists"))
        or ".NotFound" in code
    )


def _denial(error: ApiError) -> bool:
    return (
        error.access_denied_detail is not None
        or error.code in DENIAL_CODES
        or (error.status == 403 and error.code.startswith(("NoPermission", "Forbidden.RAM")))
    )


def _decode(caller: Caller, encoded: str) -> tuple[dict[str, Any] | None, str]:
    try:
        answer = caller.call("ram", "DecodeDiagnosticMessage", {"EncodedDiagnosticMessage": encoded})
    except ApiError as error:
        why = f"{error.code}"
        if _denial(error):
            why += " (decoding needs ram:DecodeDiagnosticMessage, which this principal lacks)"
        return None, why
    except CloudError as error:
        return None, str(error)
    decoded = answer.body.get("DecodedDiagnosticMessage")
    if isinstance(decoded, str):
        try:
            decoded = json.loads(decoded)
        except ValueError:
            decoded = None
    if not isinstance(decoded, dict):
        return None, "the answer had no DecodedDiagnosticMessage"
    return decoded, ""


def read_denial(error: ApiError, caller: Caller | None, action: str) -> Denial:
    """A Denial from the error body; `caller` (if given) decodes the diagnostic message."""
    detail = error.access_denied_detail or {}
    decoded, not_decoded = None, ""
    encoded = detail.get("EncodedDiagnosticMessage")
    if isinstance(encoded, str) and encoded and caller is not None:
        decoded, not_decoded = _decode(caller, encoded)
    policy_type = str(detail.get("PolicyType") or "")
    explicit = str(detail.get("NoPermissionType", "")) == "ExplicitDeny"
    if decoded is not None:
        policy_type = str(decoded.get("NoPermissionPolicyType") or policy_type)
        explicit = bool(decoded.get("ExplicitDeny", explicit))
    return Denial(
        explicit=explicit,
        policy_type=policy_type,
        principal_type=str(detail.get("AuthPrincipalType") or ""),
        principal_name=str(detail.get("AuthPrincipalDisplayName") or ""),
        account_id=str(detail.get("AuthPrincipalOwnerId") or ""),
        action=str(detail.get("AuthAction") or action),
        decoded=decoded,
        not_decoded=not_decoded,
    )


def job_summary(job_id: str, body: dict[str, Any]) -> JobSummary:
    """QueryIProductionJob's answer; one with only RequestId and JobId means no such job."""
    if not body.get("Status"):
        return JobSummary(job_id, found=False)
    function = str(body.get("FunctionName") or "")
    outputs = body.get("OutputUrls") or body.get("OutputFiles") or []
    result = str(body.get("Result") or "")
    return JobSummary(
        job_id=job_id,
        found=True,
        status=str(body.get("Status")),
        function=function,
        name=str(body.get("Name") or ""),
        created=str(body.get("CreateTime") or ""),
        finished=str(body.get("FinishTime") or ""),
        result=read_result(function, result) if result else None,
        outputs=tuple(str(o) for o in outputs if isinstance(o, str)),
    )


def probe(
    caller: Caller, action: ProbeAction, job_id: str | None = None, decoder: Caller | None = None
) -> ProbeResult:
    """Call `action` once (with the caller's retries) and say what the answer means.

    `decoder` decodes a denial's diagnostic (default: the same caller; RAM answers only a
    principal allowed ram:DecodeDiagnosticMessage).
    """
    params = dict(action.params)
    if job_id is not None:
        if action.job_param is None:
            raise ActionRefused(f"ice:{action.name} takes no job ID")
        params[action.job_param] = job_id
    name = f"ice:{action.name}"
    base = {"action": name, "endpoint": caller.endpoint("ice").url, "principal": caller.principal}
    try:
        answer = caller.call("ice", action.name, params)
    except ApiError as error:
        return _from_error(error, base, name, decoder or caller, job_id)
    except NetworkError as error:
        return ProbeResult(
            UNREACHABLE, detail=error.message, code=error.kind, attempts=error.attempts, **base
        )
    except ClientError as error:
        return ProbeResult(ERROR, detail=error.message, code=error.code, attempts=error.attempts, **base)
    body = dict(answer.body)
    job = None
    if job_id is not None and action.name == "QueryIProductionJob":
        job = job_summary(job_id, body)
        detail = (
            f"allowed; job {job_id} is {job.status}" if job.found else f"allowed; there is no job {job_id}"
        )
    elif job_id is None and action.job_param is not None:
        detail = "allowed: the platform looked the unknown job up (HTTP 200 without a job)"
    else:
        detail = "allowed: HTTP 200"
    return ProbeResult(
        ALLOWED,
        detail=detail,
        http_status=200,
        request_id=answer.request_id,
        attempts=answer.attempts,
        job=job,
        **base,
    )


WAIT_FIRST_PAUSE = 1.0
WAIT_GROWTH = 1.5
WAIT_LONGEST_PAUSE = 15.0
"""--wait looks again after 1 s, then 1.5 times later each time, never more than 15 s apart:
quick for a short job, and a long one costs a few calls a minute (MPS allows 100 a second)."""


@dataclass(frozen=True, slots=True)
class WaitProgress:
    """Where a --wait stands after one look at the job."""

    job: JobSummary
    elapsed: float
    next_pause: float


def wait_for_job(
    caller: Caller,
    job_id: str,
    budget: float,
    decoder: Caller | None = None,
    on_progress: Callable[[WaitProgress], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ProbeResult:
    """QueryIProductionJob until the job leaves Queuing/Analysing, or `budget` seconds pass.

    The answer is the last probe's: a finished job, no such job, a denial or an error ends the
    wait at once; a job still running when the budget runs out says so in its detail.
    """
    action = PROBE_ACTIONS["queryiproductionjob"]
    started = clock()
    pause = WAIT_FIRST_PAUSE
    while True:
        result = probe(caller, action, job_id, decoder)
        job = result.job
        if result.verdict != ALLOWED or job is None or not job.found or job.state != "running":
            return result
        elapsed = clock() - started
        remaining = budget - elapsed
        if remaining <= 0:
            return replace(
                result, detail=f"allowed; job {job_id} is still {job.status} after {elapsed:.0f} s"
            )
        now_pause = min(pause, remaining)
        if on_progress is not None:
            on_progress(WaitProgress(job, elapsed, now_pause))
        sleep(now_pause)
        pause = min(pause * WAIT_GROWTH, WAIT_LONGEST_PAUSE)


def _from_error(
    error: ApiError, base: dict[str, str], action: str, decoder: Caller, job_id: str | None
) -> ProbeResult:
    common = {
        "http_status": error.status,
        "code": error.code,
        "request_id": error.request_id,
        "host_id": error.host_id,
        "recommend": error.recommend,
        "attempts": error.attempts,
        **base,
    }
    if _denial(error):
        denial = read_denial(error, decoder, action)
        return ProbeResult(DENIED, detail=explain_denial(denial), denial=denial, **common)
    if is_auth_failure(error):
        return ProbeResult(AUTH_FAILED, detail=f"{error.code}: {auth_hint(error)}", **common)
    if is_throttling(error.code):
        tries = f"{error.attempts} attempt{'s' if error.attempts != 1 else ''}"
        return ProbeResult(THROTTLED, detail=f"{error.code}: still throttled after {tries}", **common)
    if _past_authorization(error):
        if job_id and action == "ice:QueryIProductionJob":
            return ProbeResult(
                ALLOWED,
                detail=f"allowed; there is no job {job_id} (the service answered {error.code})",
                job=JobSummary(job_id, found=False),
                **common,
            )
        what = f"job {job_id}" if job_id else "the unknown ID"
        return ProbeResult(
            ALLOWED, detail=f"allowed: the service looked {what} up and answered {error.code}", **common
        )
    return ProbeResult(ERROR, detail=f"{error.code}: {error.message}"[:300], **common)
