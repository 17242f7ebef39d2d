"""What a signed channel URL opens: live (with a time-shift depth), or a window of the archive.

The gate decides what a household may play; the scope writes that decision into the URL,
signed with the token, so that the app and an nginx edge hold the URL to exactly it (ADR 0029)::

    /t/{token}/{expires}[/l/{lease}]/s/{scope}/hls/{channel}/…

    live-{from_ms}-now          live: index.m3u8
    ts{depth}-{from_ms}-now     live, and time-shift up to ``depth`` seconds behind it
    win{lead}-{from_ms}-{to_ms} a closed catch-up window
    win{lead}-{from_ms}-now     from a moment up to live (start-over, archive-…-now)

``from_ms`` is the start of the earliest segment the URL opens and ``to_ms`` the end of the
window (UTC milliseconds, always 13 digits, so that an edge can compare them as text):
a segment opens when ``from_ms <= start < to_ms``, a key when its hour overlaps that span,
and a playlist when its kind is the scope's and it shows nothing outside the span.  A window
begins ``lead`` ms into its first segment (none when 0): the gate was asked about
``[from_ms + lead, to_ms)``, the segments hold from ``from_ms``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from yunjin.archive.index import ArchiveIndex
from yunjin.archive.requests import (
    BadRequest,
    Catchup,
    Live,
    PlaylistRequest,
    StartOver,
    check_reach,
)
from yunjin.archive.segment import HOUR_MS

MS_DIGITS = 13  # 2001-09-09 … 2286-11-20
_SCOPE = re.compile(
    r"^(?:(live)|ts([1-9][0-9]{0,6})|win([1-9][0-9]{0,6})?)-([0-9]{13})-([0-9]{13}|now)$"
)
MAX_LEAD_MS = 9_999_999  # a segment is never this long


class ScopeKind(enum.StrEnum):
    LIVE = "live"  # live, perhaps delayed by up to ``depth_s`` (time-shift)
    WINDOW = "win"  # a window of the archive, perhaps open up to live


@dataclass(frozen=True, slots=True)
class ChannelScope:
    """What one signed channel URL opens."""

    kind: ScopeKind
    from_ms: int
    to_ms: int | None = None  # None: up to live
    depth_s: int = 0  # LIVE: how far behind live ``timeshift_rel`` may go
    lead_ms: int = 0  # WINDOW: where in its first segment the window begins

    def __post_init__(self) -> None:
        if len(str(self.from_ms)) != MS_DIGITS:
            raise ValueError(f"not a moment in UTC milliseconds: {self.from_ms}")
        if self.to_ms is not None and (
            len(str(self.to_ms)) != MS_DIGITS or self.to_ms <= self.from_ms
        ):
            raise ValueError(f"not a window: {self.from_ms}–{self.to_ms}")
        if self.kind is ScopeKind.LIVE and (self.to_ms is not None or self.depth_s < 0):
            raise ValueError("a live scope runs up to live, with a depth of 0 or more")
        if self.kind is ScopeKind.WINDOW and self.depth_s:
            raise ValueError("a window has no time-shift depth")
        if not 0 <= self.lead_ms <= MAX_LEAD_MS or (self.lead_ms and self.kind is ScopeKind.LIVE):
            raise ValueError(f"not a window's lead: {self.lead_ms}")

    @property
    def start_ms(self) -> int:
        """Where what the gate granted begins (a window's first segment may begin before)."""
        return self.from_ms + self.lead_ms

    @classmethod
    def live(cls, from_ms: int, depth_s: int = 0) -> ChannelScope:
        return cls(ScopeKind.LIVE, from_ms, None, depth_s)

    @classmethod
    def window(cls, from_ms: int, to_ms: int | None, lead_ms: int = 0) -> ChannelScope:
        return cls(ScopeKind.WINDOW, from_ms, to_ms, lead_ms=lead_ms)

    @property
    def text(self) -> str:
        """The scope as it stands in the URL and in the signed string."""
        if self.kind is ScopeKind.WINDOW:
            head = f"win{self.lead_ms or ''}"
        else:
            head = f"ts{self.depth_s}" if self.depth_s else "live"
        return f"{head}-{self.from_ms}-{'now' if self.to_ms is None else self.to_ms}"

    @classmethod
    def parse(cls, text: str) -> ChannelScope | None:
        """The scope a URL names, or None when it is not one."""
        match = _SCOPE.match(text)
        if match is None:
            return None
        live, depth, lead, start, end = match.groups()
        to_ms = None if end == "now" else int(end)
        try:
            if live or depth:
                if to_ms is not None:
                    return None
                return cls.live(int(start), int(depth or 0))
            return cls.window(int(start), to_ms, int(lead or 0))
        except ValueError:
            return None

    def opens_segment(self, start_ms: int) -> bool:
        return self.from_ms <= start_ms and (self.to_ms is None or start_ms < self.to_ms)

    def opens_key(self, hour: int) -> bool:
        """An encrypted channel's key of an hour (counted from the epoch) that holds some of
        the span's segments."""
        return (hour + 1) * HOUR_MS > self.from_ms and (
            self.to_ms is None or hour * HOUR_MS < self.to_ms
        )

    def opens_playlist(self, wanted: PlaylistRequest, now_ms: int, live_span_ms: int) -> bool:
        """Whether a playlist of this kind is what the scope granted and shows nothing outside
        it; ``live_span_ms`` is how far back a live playlist reaches."""
        match wanted:
            case Live(delay_s=delay):
                if self.kind is ScopeKind.LIVE:
                    return delay <= self.depth_s
                # a start-over window holds live once the live playlist lies inside it
                oldest_ms = now_ms - delay * 1000 - live_span_ms
                return self.to_ms is None and oldest_ms >= self.from_ms
            case StartOver(from_s=start) | Catchup(from_s=start, duration_s=None):
                return (
                    self.kind is ScopeKind.WINDOW
                    and self.to_ms is None
                    and start * 1000 >= self.from_ms
                )
            case Catchup(from_s=start, duration_s=int(duration)):
                return (
                    self.kind is ScopeKind.WINDOW
                    and start * 1000 >= self.from_ms
                    and (self.to_ms is None or (start + duration) * 1000 <= self.to_ms)
                )
        return False


def live_scope(index: ArchiveIndex, size: int, now_ms: int, depth_s: int = 0) -> ChannelScope:
    """Live (and time-shift up to ``depth_s``) from the oldest segment the deepest playlist
    it allows shows now: every later playlist only moves forward from there."""
    delay_ms = depth_s * 1000
    stop = len(index) if delay_ms == 0 else index.position_at(now_ms - delay_ms)
    if stop > 0:
        from_ms = index.start_at(max(0, stop - size))
    else:  # nothing recorded there yet: as far back as such a playlist would reach
        from_ms = now_ms - delay_ms - size * index.target_duration * 1000
    return ChannelScope.live(from_ms, depth_s)


def window_scope(index: ArchiveIndex, start_ms: int, end_ms: int | None) -> ChannelScope:
    """The window ``[start_ms, end_ms)`` (None: up to live), opened from the start of the
    segment playing at ``start_ms`` — a playlist of the window begins with it."""
    position = index.position_at(start_ms)
    recorded_to = index.end_ms
    if position < len(index) and index.start_at(position) <= start_ms:
        from_ms = index.start_at(position)
    elif recorded_to is not None and start_ms < recorded_to:
        from_ms = start_ms  # in a gap: the window's first segment starts after it
    else:  # not recorded yet: the segment that will hold start_ms begins at most one before
        from_ms = max(recorded_to or 0, start_ms - index.target_duration * 1000)
    return ChannelScope.window(from_ms, end_ms, start_ms - from_ms)


@dataclass(frozen=True, slots=True)
class Reach:
    """How much of a channel one playback may open: its live playlist's length in segments,
    and the longest window (``catchup_window_max_s``)."""

    live_segments: int
    max_window_s: int


def playback_scope(
    index: ArchiveIndex,
    reach: Reach,
    now_ms: int,
    *,
    delay_s: int | None = None,
    start_s: int | None = None,
    duration_s: int | None = None,
) -> tuple[ChannelScope, str]:
    """What one playback opens, and the playlist to ask for first: live; time-shift up to
    ``delay_s`` behind it; or the window from ``start_s`` for ``duration_s`` (else up to
    live).  BadRequest when the request mixes them or reaches too far."""
    live_size = reach.live_segments
    if start_s is None:
        if duration_s is not None:
            raise BadRequest("invalid_request", detail="a duration needs a start")
        if delay_s:
            return live_scope(index, live_size, now_ms, delay_s), f"timeshift_rel-{delay_s}.m3u8"
        return live_scope(index, live_size, now_ms), "index.m3u8"
    if delay_s is not None:
        raise BadRequest("invalid_request", detail="a start and a delay exclude each other")
    check_reach(Catchup(start_s, duration_s), now_ms // 1000, reach.max_window_s)
    if duration_s is None:
        return window_scope(index, start_s * 1000, None), f"archive-{start_s}-now.m3u8"
    end_ms = (start_s + duration_s) * 1000
    scope = window_scope(index, start_s * 1000, end_ms)
    return scope, f"archive-{start_s}-{duration_s}.m3u8"
