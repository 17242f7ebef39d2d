"""Keeps one recorder running for every channel of the catalog that is on air."""

from __future__ import annotations

import asyncio
import logging

from yunjin.archive.registry import Archives
from yunjin.live.channels import ChannelView
from yunjin.live.recorder import ChannelRecorder, RecorderConfig
from yunjin.live.sources import parse_source, redact_source

log = logging.getLogger(__name__)


class RecorderPool:
    """Recorders by tvg-id, started, restarted and stopped to match the catalog."""

    def __init__(self, archives: Archives, config: RecorderConfig) -> None:
        self.archives = archives
        self.config = config
        self.recorders: dict[str, ChannelRecorder] = {}
        self._sources: dict[str, str] = {}

    async def reconcile(self, channels: list[ChannelView], at_ms: int) -> None:
        """Record the channels that should be on air at ``at_ms``: the enabled ones, a live
        event's temporary channel only within its window."""
        wanted = {c.tvg_id: c for c in channels if c.records_at(at_ms)}
        for tvg_id in list(self.recorders):
            channel = wanted.get(tvg_id)
            if channel is None or channel.source != self._sources[tvg_id]:
                await self._stop(tvg_id)
        for tvg_id, channel in wanted.items():
            if tvg_id not in self.recorders:
                self._start(channel)

    def _start(self, channel: ChannelView) -> None:
        archive = self.archives.get(channel.tvg_id)
        recorder = ChannelRecorder(
            archive, parse_source(channel.source), channel.name_en or channel.tvg_id, self.config
        )
        self.recorders[channel.tvg_id] = recorder
        self._sources[channel.tvg_id] = channel.source
        recorder.start()
        log.info("recording %s from %s", channel.tvg_id, redact_source(channel.source))

    async def _stop(self, tvg_id: str) -> None:
        recorder = self.recorders.pop(tvg_id)
        self._sources.pop(tvg_id, None)
        await recorder.stop()
        log.info("stopped recording %s", tvg_id)

    async def stop_all(self) -> None:
        await asyncio.gather(*(self._stop(tvg_id) for tvg_id in list(self.recorders)))
