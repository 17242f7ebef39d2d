"""Playlist rendering: RFC 8216 rules, checked by parsing with the m3u8 library."""

from __future__ import annotations

import m3u8
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import T0_MS, contiguous, index_of
from yunjin.archive.playlist import (
    PlaylistHeader,
    PlaylistType,
    program_date_time,
    render_playlist,
    render_segments,
    target_duration,
)
from yunjin.archive.segment import Segment
from yunjin.archive.windows import (
    OutsideArchive,
    archive_window,
    live_window,
    render_window,
    start_over_window,
)


def test_program_date_time_is_iso_utc_with_milliseconds() -> None:
    assert program_date_time(T0_MS + 1234) == "2026-11-18T11:00:01.234Z"
    assert program_date_time(0) == "1970-01-01T00:00:00.000Z"


def test_target_duration_rounds_half_up() -> None:
    assert target_duration([Segment(T0_MS, 2499, 1, 1)]) == 2
    assert target_duration([Segment(T0_MS, 2500, 1, 1)]) == 3


def test_vod_playlist_parses_with_every_tag() -> None:
    segments = contiguous(5)
    header = PlaylistHeader(
        target_duration=2,
        media_sequence=100,
        discontinuity_sequence=7,
        playlist_type=PlaylistType.VOD,
        ended=True,
        start_offset_s=1.5,
    )
    text = render_playlist(header, render_segments(segments))
    parsed = m3u8.loads(text)
    assert parsed.is_endlist
    assert parsed.playlist_type == "vod"
    assert parsed.media_sequence == 100
    assert parsed.discontinuity_sequence == 7
    assert parsed.target_duration == 2
    assert [s.uri for s in parsed.segments] == [s.uri for s in segments]
    assert parsed.segments[0].program_date_time.timestamp() * 1000 == T0_MS
    assert parsed.start.time_offset == 1.5


def _runs_strategy() -> st.SearchStrategy[list[Segment]]:
    """Archives with gaps and restarts: each element is (gap before, new run?, duration)."""
    step = st.tuples(st.sampled_from([0, 0, 0, 5000]), st.booleans(), st.integers(500, 4000))
    return st.lists(step, min_size=1, max_size=120).map(_build)


def _build(steps: list[tuple[int, bool, int]]) -> list[Segment]:
    segments: list[Segment] = []
    start, seq, run = T0_MS, 50, 3
    for gap, restart, duration in steps:
        if segments and (gap or restart):
            run += 1
        start += gap
        segments.append(Segment(start, duration, seq, run, 100))
        start += duration
        seq += 1
    return segments


@given(_runs_strategy(), st.integers(3, 10))
def test_live_window_is_the_newest_segments(segments: list[Segment], size: int) -> None:
    index = index_of(segments)
    window = live_window(index, size, now_ms=segments[-1].end_ms)
    parsed = m3u8.loads(render_window(index, window))
    shown = segments[-size:]
    assert [s.uri for s in parsed.segments] == [s.uri for s in shown]
    assert parsed.media_sequence == shown[0].seq
    assert parsed.discontinuity_sequence == shown[0].run
    assert not parsed.is_endlist
    assert parsed.playlist_type is None
    _check_discontinuities(parsed, shown)


@given(_runs_strategy(), st.data())
def test_archive_window_bounds_and_discontinuities(
    segments: list[Segment], data: st.DataObject
) -> None:
    index = index_of(segments)
    lo, hi = segments[0].start_ms, segments[-1].end_ms
    from_ms = data.draw(st.integers(lo - 10_000, hi))
    duration_ms = data.draw(st.integers(1000, hi - lo + 20_000))
    until_ms = from_ms + duration_ms
    expected = [s for s in segments if s.end_ms > from_ms and s.start_ms < until_ms]
    try:
        window = archive_window(index, from_ms, duration_ms, now_ms=hi + 3_600_000)
    except OutsideArchive:
        assert expected == []
        return
    parsed = m3u8.loads(render_window(index, window))
    assert [s.uri for s in parsed.segments] == [s.uri for s in expected]
    assert parsed.is_endlist
    assert parsed.media_sequence == expected[0].seq
    assert parsed.discontinuity_sequence == expected[0].run
    assert parsed.target_duration >= max(round(s.duration_ms / 1000) for s in expected)
    _check_discontinuities(parsed, expected)
    # playback starts at the requested moment, not at the segment boundary
    assert parsed.start.time_offset == max(0, from_ms - expected[0].start_ms) / 1000


def _check_discontinuities(parsed: m3u8.M3U8, shown: list[Segment]) -> None:
    for previous, (segment, entry) in zip(
        shown, zip(shown[1:], parsed.segments[1:], strict=True), strict=False
    ):
        assert entry.discontinuity == (segment.run != previous.run), segment
    assert not parsed.segments[0].discontinuity


def test_media_sequence_is_stable_across_reloads() -> None:
    segments = contiguous(30)
    index = index_of(segments[:20])
    before = m3u8.loads(render_window(index, live_window(index, 6, segments[19].end_ms)))
    for segment in segments[20:]:
        index.append(segment)
    after = m3u8.loads(render_window(index, live_window(index, 6, segments[-1].end_ms)))
    numbered_before = {before.media_sequence + i: s.uri for i, s in enumerate(before.segments)}
    numbered_after = {after.media_sequence + i: s.uri for i, s in enumerate(after.segments)}
    assert after.media_sequence == before.media_sequence + 10
    for number in numbered_before.keys() & numbered_after.keys():
        assert numbered_before[number] == numbered_after[number]


def test_timeshift_rel_ends_before_the_delay() -> None:
    segments = contiguous(100)
    index = index_of(segments)
    now = segments[-1].end_ms
    parsed = m3u8.loads(render_window(index, live_window(index, 6, now, delay_ms=60_000)))
    last = parsed.segments[-1]
    assert last.program_date_time.timestamp() * 1000 + 2000 <= now - 60_000
    assert last.program_date_time.timestamp() * 1000 + 4000 > now - 60_000


def test_start_over_grows_to_live_and_starts_at_the_moment() -> None:
    segments = contiguous(50)
    index = index_of(segments)
    moment = segments[10].start_ms + 700
    window = start_over_window(index, moment, segments[-1].end_ms, PlaylistType.EVENT)
    parsed = m3u8.loads(render_window(index, window))
    assert parsed.playlist_type == "event"
    assert not parsed.is_endlist
    assert parsed.segments[0].uri == segments[10].uri
    assert parsed.segments[-1].uri == segments[-1].uri
    assert parsed.start.time_offset == 0.7


def test_window_still_recording_is_an_event() -> None:
    segments = contiguous(50)
    index = index_of(segments)
    now = segments[-1].end_ms
    window = archive_window(index, segments[40].start_ms, 60_000, now)
    assert window.playlist_type is PlaylistType.EVENT
    assert not window.ended


def test_window_outside_the_archive_reports_the_range() -> None:
    segments = contiguous(10)
    index = index_of(segments)
    with pytest.raises(OutsideArchive) as caught:
        archive_window(index, segments[-1].end_ms + 60_000, 60_000, segments[-1].end_ms)
    assert caught.value.available_start_ms == segments[0].start_ms
    assert caught.value.available_end_ms == segments[-1].end_ms


def test_gap_in_the_middle_is_a_discontinuity_not_a_missing_segment() -> None:
    first = contiguous(5, run=1)
    second = contiguous(5, start_ms=first[-1].end_ms + 30_000, seq=first[-1].seq + 1, run=2)
    index = index_of(first + second)
    window = archive_window(index, first[0].start_ms, 60_000 + 30_000, second[-1].end_ms + 9999)
    parsed = m3u8.loads(render_window(index, window))
    assert len(parsed.segments) == 10
    assert [s.discontinuity for s in parsed.segments].count(True) == 1
    assert parsed.segments[5].discontinuity
