"""Shared test helpers: building indexes, waiting with deadlines."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

from yunjin.archive.index import ArchiveIndex
from yunjin.archive.segment import Segment

T = TypeVar("T")
T0_MS = 1_794_999_600_000  # 2026-11-18T11:00:00Z


def contiguous(
    count: int,
    *,
    start_ms: int = T0_MS,
    duration_ms: int = 2000,
    seq: int = 100,
    run: int = 7,
    size: int = 1000,
) -> list[Segment]:
    return [
        Segment(start_ms + i * duration_ms, duration_ms, seq + i, run, size) for i in range(count)
    ]


def index_of(segments: list[Segment]) -> ArchiveIndex:
    index = ArchiveIndex()
    for segment in segments:
        index.append(segment)
    return index


def wait_for(predicate: Callable[[], T | None], timeout: float, what: str, every: float = 0.2) -> T:
    """Poll ``predicate`` until it returns something truthy, or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def decode(url: str, seconds: int | None = None) -> tuple[int, str]:
    """Decode a playlist or stream's video with real ffmpeg: (frames decoded, its log).

    ``seconds`` limits a growing playlist, read from its first segment as a catch-up player
    does (ffmpeg would otherwise join three segments from the end, past the time limit);
    a closed one is read to its end.
    """
    from yunjin.live.ffmpeg import ffmpeg_binary

    limit = ["-t", str(seconds)] if seconds else []
    start = ["-live_start_index", "0"] if seconds else []
    result = subprocess.run(
        [
            ffmpeg_binary(),
            "-hide_banner",
            "-nostdin",
            *start,
            "-i",
            url,
            *limit,
            "-map",
            "0:v",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    frames = re.findall(r"frame=\s*(\d+)", result.stderr)
    return (int(frames[-1]) if frames else 0), result.stderr
