"""Which ffmpeg runs, and the generated test sources every part of Yunjin draws on.

The binary is the one the ``imageio-ffmpeg`` wheel ships unless a system ffmpeg is
configured. A generated source is a ``lavfi`` test pattern with its label and a clock burnt
in and a looped tone: the demo's channels, a backfill of their past, test media.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from yunjin.media.process import run

TONE_SAMPLE_RATE = 48_000
# 375 AAC frames of 1024 samples at 48 kHz: exactly 8 s, so any whole-hertz tone loops cleanly.
TONE_SECONDS = 8
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
)


@dataclass(frozen=True, slots=True)
class TestPattern:
    """Parameters of a generated ``testsrc:`` channel."""

    width: int = 640
    height: int = 360
    rate: float = 25.0
    tone_hz: int = 440
    video_kbps: int = 500


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
    result = run(
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
        ]
    )
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip()
        raise FfmpegError(f"could not make a tone: {detail}")
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
