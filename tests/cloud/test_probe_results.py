"""`policycheck probe --job-id` reads what the job produced, per function, in text and JSON;
`--wait` waits for it; a hostile server's strings cannot steer the terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import time

import pytest

from policycheck.cloud.probe import WaitProgress, wait_for_job
from policycheck.job_result import AUDIO_KEYS, AUDIO_METRICS
from policycheck.verdict import JobSummary, ProbeResult
from tests.cloud.conftest import REPO, ROOT, clean_env, key_env, run_as, serve, stub
from tests.emulator.conftest import WAIT_SECONDS, Endpoint, call, submit_params

FUNCTIONS = (
    "Cover",
    "VideoClip",
    "MusicSegmentDetect",
    "AudioQualityAssessment",
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


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """An emulator whose jobs finish at once, with one job per function: {function: job ID}."""
    with serve(tmp_path_factory.mktemp("results"), queuing_seconds=0, analysing_seconds=0) as url:
        endpoint = Endpoint(url, url.split("://")[1], "")
        jobs = {
            function: call(endpoint, ROOT, "SubmitIProductionJob", **submit_params(FunctionName=function))[
                "JobId"
            ]
            for function in FUNCTIONS
        }
        yield url, endpoint, jobs


def _result_lines(out: str) -> list[str]:
    """The lines of the result block: from `  result` up to the first output line."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  result "))
    end = next((i for i, line in enumerate(lines) if line.startswith("  output ")), len(lines))
    return [line[11:] for line in lines[start:end]]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_value_of_the_result_in_text_and_json(finished, tmp_path, function):
    url, endpoint, jobs = finished
    job_id = jobs[function]
    served = json.loads(call(endpoint, ROOT, "QueryIProductionJob", JobId=job_id)["Result"])

    run = run_as(ROOT, "probe", "--endpoint", url, "--job-id", job_id, "--format", "json", home=tmp_path)
    assert run.code == 0, run.err
    job = run.json()["job"]
    assert job["result"] == served and job["result_problem"] is None

    run = run_as(ROOT, "probe", "--endpoint", url, "--job-id", job_id, home=tmp_path)
    assert run.code == 0, run.err
    lines = _result_lines(run.out)
    if function == "Cover":
        best_first = sorted(served, key=lambda t: -t["Score"])
        assert lines[0] == f"{len(served)} thumbnails, best first:"
        assert lines[1:] == [f"  score {t['Score']:.2f}  time {t['Time']}  {t['Url']}" for t in best_first]
    elif function == "VideoClip":
        clips = served["VideoSummaryList"]
        assert lines[0] == f"{len(clips)} clip{'s' if len(clips) > 1 else ''} (seconds):"
        for line, clip in zip(lines[1:], clips, strict=True):
            length = float(clip["EndTime"]) - float(clip["StartTime"])
            assert line == f"  {clip['StartTime']} s to {clip['EndTime']} s ({length:.2f} s)"
    elif function == "MusicSegmentDetect":
        assert lines[0] == f"{len(served)} segments (seconds):"
        for line, segment in zip(lines[1:], served, strict=True):
            assert line.startswith(f"  {segment['title']}  {segment['start']!r} s to {segment['end']!r} s (")
    elif function == "AudioQualityAssessment":
        assert lines[0] == f"audio quality of {len(served)} channel{'s' if len(served) > 1 else ''}:"
        blocks = "\n".join(lines[1:]).split("\n  channel ")
        assert len(blocks) == len(served)
        for block, channel in zip(blocks, served, strict=True):
            assert set(channel) == AUDIO_KEYS
            for metric in AUDIO_METRICS:
                worst = channel.get(f"Worst {metric}(0-5)", "-")
                row = f"{metric:<14} {channel[f'{metric}(0-5)']:<7} {channel[metric]:<10} {worst}"
                assert row in block
            for key, value in channel.items():
                assert value in block, key
    else:
        assert lines == [f"no additional information ({function} returns none)"]


def test_a_failed_job_shows_why(finished, tmp_path):
    url, endpoint, _ = finished
    bad = json.dumps({"Type": "OSS", "Media": "not-an-oss-address"})
    job_id = call(endpoint, ROOT, "SubmitIProductionJob", **submit_params(Input=bad))["JobId"]
    run = run_as(ROOT, "probe", "--endpoint", url, "--job-id", job_id, home=tmp_path)
    assert run.code == 0
    assert (
        "  result   InvalidInput: Input.Media is not an OSS address (oss://bucket/object)"
        in run.out.splitlines()
    )


HOSTILE = "\x1b[2J\x1b]52;c;ZWNobyBoaQ==\x07\rCheck passed.\u202e\x9b\x7f"


def _hostile_answer(method, params, path):
    if params.get("Action") != "QueryIProductionJob":
        return None
    return 200, {
        "RequestId": "R" + HOSTILE,
        "JobId": params["JobId"],
        "Name": "name" + HOSTILE,
        "FunctionName": "MusicSegmentDetect",
        "Status": "Success" + HOSTILE,
        "CreateTime": "2026" + HOSTILE,
        "FinishTime": "",
        "Result": json.dumps([{"start": 1, "end": 2, "title": "t" + HOSTILE}]),
        "OutputUrls": ["https://o/" + HOSTILE],
    }


def test_nothing_the_server_sends_reaches_the_terminal_raw(tmp_path):
    with stub(_hostile_answer) as server:
        run = run_as(ROOT, "probe", "--endpoint", server.url, "--job-id", "a" * 32, home=tmp_path)
    assert run.code == 0, run.err
    for raw in ("\x1b", "\x07", "\r", "\u202e", "\x9b", "\x7f"):
        assert raw not in run.out
    assert "t\\x1b[2J\\x1b]52;c;ZWNobyBoaQ==\\x07\\rCheck passed.\\u202e\\x9b\\x7f  1 s to 2 s" in run.out
    assert '"name\\x1b[2J' in run.out and "https://o/\\x1b[2J" in run.out


def test_a_result_of_another_shape_is_shown_as_sent(tmp_path):
    def answer(method, params, path):
        if params.get("Action") != "QueryIProductionJob":
            return None
        return 200, {
            "RequestId": "R",
            "JobId": params["JobId"],
            "FunctionName": "Cover",
            "Status": "Success",
            "Result": '{"Thumbs": [1]}',
        }

    with stub(answer) as server:
        text = run_as(ROOT, "probe", "--endpoint", server.url, "--job-id", "a" * 32, home=tmp_path)
        data = run_as(
            ROOT, "probe", "--endpoint", server.url, "--job-id", "a" * 32, "--format", "json", home=tmp_path
        )
    assert (
        '  result   not the documented shape (Cover\'s Result is not a list of thumbnails): {"Thumbs": [1]}'
        in text.out
    )
    assert data.json()["job"]["result"] == {"Thumbs": [1]}
    assert data.json()["job"]["result_problem"] == "Cover's Result is not a list of thumbnails"


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    """An emulator whose jobs queue for 0.5 s and analyse for 4 s (long enough for a loaded machine
    to start the probe while the job still runs)."""
    with serve(tmp_path_factory.mktemp("slow"), queuing_seconds=0.5, analysing_seconds=4) as url:
        yield url, Endpoint(url, url.split("://")[1], "")


def test_wait_until_the_job_has_finished(slow, tmp_path):
    url, endpoint = slow
    job_id = call(endpoint, ROOT, "SubmitIProductionJob", **submit_params(FunctionName="VideoClip"))["JobId"]
    started = time.monotonic()
    run = run_as(
        ROOT, "probe", "--endpoint", url, "--job-id", job_id, "--wait", "--timeout", "60", home=tmp_path
    )
    assert run.code == 0, run.out + run.err
    assert time.monotonic() - started >= 4  # it did wait: the job analyses for 4 s
    assert f"  job      {job_id}: VideoClip Success (done)" in run.out
    assert "clip" in run.out and run.err == ""  # no progress line: stderr is not a terminal


def test_wait_gives_up_at_the_timeout_with_exit_3(tmp_path):
    with serve(tmp_path / "w", queuing_seconds=0, analysing_seconds=600) as url:
        endpoint = Endpoint(url, url.split("://")[1], "")
        job_id = call(endpoint, ROOT, "SubmitIProductionJob", **submit_params())["JobId"]
        run = run_as(
            ROOT,
            "probe",
            "--endpoint",
            url,
            "--job-id",
            job_id,
            "--wait",
            "--timeout",
            "2",
            "--format",
            "json",
            home=tmp_path,
        )
    assert run.code == 3
    result = run.json()
    assert result["job"]["status"] == "Analysing" and result["job"]["state"] == "running"
    assert result["detail"].startswith(f"allowed; job {job_id} is still Analysing after ")


def test_wait_exit_codes_for_a_failed_job_and_no_job(finished, tmp_path):
    url, endpoint, _ = finished
    bad = json.dumps({"Type": "OSS", "Media": "not-an-oss-address"})
    job_id = call(endpoint, ROOT, "SubmitIProductionJob", **submit_params(Input=bad))["JobId"]
    assert run_as(ROOT, "probe", "--endpoint", url, "--job-id", job_id, "--wait", home=tmp_path).code == 1
    assert run_as(ROOT, "probe", "--endpoint", url, "--job-id", "b" * 32, "--wait", home=tmp_path).code == 1
    without_wait = run_as(ROOT, "probe", "--endpoint", url, "--job-id", job_id, home=tmp_path)
    assert without_wait.code == 0  # without --wait the exit code is the verdict's, as before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--wait",), "--wait needs --job-id"),
        (("--wait", "--job-id", "a" * 32, "--action", "ice:GetTemplate"), "takes no job ID"),
        (("--job-id", "a" * 32, "--timeout", "301"), "--timeout 301: at most 300 seconds without --wait"),
    ],
)
def test_wait_usage_errors(tmp_path, args, message):
    run = run_as(ROOT, "probe", "--endpoint", "http://127.0.0.1:9", *args, home=tmp_path)
    assert run.code == 2 and message in run.err


def test_the_progress_line_is_shown_on_a_terminal(slow, tmp_path):
    url, endpoint = slow
    job_id = call(endpoint, ROOT, "SubmitIProductionJob", **submit_params())["JobId"]
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "policycheck", "probe", "--endpoint", url, "--job-id", job_id, "--wait"],
        cwd=REPO,
        env=clean_env(tmp_path, **key_env(ROOT)),
        stdout=subprocess.PIPE,
        stderr=follower,
        text=True,
    )
    os.close(follower)
    try:
        out, _ = process.communicate(timeout=WAIT_SECONDS)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=WAIT_SECONDS)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the child
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert process.returncode == 0 and "Cover Success (done)" in out
    assert f"\rpolicycheck: job {job_id} is ".encode() in seen and b"looking again in" in seen
    assert seen.endswith(b"\r\x1b[K")  # erased before the report


class _Scripted:
    """A Caller whose QueryIProductionJob answers follow a script of statuses."""

    principal = "scripted"

    def __init__(self, statuses: list[str]) -> None:
        self.statuses = statuses
        self.calls = 0

    def endpoint(self, product: str):
        from policycheck.cloud.api import parse_endpoint

        return parse_endpoint("http://127.0.0.1:9")

    def call(self, product: str, action: str, params: dict[str, str]):
        from policycheck.cloud.api import ApiResponse

        status = self.statuses[min(self.calls, len(self.statuses) - 1)]
        self.calls += 1
        body = {
            "RequestId": "R",
            "JobId": params["JobId"],
            "FunctionName": "Cover",
            "Status": status,
            "Result": "",
        }
        return ApiResponse(body=body)


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def test_wait_backs_off_and_stops_when_the_job_leaves_queuing_and_analysing():
    clock = _Clock()
    seen: list[WaitProgress] = []
    caller = _Scripted(["Queuing", "Queuing", "Analysing", "Analyzing", "Success"])
    result = wait_for_job(caller, "a" * 32, 600, on_progress=seen.append, clock=clock, sleep=clock.sleep)
    assert isinstance(result, ProbeResult) and isinstance(result.job, JobSummary)
    assert result.job.status == "Success" and caller.calls == 5
    assert clock.pauses == [1.0, 1.5, 2.25, 3.375]
    assert [p.job.status for p in seen] == ["Queuing", "Queuing", "Analysing", "Analyzing"]


def test_wait_pauses_are_capped_and_the_budget_holds():
    clock = _Clock()
    caller = _Scripted(["Analysing"])
    result = wait_for_job(caller, "a" * 32, 100, clock=clock, sleep=clock.sleep)
    assert result.job.state == "running" and "still Analysing after 100 s" in result.detail
    assert max(clock.pauses) == 15.0 and sum(clock.pauses) == pytest.approx(100.0)
