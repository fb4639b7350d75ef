"""ICE iProduction over real HTTP through aliyun-python-sdk-core: every operation and field."""

from __future__ import annotations

import json

import pytest

from tests.emulator.conftest import (
    OTHER_ROOT,
    ROOT,
    SEEDED_JOB,
    FakeClock,
    call,
    client,
    error_of,
    sdk_request,
    submit_params,
)


def test_submit_and_query_through_every_status(start):
    clock = FakeClock()
    with start(clock=clock, queuing_seconds=10, analysing_seconds=20) as endpoint:
        submitted = call(
            endpoint,
            ROOT,
            "SubmitIProductionJob",
            **submit_params(
                Name="launch cover",
                UserData='{"ticket": 7}',
                JobParams='{"Model": "gif"}',
                TemplateId="tpl-1",
                ScheduleConfig='{"PipelineId": "pipe-1", "Priority": 3}',
            ),
        )
        assert set(submitted) == {"RequestId", "JobId"}
        job_id = submitted["JobId"]
        assert len(job_id) == 32 and int(job_id, 16) >= 0

        queued = call(endpoint, ROOT, "QueryIProductionJob", JobId=job_id)
        assert queued["Status"] == "Queuing"
        assert queued["Name"] == "launch cover"
        assert queued["FunctionName"] == "Cover"
        assert queued["Input"] == {"Type": "OSS", "Media": "oss://bucket/input/video.mp4"}
        assert queued["Output"] == {"Type": "OSS", "Media": "oss://bucket/output/cover.jpg"}
        assert queued["UserData"] == '{"ticket": 7}'
        assert queued["JobParams"] == '{"Model": "gif"}'
        assert queued["TemplateId"] == "tpl-1"
        assert queued["ScheduleConfig"] == {"PipelineId": "pipe-1", "Priority": 3}
        assert queued["CreateTime"].endswith("Z")
        assert (queued["FinishTime"], queued["Result"], queued["OutputUrls"]) == ("", "", [])

        clock.advance(15)
        assert call(endpoint, ROOT, "QueryIProductionJob", JobId=job_id)["Status"] == "Analysing"

        clock.advance(20)
        done = call(endpoint, ROOT, "QueryIProductionJob", JobId=job_id)
        assert done["Status"] == "Success"
        assert done["FinishTime"] > done["CreateTime"]
        assert done["OutputFiles"] == ["oss://bucket/output/cover.jpg"]
        assert done["OutputUrls"] == ["https://bucket.oss-cn-shanghai.aliyuncs.com/output/cover.jpg"]
        assert done["OutputMediaIds"] == []
        result = json.loads(done["Result"])
        assert result and all(set(item) == {"Score", "Time", "Url"} for item in result)
        assert call(endpoint, ROOT, "QueryIProductionJob", JobId=job_id)["Result"] == done["Result"]


def test_in_progress_spelling_is_a_setting(start):
    with start(queuing_seconds=0, analysing_seconds=100, in_progress_status="Analyzing") as endpoint:
        job_id = call(endpoint, ROOT, "SubmitIProductionJob", **submit_params())["JobId"]
        assert call(endpoint, ROOT, "QueryIProductionJob", JobId=job_id)["Status"] == "Analyzing"


@pytest.mark.parametrize(
    ("function", "check"),
    [
        (
            "VideoClip",
            lambda r: (
                set(r) == {"VideoSummaryList"} and {"StartTime", "EndTime"} == set(r["VideoSummaryList"][0])
            ),
        ),
        ("MusicSegmentDetect", lambda r: set(r[0]) == {"start", "end", "title"}),
        ("AudioQualityAssessment", lambda r: [c["Channel"] for c in r] in (["0"], ["0", "1"])),
        ("VideoDelogo", lambda r: r == {}),
        ("SpeechDenoise", lambda r: r == {}),
    ],
)
def test_results_have_the_documented_shape_per_function(start, function, check):
    with start(queuing_seconds=0, analysing_seconds=0) as endpoint:
        job_id = call(endpoint, ROOT, "SubmitIProductionJob", **submit_params(FunctionName=function))["JobId"]
        assert check(json.loads(call(endpoint, ROOT, "QueryIProductionJob", JobId=job_id)["Result"]))


def test_media_output_answers_media_ids(start):
    output = json.dumps({"Type": "Media", "Media": "media-123", "Biz": "IMS", "OutputUrl": "oss://b/out.mp4"})
    with start(queuing_seconds=0, analysing_seconds=0) as endpoint:
        job_id = call(endpoint, ROOT, "SubmitIProductionJob", **submit_params(Output=output))["JobId"]
        done = call(endpoint, ROOT, "QueryIProductionJob", JobId=job_id)
        assert done["Output"] == {
            "Type": "Media",
            "Media": "media-123",
            "Biz": "IMS",
            "OutputUrl": "oss://b/out.mp4",
        }
        assert len(done["OutputMediaIds"]) == 1 and len(done["OutputMediaIds"][0]) == 32
        assert done["OutputUrls"] == ["oss://b/out.mp4"]


def test_input_the_job_cannot_read_ends_in_fail(start):
    with start(queuing_seconds=0, analysing_seconds=0) as endpoint:
        bad_input = json.dumps({"Type": "OSS", "Media": "not-an-oss-address"})
        job_id = call(endpoint, ROOT, "SubmitIProductionJob", **submit_params(Input=bad_input))["JobId"]
        failed = call(endpoint, ROOT, "QueryIProductionJob", JobId=job_id)
        assert failed["Status"] == "Fail"
        assert json.loads(failed["Result"])["Code"] == "InvalidInput"
        assert (failed["OutputFiles"], failed["OutputUrls"], failed["OutputMediaIds"]) == ([], [], [])


def test_cancel_a_queued_job_then_it_reads_as_failed(start):
    clock = FakeClock()
    with start(clock=clock) as endpoint:
        job_id = call(endpoint, ROOT, "SubmitIProductionJob", **submit_params())["JobId"]
        cancelled = call(endpoint, ROOT, "CancelIProductionJob", JobId=job_id)
        assert set(cancelled) == {"RequestId", "Message"} and cancelled["Message"] == "Success"
        clock.advance(500)
        job = call(endpoint, ROOT, "QueryIProductionJob", JobId=job_id)
        assert job["Status"] == "Fail"
        assert json.loads(job["Result"])["Code"] == "Cancelled"
        status, code, message = error_of(endpoint, ROOT, "CancelIProductionJob", JobId=job_id)
        assert (status, code) == (400, "InvalidParameter")
        assert "already finished" in message


def test_seeded_job_is_there_and_finished(endpoint):
    job = call(endpoint, ROOT, "QueryIProductionJob", JobId=SEEDED_JOB)
    assert (job["Name"], job["Status"], job["CreateTime"]) == ("seeded", "Success", "2024-01-01T00:00:00Z")


NOT_FOUND = (404, "ResourceNotFound", "Resource not found")


def test_unknown_job_is_resource_not_found_by_default(endpoint):
    assert error_of(endpoint, ROOT, "QueryIProductionJob", JobId="f" * 32) == NOT_FOUND
    assert error_of(endpoint, ROOT, "CancelIProductionJob", JobId="f" * 32) == NOT_FOUND


def test_unknown_job_can_be_the_bare_answer_instead(start):
    with start(unknown_job="empty") as endpoint:
        body = call(endpoint, ROOT, "QueryIProductionJob", JobId="f" * 32)
        assert set(body) == {"RequestId", "JobId"} and body["JobId"] == "f" * 32
        assert set(call(endpoint, ROOT, "CancelIProductionJob", JobId="f" * 32)) == {"RequestId", "JobId"}


@pytest.mark.parametrize("unknown_job", ["error", "empty"])
@pytest.mark.parametrize("job_id", ["f" * 31, "f" * 33, "g" * 32, "../" + "0" * 29, "0" * 31 + "\u0660"])
def test_a_malformed_job_id_is_invalid_parameter_in_either_setting(start, unknown_job, job_id):
    with start(unknown_job=unknown_job) as endpoint:
        for action in ("QueryIProductionJob", "CancelIProductionJob"):
            assert error_of(endpoint, ROOT, action, JobId=job_id) == (
                400,
                "InvalidParameter",
                'The specified parameter "JobId" is not valid.',
            )


def test_jobs_belong_to_their_account(endpoint):
    job_id = call(endpoint, ROOT, "SubmitIProductionJob", **submit_params())["JobId"]
    assert error_of(endpoint, OTHER_ROOT, "QueryIProductionJob", JobId=job_id) == NOT_FOUND
    assert error_of(endpoint, OTHER_ROOT, "QueryIProductionJob", JobId=SEEDED_JOB) == NOT_FOUND
    assert error_of(endpoint, OTHER_ROOT, "CancelIProductionJob", JobId=job_id) == NOT_FOUND
    assert call(endpoint, ROOT, "QueryIProductionJob", JobId=job_id)["Status"] == "Queuing"


def test_get_works_like_post(endpoint):
    request = sdk_request(endpoint.host, "QueryIProductionJob", method="GET", JobId=SEEDED_JOB)
    assert json.loads(client(ROOT).do_action_with_exception(request))["Status"] == "Success"


@pytest.mark.parametrize(
    ("action", "params", "code", "message"),
    [
        ("QueryIProductionJob", {}, "MissingJobId", "JobId is mandatory for this action."),
        ("CancelIProductionJob", {}, "MissingJobId", "JobId is mandatory for this action."),
        (
            "SubmitIProductionJob",
            submit_params(FunctionName=""),
            "MissingFunctionName",
            "FunctionName is mandatory for this action.",
        ),
        (
            "SubmitIProductionJob",
            {"FunctionName": "Cover", "Output": "{}"},
            "MissingInput",
            "Input is mandatory for this action.",
        ),
        (
            "SubmitIProductionJob",
            submit_params(FunctionName="ImageCartoonize"),
            "InvalidParameter",
            'The specified parameter "FunctionName" is not valid.',
        ),
        (
            "SubmitIProductionJob",
            submit_params(Input="oss://not-json"),
            "InvalidParameter",
            'The specified parameter "Input" is not valid.',
        ),
        (
            "SubmitIProductionJob",
            submit_params(Input='{"Type": "FTP", "Media": "x"}'),
            "InvalidParameter",
            'The specified parameter "Input" is not valid.',
        ),
        (
            "SubmitIProductionJob",
            submit_params(Output='{"Type": "OSS"}'),
            "InvalidParameter",
            'The specified parameter "Output" is not valid.',
        ),
        (
            "SubmitIProductionJob",
            submit_params(ScheduleConfig='{"Priority": 11}'),
            "InvalidParameter",
            'The specified parameter "ScheduleConfig" is not valid.',
        ),
        (
            "SubmitIProductionJob",
            submit_params(Name="n" * 101),
            "InvalidParameter",
            'The specified parameter "Name" is not valid.',
        ),
        (
            "SubmitIProductionJob",
            submit_params(UserData="u" * 257),
            "InvalidParameter",
            'The specified parameter "UserData" is not valid.',
        ),
    ],
)
def test_missing_and_malformed_parameters(endpoint, action, params, code, message):
    assert error_of(endpoint, ROOT, action, **params) == (400, code, message)
