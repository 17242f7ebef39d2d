"""One channel's archive on disk: time-bucketed segment files and hourly index files.

Layout under the archive root::

    {channel}/.incoming/             segments the recorder is still writing
    {channel}/{YYYYMMDD}/{HH}/*.ts   complete segments (names: see segment.py)
    {channel}/{YYYYMMDD}/{HH}/index.tsv   append-only index of that hour

A segment becomes part of the archive in two steps: the file is renamed into
its hour folder (atomic on one filesystem), then its line is appended to the
hour's index.  A crash between the two leaves a file the index lacks; loading
reconciles every hour's index with its files, and ``rebuild`` rewrites them all
from the file names.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from yunjin.archive.encryption import ChannelKeys, encrypt_segment
from yunjin.archive.index import ArchiveIndex, IndexOrderError
from yunjin.archive.segment import (
    DAY_BUCKET,
    HOUR_BUCKET,
    HOUR_MS,
    SEGMENT_NAME,
    Segment,
    hour_bucket,
    hour_start_ms,
    parse_segment_name,
)

log = logging.getLogger(__name__)

INDEX_FILE = "index.tsv"
INCOMING = ".incoming"
# A segment that starts later than this after the previous one ends opens a new run.
GAP_TOLERANCE_MS = 250
# The first run of a channel. Runs are the discontinuity sequence numbers of playlists, so they
# stay small (hls.js walks an array as long as the largest one it has seen) and count down
# from here for backfills before the first recording.
FIRST_RUN = 10_000


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What loading a channel's archive found."""

    segments: int
    hours: int
    hours_rebuilt: int
    rejected: int


@dataclass(frozen=True, slots=True)
class PendingSegment:
    """A finished segment file waiting to enter the archive."""

    path: Path
    start_ms: int
    duration_ms: int


class ChannelArchive:
    """The archive of one channel: files on disk and their index in memory."""

    def __init__(self, root: Path, channel_id: str, *, reader: bool = False) -> None:
        self.channel_id = channel_id
        self.path = root / channel_id
        self.reader = reader  # another node records this channel: read, never write
        self.index = ArchiveIndex()
        self._tail: tuple[str, int] | None = None  # the hour index read last, and how far
        # told of every segment committed (the recorder announces them to other nodes)
        self.announce: Callable[[str, Segment], None] | None = None
        # set for an encrypted channel: segments are stored AES-128 encrypted (ADR 0011)
        self.keys: ChannelKeys | None = None

    # -- loading ---------------------------------------------------------------

    def load(self, *, rebuild: bool = False) -> LoadReport:
        """Read the hour indexes (reconciled with the files) into memory.

        Hours are read in order and each goes into the index, and has its entries rendered,
        before the next is read.  The index is published when complete.  A reader (an api
        node of several, ADR 0033) reads the same but writes nothing: it neither rewrites an
        hour's index nor clears the recorder's unfinished files.
        """
        index = ArchiveIndex()
        hours = rebuilt = rejected = 0
        for bucket, folder in self._hour_folders():
            hours += 1
            on_disk = _scan_hour(folder)
            indexed = None if rebuild else _read_hour_index(folder / INDEX_FILE)
            if indexed is None or {s.file_name for s in indexed} != set(on_disk):
                rebuilt += 1
                hour_segments = sorted(on_disk.values(), key=lambda s: s.start_ms)
                if not self.reader:
                    _write_hour_index(folder, hour_segments)
                    log.info("rebuilt index of %s/%s", self.channel_id, bucket)
            else:
                hour_segments = [s for s in indexed if s.file_name in on_disk]
                hour_segments = [on_disk[s.file_name] for s in hour_segments]
            rejected += _add_hour(index, hour_segments)
        self.index = index
        last = index.last
        self._tail = (last.bucket, 0) if last is not None else None
        if not self.reader:
            self._clear_incoming()
        return LoadReport(len(self.index), hours, rebuilt, rejected)

    # -- following another node's recording (ADR 0033) -------------------------

    def follow(self, segment: Segment) -> bool:
        """A segment another node announced it committed: appended when it is the next one,
        else the hour indexes are read again from where this copy stopped (a missed
        announcement).  True when the index grew."""
        last = self.index.last
        if last is not None and segment.seq <= last.seq:
            return False  # known already (or older than what is known)
        if last is None or segment.seq != last.seq + 1:
            return self.refresh() > 0
        try:
            self.index.append(segment)
        except IndexOrderError:
            return self.refresh() > 0
        return True

    def refresh(self, now_ms: int | None = None) -> int:
        """Append what the hour indexes on disk list after this copy's last segment, reading
        each index from where the last read stopped; the number of segments added."""
        last = self.index.last
        if last is None:
            before = len(self.index)
            self.load()
            return len(self.index) - before
        start_bucket, offset = self._tail or (last.bucket, 0)
        added = 0
        end_ms = max(now_ms or 0, last.end_ms)
        hour = hour_start_ms(start_bucket)
        while hour <= end_ms - end_ms % HOUR_MS:
            bucket = hour_bucket(hour)
            path = self.path / bucket / INDEX_FILE
            read_from = offset if bucket == start_bucket else 0
            lines, read_to = _read_index_from(path, read_from)
            for segment in lines:
                newest = self.index.last
                if newest is not None and segment.seq <= newest.seq:
                    continue
                try:
                    self.index.append(segment)
                except IndexOrderError:
                    log.warning(
                        "%s: %s does not follow the index; left out", self.channel_id, segment
                    )
                    continue
                added += 1
            if read_to is not None:
                self._tail = (bucket, read_to)
            hour += HOUR_MS
        return added

    def _hour_folders(self) -> Iterator[tuple[str, Path]]:
        if not self.path.is_dir():
            return
        for day in sorted(os.scandir(self.path), key=lambda entry: entry.name):
            if not (day.is_dir() and DAY_BUCKET.match(day.name)):
                continue
            for hour in sorted(os.scandir(day.path), key=lambda entry: entry.name):
                if hour.is_dir() and HOUR_BUCKET.match(hour.name):
                    yield f"{day.name}/{hour.name}", Path(hour.path)

    def _clear_incoming(self) -> None:
        shutil.rmtree(self.incoming, ignore_errors=True)

    @property
    def incoming(self) -> Path:
        """Where recorders write segments that are not finished yet."""
        return self.path / INCOMING

    # -- adding segments -------------------------------------------------------

    def commit(self, pending: PendingSegment, *, new_run: bool) -> Segment:
        """Move a finished segment to the end of the archive (live recording).

        ``new_run`` says the segment does not continue the previous one (a
        restart or a gap), which becomes a discontinuity in playlists.
        """
        last = self.index.last
        start_ms = pending.start_ms
        if last is None:
            seq, run = start_ms // 1000, FIRST_RUN
        else:
            start_ms = max(start_ms, last.end_ms) if new_run else start_ms
            gap = start_ms - last.end_ms > GAP_TOLERANCE_MS
            seq = last.seq + 1
            run = last.run + (1 if new_run or gap else 0)
        segment = Segment(start_ms, pending.duration_ms, seq, run, self._stored_size(pending.path))
        self.index.append(segment)
        self._place(pending.path, segment)
        if self.announce is not None:
            self.announce(self.channel_id, segment)
        return segment

    def commit_before(self, pending: list[PendingSegment]) -> list[Segment]:
        """Move one run of finished segments in before the archive's first (a backfill)."""
        if not pending:
            return []
        ordered = sorted(pending, key=lambda p: p.start_ms)
        first = self.index.first
        if first is None:
            base_seq, base_run = ordered[-1].start_ms // 1000 + 1, FIRST_RUN + 1
        else:
            base_seq, base_run = first.seq, first.run
        if base_run < 1:
            raise ValueError("no run number is left before the archive's first run")
        count = len(ordered)
        segments = [
            Segment(
                p.start_ms,
                p.duration_ms,
                base_seq - count + i,
                base_run - 1,
                self._stored_size(p.path),
            )
            for i, p in enumerate(ordered)
        ]
        self.index.prepend(segments)
        for item, segment in zip(ordered, segments, strict=True):
            self._place(item.path, segment)
        return segments

    def _stored_size(self, source: Path) -> int:
        size = source.stat().st_size
        return size if self.keys is None else (size // 16 + 1) * 16  # PKCS#7 always pads

    def _place(self, source: Path, segment: Segment) -> None:
        folder = self.path / segment.bucket
        folder.mkdir(parents=True, exist_ok=True)
        if self.keys is not None:
            data = encrypt_segment(
                source.read_bytes(), self.keys.key_at(segment.start_ms), segment.seq
            )
            encrypted = source.with_suffix(".enc")
            encrypted.write_bytes(data)
            source.unlink()
            source = encrypted
        os.replace(source, folder / segment.file_name)
        with open(folder / INDEX_FILE, "a", encoding="ascii") as index_file:
            index_file.write(_index_line(segment))

    # -- reading ---------------------------------------------------------------

    def segment_file(self, day: str, hour: str, name: str) -> Path | None:
        """The file of an archived segment, or None; never a path outside the archive."""
        if not (DAY_BUCKET.match(day) and HOUR_BUCKET.match(hour) and SEGMENT_NAME.match(name)):
            return None
        path = self.path / day / hour / name
        return path if path.is_file() else None

    # -- retention -------------------------------------------------------------

    def oldest_hour_ms(self) -> int | None:
        first = self.index.start_ms
        return None if first is None else first - first % HOUR_MS

    def drop_hours_before(self, cutoff_ms: int) -> int:
        """Delete every hour folder that ends at or before ``cutoff_ms``; returns bytes freed."""
        freed = 0
        while (oldest := self.oldest_hour_ms()) is not None and oldest + HOUR_MS <= cutoff_ms:
            freed += self.drop_oldest_hour()
        return freed

    def drop_oldest_hour(self) -> int:
        """Delete the oldest hour of the archive, index first; returns bytes freed."""
        oldest = self.oldest_hour_ms()
        if oldest is None:
            return 0
        dropped = self.index.drop_before_start(oldest + HOUR_MS)
        if self.reader:  # the recording node deletes the files; a reader forgets them
            return sum(segment.size for segment in dropped)
        for bucket in sorted({segment.bucket for segment in dropped}):
            shutil.rmtree(self.path / bucket, ignore_errors=True)
            day_folder = (self.path / bucket).parent
            if day_folder.is_dir() and not any(day_folder.iterdir()):
                day_folder.rmdir()
        return sum(segment.size for segment in dropped)


def _index_line(segment: Segment) -> str:
    return (
        f"{segment.start_ms}\t{segment.duration_ms}\t{segment.seq}\t{segment.run}\t{segment.size}\n"
    )


def _read_hour_index(path: Path) -> list[Segment] | None:
    """Segments listed in an hour's index; a torn last line is ignored."""
    try:
        text = path.read_text(encoding="ascii")
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    segments = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) != 5 or not all(field.isdigit() for field in fields):
            continue
        start_ms, duration_ms, seq, run, size = (int(field) for field in fields)
        segments.append(Segment(start_ms, duration_ms, seq, run, size))
    return segments


def _read_index_from(path: Path, offset: int) -> tuple[list[Segment], int | None]:
    """The whole lines of an hour's index from byte ``offset`` on, and where they end (None
    when there is no index yet); a line still being written waits for the next read."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except FileNotFoundError:
        return [], None
    complete = data[: data.rfind(b"\n") + 1]
    segments = []
    for line in complete.decode("ascii", "replace").splitlines():
        fields = line.split("\t")
        if len(fields) == 5 and all(field.isdigit() for field in fields):
            segments.append(Segment(*(int(field) for field in fields)))
    return segments, offset + len(complete)


def _write_hour_index(folder: Path, segments: list[Segment]) -> None:
    temporary = folder / f".{INDEX_FILE}.tmp"
    temporary.write_text("".join(_index_line(s) for s in segments), encoding="ascii")
    os.replace(temporary, folder / INDEX_FILE)


def _scan_hour(folder: Path) -> dict[str, Segment]:
    """The segments whose files are in an hour folder, by file name."""
    found: dict[str, Segment] = {}
    bucket_start = hour_start_ms(f"{folder.parent.name}/{folder.name}")
    for entry in os.scandir(folder):
        segment = parse_segment_name(entry.name, entry.stat().st_size)
        if segment is None or not bucket_start <= segment.start_ms < bucket_start + HOUR_MS:
            continue
        found[entry.name] = segment
    return found


def _add_hour(index: ArchiveIndex, segments: list[Segment]) -> int:
    """Add an hour's segments to the index, in order; counts those that break its order.

    Every segment of an hour folder starts within that hour, so hours added in order and
    sorted within keep the archive's order.
    """
    refused = index.extend(sorted(segments, key=lambda s: (s.start_ms, s.seq)))
    for segment in refused:
        log.warning("segment %s is out of order and left out of the index", segment)
    return len(refused)
