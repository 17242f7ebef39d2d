"""One supervised ffmpeg per channel, feeding finished segments into the archive.

The recorder anchors each ffmpeg run to the wall clock once, at its first
segment, and places later segments by stream time from that anchor, so the
segments of a run are contiguous.  A segment that arrives much later than its
stream time promises (a stalled source) re-anchors and opens a new run, which
playlists show as a discontinuity.  ffmpeg that exits, fails to open its source
or stops producing segments is restarted with exponential backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from yunjin.archive.store import ChannelArchive, PendingSegment
from yunjin.live import segmenter
from yunjin.live.sources import Source, redact_text
from yunjin.media.ffmpeg import tone_clip
from yunjin.media.process import piped, spawn, terminate

log = logging.getLogger(__name__)

BACKOFF_FIRST_S = 1.0
STDERR_TAIL = 20


class RecorderState(enum.StrEnum):
    STARTING = "starting"
    RECORDING = "recording"
    ERROR = "error"  # the source failed; a retry is scheduled
    STOPPED = "stopped"


@dataclass
class RecorderStatus:
    """What a channel's recorder is doing, for the API and the CLI."""

    state: RecorderState = RecorderState.STOPPED
    pid: int | None = None
    restarts: int = 0
    segments_recorded: int = 0
    last_segment_at_ms: int | None = None
    last_error: str | None = None
    next_retry_in_s: float | None = None
    fps: float | None = None
    bitrate_kbps: float | None = None
    speed: float | None = None
    stderr_tail: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RecorderConfig:
    segment_seconds: int
    ffmpeg_binary: str
    cache_dir: Path
    backoff_max_s: float = 30.0
    stall_timeout_s: float = 15.0
    timezone: str = "Asia/Shanghai"


Fence = Callable[[], bool]  # may this node still write the channel's archive? (ADR 0033)


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class ChannelRecorder:
    """Keeps one ffmpeg recording one channel for as long as it runs."""

    def __init__(
        self,
        archive: ChannelArchive,
        source: Source,
        label: str,
        config: RecorderConfig,
        *,
        fence: Fence | None = None,
    ) -> None:
        self.archive = archive
        self.fence = fence
        self.source = source
        self.label = label
        self.config = config
        self.status = RecorderStatus()
        self.segment_committed = asyncio.Event()
        self._process: asyncio.subprocess.Process | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def channel_id(self) -> str:
        return self.archive.channel_id

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._supervise(), name=f"record {self.channel_id}")

    async def stop(self) -> None:
        """Stop ffmpeg (letting it finish its segment) and the supervisor."""
        self._stopping.set()
        if self._process is not None:
            await terminate(self._process)
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.status.state = RecorderState.STOPPED
        self.status.pid = None

    async def _supervise(self) -> None:
        backoff = BACKOFF_FIRST_S
        while not self._stopping.is_set():
            try:
                produced = await self._run_once()
            except Exception as error:
                log.exception("%s: recording run failed", self.channel_id)
                self.status.last_error = redact_text(f"{type(error).__name__}: {error}")
                produced = False
            if self._stopping.is_set():
                break
            self.status.restarts += 1
            if produced:
                backoff = BACKOFF_FIRST_S
            else:
                self.status.state = RecorderState.ERROR
            self.status.next_retry_in_s = backoff
            log.warning(
                "%s: ffmpeg ended (%s); restarting in %.0f s",
                self.channel_id,
                self.status.last_error,
                backoff,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), backoff)
            self.status.next_retry_in_s = None
            backoff = min(backoff * 2, self.config.backoff_max_s)

    async def _run_once(self) -> bool:
        """Run ffmpeg until it exits or stalls; True when it produced any segment."""
        folder = self.archive.incoming / f"run-{wall_ms()}"
        folder.mkdir(parents=True, exist_ok=True)
        tone = None
        if self.source.is_generated:
            tone = await asyncio.to_thread(
                tone_clip,
                self.config.cache_dir,
                self.source.pattern.tone_hz,
                self.config.ffmpeg_binary,
            )
        command = segmenter.record_command(
            self.config.ffmpeg_binary,
            self.source,
            folder,
            self.config.segment_seconds,
            label=self.label,
            tone=tone,
        )
        self.status.state = RecorderState.STARTING
        env = {**os.environ, "TZ": self.config.timezone}
        try:
            process = await spawn(command, env=env)
        except OSError as error:
            self.status.last_error = f"cannot start ffmpeg: {error}"
            return False
        self._process = process
        self.status.pid = process.pid
        run = _Run(self, folder)
        readers = [
            asyncio.create_task(run.read_segments(piped(process.stdout))),
            asyncio.create_task(self._read_stderr(piped(process.stderr))),
            asyncio.create_task(self._watch_stall(run)),
        ]
        await process.wait()
        for reader in readers[:2]:
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        readers[2].cancel()
        self._process = None
        self.status.pid = None
        if process.returncode not in (0, 255, -15) and not self.status.last_error:
            self.status.last_error = f"ffmpeg exited with code {process.returncode}"
        return run.produced

    async def _read_stderr(self, stream: asyncio.StreamReader) -> None:
        pending = b""
        while chunk := await stream.read(4096):
            pending += chunk
            *lines, pending = pending.replace(b"\r", b"\n").split(b"\n")
            for raw in lines:
                self._note_stderr(raw.decode("utf-8", "replace").strip())

    def _note_stderr(self, line: str) -> None:
        if not line:
            return
        line = redact_text(line)  # ffmpeg names its input, credentials and all
        stats = segmenter.parse_stats(line)
        if stats is not None:
            self.status.fps, self.status.bitrate_kbps, self.status.speed = (
                stats.fps,
                stats.bitrate_kbps,
                stats.speed,
            )
            return
        self.status.stderr_tail = [*self.status.stderr_tail[-(STDERR_TAIL - 1) :], line]
        if segmenter.is_error_line(line):
            self.status.last_error = line

    async def _watch_stall(self, run: _Run) -> None:
        timeout = self.config.stall_timeout_s
        while True:
            await asyncio.sleep(timeout / 3)
            if time.monotonic() - run.last_progress > timeout and self._process is not None:
                self.status.last_error = f"no segment for {timeout:.0f} s; restarting ffmpeg"
                self._process.kill()
                return


class _Run:
    """One ffmpeg run: turns its list of finished files into archived segments."""

    def __init__(self, recorder: ChannelRecorder, folder: Path) -> None:
        self.recorder = recorder
        self.folder = folder
        self.anchor_ms: int | None = None
        self.produced = False
        self.last_progress = time.monotonic()
        self._max_drift_ms = max(3000, 2000 * recorder.config.segment_seconds)

    async def read_segments(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            listed = segmenter.parse_list_line(line.decode("utf-8", "replace"))
            if listed is not None:
                self.commit(listed)

    def commit(self, listed: segmenter.ListedSegment) -> None:
        path = self.folder / listed.name
        start_rel = round(listed.start_s * 1000)
        end_rel = round(listed.end_s * 1000)
        now = wall_ms()
        new_run = self.anchor_ms is None
        if self.anchor_ms is None or abs(now - (self.anchor_ms + end_rel)) > self._max_drift_ms:
            new_run = True
            self.anchor_ms = now - end_rel
        pending = PendingSegment(path, self.anchor_ms + start_rel, end_rel - start_rel)
        recorder = self.recorder
        if recorder.fence is not None and not recorder.fence():
            # the claim on the channel is no longer trusted: another node may own it by now
            log.warning(
                "%s: segment %s dropped: not this node's channel", recorder.channel_id, path
            )
            path.unlink(missing_ok=True)
            return
        try:
            segment = recorder.archive.commit(pending, new_run=new_run)
        except (OSError, ValueError) as error:
            log.error("%s: segment %s not archived: %s", recorder.channel_id, path, error)
            path.unlink(missing_ok=True)
            return
        self.produced = True
        self.last_progress = time.monotonic()
        status = recorder.status
        status.state = RecorderState.RECORDING
        status.segments_recorded += 1
        status.last_segment_at_ms = segment.end_ms
        status.last_error = None
        recorder.segment_committed.set()
        recorder.segment_committed.clear()
