"""An iProduction job's Result, read per FunctionName as ICE's QueryIProductionJob reference shows it.

`Result` is a JSON string whose shape depends on the function: Cover a list of thumbnails
(`Score` a number, `Time` a string), VideoClip `{"VideoSummaryList": [{StartTime, EndTime}]}`
(seconds, as strings), MusicSegmentDetect a list of `{start, end, title}` (seconds, numbers),
AudioQualityAssessment one object of string values per channel, and `{}` ("does not return
additional information") for the rest. A Result that is not the documented shape is kept as
it came, with the reason, never guessed at. Pure: text in, data out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

EMPTY_RESULT_FUNCTIONS = frozenset(
    {
        "VideoDelogo",
        "VideoDetext",
        "CaptionExtraction",
        "VideoGreenScreenMatting",
        "FaceBeauty",
        "VideoH2V",
        "AudioBeatDetection",
        "SpeechDenoise",
        "AudioMixing",
        "MusicDemix",
    }
)
"""Functions whose Result is `{}`. MusicDemix is not in the reference's table; ICE's other
separation and mixing functions answer `{}`, so it is read the same way."""

FUNCTION_NAMES = EMPTY_RESULT_FUNCTIONS | {
    "Cover",
    "VideoClip",
    "MusicSegmentDetect",
    "AudioQualityAssessment",
}
"""Every FunctionName SubmitIProductionJob takes: the four with a Result of their own, and the rest."""

AUDIO_METRICS = ("MOS", "Noisiness", "Loudness", "Discontinuity", "Coloration")
"""AudioQualityAssessment's rated metrics: `<name>` (a rating word), `<name>(0-5)`, and for
all but Loudness `Worst <name>(0-5)`."""

AUDIO_DETAILS = (
    "Loudness(-90dB-0dB)",
    "Speech Ratio",
    "Bad Mute Ratio(%)",
    "Double Talk Ratio(%)",
    "Saturated Ratio(%)",
    "Total Duration",
    "Time",
    "Tag",
    "Input",
)
"""AudioQualityAssessment's other documented keys, besides `Channel`."""

AUDIO_KEYS = frozenset(
    {"Channel", *AUDIO_DETAILS, *AUDIO_METRICS}
    | {f"{metric}(0-5)" for metric in AUDIO_METRICS}
    | {f"Worst {metric}(0-5)" for metric in AUDIO_METRICS if metric != "Loudness"}
)
"""The 24 keys of one AudioQualityAssessment channel, every value a string."""


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """A Cover candidate: its confidence score, its time in the video and its file."""

    score: float
    time: str
    url: str


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of the media in seconds, the numbers as the service wrote them."""

    start: str
    end: str
    title: str = ""

    @property
    def seconds(self) -> float | None:
        """How long it lasts, when both ends are numbers."""
        try:
            return float(self.end) - float(self.start)
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class ChannelQuality:
    """One channel of AudioQualityAssessment: every key and value as the service sent them."""

    values: tuple[tuple[str, str], ...]

    def get(self, key: str) -> str:
        return next((value for name, value in self.values if name == key), "")

    @property
    def channel(self) -> str:
        return self.get("Channel")


@dataclass(frozen=True)
class JobResult:
    """A Result read for its function: one of the typed views, or why it is not documented."""

    function: str
    text: str
    """The Result string as the service sent it."""
    value: Any = None
    """The parsed JSON (None when `text` is not JSON)."""
    thumbnails: tuple[Thumbnail, ...] = ()
    """Cover: best first (highest Score)."""
    spans: tuple[Span, ...] = ()
    """VideoClip's clips, MusicSegmentDetect's segments, in the order given."""
    channels: tuple[ChannelQuality, ...] = ()
    failure: tuple[str, str] | None = None
    """(Code, Message) of a failed job's Result."""
    empty: bool = False
    """The documented `{}`: the function returns no additional information."""
    problem: str = ""
    """Why the Result is not the documented shape for the function ("" when it is)."""

    @property
    def parsed(self) -> Any:
        """The Result as JSON output carries it: parsed, or the text when it is not JSON."""
        return self.value if self.value is not None else self.text


def _number_text(value: Any) -> str | None:
    """A time or ratio as text: strings as given (when they are numbers), numbers as Python writes them."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return None
        return value
    return None


def _cover(value: Any) -> tuple[tuple[Thumbnail, ...], str]:
    if not isinstance(value, list):
        return (), "Cover's Result is not a list of thumbnails"
    thumbnails = []
    for item in value:
        score = item.get("Score") if isinstance(item, dict) else None
        time = _number_text(item.get("Time")) if isinstance(item, dict) else None
        url = item.get("Url") if isinstance(item, dict) else None
        if (
            isinstance(score, bool)
            or not isinstance(score, int | float)
            or time is None
            or not isinstance(url, str)
        ):
            return (), "a Cover thumbnail is not {Score: number, Time, Url}"
        thumbnails.append(Thumbnail(float(score), time, url))
    return tuple(sorted(thumbnails, key=lambda t: -t.score)), ""


def _spans(items: Any, start: str, end: str, title: str | None, what: str) -> tuple[tuple[Span, ...], str]:
    if not isinstance(items, list):
        return (), f"{what} is not a list"
    spans = []
    for item in items:
        if not isinstance(item, dict):
            return (), f"an item of {what} is not an object"
        first, last = _number_text(item.get(start)), _number_text(item.get(end))
        name = item.get(title, "") if title else ""
        if first is None or last is None or not isinstance(name, str):
            return (), f"an item of {what} lacks {start}/{end}" + (f"/{title}" if title else "")
        spans.append(Span(first, last, name))
    return tuple(spans), ""


def _channels(value: Any) -> tuple[tuple[ChannelQuality, ...], str]:
    if not isinstance(value, list) or not value:
        return (), "AudioQualityAssessment's Result is not a list of channels"
    channels = []
    for item in value:
        if not isinstance(item, dict) or not all(isinstance(v, str | int | float) for v in item.values()):
            return (), "an AudioQualityAssessment channel is not an object of strings"
        channels.append(ChannelQuality(tuple((str(k), str(v)) for k, v in item.items())))
    return tuple(channels), ""


def _failure(value: Any) -> tuple[str, str] | None:
    if isinstance(value, dict) and set(value) <= {"Code", "Message"} and isinstance(value.get("Code"), str):
        return value["Code"], str(value.get("Message") or "")
    return None


def read_result(function: str, text: str) -> JobResult:
    """The Result of a job running `function`, read as the reference documents it.

    >>> read_result("VideoClip", '{"VideoSummaryList": [{"EndTime": "5.28", "StartTime": "0.28"}]}').spans
    (Span(start='0.28', end='5.28', title=''),)
    >>> read_result("Cover", "[1]").problem
    'a Cover thumbnail is not {Score: number, Time, Url}'
    """
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return JobResult(function, text, problem="the Result is not JSON")
    failure = _failure(value)
    if failure is not None:
        return JobResult(function, text, value, failure=failure)
    if function == "Cover":
        thumbnails, problem = _cover(value)
        return JobResult(function, text, value, thumbnails=thumbnails, problem=problem)
    if function == "VideoClip":
        clips = value.get("VideoSummaryList") if isinstance(value, dict) else None
        spans, problem = _spans(clips, "StartTime", "EndTime", None, "VideoSummaryList")
        return JobResult(function, text, value, spans=spans, problem=problem)
    if function == "MusicSegmentDetect":
        spans, problem = _spans(value, "start", "end", "title", "MusicSegmentDetect's Result")
        return JobResult(function, text, value, spans=spans, problem=problem)
    if function == "AudioQualityAssessment":
        channels, problem = _channels(value)
        return JobResult(function, text, value, channels=channels, problem=problem)
    if function in EMPTY_RESULT_FUNCTIONS and value == {}:
        return JobResult(function, text, value, empty=True)
    return JobResult(
        function, text, value, problem=f"no documented Result shape for {function or 'this job'} matches"
    )
