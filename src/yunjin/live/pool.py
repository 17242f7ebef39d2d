"""Keeps one recorder running for every channel of the catalog that is on air.

A live event's channel records from a source a newsroom writer chose: before each start
its host is resolved again and every address checked (``live.source_networks``); a
refused one is not started, and ``refused`` says why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from yunjin.archive.registry import Archives
from yunjin.live.channels import ChannelView
from yunjin.live.recorder import ChannelRecorder, Fence, RecorderConfig
from yunjin.live.source_networks import IPNetwork, SourceRefused, check_source
from yunjin.live.sources import SourceError, parse_source, redact_source

log = logging.getLogger(__name__)
Fences = Callable[[str], Fence]  # a channel's fence (live.shards.RecorderShard.fence)


class RecorderPool:
    """Recorders by tvg-id, started, restarted and stopped to match the catalog."""

    def __init__(
        self,
        archives: Archives,
        config: RecorderConfig,
        source_networks: Sequence[IPNetwork] = (),
    ) -> None:
        self.archives = archives
        self.config = config
        self.source_networks = tuple(source_networks)
        self.recorders: dict[str, ChannelRecorder] = {}
        self.refused: dict[str, str] = {}  # tvg-id → why its source was not recorded
        self._sources: dict[str, str] = {}

    async def reconcile(
        self, channels: list[ChannelView], at_ms: int, fences: Fences | None = None
    ) -> None:
        """Record the channels that should be on air at ``at_ms``: the enabled ones, a live
        event's temporary channel only within its window.  With ``fences`` (a recorder node
        of several, ADR 0033) each recorder asks its channel's fence before every segment,
        and its archive is read again from the shared storage before it starts: another
        node may have written it since."""
        wanted = {c.tvg_id: c for c in channels if c.records_at(at_ms)}
        for tvg_id in list(self.recorders):
            channel = wanted.get(tvg_id)
            if channel is None or channel.source != self._sources[tvg_id]:
                await self.stop(tvg_id)
        for tvg_id, channel in wanted.items():
            if tvg_id not in self.recorders and await self._may_record(channel):
                if fences is not None:
                    await asyncio.to_thread(self.archives.reload, tvg_id)
                self._start(channel, None if fences is None else fences(tvg_id))
        for tvg_id in set(self.refused) - set(wanted):
            del self.refused[tvg_id]

    async def _may_record(self, channel: ChannelView) -> bool:
        """An operator's channel always; a live event's only while its source resolves to
        public addresses or the allowed networks (a name may point elsewhere by now)."""
        if channel.event_story is None:
            return True
        try:
            source = parse_source(channel.source)
            await asyncio.to_thread(check_source, source, self.source_networks)
        except (SourceRefused, SourceError) as error:
            if self.refused.get(channel.tvg_id) != str(error):
                log.warning("%s is not recorded: %s", channel.tvg_id, error)
            self.refused[channel.tvg_id] = str(error)
            return False
        self.refused.pop(channel.tvg_id, None)
        return True

    def _start(self, channel: ChannelView, fence: Fence | None) -> None:
        archive = self.archives.get(channel.tvg_id)
        recorder = ChannelRecorder(
            archive,
            parse_source(channel.source),
            channel.name_en or channel.tvg_id,
            self.config,
            fence=fence,
        )
        self.recorders[channel.tvg_id] = recorder
        self._sources[channel.tvg_id] = channel.source
        recorder.start()
        log.info("recording %s from %s", channel.tvg_id, redact_source(channel.source))

    async def stop(self, tvg_id: str) -> None:
        """Stop a channel's recorder, if it runs; its last segment is committed first."""
        recorder = self.recorders.pop(tvg_id, None)
        self._sources.pop(tvg_id, None)
        if recorder is None:
            return
        await recorder.stop()
        log.info("stopped recording %s", tvg_id)

    async def stop_all(self) -> None:
        await asyncio.gather(*(self.stop(tvg_id) for tvg_id in list(self.recorders)))
