"""Which segments each kind of playlist shows: live, time-shift, start-over, catch-up.

Windows are pure functions of an :class:`ArchiveIndex` and the current time;
:func:`render_window` turns one into a playlist.  Every lookup is a bisection.
"""

from __future__ import annotations

from dataclasses import dataclass

from yunjin.archive.index import ArchiveIndex
from yunjin.archive.playlist import PlaylistHeader, PlaylistType, render_playlist


class OutsideArchive(LookupError):
    """The requested moment or window is not in the archive."""

    def __init__(self, index: ArchiveIndex) -> None:
        self.available_start_ms = index.start_ms
        self.available_end_ms = index.end_ms
        super().__init__("outside the archive")


@dataclass(frozen=True, slots=True)
class Window:
    """Positions ``first`` up to ``stop`` of an index, and how to present them."""

    first: int
    stop: int
    playlist_type: PlaylistType
    ended: bool = False
    start_offset_s: float | None = None


def live_window(index: ArchiveIndex, size: int, now_ms: int, delay_ms: int = 0) -> Window:
    """The newest ``size`` segments complete ``delay_ms`` before now (live and timeshift_rel)."""
    stop = len(index) if delay_ms <= 0 else index.position_at(now_ms - delay_ms)
    if stop == 0:
        raise OutsideArchive(index)
    return Window(max(0, stop - size), stop, PlaylistType.LIVE)


def start_over_window(
    index: ArchiveIndex, from_ms: int, now_ms: int, playlist_type: PlaylistType
) -> Window:
    """From the segment playing at ``from_ms`` up to live, starting playback at ``from_ms``.

    ``timeshift_abs`` presents it as a live playlist, ``archive-{utc}-now`` as an event.
    """
    end_ms = index.end_ms
    if end_ms is None or from_ms >= end_ms or from_ms > now_ms:
        raise OutsideArchive(index)
    first = index.position_at(from_ms)
    return Window(first, len(index), playlist_type, start_offset_s=_offset(index, first, from_ms))


def archive_window(index: ArchiveIndex, from_ms: int, duration_ms: int, now_ms: int) -> Window:
    """The segments that overlap ``[from_ms, from_ms + duration_ms)`` (catch-up).

    A window that is complete in the archive is a VOD playlist; one whose end
    is still being recorded is an event playlist that grows until it is.
    """
    until_ms = from_ms + duration_ms
    first = index.position_at(from_ms)
    stop = index.position_after(until_ms)
    if first >= stop:
        raise OutsideArchive(index)
    recorded_through = index.end_ms or 0
    settle_ms = 2 * index.target_duration * 1000
    ended = recorded_through >= until_ms or until_ms + settle_ms <= now_ms
    return Window(
        first,
        stop,
        PlaylistType.VOD if ended else PlaylistType.EVENT,
        ended=ended,
        start_offset_s=_offset(index, first, from_ms),
    )


def render_window(index: ArchiveIndex, window: Window, *, keyed: bool = False) -> str:
    """The media playlist of a window (``keyed``: the channel is AES-128 encrypted)."""
    header = PlaylistHeader(
        target_duration=index.target_duration,
        media_sequence=index.seq_at(window.first),
        discontinuity_sequence=index.run_at(window.first),
        playlist_type=window.playlist_type,
        ended=window.ended,
        start_offset_s=window.start_offset_s,
    )
    return render_playlist(header, index.body_parts(window.first, window.stop, keyed=keyed))


def _offset(index: ArchiveIndex, first: int, from_ms: int) -> float:
    return max(0, from_ms - index.start_at(first)) / 1000
