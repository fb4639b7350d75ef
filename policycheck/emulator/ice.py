"""ICE 2020-11-09 iProduction jobs: Submit, Query and Cancel, over simulated time.

An API emulator, not a media processor: a job's status follows the clock
(Queuing -> Analysing -> Success, or Fail for input the job cannot use), and its Result is
synthetic, shaped per FunctionName as the API reference shows, and the same for the same
JobId every time.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import uuid
from collections.abc import Mapping
from typing import Any

from policycheck.emulator.errors import ApiError, invalid, missing
from policycheck.emulator.store import Store, StoredJob, Transaction
from policycheck.emulator.world import Settings, format_time

FUNCTION_NAMES = frozenset(
    {
        "Cover",
        "VideoClip",
        "VideoDelogo",
        "VideoDetext",
        "CaptionExtraction",
        "VideoGreenScreenMatting",
        "FaceBeauty",
        "VideoH2V",
        "MusicSegmentDetect",
        "AudioBeatDetection",
        "AudioQualityAssessment",
        "SpeechDenoise",
        "AudioMixing",
        "MusicDemix",
    }
)
MEDIA_TYPES = ("OSS", "Media")
DEFAULT_PRIORITY = 6
"""QueryIProductionJob's model: "The highest priority is 10. Default: 6"."""

_OSS_ADDRESS = re.compile(
    r"^(oss://[a-z0-9][a-z0-9-]{1,61}[a-z0-9]/.+"
    r"|https?://[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\.oss-[a-z0-9-]+\.aliyuncs\.com/.+)$"
)
_STRING_LIMITS = {"Name": 100, "UserData": 256, "TemplateId": 128, "ModelId": 128, "JobParams": 4096}


def new_job_id() -> str:
    return uuid.uuid4().hex


def _json_object(params: Mapping[str, str], name: str) -> dict[str, Any]:
    try:
        value = json.loads(params[name])
    except ValueError:
        raise invalid(name) from None
    if not isinstance(value, dict):
        raise invalid(name)
    return value


def _media(params: Mapping[str, str], name: str) -> dict[str, str]:
    if not params.get(name):
        raise missing(name)
    value = _json_object(params, name)
    allowed = {"Type", "Media", "Biz", "OutputUrl"} if name == "Output" else {"Type", "Media"}
    if (
        value.get("Type") not in MEDIA_TYPES
        or not isinstance(value.get("Media"), str)
        or not value["Media"]
        or not set(value) <= allowed
        or not all(isinstance(v, str) for v in value.values())
    ):
        raise invalid(name)
    return value


def submit_params(params: Mapping[str, str]) -> dict[str, Any]:
    """Check SubmitIProductionJob's parameters; the job's stored form, with JSON values parsed.

    Parsed values make the ClientToken comparison ignore JSON spacing: the old SDK sends
    `json.dumps` output, the new one compact JSON, for the same request.
    """
    function = params.get("FunctionName")
    if not function:
        raise missing("FunctionName")
    if function not in FUNCTION_NAMES:
        raise invalid("FunctionName")
    job: dict[str, Any] = {
        "FunctionName": function,
        "Input": _media(params, "Input"),
        "Output": _media(params, "Output"),
    }
    for name, limit in _STRING_LIMITS.items():
        if name in params:
            if len(params[name]) > limit:
                raise invalid(name)
            job[name] = params[name]
    if "ScheduleConfig" in params:
        schedule = _json_object(params, "ScheduleConfig")
        priority = schedule.get("Priority", DEFAULT_PRIORITY)
        if (
            not set(schedule) <= {"PipelineId", "Priority"}
            or not isinstance(schedule.get("PipelineId", ""), str)
            or isinstance(priority, bool)
            or not isinstance(priority, int)
            or not 1 <= priority <= 10
        ):
            raise invalid("ScheduleConfig")
        job["ScheduleConfig"] = schedule
    return job


def failure_reason(job: Mapping[str, Any]) -> str | None:
    """Why a job accepted by the API would fail when it runs, or None.

    The gateway checks only the shape of parameters; an OSS address the media service cannot
    read, or JobParams that are not a JSON object, fail the job itself.
    """
    for name in ("Input", "Output"):
        media = job[name]
        if media["Type"] == "OSS" and not _OSS_ADDRESS.match(media["Media"]):
            return f"{name}.Media is not an OSS address (oss://bucket/object)"
    if "JobParams" in job:
        try:
            params = json.loads(job["JobParams"])
        except ValueError:
            params = None
        if not isinstance(params, dict):
            return "JobParams is not a JSON object"
    return None


def _rng(job_id: str) -> random.Random:
    return random.Random(hashlib.sha256(job_id.encode()).digest())


def synthetic_result(function: str, job_id: str) -> Any:
    """A Result with the documented shape for the function, the same for the same JobId."""
    rng = _rng(job_id)
    if function == "Cover":
        return [
            {
                "Score": round(rng.uniform(5, 10), 6),
                "Time": f"{rng.uniform(0, 60000):.2f}",
                "Url": f"cover/{job_id[:8]}-{index:05d}.jpg",
            }
            for index in range(1, rng.randint(2, 4) + 1)
        ]
    if function == "VideoClip":
        starts = sorted(round(rng.uniform(0, 300), 3) for _ in range(rng.randint(1, 3)))
        return {
            "VideoSummaryList": [
                {"StartTime": s, "EndTime": round(s + rng.uniform(2, 15), 3)} for s in starts
            ]
        }
    if function == "MusicSegmentDetect":
        start = round(rng.uniform(10, 60), 3)
        return [{"start": start, "end": round(start + rng.uniform(15, 40), 3), "title": "chorus"}]
    if function == "AudioQualityAssessment":
        return [
            {
                "channel": channel,
                "mos": round(rng.uniform(2.5, 4.8), 2),
                "snr": round(rng.uniform(15, 45), 2),
                "loudness": round(rng.uniform(-30, -10), 2),
                "clipping": round(rng.uniform(0, 0.02), 4),
            }
            for channel in range(2)
        ]
    return {}


def job_status(job: StoredJob, settings: Settings, now: float) -> tuple[str, float | None]:
    """(Status, finish time or None) of a job at `now`; a cancelled job failed when it was cancelled."""
    queued_until = job.create_time + settings.queuing_seconds
    finished_at = queued_until + settings.analysing_seconds
    if job.cancel_time is not None and job.cancel_time < finished_at:
        return "Fail", job.cancel_time
    if now < queued_until:
        return "Queuing", None
    if now < finished_at:
        return settings.in_progress_status, None
    return ("Fail" if failure_reason(job.params) else "Success"), finished_at


def _outputs(job: StoredJob, region: str) -> dict[str, list[str]]:
    output = job.params["Output"]
    if output["Type"] == "Media":
        media_id = hashlib.sha256(f"media:{job.job_id}".encode()).hexdigest()[:32]
        return {
            "OutputFiles": [],
            "OutputUrls": [output["OutputUrl"]] if "OutputUrl" in output else [],
            "OutputMediaIds": [media_id],
        }
    address = output["Media"]
    if address.startswith("oss://"):
        bucket, _, key = address[len("oss://") :].partition("/")
        url = f"https://{bucket}.oss-{region}.aliyuncs.com/{key}"
    else:
        url = address
    return {"OutputFiles": [address], "OutputUrls": [url], "OutputMediaIds": []}


def job_view(job: StoredJob, settings: Settings, now: float) -> dict[str, Any]:
    """QueryIProductionJob's fields for a stored job; finish fields only once it has finished."""
    params = job.params
    status, finished = job_status(job, settings, now)
    view: dict[str, Any] = {"JobId": job.job_id}
    for name in ("Name", "FunctionName", "Input", "Output", "TemplateId", "JobParams"):
        if name in params:
            view[name] = params[name]
    view["ScheduleConfig"] = {"Priority": DEFAULT_PRIORITY, **params.get("ScheduleConfig", {})}
    if "UserData" in params:
        view["UserData"] = params["UserData"]
    view["CreateTime"] = format_time(job.create_time)
    view["Status"] = status
    if finished is None:
        return view
    view["FinishTime"] = format_time(finished)
    reason = failure_reason(params)
    if job.cancel_time is not None and status == "Fail" and finished == job.cancel_time:
        result: Any = {"Code": "Cancelled", "Message": "The job was cancelled."}
    elif status == "Fail":
        result = {"Code": "InvalidInput", "Message": reason}
    else:
        result = synthetic_result(params["FunctionName"], job.job_id)
        view.update(_outputs(job, settings.region))
    view["Result"] = json.dumps(result, separators=(",", ":"))
    return view


def _fingerprint(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _unknown_job(settings: Settings, job_id: str) -> dict[str, Any]:
    """The answer for a JobId the caller's account does not have (a world setting, see docs)."""
    if settings.unknown_job == "error":
        raise invalid("JobId")
    return {"JobId": job_id}


def submit(store: Store, account_id: str, params: Mapping[str, str], now: float) -> dict[str, Any]:
    job = submit_params(params)

    def create(txn: Transaction) -> dict[str, Any]:
        job_id = new_job_id()
        txn.insert_job(StoredJob(job_id, account_id, job, now, None))
        return {"JobId": job_id}

    return store.once(
        account_id, "SubmitIProductionJob", params.get("ClientToken"), _fingerprint(job), create
    )


def query(
    store: Store, settings: Settings, account_id: str, params: Mapping[str, str], now: float
) -> dict[str, Any]:
    job_id = params.get("JobId")
    if not job_id:
        raise missing("JobId")
    job = store.get_job(account_id, job_id)
    if job is None:
        return _unknown_job(settings, job_id)
    return job_view(job, settings, now)


def cancel(
    store: Store, settings: Settings, account_id: str, params: Mapping[str, str], now: float
) -> dict[str, Any]:
    """Cancel a job that has not finished; it then reads as Fail with a Cancelled Result.

    Cancelling a finished job is InvalidParameter (the docs do not say; see docs/emulator.md).
    """
    job_id = params.get("JobId")
    if not job_id:
        raise missing("JobId")

    def cancel_job(txn: Transaction) -> dict[str, Any]:
        job = txn.get_job(account_id, job_id)
        if job is None:
            return _unknown_job(settings, job_id)
        if job_status(job, settings, now)[1] is not None:
            raise ApiError(
                "InvalidParameter",
                message=f'The job "{job_id}" has already finished and cannot be cancelled.',
            )
        txn.set_cancel_time(account_id, job_id, now)
        return {"Message": "Success"}

    return store.once(
        account_id,
        "CancelIProductionJob",
        params.get("ClientToken"),
        _fingerprint({"JobId": job_id}),
        cancel_job,
    )
