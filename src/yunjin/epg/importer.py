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
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from yunjin.db.models import EpgChannelMap, EpgStaging, Programme
from yunjin.epg.guide import schedule
from yunjin.epg.normalise import fold
from yunjin.epg.reader import read_guide
from yunjin.epg.stored import (
    CHANNEL,
    PROGRAMME_COLUMNS,
    START,
    STOP,
    ProgrammeFields,
    programme_fields,
    stored_row,
)
from yunjin.epg.xmltv import ParseIssues, XmltvChannel
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

    A second process parses the document while this one repairs and writes what it read
    (``epg/reader.py``). Raises ``XmltvError`` (and the caller rolls back) when the
    document is broken.
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
    run: list[ProgrammeFields] = []  # the programmes of ``current`` read so far
    written: dict[str, tuple[int, int]] = {}  # channel -> window this import replaced
    late: set[str] = set()  # channels that came back after their run was written
    staged: list[dict[str, Any]] = []
    with read_guide(stream, report.issues) as entries:
        for entry in entries:
            if isinstance(entry, XmltvChannel):
                report.guide_channels += 1
                target = matcher.match(entry.id, entry.names)
                resolved[entry.id] = target
                if target is None:
                    report.unmatched[entry.id] = entry.names[0] if entry.names else ""
                else:
                    report.matched[entry.id] = target
                continue
            report.programmes_read += len(entry)
            if progress is not None:
                progress()
            for guide_id, group in groupby(entry, key=itemgetter(CHANNEL)):
                if guide_id not in resolved:
                    resolved[guide_id] = matcher.match(guide_id)
                    if resolved[guide_id] is None:
                        report.unmatched.setdefault(guide_id, "")
                target = resolved[guide_id]
                if target is None:
                    report.programmes_of_unmatched_channels += sum(1 for _ in group)
                elif target == current:
                    run.extend(group)
                elif target in written:
                    late.add(target)  # an ungrouped guide: merge at the end
                    staged.extend(_staged(import_id, target, fields) for fields in group)
                    if len(staged) >= BATCH:
                        session.execute(insert(STAGING), staged)
                        staged.clear()
                else:
                    if current is not None:
                        written[current] = _replace(session, current, run, report)
                    current, run = target, list(group)
    if current is not None:
        written[current] = _replace(session, current, run, report)
    if staged:
        session.execute(insert(STAGING), staged)
    for channel_id in sorted(late):
        _merge_late(session, import_id, channel_id, written[channel_id], report)
    session.execute(delete(EpgStaging).where(EpgStaging.import_id == import_id))
    report.seconds = time.monotonic() - started
    return report


def _staged(import_id: str, channel_id: str, fields: ProgrammeFields) -> dict[str, Any]:
    return {
        "import_id": import_id,
        "channel_id": channel_id,
        "start_ms": fields[START],
        "stop_ms": fields[STOP],
        "payload": json.dumps(fields[STOP + 1 :], ensure_ascii=False),
    }


def _unstaged(channel_id: str, start_ms: int, stop_ms: int | None, payload: str) -> ProgrammeFields:
    titles, descriptions, subtitle, categories, episode, icon = json.loads(payload)
    return (
        channel_id,
        start_ms,
        stop_ms,
        tuple((lang, text) for lang, text in titles),
        tuple((lang, text) for lang, text in descriptions),
        subtitle,
        tuple(categories),
        episode,
        icon,
    )


def _merge_late(
    session: Session, import_id: str, channel_id: str, window: tuple[int, int], report: ImportReport
) -> None:
    """A channel whose programmes came in more than one run: write them all again, merged."""
    earlier = [
        programme_fields(entry.as_xmltv()) for entry in schedule(session, channel_id, *window)
    ]
    report.programmes_stored -= len(earlier)
    rows = session.execute(
        select(EpgStaging.start_ms, EpgStaging.stop_ms, EpgStaging.payload)
        .where(EpgStaging.import_id == import_id, EpgStaging.channel_id == channel_id)
        .order_by(EpgStaging.id)
    ).all()
    later = [_unstaged(channel_id, *row) for row in rows]
    _replace(session, channel_id, earlier + later, report)


def _replace(
    session: Session, channel_id: str, programmes: list[ProgrammeFields], report: ImportReport
) -> tuple[int, int]:
    """Repair a channel's programmes and replace the window they cover; returns the window."""
    kept: list[ProgrammeFields] = []
    stops: list[int | None] = []  # the stops of ``kept``, as repaired
    # a stable sort: of two entries with the same start, the later one in the guide wins
    for fields in sorted(programmes, key=itemgetter(START)):
        start = fields[START]
        if kept and kept[-1][START] == start:
            kept.pop()
            stops.pop()
            report.duplicates_dropped += 1
        if kept:
            previous = stops[-1]
            if previous is None:
                stops[-1] = start  # no stop given: it runs until the next one
            elif previous > start:
                stops[-1] = start
                report.overlaps_trimmed += 1
        kept.append(fields)
        stops.append(fields[STOP])
    if kept and stops[-1] is None:
        kept.pop()
        stops.pop()
        report.open_ended_dropped += 1
    if not kept:
        return (0, 0)
    window = (kept[0][START], max(cast(list[int], stops)))
    connection = session.connection()
    sql = _programmes_sql(connection.dialect.paramstyle)
    connection.exec_driver_sql(sql.delete, (channel_id, window[1], window[0]))
    rows = [
        stored_row(channel_id, cast(int, stop), fields)
        for fields, stop in zip(kept, stops, strict=True)
    ]
    for first in range(0, len(rows), BATCH):
        connection.exec_driver_sql(sql.insert, rows[first : first + BATCH])
    report.programmes_stored += len(rows)
    return window


@dataclass(frozen=True)
class _ProgrammesSql:
    delete: str
    insert: str


@lru_cache(maxsize=4)
def _programmes_sql(paramstyle: str) -> _ProgrammesSql:
    """Plain statements in the driver's own parameter style: the import's hot path.

    Rows go to the driver as tuples, skipping SQLAlchemy's per-statement compilation
    and per-row parameter processing, which cost more than SQLite's own work here.
    """
    marker = "?" if paramstyle == "qmark" else "%s"
    table = PROGRAMMES.name
    columns = ", ".join(PROGRAMME_COLUMNS)
    markers = ", ".join(marker for _ in PROGRAMME_COLUMNS)
    return _ProgrammesSql(
        delete=(
            f"DELETE FROM {table} "
            f"WHERE channel_id = {marker} AND start_ms < {marker} AND stop_ms > {marker}"
        ),
        insert=f"INSERT INTO {table} ({columns}) VALUES ({markers})",
    )
