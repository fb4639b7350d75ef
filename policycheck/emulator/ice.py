"""ICE 2020-11-09 iProduction jobs: Submit, Query and Cancel, over simulated time.

An API emulator, not a media processor: a job's status follows the clock
(Queuing -> Analysing -> Success, or Fail for input the job cannot use), and its Result is
synthetic, shaped per FunctionName as the API reference shows, and the same for the same
JobId every time.
"""

from __future__ import annotations

import functools
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
from policycheck.job_result import FUNCTION_NAMES

MEDIA_TYPES = ("OSS", "Media")
DEFAULT_PRIORITY = 6
"""QueryIProductionJob's model: "The highest priority is 10. Default: 6"."""

_OSS_ADDRESS = re.compile(
    r"^(oss://[a-z0-9][a-z0-9-]{1,61}[a-z0-9]/.+"
    r"|https?://[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\.oss-[a-z0-9-]+\.aliyuncs\.com/.+)$"
)
_JOB_ID = re.compile(r"^[0-9a-fA-F]{32}$")
_STRING_LIMITS = {"Name": 100, "UserData": 256, "TemplateId": 128, "ModelId": 128, "JobParams": 4096}


def new_job_id() -> str:
    return uuid.uuid4().hex


def _json_object(params: Mapping[str, str], name: str) -> dict[str, Any]:
    try:
        value = json.loads(params[name])
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
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
        except (ValueError, RecursionError):
            params = None
        if not isinstance(params, dict):
            return "JobParams is not a JSON object"
    return None


def _rng(job_id: str) -> random.Random:
    return random.Random(hashlib.sha256(job_id.encode()).digest())


AUDIO_RATINGS = ((4.3, "Excellent"), (3.8, "Good"), (3.0, "Fair"), (2.0, "Poor"), (0.0, "Bad"))
"""A 0-5 score in words, as the reference's AudioQualityAssessment ratings read."""


def rating(score: float) -> str:
    """A 0-5 score's rating word.

    >>> rating(4.5), rating(3.1), rating(1.2)
    ('Excellent', 'Fair', 'Bad')
    """
    return next(word for floor, word in AUDIO_RATINGS if score >= floor)


def _cover(rng: random.Random, job_id: str) -> list[dict[str, Any]]:
    """Thumbnails best first: Score a number, Time a string (the reference's example, "28278.25",
    reads as milliseconds into the video; the emulator writes the same kind of number)."""
    scores = sorted((rng.uniform(5, 9.5) for _ in range(rng.randint(2, 5))), reverse=True)
    return [
        {
            "Score": round(score, 6),
            "Time": f"{rng.uniform(0, 600000):.2f}",
            "Url": f"cover/{job_id[:8]}-{n:05d}.jpg",
        }
        for n, score in enumerate(scores, 1)
    ]


def _spans(
    rng: random.Random, count: int, first: float, shortest: float, longest: float
) -> list[tuple[float, float]]:
    """`count` ordered, non-overlapping (start, end) pairs in seconds."""
    spans, start = [], first
    for _ in range(count):
        start += rng.uniform(0.2, 20)
        end = start + rng.uniform(shortest, longest)
        spans.append((round(start, 2), round(end, 2)))
        start = end
    return spans


def _audio_channel(rng: random.Random, channel: int, media: str) -> dict[str, str]:
    """One channel's assessment: exactly the reference's 24 keys, every value a string."""
    duration = rng.uniform(30, 600)
    scores = {
        name: rng.uniform(2.2, 4.9)
        for name in ("MOS", "Noisiness", "Loudness", "Discontinuity", "Coloration")
    }
    loudness_db = rng.uniform(-35, -12)
    channel_values: dict[str, str] = {
        "Input": media,
        "Channel": str(channel),
        "Tag": "speech" if rng.random() < 0.7 else "music",
        "Time": f"{rng.uniform(0.5, 8):.2f}",
        "Total Duration": f"{duration:.2f}",
        "Speech Ratio": f"{rng.uniform(0.4, 0.95):.2f}",
        "Bad Mute Ratio(%)": f"{rng.uniform(0, 3):.2f}",
        "Double Talk Ratio(%)": f"{rng.uniform(0, 5):.2f}",
        "Saturated Ratio(%)": f"{rng.uniform(0, 1):.2f}",
        "Loudness(-90dB-0dB)": f"{loudness_db:.2f}",
    }
    for name, score in scores.items():
        channel_values[name] = rating(score)
        channel_values[f"{name}(0-5)"] = f"{score:.2f}"
        if name != "Loudness":
            channel_values[f"Worst {name}(0-5)"] = f"{max(1.0, score - rng.uniform(0.2, 1.5)):.2f}"
    return channel_values


def synthetic_result(function: str, job_id: str, input_media: str = "") -> Any:
    """A Result in the documented shape for the function, the same for the same JobId.

    MusicDemix is not in the reference's Result table; it answers `{}` like the other
    functions that "do not return additional information".
    """
    rng = _rng(job_id)
    if function == "Cover":
        return _cover(rng, job_id)
    if function == "VideoClip":
        spans = _spans(rng, rng.randint(1, 4), 0.0, 2, 15)
        return {"VideoSummaryList": [{"StartTime": f"{s:.2f}", "EndTime": f"{e:.2f}"} for s, e in spans]}
    if function == "MusicSegmentDetect":
        spans = _spans(rng, rng.randint(2, 4), 10.0, 12, 35)
        return [{"start": s, "end": e, "title": "chorus"} for s, e in spans]
    if function == "AudioQualityAssessment":
        return [_audio_channel(rng, channel, input_media) for channel in range(rng.randint(1, 2))]
    return {}


@functools.lru_cache(maxsize=1024)
def _result_text(function: str, job_id: str, input_media: str) -> str:
    """A finished job's Result as QueryIProductionJob returns it (a JSON string): the same
    for the same job, and drawing it is half the cost of a query, so recent ones are kept."""
    result = synthetic_result(function, job_id, input_media)
    return json.dumps(result, separators=(",", ":"), ensure_ascii=False)


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
    """QueryIProductionJob's answer for a stored job: every field of the reference, always.

    As the reference's sample shows, a field without a value is an empty string (an empty
    list for the arrays): Name, TemplateId, JobParams, UserData and PipelineId when not
    submitted, FinishTime, Result and the outputs until the job has finished.
    """
    params = job.params
    status, finished = job_status(job, settings, now)
    schedule = params.get("ScheduleConfig", {})
    view: dict[str, Any] = {
        "JobId": job.job_id,
        "Name": params.get("Name", ""),
        "FunctionName": params["FunctionName"],
        "Input": params["Input"],
        "Output": params["Output"],
        "TemplateId": params.get("TemplateId", ""),
        "JobParams": params.get("JobParams", ""),
        "ScheduleConfig": {
            "PipelineId": schedule.get("PipelineId", ""),
            "Priority": schedule.get("Priority", DEFAULT_PRIORITY),
        },
        "UserData": params.get("UserData", ""),
        "Result": "",
        "CreateTime": format_time(job.create_time),
        "FinishTime": "",
        "Status": status,
        "OutputFiles": [],
        "OutputUrls": [],
        "OutputMediaIds": [],
    }
    if finished is None:
        return view
    view["FinishTime"] = format_time(finished)
    if job.cancel_time is not None and finished == job.cancel_time:
        result: Any = {"Code": "Cancelled", "Message": "The job was cancelled."}
    elif status == "Fail":
        result = {"Code": "InvalidInput", "Message": failure_reason(params)}
    else:
        view["Result"] = _result_text(params["FunctionName"], job.job_id, params["Input"]["Media"])
        view.update(_outputs(job, settings.region))
        return view
    view["Result"] = json.dumps(result, separators=(",", ":"), ensure_ascii=False)
    return view


def _fingerprint(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _job_id(params: Mapping[str, str]) -> str:
    """The JobId parameter: MissingJobId when absent, InvalidParameter unless 32 hex digits
    (every ICE job ID is; the IMS error table's code for a malformed value)."""
    job_id = params.get("JobId")
    if not job_id:
        raise missing("JobId")
    if not _JOB_ID.match(job_id):
        raise invalid("JobId")
    return job_id


def _unknown_job(settings: Settings, job_id: str) -> dict[str, Any]:
    """The answer for a JobId the caller's account does not have (a world setting, see docs)."""
    if settings.unknown_job == "error":
        raise ApiError("ResourceNotFound")
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
    """The job's view; with a ClientToken, the first answer again for the same JobId and
    IdempotentParameterMismatch for another (the reference's one documented error)."""
    job_id = _job_id(params)

    def read(source: Store | Transaction) -> dict[str, Any]:
        job = source.get_job(account_id, job_id)
        return _unknown_job(settings, job_id) if job is None else job_view(job, settings, now)

    token = params.get("ClientToken")
    if not token:  # a plain read needs no write transaction
        return read(store)
    return store.once(account_id, "QueryIProductionJob", token, _fingerprint({"JobId": job_id}), read)


def cancel(
    store: Store, settings: Settings, account_id: str, params: Mapping[str, str], now: float
) -> dict[str, Any]:
    """Cancel a job that has not finished; it then reads as Fail with a Cancelled Result.

    Cancelling a finished job is InvalidParameter (the docs do not say; see docs/emulator.md).
    """
    job_id = _job_id(params)

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


LOOKUPS: dict[str, str] = {
    "GetMediaProducingJob": "JobId",
    "GetSnapshotJob": "JobId",
    "GetTranscodeJob": "ParentJobId",
    "GetSmartHandleJob": "JobId",
    "GetMediaInfo": "MediaId",
    "GetTemplate": "TemplateId",
}
"""Read-only lookups the probe may call, and the ID each needs. The emulator keeps only
iProduction jobs, so every ID names nothing: the IMS common table's ResourceNotFound."""

EMPTY_LISTS: dict[str, dict[str, Any]] = {
    # MaxResults is a string in the API metadata (the official SDK's model declares str)
    "ListMediaProducingJobs": {"MediaProducingJobList": [], "NextToken": "", "MaxResults": "10"},
    "ListTemplates": {"Templates": [], "TotalCount": 0},
}
"""Read-only lists the probe may call, answered as an account that has none would be
(tests/emulator/test_ice_official_sdk.py parses them with the official SDK)."""


def lookup(action: str, params: Mapping[str, str]) -> dict[str, Any]:
    """A Get* action on an ID the emulator cannot have: the parameter checked, then not found."""
    name = LOOKUPS[action]
    if name == "MediaId" and params.get("InputURL"):
        raise ApiError("ResourceNotFound")
    if not params.get(name):
        raise missing(name)
    raise ApiError("ResourceNotFound")


def empty_list(action: str) -> dict[str, Any]:
    return json.loads(json.dumps(EMPTY_LISTS[action]))
