"""New segments, announced by the node recording a channel to the nodes serving it (ADR 0033).

The recorder publishes each committed segment on a Redis channel; api nodes append it to
their copy of the index at once.  The announcement is only the fast path: the hour indexes
on the shared storage are the truth, which a node reads again after a missed announcement
(a gap in sequence numbers), after Redis was away, and every few seconds in any case — so a
node that starts late or loses Redis converges without a restart.

A message is one line: ``{channel}\\t{start_ms}\\t{duration_ms}\\t{seq}\\t{run}\\t{size}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from yunjin.archive.segment import Segment

log = logging.getLogger(__name__)

QUEUE_LIMIT = 10_000  # segments waiting to be announced before the oldest are dropped
RETRY_S = 1.0


def encode(channel: str, segment: Segment) -> str:
    return (
        f"{channel}\t{segment.start_ms}\t{segment.duration_ms}\t{segment.seq}\t{segment.run}"
        f"\t{segment.size}"
    )


def decode(message: str) -> tuple[str, Segment] | None:
    """The channel and segment a message names, or None when it is not one."""
    fields = message.split("\t")
    if len(fields) != 6 or not all(field.isdigit() for field in fields[1:]):
        return None
    start_ms, duration_ms, seq, run, size = (int(field) for field in fields[1:])
    return fields[0], Segment(start_ms, duration_ms, seq, run, size)


def topic(prefix: str) -> str:
    return f"{prefix}:segments"


class Announcer:
    """The recorder's side: :meth:`announce` queues (never blocks the commit), :meth:`run`
    publishes; when Redis is away announcements are dropped — readers catch up from disk."""

    def __init__(self, url: str, prefix: str) -> None:
        self._redis = aioredis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._topic = topic(prefix)
        self._queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_LIMIT)

    def announce(self, channel: str, segment: Segment) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(encode(channel, segment))

    async def run(self) -> None:
        while True:
            message = await self._queue.get()
            try:
                await self._redis.publish(self._topic, message)
            except (RedisError, OSError) as error:
                log.warning("announcing segments: %s", error)
                await asyncio.sleep(RETRY_S)

    async def close(self) -> None:
        await self._redis.aclose()


Follow = Callable[[str, Segment], None]
Resync = Callable[[], None]


async def listen(url: str, prefix: str, follow: Follow, resync: Resync) -> None:
    """The serving side: hand each announced segment to ``follow``; after every (re)connect,
    call ``resync`` first (what was announced while away is read from disk).  Runs until
    cancelled, reconnecting as Redis comes and goes."""
    while True:
        client = aioredis.Redis.from_url(url, socket_connect_timeout=2)
        try:
            async with client.pubsub() as subscription:
                await subscription.subscribe(topic(prefix))
                resync()
                async for item in subscription.listen():
                    if item.get("type") != "message":
                        continue
                    data = item["data"]
                    found = decode(
                        data.decode("utf-8", "replace") if isinstance(data, bytes) else data
                    )
                    if found is not None:
                        follow(*found)
        except (RedisError, OSError) as error:
            log.warning("following announced segments: %s; again in %.0f s", error, RETRY_S)
        finally:
            await client.aclose()
        await asyncio.sleep(RETRY_S)
