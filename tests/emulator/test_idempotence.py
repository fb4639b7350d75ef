"""ClientToken idempotence, concurrency and restarts: the SQLite store keeps its promises."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from aliyunsdkcore.acs_exception.exceptions import ServerException

from policycheck.emulator.store import Store
from tests.emulator.conftest import (
    ROOT,
    call,
    error_of,
    raw,
    signed,
    submit_params,
)

MISMATCH = (
    400,
    "IdempotentParameterMismatch",
    "The request uses the same client token as a previous, but non-identical request. Do not reuse a "
    "client token with different requests, unless the requests are identical.",
)


def test_same_token_same_parameters_same_job(endpoint):
    first = call(endpoint, ROOT, "SubmitIProductionJob", ClientToken="t-1", **submit_params())
    again = call(endpoint, ROOT, "SubmitIProductionJob", ClientToken="t-1", **submit_params())
    assert again["JobId"] == first["JobId"]
    assert again["RequestId"] != first["RequestId"]
    assert Store(endpoint.db).count_jobs() == 2  # the seeded job and this one


def test_json_spacing_is_not_a_different_parameter(endpoint):
    compact = submit_params(Input='{"Type":"OSS","Media":"oss://bucket/input/video.mp4"}')
    first = call(endpoint, ROOT, "SubmitIProductionJob", ClientToken="t-2", **compact)
    assert (
        call(endpoint, ROOT, "SubmitIProductionJob", ClientToken="t-2", **submit_params())["JobId"]
        == first["JobId"]
    )


def test_same_token_other_parameters_is_a_mismatch(endpoint):
    call(endpoint, ROOT, "SubmitIProductionJob", ClientToken="t-3", **submit_params())
    changed = submit_params(FunctionName="VideoClip")
    assert error_of(endpoint, ROOT, "SubmitIProductionJob", ClientToken="t-3", **changed) == MISMATCH


def test_a_failed_request_does_not_use_up_the_token(endpoint):
    assert (
        error_of(endpoint, ROOT, "SubmitIProductionJob", ClientToken="t-4", FunctionName="Cover")[1]
        == "MissingInput"
    )
    assert call(endpoint, ROOT, "SubmitIProductionJob", ClientToken="t-4", **submit_params())["JobId"]


def test_cancel_is_idempotent_with_a_token(endpoint):
    job_id = call(endpoint, ROOT, "SubmitIProductionJob", **submit_params())["JobId"]
    assert (
        call(endpoint, ROOT, "CancelIProductionJob", JobId=job_id, ClientToken="c-1")["Message"] == "Success"
    )
    # the job has finished (cancelled); the same token still answers the first answer
    assert (
        call(endpoint, ROOT, "CancelIProductionJob", JobId=job_id, ClientToken="c-1")["Message"] == "Success"
    )
    other = call(endpoint, ROOT, "SubmitIProductionJob", **submit_params())["JobId"]
    assert error_of(endpoint, ROOT, "CancelIProductionJob", JobId=other, ClientToken="c-1") == MISMATCH


def test_tokens_are_per_operation(endpoint):
    job_id = call(endpoint, ROOT, "SubmitIProductionJob", ClientToken="shared", **submit_params())["JobId"]
    assert (
        call(endpoint, ROOT, "CancelIProductionJob", JobId=job_id, ClientToken="shared")["Message"]
        == "Success"
    )


def _submit_or_error(endpoint, token: str, params: dict) -> str:
    try:
        return call(endpoint, ROOT, "SubmitIProductionJob", ClientToken=token, **params)["JobId"]
    except ServerException as error:
        return error.get_error_code()


def test_concurrent_submits_with_one_token_create_one_job(endpoint):
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: _submit_or_error(endpoint, "race", submit_params()), range(48)))
    assert len(set(answers)) == 1 and len(answers[0]) == 32
    assert Store(endpoint.db).count_jobs() == 2


def test_concurrent_different_requests_on_one_token_have_one_winner(endpoint):
    variants = [submit_params(Name=f"variant-{i % 4}") for i in range(40)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda p: _submit_or_error(endpoint, "contested", p), variants))
    job_ids = {a for a in answers if a != "IdempotentParameterMismatch"}
    assert len(job_ids) == 1
    winner = job_ids.pop()
    won_name = call(endpoint, ROOT, "QueryIProductionJob", JobId=winner)["Name"]
    assert all(
        (answer == winner) == (params["Name"] == won_name)
        for answer, params in zip(answers, variants, strict=True)
    )
    assert Store(endpoint.db).count_jobs() == 2


def test_concurrent_submits_without_token_lose_nothing(endpoint):
    with ThreadPoolExecutor(max_workers=16) as pool:
        job_ids = list(
            pool.map(lambda i: _submit_or_error(endpoint, "", submit_params(Name=str(i))), range(60))
        )
    assert len(set(job_ids)) == 60
    assert Store(endpoint.db).count_jobs() == 61
    names = {call(endpoint, ROOT, "QueryIProductionJob", JobId=j)["Name"] for j in job_ids[:10]}
    assert names == {str(i) for i in range(10)}


def test_jobs_tokens_and_nonces_survive_a_restart(start, tmp_path):
    db = str(tmp_path / "kept.db")
    with start(db=db) as endpoint:
        job_id = call(endpoint, ROOT, "SubmitIProductionJob", ClientToken="kept", **submit_params())["JobId"]
        call(endpoint, ROOT, "CancelIProductionJob", JobId=job_id)
        replay = signed(ROOT, "QueryIProductionJob", JobId=job_id)
        assert raw(endpoint, replay).status == 200
    with start(db=db) as endpoint:
        job = call(endpoint, ROOT, "QueryIProductionJob", JobId=job_id)
        assert json.loads(job["Result"])["Code"] == "Cancelled"
        assert (
            call(endpoint, ROOT, "SubmitIProductionJob", ClientToken="kept", **submit_params())["JobId"]
            == job_id
        )
        assert raw(endpoint, replay).json()["Code"] == "SignatureNonceUsed"
        assert Store(db).count_jobs() == 2  # the seeded job was not added twice
