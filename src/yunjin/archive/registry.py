"""Every channel's archive under one root, and retention across them."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from yunjin.archive.segment import HOUR_MS, Segment
from yunjin.archive.store import ChannelArchive

log = logging.getLogger(__name__)
Announce = Callable[[str, Segment], None]
DAY_MS = 24 * HOUR_MS


@dataclass(frozen=True, slots=True)
class RetentionReport:
    bytes_freed_by_age: int
    bytes_freed_by_budget: int


class Archives:
    """Channel archives by tvg-id, loaded from disk on first use."""

    def __init__(
        self, root: Path, *, reader: bool = False, announce: Announce | None = None
    ) -> None:
        self.root = root
        self.reader = reader  # an api node of several: other nodes record (ADR 0033)
        self.announce = announce  # a recorder node tells the others of each segment
        self._channels: dict[str, ChannelArchive] = {}

    def get(self, channel_id: str) -> ChannelArchive:
        archive = self._channels.get(channel_id)
        if archive is None:
            archive = ChannelArchive(self.root, channel_id, reader=self.reader)
            archive.announce = self.announce
            report = archive.load()
            if report.hours_rebuilt or report.rejected:
                log.warning("%s: %s", channel_id, report)
            self._channels[channel_id] = archive
        return archive

    def reload(self, channel_id: str) -> ChannelArchive:
        """Read a channel's archive from disk again (another node may have written it), its
        keys kept; later requests see the new copy."""
        old = self._channels.pop(channel_id, None)
        archive = self.get(channel_id)
        if old is not None:
            archive.keys = old.keys
        return archive

    def loaded(self) -> list[ChannelArchive]:
        """The archives read so far."""
        return list(self._channels.values())

    def purge(self, channel_id: str) -> None:
        """Delete a channel's whole archive."""
        self._channels.pop(channel_id, None)
        shutil.rmtree(self.root / channel_id, ignore_errors=True)

    def enforce_retention(
        self, now_ms: int, catchup_days: dict[str, int], budget_bytes: int | None
    ) -> RetentionReport:
        """Drop hours older than each channel's catch-up days, then the oldest over budget."""
        by_age = 0
        for channel_id, days in catchup_days.items():
            by_age += self.get(channel_id).drop_hours_before(now_ms - days * DAY_MS)
        by_budget = 0
        if budget_bytes is not None:
            archives = [self.get(channel_id) for channel_id in catchup_days]
            while sum(a.index.total_bytes for a in archives) > budget_bytes:
                candidates = [a for a in archives if len(a.index) > 0]
                if not candidates:
                    break
                oldest = min(candidates, key=lambda a: a.oldest_hour_ms() or 0)
                # Never drop the hour being recorded: the budget is too small for it.
                if oldest.oldest_hour_ms() == (oldest.index.end_ms or 0) // HOUR_MS * HOUR_MS:
                    break
                by_budget += oldest.drop_oldest_hour()
        return RetentionReport(by_age, by_budget)
