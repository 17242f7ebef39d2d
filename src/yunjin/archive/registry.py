"""Every channel's archive under one root, and retention across them."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from yunjin.archive.segment import HOUR_MS
from yunjin.archive.store import ChannelArchive

log = logging.getLogger(__name__)
DAY_MS = 24 * HOUR_MS


@dataclass(frozen=True, slots=True)
class RetentionReport:
    bytes_freed_by_age: int
    bytes_freed_by_budget: int


class Archives:
    """Channel archives by tvg-id, loaded from disk on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._channels: dict[str, ChannelArchive] = {}

    def get(self, channel_id: str) -> ChannelArchive:
        archive = self._channels.get(channel_id)
        if archive is None:
            archive = ChannelArchive(self.root, channel_id)
            report = archive.load()
            if report.hours_rebuilt or report.rejected:
                log.warning("%s: %s", channel_id, report)
            self._channels[channel_id] = archive
        return archive

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
