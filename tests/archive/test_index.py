"""The index's playlist bodies equal a slow reference renderer, whatever built the index.

The reference formats every entry on its own from a ``datetime`` and knows nothing of
how the index stores or caches text, so it pins the bytes playlists have always had.
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import T0_MS
from yunjin.archive.index import ArchiveIndex
from yunjin.archive.segment import HOUR_MS, Segment

# -- the reference: one entry at a time, from first principles -------------------------


def reference_entry(segment: Segment) -> str:
    """A segment's program date-time, EXTINF and URI (RFC 8216 §4.3.2), formatted alone."""
    moment = datetime.fromtimestamp(segment.start_ms // 1000, UTC)
    millis = segment.start_ms % 1000
    whole, fraction = divmod(segment.duration_ms, 1000)
    name = f"{segment.start_ms}_{segment.duration_ms}_{segment.seq}_{segment.run}.ts"
    return (
        f"#EXT-X-PROGRAM-DATE-TIME:{moment:%Y-%m-%dT%H:%M:%S}.{millis:03d}Z\n"
        f"#EXTINF:{whole}.{fraction:03d},\n"
        f"{moment:%Y%m%d/%H}/{name}\n"
    )


def reference_body(segments: list[Segment], *, keyed: bool = False) -> str:
    """Entries with a discontinuity where the run changes and, ``keyed``, the hour's key
    before the first segment, wherever the hour changes and after every discontinuity."""
    parts: list[str] = []
    previous: Segment | None = None
    for segment in segments:
        hour = segment.start_ms // HOUR_MS
        new_run = previous is not None and segment.run != previous.run
        new_hour = previous is not None and hour != previous.start_ms // HOUR_MS
        if new_run:
            parts.append("#EXT-X-DISCONTINUITY\n")
        if keyed and (previous is None or new_run or new_hour):
            key = datetime.fromtimestamp(hour * 3600, UTC)
            parts.append(f'#EXT-X-KEY:METHOD=AES-128,URI="keys/{key:%Y%m%d%H}.key"\n')
        parts.append(reference_entry(segment))
        previous = segment
    return "".join(parts)


def test_reference_entry_is_what_players_have_always_read() -> None:
    segment = Segment(T0_MS + 61_234, 2_040, 123, 7)
    assert reference_entry(segment) == (
        "#EXT-X-PROGRAM-DATE-TIME:2026-11-18T11:01:01.234Z\n"
        "#EXTINF:2.040,\n"
        f"20261118/11/{T0_MS + 61_234}_2040_123_7.ts\n"
    )


# -- archives as recorded: gaps, restarts, odd durations, hours and days crossed --------

# durations of one to five digits, so entries of one hour differ in length
DURATIONS = st.sampled_from([2000, 2000, 2000, 1960, 2040, 6000, 999, 10_000, 40])
GAPS = st.sampled_from([0, 0, 0, 0, 1, 5_000, 600_000, 3 * HOUR_MS])
# the last minutes of a day, so hours and days change within a few hundred segments
STARTS = st.integers(T0_MS + 12 * HOUR_MS + 57 * 60_000, T0_MS + 13 * HOUR_MS)
# sequence numbers about to gain a digit
SEQS = st.sampled_from([0, 95, 9_990, 1_794_999_598])


@st.composite
def recorded(draw: st.DrawFn, max_size: int = 400) -> list[Segment]:
    """Consecutive segments as a recorder commits them: seq +1 each, a new run after a
    gap or a restart."""
    steps = draw(st.lists(st.tuples(GAPS, st.booleans(), DURATIONS), min_size=1, max_size=max_size))
    start, seq, run = draw(STARTS), draw(SEQS), draw(st.integers(1, 10_000))
    segments: list[Segment] = []
    for gap, restart, duration in steps:
        if segments and (gap or restart):
            run += 1
        start += gap
        segments.append(Segment(start, duration, seq, run, duration * 500))
        start += duration
        seq += 1
    return segments


def live_index(segments: list[Segment]) -> ArchiveIndex:
    """An index as recording builds it, one segment after the other."""
    index = ArchiveIndex()
    for segment in segments:
        index.append(segment)
    return index


def spans(count: int) -> st.SearchStrategy[tuple[int, int]]:
    return st.tuples(st.integers(0, count - 1), st.integers(1, count)).map(
        lambda pair: (min(pair[0], pair[1] - 1), max(pair[0] + 1, pair[1]))
    )


@settings(max_examples=150, deadline=None)
@given(recorded(), st.data(), st.booleans())
def test_body_equals_the_reference(
    segments: list[Segment], data: st.DataObject, keyed: bool
) -> None:
    index = live_index(segments)
    for _ in range(4):
        first, stop = data.draw(spans(len(segments)))
        expected = reference_body(segments[first:stop], keyed=keyed)
        assert index.body(first, stop, keyed=keyed) == expected


@settings(max_examples=60, deadline=None)
@given(recorded(max_size=300), st.booleans())
def test_whole_archive_and_edges_equal_the_reference(segments: list[Segment], keyed: bool) -> None:
    index = live_index(segments)
    count = len(segments)
    assert index.body(0, count, keyed=keyed) == reference_body(segments, keyed=keyed)
    assert index.body(count - 1, count) == reference_body(segments[-1:])
    assert index.body(0, 0) == index.body(count, count) == ""


@settings(max_examples=80, deadline=None)
@given(recorded(max_size=300), st.data())
def test_backfill_retention_and_recording_keep_the_reference(
    segments: list[Segment], data: st.DataObject
) -> None:
    """Whatever mix of backfill (before), recording (after) and retention (the oldest
    segments, or whole hours) changed it, the index renders what the reference does."""
    split = data.draw(st.integers(0, len(segments) - 1))
    index = live_index(segments[split:])
    kept = segments[split:]
    backfill = segments[:split]
    while backfill:
        chunk = data.draw(st.integers(1, len(backfill)))
        index.prepend(backfill[-chunk:])
        kept = backfill[-chunk:] + kept
        backfill = backfill[:-chunk]
        if data.draw(st.booleans()):
            break
    if data.draw(st.booleans()) and len(kept) > 1:
        dropped = data.draw(st.integers(0, len(kept) - 1))
        assert index.drop_first(dropped) == kept[:dropped]
        kept = kept[dropped:]
    if data.draw(st.booleans()) and len(kept) > 1:
        hour_ms = kept[data.draw(st.integers(0, len(kept) - 1))].start_ms // HOUR_MS * HOUR_MS
        before = [segment for segment in kept if segment.start_ms < hour_ms]
        assert index.drop_before_start(hour_ms) == before
        kept = kept[len(before) :]
    last = kept[-1]
    for step in range(data.draw(st.integers(0, 30))):
        gap = step % 7 == 6
        segment = Segment(last.end_ms + gap * 4000, 2000, last.seq + 1, last.run + gap)
        index.append(segment)
        kept.append(segment)
        last = segment
    assert list(index) == kept
    keyed = data.draw(st.booleans())
    assert index.body(0, len(kept), keyed=keyed) == reference_body(kept, keyed=keyed)
    first, stop = data.draw(spans(len(kept)))
    assert index.body(first, stop, keyed=keyed) == reference_body(kept[first:stop], keyed=keyed)


@settings(max_examples=80, deadline=None)
@given(recorded(), st.data())
def test_an_index_loaded_at_once_equals_one_recorded(
    segments: list[Segment], data: st.DataObject
) -> None:
    """Loading (``extend``: hours rendered after the columns are filled) and recording
    (``append``: each entry added to its hour) give the same index and the same bytes."""
    split = data.draw(st.integers(0, len(segments)))
    loaded = ArchiveIndex()
    assert loaded.extend(segments[:split]) == []
    assert loaded.extend(segments[split:]) == []  # a second load continues the last hour
    recorded_live = live_index(segments)
    assert list(loaded) == list(recorded_live) == segments
    count = len(segments)
    assert loaded.body(0, count, keyed=True) == recorded_live.body(0, count, keyed=True)
    assert loaded.body(0, count) == reference_body(segments)


def test_load_refuses_what_is_out_of_order_and_keeps_the_rest() -> None:
    good = [Segment(T0_MS + i * 2000, 2000, 10 + i, 1) for i in range(5)]
    overlapping = Segment(good[2].start_ms + 500, 2000, 99, 1)
    older_run = Segment(good[4].end_ms, 2000, 100, 0)
    unnumberable = Segment(good[4].end_ms, 2000, -1, 1)
    index = ArchiveIndex()
    refused = index.extend([*good[:3], overlapping, *good[3:], older_run, unnumberable])
    assert refused == [overlapping, older_run, unnumberable]
    assert list(index) == good
    assert index.body(0, 5) == reference_body(good)
