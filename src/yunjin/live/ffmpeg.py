"""The one adapter to ffmpeg: which binary, which command line, what its stderr says."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from yunjin.live.sources import Source, TestPattern

TONE_SAMPLE_RATE = 48_000
# 375 AAC frames of 1024 samples at 48 kHz: exactly 8 s, so any whole-hertz tone loops cleanly.
TONE_SECONDS = 8
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)


class FfmpegError(RuntimeError):
    """ffmpeg could not be found or did not do what was asked."""


@cache
def ffmpeg_binary(configured: str | None = None) -> str:
    """The configured ffmpeg, else the one the imageio-ffmpeg wheel ships."""
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise FfmpegError(f"ffmpeg not found: {configured}")
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def font_file() -> str | None:
    return next((font for font in FONT_CANDIDATES if Path(font).is_file()), None)


def tone_clip(cache_dir: Path, hertz: int, binary: str) -> Path:
    """An 8-second AAC tone, encoded once and looped by every generated channel."""
    path = cache_dir / f"tone-{hertz}.aac"
    if path.is_file():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part.aac")
    result = subprocess.run(
        [
            binary,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={hertz}:sample_rate={TONE_SAMPLE_RATE}",
            "-t",
            str(TONE_SECONDS),
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            str(partial),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise FfmpegError(f"could not make a tone: {result.stderr.strip()}")
    partial.replace(path)
    return path


def _drawtext(label: str, clock: str, pattern: TestPattern) -> str:
    font = font_file()
    if font is None:
        return ""
    size = max(12, pattern.height // 12)
    safe = re.sub(r"[^A-Za-z0-9 ._+-]", "", label)[:40] or "Yunjin"
    return (
        f",drawtext=fontfile={font}:text='{safe}  {clock}':fontsize={size}:fontcolor=white"
        f":box=1:boxcolor=black@0.6:boxborderw=8:x=(w-tw)/2:y=h-th-{size}"
    )


def generated_input_args(
    label: str, pattern: TestPattern, tone: Path, *, realtime: bool, clock_epoch: int | None
) -> list[str]:
    """lavfi test pattern with the label and a clock burnt in, plus a looped tone.

    With ``clock_epoch`` the clock shows that epoch plus the stream time (a
    backfill of the past); without it, the wall clock of the machine.
    """
    if clock_epoch is None:
        clock = r"%{localtime\:%Y-%m-%d %H\\\:%M\\\:%S}"
    else:
        clock = rf"%{{pts\:localtime\:{clock_epoch}\:%Y-%m-%d %H\\\:%M\\\:%S}}"
    video = f"testsrc2=size={pattern.width}x{pattern.height}:rate={pattern.rate}" + _drawtext(
        label, clock, pattern
    )
    pace = ["-re"] if realtime else []
    return [
        *pace,
        "-f",
        "lavfi",
        "-i",
        video,
        *pace,
        "-stream_loop",
        "-1",
        "-i",
        str(tone),
        "-map",
        "0:v",
        "-map",
        "1:a",
    ]


def generated_encode_args(pattern: TestPattern, segment_seconds: int) -> list[str]:
    gop = max(1, round(pattern.rate * segment_seconds))
    return [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-profile:v",
        "baseline",
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(gop),
        "-keyint_min",
        str(gop),
        "-sc_threshold",
        "0",
        "-b:v",
        f"{pattern.video_kbps}k",
        "-maxrate",
        f"{pattern.video_kbps * 6 // 5}k",
        "-bufsize",
        f"{pattern.video_kbps * 2}k",
        "-c:a",
        "copy",
    ]


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
