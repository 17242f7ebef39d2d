"""ffmpeg as the live segmenter: the command line that records a channel's source into
MPEG-TS segments, the muxer's list of finished files on stdout, and what its stderr says.

Which binary, and the generated test sources, are ``media.ffmpeg``'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from yunjin.live.sources import Source
from yunjin.media.ffmpeg import FfmpegError, generated_encode_args, generated_input_args


def copy_args() -> list[str]:
    """Repackage without re-encoding: the first video and every audio stream."""
    return ["-map", "0:v:0?", "-map", "0:a?", "-c", "copy"]


def segment_output_args(folder: Path, segment_seconds: int) -> list[str]:
    """MPEG-TS segments into ``folder``; each finished one is announced on stdout as CSV."""
    return [
        "-f",
        "segment",
        "-segment_time",
        str(segment_seconds),
        "-segment_format",
        "mpegts",
        "-segment_list",
        "pipe:1",
        "-segment_list_type",
        "csv",
        "-reset_timestamps",
        "0",
        str(folder / "%09d.ts"),
    ]


def record_command(
    binary: str,
    source: Source,
    folder: Path,
    segment_seconds: int,
    *,
    label: str,
    tone: Path | None,
) -> list[str]:
    """The full command line that records a channel's source into segments."""
    head = [
        binary,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "level+warning",
        "-stats",
        "-stats_period",
        "2",
    ]
    if source.is_generated:
        if tone is None:
            raise FfmpegError("a generated channel needs its tone clip")
        body = generated_input_args(label, source.pattern, tone, realtime=True, clock_epoch=None)
        body += generated_encode_args(source.pattern, segment_seconds)
    else:
        body = [*source.input_args(), *copy_args()]
    return [*head, *body, *segment_output_args(folder, segment_seconds)]


@dataclass(frozen=True, slots=True)
class ListedSegment:
    """A line of the segment muxer's CSV list: a finished file and its stream times."""

    name: str
    start_s: float
    end_s: float


def parse_list_line(line: str) -> ListedSegment | None:
    fields = line.strip().split(",")
    if len(fields) != 3:
        return None
    try:
        start, end = float(fields[1]), float(fields[2])
    except ValueError:
        return None
    if end <= start or "/" in fields[0]:
        return None
    return ListedSegment(fields[0], start, end)


@dataclass(frozen=True, slots=True)
class Stats:
    """ffmpeg's periodic progress line."""

    fps: float | None
    bitrate_kbps: float | None
    speed: float | None


_STAT = re.compile(r"(fps|bitrate|speed)=\s*([\d.]+)")


def parse_stats(line: str) -> Stats | None:
    """The figures of a ``frame=… fps=… bitrate=… speed=…`` line, or None."""
    if "speed=" not in line and "bitrate=" not in line:
        return None
    values = dict(_STAT.findall(line))

    def number(key: str) -> float | None:
        return float(values[key]) if key in values else None

    return Stats(number("fps"), number("bitrate"), number("speed"))


def is_error_line(line: str) -> bool:
    return "[error]" in line or "[fatal]" in line
