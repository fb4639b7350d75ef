"""QueryIProductionJob as its API reference documents it, driven by the official ICE SDK
(alibabacloud-ice20201109): every field, every function's Result shape, ClientToken, errors.

The SDK is the client nobody here wrote: its models decide which fields exist and how they
are named, so a field the emulator misspells or leaves out shows up as None here.
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import pytest
from alibabacloud_ice20201109 import models as ice
from alibabacloud_ice20201109.client import Client
from alibabacloud_tea_openapi import utils_models as openapi
from alibabacloud_tea_openapi.exceptions import ClientException
from darabonba.runtime import RuntimeOptions

from tests.emulator.conftest import ICE, OTHER_ROOT, ROOT, FakeClock, call
from tests.emulator.sdk_models import model_problems

MISMATCH_MESSAGE = (
    "The request uses the same client token as a previous, but non-identical request. Do not reuse a "
    "client token with different requests, unless the requests are identical."
)
EMPTY_RESULT_FUNCTIONS = (
    "VideoDelogo",
    "VideoDetext",
    "CaptionExtraction",
    "VideoGreenScreenMatting",
    "FaceBeauty",
    "VideoH2V",
    "AudioBeatDetection",
    "SpeechDenoise",
    "AudioMixing",
)
DOCUMENTED_FUNCTIONS = (
    "Cover",
    "VideoClip",
    "MusicSegmentDetect",
    "AudioQualityAssessment",
    *EMPTY_RESULT_FUNCTIONS,
)
AUDIO_KEYS = {
    "Discontinuity",
    "Loudness",
    "Worst MOS(0-5)",
    "Discontinuity(0-5)",
    "Speech Ratio",
    "Loudness(0-5)",
    "Worst Discontinuity(0-5)",
    "Worst Coloration(0-5)",
    "Channel",
    "Coloration(0-5)",
    "Bad Mute Ratio(%)",
    "Time",
    "Noisiness(0-5)",
    "MOS",
    "Worst Noisiness(0-5)",
    "Double Talk Ratio(%)",
    "Input",
    "Total Duration",
    "Noisiness",
    "Tag",
    "MOS(0-5)",
    "Loudness(-90dB-0dB)",
    "Coloration",
    "Saturated Ratio(%)",
}
RATINGS = {"Excellent", "Good", "Fair", "Poor", "Bad"}
RESPONSE_FIELDS = {
    "RequestId",
    "JobId",
    "Name",
    "FunctionName",
    "Input",
    "Output",
    "TemplateId",
    "JobParams",
    "ScheduleConfig",
    "UserData",
    "Result",
    "CreateTime",
    "FinishTime",
    "Status",
    "OutputFiles",
    "OutputUrls",
    "OutputMediaIds",
}
INPUT = "oss://bucket/input/video.mp4"
OUTPUT = "oss://bucket/output/result.mp4"


def ice_client(endpoint, key: tuple[str, ...] = ROOT) -> Client:
    return Client(
        openapi.Config(
            access_key_id=key[0],
            access_key_secret=key[1],
            endpoint=endpoint.host,
            protocol="http",
            region_id="cn-shanghai",
        )
    )


def runtime() -> RuntimeOptions:
    return RuntimeOptions(autoretry=False, read_timeout=20000, connect_timeout=5000)


def quietly(function, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the SDK's own datetime.utcnow()
        return function(*args)


def submit(endpoint, function: str = "Cover", key=ROOT, **fields: Any) -> str:
    request = ice.SubmitIProductionJobRequest(
        function_name=function,
        input=ice.SubmitIProductionJobRequestInput(type="OSS", media=INPUT),
        output=ice.SubmitIProductionJobRequestOutput(type="OSS", media=OUTPUT),
        **fields,
    )
    client = ice_client(endpoint, key)
    response = quietly(client.submit_iproduction_job_with_options, request, runtime())
    assert response.status_code == 200
    return response.body.job_id


def query(
    endpoint, job_id: str, client_token: str | None = None, key=ROOT
) -> ice.QueryIProductionJobResponseBody:
    request = ice.QueryIProductionJobRequest(job_id=job_id, client_token=client_token)
    client = ice_client(endpoint, key)
    response = quietly(client.query_iproduction_job_with_options, request, runtime())
    assert response.status_code == 200
    return response.body


def query_error(endpoint, job_id: str | None, client_token: str | None = None, key=ROOT) -> ClientException:
    with pytest.raises(ClientException) as caught:
        query(endpoint, job_id, client_token, key)
    return caught.value


def call_api(endpoint, action: str, **params: str) -> dict[str, Any]:
    """An operation through the ICE client's generic call, for what its models lack
    (SubmitIProductionJobRequest has no ClientToken)."""
    spec = openapi.Params(
        action=action,
        version="2020-11-09",
        protocol="HTTP",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    request = openapi.OpenApiRequest(query=params)
    return quietly(ice_client(endpoint).call_api, spec, request, runtime())["body"]


def is_number_text(text: Any) -> bool:
    try:
        return isinstance(text, str) and math.isfinite(float(text))
    except ValueError:
        return False


def check_result(function: str, result: Any) -> None:
    """The reference's shape for `function`, value by value."""
    if function == "Cover":
        assert isinstance(result, list) and result
        for item in result:
            assert set(item) == {"Score", "Time", "Url"}
            assert isinstance(item["Score"], float) and 0 <= item["Score"] <= 10
            assert is_number_text(item["Time"]) and float(item["Time"]) >= 0
            assert (
                isinstance(item["Url"], str)
                and item["Url"].startswith("cover/")
                and item["Url"].endswith(".jpg")
            )
        scores = [item["Score"] for item in result]
        assert scores == sorted(scores, reverse=True)
    elif function == "VideoClip":
        assert set(result) == {"VideoSummaryList"} and result["VideoSummaryList"]
        previous_end = 0.0
        for clip in result["VideoSummaryList"]:
            assert set(clip) == {"StartTime", "EndTime"}
            assert is_number_text(clip["StartTime"]) and is_number_text(clip["EndTime"])
            assert previous_end <= float(clip["StartTime"]) < float(clip["EndTime"])
            previous_end = float(clip["EndTime"])
    elif function == "MusicSegmentDetect":
        assert isinstance(result, list) and len(result) >= 2
        previous_end = 0.0
        for segment in result:
            assert set(segment) == {"start", "end", "title"}
            assert all(isinstance(segment[k], float) for k in ("start", "end"))
            assert previous_end <= segment["start"] < segment["end"]
            assert segment["title"] == "chorus"
            previous_end = segment["end"]
    elif function == "AudioQualityAssessment":
        assert isinstance(result, list) and result
        assert [channel["Channel"] for channel in result] == [str(n) for n in range(len(result))]
        for channel in result:
            assert set(channel) == AUDIO_KEYS
            assert all(isinstance(value, str) and value for value in channel.values())
            assert channel["Input"] == INPUT
            for name in ("MOS", "Noisiness", "Loudness", "Discontinuity", "Coloration"):
                assert channel[name] in RATINGS
                assert 0 <= float(channel[f"{name}(0-5)"]) <= 5
            for name in ("MOS", "Noisiness", "Discontinuity", "Coloration"):
                assert float(channel[f"Worst {name}(0-5)"]) <= float(channel[f"{name}(0-5)"])
            assert -90 <= float(channel["Loudness(-90dB-0dB)"]) <= 0
            for name in ("Bad Mute Ratio(%)", "Double Talk Ratio(%)", "Saturated Ratio(%)"):
                assert 0 <= float(channel[name]) <= 100
            assert float(channel["Total Duration"]) > 0 and is_number_text(channel["Speech Ratio"])
    else:
        assert result == {}


@pytest.mark.parametrize("function", [*DOCUMENTED_FUNCTIONS, "MusicDemix"])
def test_every_function_every_field_through_every_status(start, function):
    clock = FakeClock()
    with start(clock=clock, queuing_seconds=10, analysing_seconds=20) as endpoint:
        job_id = submit(
            endpoint,
            function,
            name="launch",
            template_id="tpl-1",
            job_params='{"Model": "gif"}',
            user_data='{"ticket": 7}',
            schedule_config=ice.SubmitIProductionJobRequestScheduleConfig(pipeline_id="pipe-1", priority=3),
        )
        queued = query(endpoint, job_id)
        assert set(queued.to_map()) == RESPONSE_FIELDS
        assert (queued.job_id, queued.name, queued.function_name) == (job_id, "launch", function)
        assert (queued.input.type, queued.input.media) == ("OSS", INPUT)
        assert (queued.output.type, queued.output.media) == ("OSS", OUTPUT)
        assert (queued.template_id, queued.job_params, queued.user_data) == (
            "tpl-1",
            '{"Model": "gif"}',
            '{"ticket": 7}',
        )
        assert (queued.schedule_config.pipeline_id, queued.schedule_config.priority) == ("pipe-1", 3)
        assert (queued.status, queued.result, queued.finish_time) == ("Queuing", "", "")
        assert (queued.output_files, queued.output_urls, queued.output_media_ids) == ([], [], [])
        assert len(queued.create_time) == 20 and queued.create_time.endswith("Z")

        clock.advance(15)
        analysing = query(endpoint, job_id)
        assert (analysing.status, analysing.result, analysing.finish_time) == ("Analysing", "", "")

        clock.advance(20)
        done = query(endpoint, job_id)
        assert set(done.to_map()) == RESPONSE_FIELDS
        assert done.status == "Success" and done.finish_time > done.create_time
        assert done.output_files == [OUTPUT]
        assert done.output_urls == ["https://bucket.oss-cn-shanghai.aliyuncs.com/output/result.mp4"]
        check_result(function, json.loads(done.result))


def test_fields_not_submitted_are_empty_strings(start):
    with start(queuing_seconds=0, analysing_seconds=0) as endpoint:
        done = query(endpoint, submit(endpoint, "VideoClip"))
        assert set(done.to_map()) == RESPONSE_FIELDS
        assert (done.name, done.template_id, done.job_params, done.user_data) == ("", "", "", "")
        assert (done.schedule_config.pipeline_id, done.schedule_config.priority) == ("", 6)
        assert done.status == "Success"


def test_results_are_the_same_for_a_job_id_and_differ_between_jobs(start, tmp_path):
    shapes = {}
    with start(queuing_seconds=0, analysing_seconds=0) as endpoint:
        for function in ("Cover", "VideoClip", "MusicSegmentDetect", "AudioQualityAssessment"):
            first, second = submit(endpoint, function), submit(endpoint, function)
            shapes[function] = query(endpoint, first).result
            assert query(endpoint, first).result == shapes[function]
            assert query(endpoint, second).result != shapes[function]


def test_the_seeded_job_reads_the_same_from_a_fresh_database(start, tmp_path):
    with start(db=str(tmp_path / "one.db")) as one:
        first = query(one, "0123456789abcdef0123456789abcdef")
    with start(db=str(tmp_path / "two.db")) as two:
        again = query(two, "0123456789abcdef0123456789abcdef")
    assert first.result == again.result and json.loads(first.result)


def test_client_token_on_query_repeats_the_answer_and_refuses_another_request(start):
    clock = FakeClock()
    with start(clock=clock, queuing_seconds=10, analysing_seconds=20) as endpoint:
        job_id, other = submit(endpoint), submit(endpoint)
        first = query(endpoint, job_id, client_token="q-1")
        clock.advance(60)
        again = query(endpoint, job_id, client_token="q-1")
        assert again.to_map() == {**first.to_map(), "RequestId": again.request_id}
        assert again.request_id != first.request_id and again.status == "Queuing"
        assert query(endpoint, job_id).status == "Success"  # without the token: the job as it is now

        error = query_error(endpoint, other, client_token="q-1")
        assert (error.status_code, error.code, error.data["Message"]) == (
            400,
            "IdempotentParameterMismatch",
            MISMATCH_MESSAGE,
        )
        assert query(endpoint, other, client_token="q-2").job_id == other


def test_client_tokens_are_per_operation_and_per_account(start):
    with start() as endpoint:
        job_id = submit(endpoint)
        assert (
            call_api(endpoint, "CancelIProductionJob", JobId=job_id, ClientToken="shared")["Message"]
            == "Success"
        )
        assert query(endpoint, job_id, client_token="shared").job_id == job_id
        other_job = submit(endpoint, key=OTHER_ROOT)
        assert query(endpoint, other_job, client_token="shared", key=OTHER_ROOT).job_id == other_job


def test_a_query_that_failed_does_not_use_up_its_token(start):
    with start() as endpoint:
        assert query_error(endpoint, "f" * 32, client_token="q-3").code == "ResourceNotFound"
        job_id = submit(endpoint)
        assert query(endpoint, job_id, client_token="q-3").job_id == job_id


def test_client_token_on_submit(start):
    with start() as endpoint:
        params = {
            "FunctionName": "Cover",
            "Input": json.dumps({"Type": "OSS", "Media": INPUT}),
            "Output": json.dumps({"Type": "OSS", "Media": OUTPUT}),
            "ClientToken": "s-1",
        }
        first = call_api(endpoint, "SubmitIProductionJob", **params)
        assert call_api(endpoint, "SubmitIProductionJob", **params)["JobId"] == first["JobId"]
        with pytest.raises(ClientException) as caught:
            call_api(endpoint, "SubmitIProductionJob", **{**params, "Name": "another"})
        error = caught.value
        assert (error.status_code, error.code, error.data["Message"]) == (
            400,
            "IdempotentParameterMismatch",
            MISMATCH_MESSAGE,
        )


def test_cancel_through_the_sdk(start):
    with start() as endpoint:
        job_id = submit(endpoint)
        request = ice.CancelIProductionJobRequest(job_id=job_id, client_token="c-1")
        client = ice_client(endpoint)
        response = quietly(client.cancel_iproduction_job_with_options, request, runtime())
        assert (response.status_code, response.body.message) == (200, "Success")
        cancelled = query(endpoint, job_id)
        assert cancelled.status == "Fail" and cancelled.finish_time
        assert json.loads(cancelled.result)["Code"] == "Cancelled"
        assert (cancelled.output_files, cancelled.output_urls) == ([], [])


@pytest.mark.parametrize(
    ("job_id", "expected"),
    [
        (None, (400, "MissingJobId", "JobId is mandatory for this action.")),
        ("not-a-job-id", (400, "InvalidParameter", 'The specified parameter "JobId" is not valid.')),
        ("f" * 32, (404, "ResourceNotFound", "Resource not found")),
    ],
)
def test_errors_through_the_sdk(endpoint, job_id, expected):
    error = query_error(endpoint, job_id)
    assert (error.status_code, error.code, error.data["Message"]) == expected
    assert error.data["RequestId"] and error.data["HostId"] == endpoint.host
    assert error.data["Recommend"].startswith("https://api.aliyun.com/troubleshoot?q=")


def test_another_accounts_job_is_not_found(endpoint):
    job_id = submit(endpoint)
    assert query_error(endpoint, job_id, key=OTHER_ROOT).code == "ResourceNotFound"


def test_the_bare_answer_for_an_unknown_job_when_the_world_says_so(start):
    with start(unknown_job="empty") as endpoint:
        body = query(endpoint, "f" * 32)
        assert body.to_map() == {"RequestId": body.request_id, "JobId": "f" * 32}


@pytest.mark.parametrize(
    ("method", "request_model", "action"),
    [
        ("list_media_producing_jobs", ice.ListMediaProducingJobsRequest, "ListMediaProducingJobs"),
        ("list_templates", ice.ListTemplatesRequest, "ListTemplates"),
    ],
)
def test_the_empty_lists_the_probe_reads_have_the_sdk_models_types(endpoint, method, request_model, action):
    # MaxResults is a string ("10") in the SDK's model, generated from the API metadata
    client = ice_client(endpoint)
    response = quietly(getattr(client, f"{method}_with_options"), request_model(), runtime())
    assert response.status_code == 200
    raw = call(endpoint, ROOT, action, ICE)
    assert model_problems(response.body, raw, ice, {}) == []
