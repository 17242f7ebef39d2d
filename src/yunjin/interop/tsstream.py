"""A continuous MPEG-TS stream made of archived segments, for apps that ask for ``.ts``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from yunjin.archive.store import ChannelArchive

POLL_S = 0.5
IDLE_LIMIT_S = 30.0


async def segment_bytes(
    archive: ChannelArchive, from_seq: int, until_ms: int | None
) -> AsyncIterator[bytes]:
    """Segments from sequence number ``from_seq`` on, following live when ``until_ms`` is None.

    Stops at ``until_ms``, or after ``IDLE_LIMIT_S`` without a new segment.
    """
    next_seq = from_seq
    idle = 0.0
    while True:
        index = archive.index
        position = index.position_of_seq(next_seq)
        if position < len(index):
            segment = index[position]
            if until_ms is not None and segment.start_ms >= until_ms:
                return
            day, hour = segment.bucket.split("/")
            path = archive.segment_file(day, hour, segment.file_name)
            next_seq = segment.seq + 1
            idle = 0.0
            if path is None:  # deleted by retention meanwhile
                continue
            yield await asyncio.to_thread(path.read_bytes)
            continue
        if until_ms is not None and (index.end_ms or 0) >= until_ms:
            return
        if idle >= IDLE_LIMIT_S:
            return
        await asyncio.sleep(POLL_S)
        idle += POLL_S
