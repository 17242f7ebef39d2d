"""What a signed channel URL opens (ADR 0029): the pure scope, against the playlists it allows.

The property that matters: every segment and key a playlist the scope allows can show is one
the scope opens, and a live scope allows no playlist of the archive.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import T0_MS, contiguous, index_of
from yunjin.archive.requests import BadRequest, Catchup, Live, StartOver, parse_playlist_name
from yunjin.archive.segment import HOUR_MS
from yunjin.archive.windows import OutsideArchive, Window, archive_window, live_window
from yunjin.delivery import nginx
from yunjin.delivery.nginx import less_than
from yunjin.delivery.scopes import (
    ChannelScope,
    Reach,
    ScopeKind,
    live_scope,
    playback_scope,
    window_scope,
)

SEGMENTS = 1800  # an hour of 2 s segments, from T0
INDEX = index_of(contiguous(SEGMENTS))
NOW_MS = T0_MS + SEGMENTS * 2000 + 500  # half a second after the last segment ended
REACH = Reach(live_segments=6, max_window_s=6 * 3600)
LIVE_SPAN_MS = REACH.live_segments * INDEX.target_duration * 1000


def shown(window: Window) -> list[int]:
    return [INDEX.start_at(position) for position in range(window.first, window.stop)]


def test_scopes_read_as_they_are_written() -> None:
    assert ChannelScope.live(T0_MS).text == f"live-{T0_MS}-now"
    assert ChannelScope.live(T0_MS, 600).text == f"ts600-{T0_MS}-now"
    assert ChannelScope.window(T0_MS, T0_MS + 60_000).text == f"win-{T0_MS}-{T0_MS + 60_000}"
    assert ChannelScope.window(T0_MS, None, 1500).text == f"win1500-{T0_MS}-now"
    for text in ("live-1-now", f"live-{T0_MS}", f"win-{T0_MS}-{T0_MS}", f"ts-{T0_MS}-now", ""):
        assert ChannelScope.parse(text) is None, text


@given(st.integers(10**12, 10**13 - 10**8), st.integers(0, 10**6), st.integers(0, 9_999))
def test_windows_round_trip(start: int, length: int, lead: int) -> None:
    for scope in (
        ChannelScope.window(start, start + length + 1, lead),
        ChannelScope.window(start, None, lead),
        ChannelScope.live(start, length),
    ):
        assert ChannelScope.parse(scope.text) == scope


def test_a_live_scope_opens_no_playlist_of_the_archive() -> None:
    """The hole in #12: a live URL rewritten to the archive or to time-shift."""
    scope = live_scope(INDEX, REACH.live_segments, NOW_MS)
    now_s = NOW_MS // 1000
    assert scope.opens_playlist(parse_playlist_name("index.m3u8", now_s), NOW_MS, LIVE_SPAN_MS)
    for name in (
        f"archive-{T0_MS // 1000}-600.m3u8",
        f"archive-{now_s - 30}-20.m3u8",  # even the last half minute
        f"archive-{T0_MS // 1000}-now.m3u8",
        f"timeshift_abs-{now_s - 60}.m3u8",
        "timeshift_rel-60.m3u8",
        "timeshift_rel-1.m3u8",
    ):
        wanted = parse_playlist_name(name, now_s)
        assert not scope.opens_playlist(wanted, NOW_MS, LIVE_SPAN_MS), name
    # its segments: those of live now and later, none from before
    newest = live_window(INDEX, REACH.live_segments, NOW_MS)
    assert all(scope.opens_segment(start) for start in shown(newest))
    assert not scope.opens_segment(INDEX.start_at(newest.first - 1))
    assert not scope.opens_segment(T0_MS)
    assert scope.opens_segment(NOW_MS + 60_000)  # recorded after the URL was issued


def test_time_shift_opens_its_depth_and_no_further() -> None:
    scope = live_scope(INDEX, REACH.live_segments, NOW_MS, depth_s=300)
    assert scope.kind is ScopeKind.LIVE
    for delay, allowed in ((0, True), (120, True), (300, True), (301, False), (3000, False)):
        wanted = Live(delay)
        assert scope.opens_playlist(wanted, NOW_MS, LIVE_SPAN_MS) is allowed, delay
        if allowed:
            window = live_window(INDEX, REACH.live_segments, NOW_MS, delay * 1000)
            assert all(scope.opens_segment(start) for start in shown(window))
    assert not scope.opens_playlist(Catchup(NOW_MS // 1000 - 200, 60), NOW_MS, LIVE_SPAN_MS)


@given(st.integers(0, SEGMENTS * 2 - 2), st.integers(1, 1200), st.integers(0, 1999))
def test_a_window_opens_what_its_playlists_show_and_nothing_else(
    start_s: int, length_s: int, offset_ms: int
) -> None:
    start_ms = T0_MS + start_s * 1000 + offset_ms
    scope = window_scope(INDEX, start_ms, start_ms + length_s * 1000)
    assert scope.start_ms == start_ms
    asked = Catchup(start_ms // 1000 + (1 if start_ms % 1000 else 0), length_s - 1 or 1)
    if asked.duration_s and (asked.from_s + asked.duration_s) * 1000 <= start_ms + length_s * 1000:
        assert scope.opens_playlist(asked, NOW_MS, LIVE_SPAN_MS)
        try:
            window = archive_window(
                INDEX, asked.from_s * 1000, (asked.duration_s or 0) * 1000, NOW_MS
            )
        except OutsideArchive:
            return
        starts = shown(window)
        assert all(scope.opens_segment(start) for start in starts)
        hours = {start // HOUR_MS for start in starts}
        assert all(scope.opens_key(hour) for hour in hours)
    # a segment wholly before the window, or from its end on, is refused
    assert not scope.opens_segment(scope.from_ms - 1)
    assert not scope.opens_segment(start_ms + length_s * 1000)
    # wider, earlier, open-ended or live: not this URL
    for wider in (
        Catchup(start_ms // 1000 - 2, length_s),
        Catchup(start_ms // 1000, length_s + 3),
        Catchup(start_ms // 1000, None),
        StartOver(start_ms // 1000),
        Live(),
        Live(60),
    ):
        assert not scope.opens_playlist(wider, NOW_MS, LIVE_SPAN_MS), wider


def test_start_over_grows_to_live_and_holds_live_once_inside() -> None:
    start_ms = NOW_MS - 600_000
    scope = window_scope(INDEX, start_ms, None)
    assert scope.opens_playlist(StartOver(start_ms // 1000), NOW_MS, LIVE_SPAN_MS)
    assert scope.opens_playlist(Catchup(start_ms // 1000, None), NOW_MS, LIVE_SPAN_MS)
    assert scope.opens_playlist(Catchup(start_ms // 1000 + 60, 60), NOW_MS, LIVE_SPAN_MS)
    assert scope.opens_playlist(Live(), NOW_MS, LIVE_SPAN_MS)
    assert not scope.opens_playlist(Live(), start_ms + 5_000, LIVE_SPAN_MS)  # reaches before
    assert not scope.opens_playlist(StartOver(start_ms // 1000 - 60), NOW_MS, LIVE_SPAN_MS)
    assert scope.opens_segment(NOW_MS + 3_600_000)


def test_keys_of_hours_outside_the_window_are_refused() -> None:
    start_ms = T0_MS + HOUR_MS // 2
    scope = ChannelScope.window(start_ms, start_ms + 60_000)
    hour = start_ms // HOUR_MS
    assert scope.opens_key(hour)
    assert not scope.opens_key(hour - 1)
    assert not scope.opens_key(hour + 1)


def test_playback_scope_names_the_first_playlist_and_checks_the_reach() -> None:
    now_s = NOW_MS // 1000
    assert playback_scope(INDEX, REACH, NOW_MS)[1] == "index.m3u8"
    assert playback_scope(INDEX, REACH, NOW_MS, delay_s=90)[1] == "timeshift_rel-90.m3u8"
    scope, name = playback_scope(INDEX, REACH, NOW_MS, start_s=now_s - 600, duration_s=300)
    assert name == f"archive-{now_s - 600}-300.m3u8"
    assert scope.to_ms == (now_s - 300) * 1000
    with pytest.raises(BadRequest, match="window_too_long"):
        playback_scope(INDEX, REACH, NOW_MS, start_s=now_s - 600, duration_s=7 * 3600)
    with pytest.raises(BadRequest, match="window_too_long"):
        playback_scope(INDEX, REACH, NOW_MS, start_s=now_s - 7 * 3600)
    with pytest.raises(BadRequest, match="invalid_request"):
        playback_scope(INDEX, REACH, NOW_MS, start_s=now_s - 600, delay_s=60)


THIRTEEN = st.integers(10**12, 10**13 - 1)


@given(THIRTEEN, THIRTEEN, st.integers(-100_000, 100_000))
def test_the_edges_comparison_is_the_numbers(a: int, b: int, delta: int) -> None:
    """nginx cannot add; for numbers of 13 digits, "less than" is a regular expression."""
    less = re.compile(rf"^(?:{less_than()})$")
    near = min(max(a + delta, 10**12), 10**13 - 1)  # a long common prefix
    for x, y in ((a, b), (b, a), (a, near), (near, a), (a, a)):
        assert bool(less.match(f"{x}:{y}")) is (x < y), (x, y)


SCOPES = st.one_of(
    st.builds(ChannelScope.live, st.integers(10**12, 10**13 - 1), st.integers(0, 10**6)),
    st.builds(
        lambda start, length, lead: ChannelScope.window(start, start + length, lead),
        st.integers(10**12, 10**13 - 10**8),
        st.integers(1, 10**7),
        st.integers(0, 9_999_999),
    ),
    st.builds(
        lambda start, lead: ChannelScope.window(start, None, lead),
        st.integers(10**12, 10**13 - 1),
        st.integers(0, 9_999_999),
    ),
)


@given(SCOPES)
def test_the_edge_reads_every_scope_the_app_writes(scope: ChannelScope) -> None:
    edge_pattern = re.compile(nginx.SCOPE.replace("(?<", "(?P<"))
    match = edge_pattern.fullmatch(scope.text)
    assert match is not None, scope.text
    assert int(match["sfrom"]) == scope.from_ms
    assert match["sto"] == ("now" if scope.to_ms is None else str(scope.to_ms))
