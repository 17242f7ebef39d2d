"""The archive on disk: crash recovery, rebuild, backfill and retention."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import T0_MS
from yunjin.archive.index import IndexOrderError
from yunjin.archive.playlist import PlaylistType
from yunjin.archive.registry import Archives
from yunjin.archive.segment import HOUR_MS
from yunjin.archive.store import FIRST_RUN, INDEX_FILE, ChannelArchive, PendingSegment
from yunjin.archive.windows import archive_window, live_window, render_window, start_over_window


def _pending(
    archive: ChannelArchive, start_ms: int, duration_ms: int = 2000, size: int = 1880
) -> PendingSegment:
    archive.incoming.mkdir(parents=True, exist_ok=True)
    path = archive.incoming / f"{start_ms}.ts"
    path.write_bytes(b"\x47" + bytes(size - 1))
    return PendingSegment(path, start_ms, duration_ms)


def _record(
    archive: ChannelArchive, count: int, start_ms: int = T0_MS, new_run_at: int = 0
) -> None:
    for i in range(count):
        archive.commit(_pending(archive, start_ms + i * 2000), new_run=i == new_run_at)


def test_commit_moves_the_file_and_appends_the_index(tmp_path: Path) -> None:
    archive = ChannelArchive(tmp_path, "C1")
    _record(archive, 3)
    hour = tmp_path / "C1" / "20261118" / "11"
    assert sorted(p.name for p in hour.iterdir()) == [
        f"{T0_MS + i * 2000}_2000_{T0_MS // 1000 + i}_{FIRST_RUN}.ts" for i in range(3)
    ] + [INDEX_FILE]
    assert len((hour / INDEX_FILE).read_text().splitlines()) == 3
    assert not any(archive.incoming.iterdir())


def test_reload_gives_the_same_index(tmp_path: Path) -> None:
    archive = ChannelArchive(tmp_path, "C1")
    _record(archive, 2000)  # crosses an hour boundary
    again = ChannelArchive(tmp_path, "C1")
    report = again.load()
    assert list(again.index) == list(archive.index)
    assert report.hours == 2
    assert report.hours_rebuilt == 0


def test_a_loaded_archive_renders_what_was_recorded_live(tmp_path: Path) -> None:
    """After a restart (or on another api node) every playlist has the bytes it had."""
    archive = ChannelArchive(tmp_path, "C1")
    start_ms = T0_MS + HOUR_MS - 600_000  # ten minutes before an hour ends
    _record(archive, 400, start_ms=start_ms)  # crosses the hour
    _record(archive, 30, start_ms=start_ms + 810_000)  # after a 10-s gap: a new run
    archive.commit(_pending(archive, start_ms + 870_000), new_run=True)  # a restart
    archive.commit_before([_pending(archive, start_ms - 60_000 + i * 2000) for i in range(30)])
    again = ChannelArchive(tmp_path, "C1")
    again.load()
    assert list(again.index) == list(archive.index)
    end_ms = archive.index.end_ms
    assert end_ms is not None
    windows = [
        live_window(archive.index, 6, end_ms),
        live_window(archive.index, 6, end_ms, delay_ms=120_000),
        start_over_window(archive.index, start_ms + 1_000, end_ms, PlaylistType.EVENT),
        archive_window(archive.index, start_ms - 70_000, 30 * 60_000, end_ms + HOUR_MS),
        archive_window(archive.index, start_ms + 599_000, 300_000, end_ms + HOUR_MS),
    ]
    for window in windows:
        for keyed in (False, True):
            live = render_window(archive.index, window, keyed=keyed)
            assert render_window(again.index, window, keyed=keyed) == live


def test_crash_between_rename_and_index_append_is_recovered(tmp_path: Path) -> None:
    archive = ChannelArchive(tmp_path, "C1")
    _record(archive, 10)
    index_file = tmp_path / "C1" / "20261118" / "11" / INDEX_FILE
    lines = index_file.read_text().splitlines(keepends=True)
    # the last append was lost and the one before was torn mid-line
    index_file.write_text("".join(lines[:8]) + lines[8][:7])
    again = ChannelArchive(tmp_path, "C1")
    report = again.load()
    assert report.hours_rebuilt == 1
    assert list(again.index) == list(archive.index)
    assert len(index_file.read_text().splitlines()) == 10


def test_rebuild_from_files_alone(tmp_path: Path) -> None:
    archive = ChannelArchive(tmp_path, "C1")
    _record(archive, 50)
    _record(archive, 50, start_ms=T0_MS + 200_000)  # a gap: a new run
    for index_file in (tmp_path / "C1").rglob(INDEX_FILE):
        index_file.unlink()
    again = ChannelArchive(tmp_path, "C1")
    again.load(rebuild=True)
    assert list(again.index) == list(archive.index)
    assert again.index.run_at(0) + 1 == again.index.run_at(99)


def test_leftovers_of_a_crash_are_not_indexed(tmp_path: Path) -> None:
    archive = ChannelArchive(tmp_path, "C1")
    _record(archive, 3)
    hour = tmp_path / "C1" / "20261118" / "11"
    (hour / "garbage.ts").write_bytes(b"x")
    (hour / f".{INDEX_FILE}.tmp").write_text("junk")
    archive.incoming.mkdir(exist_ok=True)
    (archive.incoming / "000000001.ts").write_bytes(b"partial")
    again = ChannelArchive(tmp_path, "C1")
    again.load()
    assert len(again.index) == 3
    assert not archive.incoming.exists()


def test_run_numbers_stay_small(tmp_path: Path) -> None:
    """Runs are discontinuity sequence numbers; hls.js walks an array as long as the largest."""
    recorded = ChannelArchive(tmp_path, "C1")
    _record(recorded, 2)
    backfilled = ChannelArchive(tmp_path, "C2")
    backfilled.commit_before([_pending(backfilled, T0_MS + i * 2000) for i in range(3)])
    assert recorded.index.run_at(0) == backfilled.index.run_at(0) == FIRST_RUN < 100_000


def test_restart_and_gap_open_new_runs(tmp_path: Path) -> None:
    archive = ChannelArchive(tmp_path, "C1")
    _record(archive, 3)
    archive.commit(_pending(archive, T0_MS + 6000), new_run=True)  # restart, no gap
    archive.commit(_pending(archive, T0_MS + 20_000), new_run=False)  # a gap
    runs = [archive.index.run_at(i) for i in range(5)]
    assert runs == [runs[0]] * 3 + [runs[0] + 1, runs[0] + 2]
    seqs = [archive.index.seq_at(i) for i in range(5)]
    assert seqs == list(range(seqs[0], seqs[0] + 5))


def test_backfill_goes_before_with_lower_numbers(tmp_path: Path) -> None:
    archive = ChannelArchive(tmp_path, "C1")
    _record(archive, 3, start_ms=T0_MS + 60_000)
    first = archive.index.first
    assert first is not None
    chunk = [_pending(archive, T0_MS + i * 2000) for i in range(30)]
    archive.commit_before(chunk)
    assert len(archive.index) == 33
    assert archive.index.seq_at(29) + 1 == first.seq
    assert archive.index.run_at(0) == first.run - 1
    again = ChannelArchive(tmp_path, "C1")
    again.load()
    assert list(again.index) == list(archive.index)


def test_backfill_overlapping_the_archive_is_refused(tmp_path: Path) -> None:
    archive = ChannelArchive(tmp_path, "C1")
    _record(archive, 3)
    with pytest.raises(IndexOrderError):
        archive.commit_before([_pending(archive, T0_MS + 1000)])
    assert len(archive.index) == 3


def test_segment_files_never_leave_the_archive(tmp_path: Path) -> None:
    archive = ChannelArchive(tmp_path, "C1")
    _record(archive, 1)
    segment = archive.index[0]
    day, hour = segment.bucket.split("/")
    assert archive.segment_file(day, hour, segment.file_name) is not None
    (tmp_path / "secret.ts").write_text("x")
    for bad in [
        ("..", "..", "secret.ts"),
        (day, "..", segment.file_name),
        (day, hour, "../../../secret.ts"),
        ("%2e%2e", hour, segment.file_name),
    ]:
        assert archive.segment_file(*bad) is None


def test_retention_by_age_drops_whole_old_hours(tmp_path: Path) -> None:
    archives = Archives(tmp_path)
    archive = archives.get("C1")
    for hour in range(5):
        _record(archive, 3, start_ms=T0_MS + hour * HOUR_MS)
    # one day of catch-up: at this moment the first two hours are older than a day
    now = T0_MS + 24 * HOUR_MS + 2 * HOUR_MS + 10_000
    freed = archives.enforce_retention(now, {"C1": 1}, None)
    assert freed.bytes_freed_by_age == 2 * 3 * 1880
    assert archive.index.start_ms == T0_MS + 2 * HOUR_MS
    assert not (tmp_path / "C1" / "20261118" / "11").exists()
    assert (tmp_path / "C1" / "20261118" / "13").exists()


def test_retention_by_disk_budget_drops_the_oldest_hour_of_any_channel(tmp_path: Path) -> None:
    archives = Archives(tmp_path)
    old, new = archives.get("OLD"), archives.get("NEW")
    for hour in range(3):
        _record(old, 2, start_ms=T0_MS + hour * HOUR_MS)
        _record(new, 2, start_ms=T0_MS + (hour + 1) * HOUR_MS)
    total = old.index.total_bytes + new.index.total_bytes
    report = archives.enforce_retention(T0_MS + 5 * HOUR_MS, {"OLD": 7, "NEW": 7}, total - 3 * 1880)
    assert report.bytes_freed_by_budget == 2 * 2 * 1880
    assert old.index.start_ms == T0_MS + 2 * HOUR_MS
    assert new.index.start_ms == T0_MS + HOUR_MS  # its hours were all younger


def test_budget_never_drops_the_hour_being_recorded(tmp_path: Path) -> None:
    archives = Archives(tmp_path)
    archive = archives.get("C1")
    _record(archive, 5)
    archives.enforce_retention(T0_MS + 20_000, {"C1": 7}, 1)
    assert len(archive.index) == 5
