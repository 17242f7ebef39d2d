"""Reading the guide: now/next, a channel's day, title search, and catch-up for each programme."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.archive.index import ArchiveIndex
from yunjin.db.models import Programme
from yunjin.epg.xmltv import XmltvProgramme
from yunjin.folding import fold

# A programme counts as recorded when the archive starts no later than this after it.
ARCHIVE_START_SLACK_MS = 60_000
NOW_NEXT_HORIZON_MS = 24 * 3_600_000


@dataclass(frozen=True, slots=True)
class GuideEntry:
    channel_id: str
    start_ms: int
    stop_ms: int
    title: str
    titles: dict[str, str]
    subtitle: str
    description: str
    descriptions: dict[str, str]
    category: str
    episode: str
    icon: str

    @classmethod
    def of(cls, row: Programme) -> GuideEntry:
        return cls(
            row.channel_id,
            row.start_ms,
            row.stop_ms,
            row.title,
            dict(row.titles),
            row.subtitle,
            row.description,
            dict(row.descriptions),
            row.category,
            row.episode,
            row.icon,
        )

    def as_xmltv(self) -> XmltvProgramme:
        titles = tuple(self.titles.items()) or (("", self.title),)
        return XmltvProgramme(
            channel=self.channel_id,
            start_ms=self.start_ms,
            stop_ms=self.stop_ms,
            titles=titles,
            descriptions=tuple(self.descriptions.items()),
            subtitle=self.subtitle,
            categories=tuple(c for c in self.category.split(", ") if c),
            episode=self.episode,
            icon=self.icon,
        )


def in_archive(entry: GuideEntry, index: ArchiveIndex, now_ms: int) -> bool:
    """Whether catch-up (or start-over, while it airs) can play this programme."""
    start, end = index.start_ms, index.end_ms
    if start is None or end is None or entry.start_ms >= now_ms:
        return False
    return start <= entry.start_ms + ARCHIVE_START_SLACK_MS and entry.start_ms < end


def now_next(
    session: Session, channel_ids: list[str], now_ms: int
) -> dict[str, tuple[GuideEntry | None, GuideEntry | None]]:
    """The programme on now and the one after it, for every channel, in one query."""
    rows = session.scalars(
        select(Programme)
        .where(
            Programme.channel_id.in_(channel_ids),
            Programme.stop_ms > now_ms,
            Programme.start_ms < now_ms + NOW_NEXT_HORIZON_MS,
        )
        .order_by(Programme.channel_id, Programme.start_ms)
    )
    upcoming: dict[str, list[GuideEntry]] = {channel_id: [] for channel_id in channel_ids}
    for row in rows:
        found = upcoming[row.channel_id]
        if len(found) < 2:
            found.append(GuideEntry.of(row))
    result: dict[str, tuple[GuideEntry | None, GuideEntry | None]] = {}
    for channel_id, found in upcoming.items():
        current = found[0] if found and found[0].start_ms <= now_ms else None
        following = [entry for entry in found if entry is not current]
        result[channel_id] = (current, following[0] if following else None)
    return result


def schedule(session: Session, channel_id: str, from_ms: int, until_ms: int) -> list[GuideEntry]:
    """A channel's programmes that overlap ``[from_ms, until_ms)``, in order."""
    rows = session.scalars(
        select(Programme)
        .where(
            Programme.channel_id == channel_id,
            Programme.start_ms < until_ms,
            Programme.stop_ms > from_ms,
        )
        .order_by(Programme.start_ms)
    )
    return [GuideEntry.of(row) for row in rows]


def search(
    session: Session, query: str, channel_ids: list[str], limit: int = 50
) -> list[GuideEntry]:
    """Programmes whose title contains the query, folded like channel names; newest first."""
    key = fold(query)
    if not key:
        return []
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = session.scalars(
        select(Programme)
        .where(
            Programme.channel_id.in_(channel_ids),
            Programme.title_folded.like(f"%{escaped}%", escape="\\"),
        )
        .order_by(Programme.start_ms.desc())
        .limit(limit)
    )
    return [GuideEntry.of(row) for row in rows]


def programmes_between(
    session: Session, channel_ids: list[str], from_ms: int, until_ms: int | None = None
) -> list[GuideEntry]:
    """Programmes of these channels that end after ``from_ms`` (and start before ``until_ms``)."""
    query = select(Programme).where(
        Programme.channel_id.in_(channel_ids), Programme.stop_ms > from_ms
    )
    if until_ms is not None:
        query = query.where(Programme.start_ms < until_ms)
    rows = session.scalars(query.order_by(Programme.channel_id, Programme.start_ms))
    return [GuideEntry.of(row) for row in rows]
