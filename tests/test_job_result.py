"""Reading a job's Result per FunctionName: the documented shapes, and everything else kept as sent."""

from __future__ import annotations

import json

import pytest

from policycheck.job_result import AUDIO_KEYS, EMPTY_RESULT_FUNCTIONS, Span, Thumbnail, read_result


def test_cover_thumbnails_come_best_first():
    text = json.dumps(
        [
            {"Score": 7.474117489692728, "Time": "25942.583333333332", "Url": "cover/test-00002.jpg"},
            {"Score": 8.270855992569906, "Time": "28278.25", "Url": "cover/test-00001.jpg"},
        ]
    )
    result = read_result("Cover", text)
    assert result.thumbnails == (
        Thumbnail(8.270855992569906, "28278.25", "cover/test-00001.jpg"),
        Thumbnail(7.474117489692728, "25942.583333333332", "cover/test-00002.jpg"),
    )
    assert result.problem == "" and result.parsed == json.loads(text)


def test_video_clip_times_stay_as_the_service_wrote_them():
    result = read_result("VideoClip", '{"VideoSummaryList": [{"EndTime": "5.28", "StartTime": "0.28"}]}')
    assert result.spans == (Span("0.28", "5.28"),) and result.spans[0].seconds == pytest.approx(5.0)


def test_music_segments_with_titles():
    text = (
        '[{"start": 39.32, "end": 63.85, "title": "chorus"}, {"start": 90, "end": 101.5, "title": "chorus"}]'
    )
    assert read_result("MusicSegmentDetect", text).spans == (
        Span("39.32", "63.85", "chorus"),
        Span("90", "101.5", "chorus"),
    )


def test_audio_quality_channels_keep_every_key():
    channel = {key: f"v-{index}" for index, key in enumerate(sorted(AUDIO_KEYS))}
    result = read_result("AudioQualityAssessment", json.dumps([channel, {**channel, "Channel": "1"}]))
    assert len(AUDIO_KEYS) == 24
    assert [c.channel for c in result.channels] == [channel["Channel"], "1"]
    assert dict(result.channels[0].values) == channel


@pytest.mark.parametrize("function", sorted(EMPTY_RESULT_FUNCTIONS))
def test_the_functions_that_return_nothing_more(function):
    result = read_result(function, "{}")
    assert result.empty and not result.problem


@pytest.mark.parametrize(
    ("function", "text", "problem"),
    [
        ("Cover", "not json", "the Result is not JSON"),
        ("Cover", '{"Score": 1}', "Cover's Result is not a list of thumbnails"),
        (
            "Cover",
            '[{"Score": true, "Time": "1", "Url": "u"}]',
            "a Cover thumbnail is not {Score: number, Time, Url}",
        ),
        (
            "Cover",
            '[{"Score": 1, "Time": "soon", "Url": "u"}]',
            "a Cover thumbnail is not {Score: number, Time, Url}",
        ),
        ("VideoClip", '{"VideoSummaryList": {}}', "VideoSummaryList is not a list"),
        (
            "VideoClip",
            '{"VideoSummaryList": [{"StartTime": "1"}]}',
            "an item of VideoSummaryList lacks StartTime/EndTime",
        ),
        (
            "MusicSegmentDetect",
            '[{"start": 1, "end": 2, "title": 3}]',
            "an item of MusicSegmentDetect's Result lacks start/end/title",
        ),
        ("AudioQualityAssessment", "[]", "AudioQualityAssessment's Result is not a list of channels"),
        (
            "AudioQualityAssessment",
            '[{"MOS": {"deep": 1}}]',
            "an AudioQualityAssessment channel is not an object of strings",
        ),
        ("VideoDelogo", '{"Data": 1}', "no documented Result shape for VideoDelogo matches"),
        ("ImageCartoonize", "{}", "no documented Result shape for ImageCartoonize matches"),
        ("Cover", "[" * 100_000, "the Result is not JSON"),
    ],
)
def test_other_shapes_are_kept_as_sent_with_the_reason(function, text, problem):
    result = read_result(function, text)
    assert result.problem == problem and result.text == text
    assert not (result.thumbnails or result.spans or result.channels or result.empty)


def test_a_failed_jobs_result_is_its_code_and_message():
    result = read_result("Cover", '{"Code": "InvalidInput", "Message": "Input.Media is not an OSS address"}')
    assert result.failure == ("InvalidInput", "Input.Media is not an OSS address") and not result.problem
