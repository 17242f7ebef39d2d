"""Backfill a generated channel's past faster than real time (for demos and tests).

The archive grows backwards in chunks, newest first: each chunk is rendered by
ffmpeg without real-time pacing, with the archive time burnt into the picture,
and then enters the archive as one run just before its first segment.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

from yunjin.archive.store import ChannelArchive, PendingSegment
from yunjin.live import segmenter
from yunjin.live.sources import Source
from yunjin.media import ffmpeg
from yunjin.media.process import piped, spawn, terminate

log = logging.getLogger(__name__)

# A backfill renders fewer frames per second than live to stay well ahead of real time.
BACKFILL_RATE = 5.0


class BackfillError(RuntimeError):
    pass


async def backfill_chunk(
    archive: ChannelArchive,
    source: Source,
    label: str,
    *,
    seconds: int,
    segment_seconds: int,
    binary: str,
    cache_dir: Path,
    timezone: str,
    end_ms: int | None = None,
) -> int:
    """Render ``seconds`` of the channel ending where its archive begins; returns segments.

    ``end_ms`` places the chunk in an empty archive (a test planting yesterday's evening).
    """
    if not source.is_generated:
        raise BackfillError("only generated (testsrc:) channels can be backfilled")
    first = archive.index.first
    if first is not None:
        if end_ms is not None and end_ms != first.start_ms:
            raise BackfillError("a backfill must end where the archive begins")
        end_ms = first.start_ms
    elif end_ms is None:
        end_ms = time.time_ns() // 1_000_000
    start_ms = end_ms - seconds * 1000
    pattern = replace(source.pattern, rate=min(source.pattern.rate, BACKFILL_RATE))
    tone = await asyncio.to_thread(ffmpeg.tone_clip, cache_dir, pattern.tone_hz, binary)
    folder = archive.incoming / f"backfill-{start_ms}"
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        binary,
        "-hide_banner",
        "-nostdin",
        "-loglevel",
        "error",
        *ffmpeg.generated_input_args(
            label, pattern, tone, realtime=False, clock_epoch=start_ms // 1000
        ),
        "-t",
        str(seconds),
        "-threads",
        "1",
        *ffmpeg.generated_encode_args(pattern, segment_seconds),
        *segmenter.segment_output_args(folder, segment_seconds),
    ]
    process = await spawn(command, env={**os.environ, "TZ": timezone})
    try:
        listed = [
            item
            for raw in (await piped(process.stdout).read()).decode().splitlines()
            if (item := segmenter.parse_list_line(raw)) is not None
        ]
        errors = (await piped(process.stderr).read()).decode("utf-8", "replace").strip()
        if await process.wait() != 0 or not listed:
            raise BackfillError(f"ffmpeg failed to render the backfill: {errors[-500:]}")
    finally:
        await terminate(process)
    # Place the chunk so that it ends exactly where the archive began.
    total_ms = round(listed[-1].end_s * 1000)
    pending = [
        PendingSegment(
            folder / item.name,
            end_ms - total_ms + round(item.start_s * 1000),
            round(item.end_s * 1000) - round(item.start_s * 1000),
        )
        for item in listed
    ]
    try:
        return len(archive.commit_before(pending))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
