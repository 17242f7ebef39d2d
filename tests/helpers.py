"""Shared test helpers: building indexes, waiting with deadlines, an event loop on a thread."""

from __future__ import annotations

import asyncio
import re
import subprocess
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

from yunjin.archive.index import ArchiveIndex
from yunjin.archive.segment import Segment
from yunjin.archive.store import ChannelArchive
from yunjin.delivery.scopes import ChannelScope
from yunjin.live.backfill import backfill_chunk
from yunjin.live.sources import parse_source
from yunjin.media.ffmpeg import ffmpeg_binary

T = TypeVar("T")
T0_MS = 1_794_999_600_000  # 2026-11-18T11:00:00Z
PLANTED_SOURCE = "testsrc:?size=320x180&rate=25&kbps=200"


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


class AppClient:
    """Requests straight into the ASGI app, each in its own event loop on a worker thread
    (the browser tests keep a loop running on the main thread)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(lambda: asyncio.run(self._send(method, path, kwargs))).result()

    async def _send(self, method: str, path: str, kwargs: dict[str, Any]) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://yunjin") as client:
            return await client.request(method, path, **kwargs)


def live_now(back_s: int = 60) -> ChannelScope:
    """A live scope opening segments from ``back_s`` ago on (what ``/api/v1/play`` signs for
    live is tighter: from the oldest segment of the live playlist)."""
    return ChannelScope.live(time.time_ns() // 1_000_000 - back_s * 1000)


def window_of(start_s: int, duration_s: int | None, slack_s: int = 2) -> ChannelScope:
    """A window scope for ``archive-{start_s}-{duration_s}`` whose first segment may begin up
    to ``slack_s`` before it."""
    from_ms = (start_s - slack_s) * 1000
    end_ms = None if duration_s is None else (start_s + duration_s) * 1000
    return ChannelScope.window(from_ms, end_ms, slack_s * 1000)


def plant_archive(
    data: Path, channel: str, end_ms: int, seconds: int, source: str = PLANTED_SOURCE
) -> None:
    """Render real segments for a past window into a channel's (empty) archive, 1 s each:
    a test of the gate needs a past, not a recorder that ran for it."""
    archive = ChannelArchive(data / "archive", channel)
    archive.load()

    def render() -> int:
        return asyncio.run(
            backfill_chunk(
                archive,
                parse_source(source),
                "News",
                seconds=seconds,
                segment_seconds=1,
                binary=ffmpeg_binary(),
                cache_dir=data / "cache",
                timezone="Asia/Shanghai",
                end_ms=end_ms,
            )
        )

    # its own thread: Playwright's sync API may already run an event loop in this one
    with ThreadPoolExecutor(1) as pool:
        pool.submit(render).result()


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
    from yunjin.media.ffmpeg import ffmpeg_binary

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


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end on a thread of its own: the browser tests keep an event
    loop running on the main thread for the whole session, where ``asyncio.run`` refuses."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class LoopThread:
    """An asyncio event loop on a thread of its own, so that a test holding the main thread
    (waiting with ``wait_for``, or driving a browser) can run a runtime's loops in process.
    Leaving it cancels what still runs there and waits for it, as ``asyncio.run`` would."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="test-loop", daemon=True)

    def __enter__(self) -> LoopThread:
        self._thread.start()
        return self

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run a coroutine there to its end and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def spawn(self, coroutine: Coroutine[Any, Any, Any], name: str) -> None:
        """Start a task there that runs until it ends or the thread is left."""
        self.loop.call_soon_threadsafe(lambda: self.loop.create_task(coroutine, name=name))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # everything on the loop's own thread: the main thread may hold a running loop
        ended = asyncio.run_coroutine_threadsafe(self._cancel_the_rest(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        assert not self._thread.is_alive(), "the test loop did not stop"
        self.loop.close()
        failed = [e for e in ended if not isinstance(e, asyncio.CancelledError)]
        assert not failed, f"tasks on the test loop did not end when cancelled: {failed}"

    async def _cancel_the_rest(self) -> list[Any]:
        current = asyncio.current_task()
        leftover = {task for task in asyncio.all_tasks() if task is not current}
        for task in leftover:
            task.cancel()
        ended = await self._gather(leftover) if leftover else []
        await self.loop.shutdown_default_executor()
        return ended

    @staticmethod
    async def _gather(tasks: set[asyncio.Task[Any]]) -> list[Any]:
        return await asyncio.gather(*tasks, return_exceptions=True)
