"""Importing an XMLTV guide: match its channels, replace each covered window, all or nothing.

Other processes parse the document (``epg/reader.py``) while this one takes their entries in
document order: it matches channels and, channel by channel, orders the programmes, fills
missing stop times, trims overlaps and replaces the channel's programmes in the window the
guide covers; a channel that comes back later is staged and merged at the end. Everything
happens in one transaction: a document that fails half-way leaves the previous guide exactly
as it was.
"""

from __future__ import annotations

import gzip
import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice, repeat
from operator import le, lt
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Table, Text, delete, insert, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from yunjin.db.models import EpgChannelMap, EpgStaging, Programme
from yunjin.epg.reader import read_guide
from yunjin.epg.stored import PROGRAMME_COLUMNS, TEXT_COLUMNS, ProgrammeBatch
from yunjin.epg.xmltv import ParseIssues, XmltvChannel
from yunjin.folding import fold
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

    Other processes parse the document while this one repairs and writes what they read
    (``epg/reader.py``). Raises ``XmltvError`` (and the caller rolls back) when the
    document is broken.
    """
    started = time.monotonic()
    report = ImportReport(source)
    mapping = {
        row.xmltv_id: row.channel_id
        for row in session.execute(select(EpgChannelMap.xmltv_id, EpgChannelMap.channel_id))
    }
    into = _Import(session, report, ChannelMatcher(channels, mapping))
    with read_guide(stream, report.issues) as entries:
        for entry in entries:
            if isinstance(entry, XmltvChannel):
                into.channel(entry)
            else:
                report.programmes_read += len(entry)
                if progress is not None:
                    progress()
                into.programmes(entry)
    into.finish()
    report.seconds = time.monotonic() - started
    return report


class _Import:
    """What one import has read and written: whose each guide channel is, the run of
    programmes being read, the windows written, and what comes late (an ungrouped guide)."""

    def __init__(self, session: Session, report: ImportReport, matcher: ChannelMatcher) -> None:
        self.session = session
        self.report = report
        self.matcher = matcher
        self.import_id = uuid.uuid4().hex
        self.resolved: dict[str, str | None] = {}
        self.current: str | None = None
        self.run = _Run()  # the programmes of ``current`` read so far
        self.written: dict[str, tuple[int, int]] = {}  # channel -> window this import replaced
        self.late: set[str] = set()  # channels that came back after their run was written
        self.staged: list[dict[str, Any]] = []

    def channel(self, entry: XmltvChannel) -> None:
        report = self.report
        report.guide_channels += 1
        target = self.matcher.match(entry.id, entry.names)
        self.resolved[entry.id] = target
        if target is None:
            report.unmatched[entry.id] = entry.names[0] if entry.names else ""
        else:
            report.matched[entry.id] = target

    def programmes(self, entry: ProgrammeBatch) -> None:
        first = 0
        for guide_id, count in entry.runs:
            last = first + count
            target = self._target(guide_id)
            if target is None:
                self.report.programmes_of_unmatched_channels += count
            else:
                self._take(target, entry, first, last)
            first = last

    def _target(self, guide_id: str) -> str | None:
        """Our channel of a guide channel; one the guide never described is matched by id."""
        if guide_id not in self.resolved:
            self.resolved[guide_id] = self.matcher.match(guide_id)
            if self.resolved[guide_id] is None:
                self.report.unmatched.setdefault(guide_id, "")
        return self.resolved[guide_id]

    def _take(self, target: str, entry: ProgrammeBatch, first: int, last: int) -> None:
        if target == self.current:
            self.run.add(entry, first, last)
        elif target in self.written:
            self.late.add(target)  # an ungrouped guide: merge at the end
            self.staged.extend(_staged(self.import_id, target, entry, first, last))
            if len(self.staged) >= BATCH:
                self.session.execute(insert(STAGING), self.staged)
                self.staged.clear()
        else:
            self._write_current()
            self.current, self.run = target, _Run()
            self.run.add(entry, first, last)

    def _write_current(self) -> None:
        if self.current is not None:
            self.written[self.current] = _replace(self.session, self.current, self.run, self.report)

    def finish(self) -> None:
        self._write_current()
        if self.staged:
            self.session.execute(insert(STAGING), self.staged)
        for channel_id in sorted(self.late):
            _merge_late(
                self.session, self.import_id, channel_id, self.written[channel_id], self.report
            )
        self.session.execute(delete(EpgStaging).where(EpgStaging.import_id == self.import_id))


class _Run:
    """One channel's programmes as read so far, column by column (``ProgrammeBatch``)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.stops: list[int | None] = []
        self.texts: list[list[str]] = [[] for _ in TEXT_COLUMNS]

    def add(self, batch: ProgrammeBatch, first: int, last: int) -> None:
        self.starts.extend(batch.starts[first:last])
        self.stops.extend(batch.stops[first:last])
        for column, read in zip(self.texts, batch.texts, strict=True):
            column.extend(read[first:last])

    def add_row(self, start: int, stop: int | None, texts: Sequence[str]) -> None:
        self.starts.append(start)
        self.stops.append(stop)
        for column, text in zip(self.texts, texts, strict=True):
            column.append(text)


def _staged(
    import_id: str, channel_id: str, batch: ProgrammeBatch, first: int, last: int
) -> Iterator[dict[str, Any]]:
    for at in range(first, last):
        yield {
            "import_id": import_id,
            "channel_id": channel_id,
            "start_ms": batch.starts[at],
            "stop_ms": batch.stops[at],
            "payload": json.dumps([column[at] for column in batch.texts], ensure_ascii=False),
        }


def _merge_late(
    session: Session, import_id: str, channel_id: str, window: tuple[int, int], report: ImportReport
) -> None:
    """A channel whose programmes came in more than one run: write them all again, merged."""
    run = _Run()
    earlier = session.execute(
        select(
            Programme.start_ms,
            Programme.stop_ms,
            *(sql_cast(PROGRAMMES.c[name], Text) for name in TEXT_COLUMNS),
        )
        .where(
            Programme.channel_id == channel_id,
            Programme.start_ms < window[1],
            Programme.stop_ms > window[0],
        )
        .order_by(Programme.start_ms)
    ).all()
    for start, stop, *texts in earlier:
        run.add_row(start, stop, texts)
    report.programmes_stored -= len(earlier)
    later = session.execute(
        select(EpgStaging.start_ms, EpgStaging.stop_ms, EpgStaging.payload)
        .where(EpgStaging.import_id == import_id, EpgStaging.channel_id == channel_id)
        .order_by(EpgStaging.id)
    ).all()
    for staged_start, staged_stop, payload in later:
        run.add_row(staged_start, staged_stop, json.loads(payload))
    _replace(session, channel_id, run, report)


def _replace(session: Session, channel_id: str, run: _Run, report: ImportReport) -> tuple[int, int]:
    """Repair a channel's programmes and replace the window they cover; returns the window."""
    kept, stops = _repaired(run.starts, run.stops, report)
    starts, texts = run.starts, run.texts
    if kept is not None:
        starts = [starts[at] for at in kept]
        texts = [[column[at] for at in kept] for column in texts]
    if not starts:
        return (0, 0)
    window = (starts[0], max(stops))
    connection = session.connection()
    sql = _programmes_sql(connection.dialect.paramstyle)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql.delete, (channel_id, window[1], window[0]))
        rows = zip(repeat(channel_id), starts, stops, *texts)  # made as the driver takes them
        cursor.executemany(sql.insert, cast(Sequence[Sequence[Any]], rows))
    finally:
        cursor.close()
    report.programmes_stored += len(starts)
    return window


def _repaired(
    starts: list[int], stops: list[int | None], report: ImportReport
) -> tuple[list[int] | None, list[int]]:
    """Which programmes to keep, in order (None: all, as they are), and their stops.

    Ordered by start; of two entries with the same start the later one in the guide wins; a
    missing stop becomes the next start; an overlap is trimmed to the next start; a last
    programme without a stop is dropped.
    """
    if None not in stops and all(map(lt, starts, islice(starts, 1, None))):
        given = cast(list[int], stops)
        if all(map(le, given, islice(starts, 1, None))):
            return None, given  # in order, no overlaps, every stop given: a guide's usual case
    kept: list[int] = []
    repaired: list[int | None] = []
    for at in sorted(range(len(starts)), key=starts.__getitem__):  # stable
        start = starts[at]
        if kept and starts[kept[-1]] == start:
            kept.pop()
            repaired.pop()
            report.duplicates_dropped += 1
        if kept:
            previous = repaired[-1]
            if previous is None:
                repaired[-1] = start  # no stop given: it runs until the next one
            elif previous > start:
                repaired[-1] = start
                report.overlaps_trimmed += 1
        kept.append(at)
        repaired.append(stops[at])
    if kept and repaired[-1] is None:
        kept.pop()
        repaired.pop()
        report.open_ended_dropped += 1
    return kept, cast(list[int], repaired)


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
    # only our own table, columns and placeholders are formatted in; the values are bound
    return _ProgrammesSql(
        delete=(
            f"DELETE FROM {table} "  # noqa: S608 - no value in it (above)
            f"WHERE channel_id = {marker} AND start_ms < {marker} AND stop_ms > {marker}"
        ),
        insert=f"INSERT INTO {table} ({columns}) VALUES ({markers})",  # noqa: S608 - no value
    )
