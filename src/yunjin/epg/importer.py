"""Importing an XMLTV guide: match its channels, replace each covered window, all or nothing.

An import streams the document into a staging table, then, channel by channel,
orders the staged programmes, fills missing stop times, trims overlaps and
replaces the channel's programmes in the window the guide covers.  Everything
happens in one transaction: a document that fails half-way leaves the previous
guide exactly as it was.
"""

from __future__ import annotations

import gzip
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from yunjin.db.models import EpgChannelMap, EpgStaging, Programme
from yunjin.epg.guide import schedule
from yunjin.epg.normalise import fold
from yunjin.epg.xmltv import ParseIssues, XmltvChannel, XmltvProgramme, iter_xmltv
from yunjin.live.channels import ChannelView

BATCH = 5000
# Core inserts: many times faster than ORM bulk inserts for rows we never read back.
STAGING = cast(Table, EpgStaging.__table__)
PROGRAMMES = cast(Table, Programme.__table__)
GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class ImportReport:
    """What an import did, for the command line, the API and the logs."""

    source: str
    guide_channels: int = 0
    matched: dict[str, str] = field(default_factory=dict)  # guide id -> tvg-id
    unmatched: dict[str, str] = field(default_factory=dict)  # guide id -> a display name
    programmes_read: int = 0
    programmes_stored: int = 0
    programmes_of_unmatched_channels: int = 0
    overlaps_trimmed: int = 0
    duplicates_dropped: int = 0
    open_ended_dropped: int = 0
    issues: ParseIssues = field(default_factory=ParseIssues)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "guide_channels": self.guide_channels,
            "matched": self.matched,
            "unmatched": self.unmatched,
            "programmes_read": self.programmes_read,
            "programmes_stored": self.programmes_stored,
            "programmes_of_unmatched_channels": self.programmes_of_unmatched_channels,
            "overlaps_trimmed": self.overlaps_trimmed,
            "duplicates_dropped": self.duplicates_dropped,
            "open_ended_dropped": self.open_ended_dropped,
            "skipped": self.issues.counts,
            "skipped_examples": self.issues.examples,
            "seconds": round(self.seconds, 2),
        }


class ChannelMatcher:
    """Finds our channel for a guide's channel: by id, by folded name, then by mapping."""

    def __init__(self, channels: list[ChannelView], mapping: dict[str, str]) -> None:
        self._ids = {c.tvg_id for c in channels}
        self._by_folded_id = {fold(c.tvg_id): c.tvg_id for c in channels}
        self._by_name: dict[str, str] = {}
        for c in channels:
            for name in (c.name_zh, c.name_en):
                self._by_name.setdefault(fold(name), c.tvg_id)
        self._mapping = {k: v for k, v in mapping.items() if v in self._ids}

    def match(self, guide_id: str, names: tuple[str, ...] = ()) -> str | None:
        if guide_id in self._ids:
            return guide_id
        for key in (fold(guide_id), *(fold(name) for name in names)):
            found = self._by_folded_id.get(key) or self._by_name.get(key)
            if found:
                return found
        return self._mapping.get(guide_id)


@contextmanager
def open_guide(path: Path) -> Iterator[tuple[IO[bytes], Callable[[], int]]]:
    """A guide file as a byte stream (gunzipped when gzip) and how far into the file it is."""
    with open(path, "rb") as raw:
        magic = raw.read(2)
        raw.seek(0)
        if magic == GZIP_MAGIC:
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                yield cast(IO[bytes], unzipped), raw.tell
        else:
            yield raw, raw.tell


def import_guide(
    session: Session,
    stream: IO[bytes],
    channels: list[ChannelView],
    *,
    source: str,
    progress: Callable[[], None] | None = None,
) -> ImportReport:
    """Import one XMLTV document inside the caller's transaction; returns the report.

    Raises ``XmltvError`` (and the caller rolls back) when the document is broken.
    """
    started = time.monotonic()
    report = ImportReport(source)
    mapping = {
        row.xmltv_id: row.channel_id
        for row in session.execute(select(EpgChannelMap.xmltv_id, EpgChannelMap.channel_id))
    }
    matcher = ChannelMatcher(channels, mapping)
    import_id = uuid.uuid4().hex
    resolved: dict[str, str | None] = {}
    current: str | None = None
    run: list[XmltvProgramme] = []  # the programmes of ``current`` read so far
    written: dict[str, tuple[int, int]] = {}  # channel -> window this import replaced
    late: set[str] = set()  # channels that came back after their run was written
    staged: list[dict[str, Any]] = []
    for item in iter_xmltv(stream, report.issues):
        if isinstance(item, XmltvChannel):
            report.guide_channels += 1
            target = matcher.match(item.id, item.names)
            resolved[item.id] = target
            if target is None:
                report.unmatched[item.id] = item.names[0] if item.names else ""
            else:
                report.matched[item.id] = target
            continue
        report.programmes_read += 1
        if progress is not None and report.programmes_read % 2000 == 0:
            progress()
        if item.channel not in resolved:
            resolved[item.channel] = matcher.match(item.channel)
            if resolved[item.channel] is None:
                report.unmatched.setdefault(item.channel, "")
        target = resolved[item.channel]
        if target is None:
            report.programmes_of_unmatched_channels += 1
            continue
        if target != current and target in written:
            late.add(target)  # an ungrouped guide: merge at the end
            staged.append(_staged(import_id, target, item))
            if len(staged) >= BATCH:
                session.execute(insert(STAGING), staged)
                staged.clear()
            continue
        if target != current:
            if current is not None:
                written[current] = _replace(session, current, run, report)
            current, run = target, []
        run.append(item)
    if current is not None:
        written[current] = _replace(session, current, run, report)
    if staged:
        session.execute(insert(STAGING), staged)
    for channel_id in sorted(late):
        _merge_late(session, import_id, channel_id, written[channel_id], report)
    session.execute(delete(EpgStaging).where(EpgStaging.import_id == import_id))
    report.seconds = time.monotonic() - started
    return report


def _staged(import_id: str, channel_id: str, item: XmltvProgramme) -> dict[str, Any]:
    payload = {
        "titles": item.titles,
        "descriptions": item.descriptions,
        "subtitle": item.subtitle,
        "categories": item.categories,
        "episode": item.episode,
        "icon": item.icon,
    }
    return {
        "import_id": import_id,
        "channel_id": channel_id,
        "start_ms": item.start_ms,
        "stop_ms": item.stop_ms,
        "payload": json.dumps(payload, ensure_ascii=False),
    }


def _unstaged(channel_id: str, start_ms: int, stop_ms: int | None, payload: str) -> XmltvProgramme:
    data = json.loads(payload)
    return XmltvProgramme(
        channel=channel_id,
        start_ms=start_ms,
        stop_ms=stop_ms,
        titles=tuple((lang, text) for lang, text in data["titles"]),
        descriptions=tuple((lang, text) for lang, text in data["descriptions"]),
        subtitle=data["subtitle"],
        categories=tuple(data["categories"]),
        episode=data["episode"],
        icon=data["icon"],
    )


def _merge_late(
    session: Session, import_id: str, channel_id: str, window: tuple[int, int], report: ImportReport
) -> None:
    """A channel whose programmes came in more than one run: write them all again, merged."""
    earlier = [entry.as_xmltv() for entry in schedule(session, channel_id, *window)]
    report.programmes_stored -= len(earlier)
    rows = session.execute(
        select(EpgStaging.start_ms, EpgStaging.stop_ms, EpgStaging.payload)
        .where(EpgStaging.import_id == import_id, EpgStaging.channel_id == channel_id)
        .order_by(EpgStaging.id)
    ).all()
    later = [_unstaged(channel_id, *row) for row in rows]
    _replace(session, channel_id, earlier + later, report)


def _replace(
    session: Session, channel_id: str, items: list[XmltvProgramme], report: ImportReport
) -> tuple[int, int]:
    """Repair a channel's programmes and replace the window they cover; returns the window."""
    kept: list[list[Any]] = []
    # a stable sort: of two entries with the same start, the later one in the guide wins
    for item in sorted(items, key=lambda programme: programme.start_ms):
        if kept and kept[-1][0] == item.start_ms:
            kept.pop()
            report.duplicates_dropped += 1
        if kept:
            previous = kept[-1]
            if previous[1] is None:
                previous[1] = item.start_ms  # no stop given: it runs until the next one
            elif previous[1] > item.start_ms:
                previous[1] = item.start_ms
                report.overlaps_trimmed += 1
        kept.append([item.start_ms, item.stop_ms, item])
    if kept and kept[-1][1] is None:
        kept.pop()
        report.open_ended_dropped += 1
    if not kept:
        return (0, 0)
    window = (kept[0][0], max(row[1] for row in kept))
    session.execute(
        delete(Programme).where(
            Programme.channel_id == channel_id,
            Programme.start_ms < window[1],
            Programme.stop_ms > window[0],
        )
    )
    programmes = [_programme_row(channel_id, *row) for row in kept]
    statement = _insert_programmes_sql(session)
    connection = session.connection()
    for first in range(0, len(programmes), BATCH):
        connection.exec_driver_sql(statement, programmes[first : first + BATCH])
    report.programmes_stored += len(programmes)
    return window


PROGRAMME_COLUMNS = (
    "channel_id",
    "start_ms",
    "stop_ms",
    "title",
    "title_folded",
    "subtitle",
    "description",
    "category",
    "episode",
    "icon",
    "titles",
    "descriptions",
)


def _insert_programmes_sql(session: Session) -> str:
    """A plain INSERT in the driver's own parameter style: the import's hot path.

    Rows go to the driver as tuples, skipping SQLAlchemy's per-row parameter
    processing, which cost more than SQLite's own work here.
    """
    style = session.get_bind().dialect.paramstyle
    marker = "?" if style == "qmark" else "%s"
    columns = ", ".join(PROGRAMME_COLUMNS)
    markers = ", ".join(marker for _ in PROGRAMME_COLUMNS)
    return f"INSERT INTO {PROGRAMMES.name} ({columns}) VALUES ({markers})"


def _programme_row(
    channel_id: str, start_ms: int, stop_ms: int, item: XmltvProgramme
) -> tuple[Any, ...]:
    titles = item.titles
    descriptions = item.descriptions
    titles_json, folded = _titles(titles)
    return (
        channel_id,
        start_ms,
        stop_ms,
        titles[0][1],
        folded,
        item.subtitle,
        descriptions[0][1] if descriptions else "",
        ", ".join(item.categories),
        item.episode,
        item.icon,
        titles_json,
        _languages_json(descriptions),
    )


# Guides repeat the same titles and descriptions across days and channels.
@lru_cache(maxsize=65_536)
def _titles(titles: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    """The titles as stored JSON, and their folded form for search."""
    return _languages_json(titles), " ".join(fold(text) for _lang, text in titles)


@lru_cache(maxsize=65_536)
def _languages_json(pairs: tuple[tuple[str, str], ...]) -> str:
    return json.dumps(dict(pairs), ensure_ascii=False)
