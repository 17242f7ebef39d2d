"""The playlist names of the public URL contract, parsed into typed requests.

Times are UTC Unix seconds (Flussonic-compatible shapes)::

    index.m3u8                      live
    timeshift_rel-{seconds}.m3u8    live, delayed by seconds
    timeshift_abs-{utc}.m3u8        from a moment on, growing to live (start-over)
    archive-{utc}-{duration}.m3u8   a closed window (catch-up)
    archive-{utc}-now.m3u8          from a moment up to live, as an event
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Earliest moment a request may name: 2000-01-01T00:00:00Z.
EARLIEST_UTC = 946_684_800
MAX_WINDOW_S = 31 * 24 * 3600

_NAME = re.compile(
    r"^(?:(?P<index>index)"
    r"|timeshift_rel-(?P<rel>[^.]*)"
    r"|timeshift_abs-(?P<abs>[^.]*)"
    r"|archive-(?P<from>[^-.]*)-(?P<duration>[^.]*))\.m3u8$"
)


class BadRequest(ValueError):
    """A malformed name; ``code`` and ``values`` fill the bilingual message."""

    def __init__(self, code: str, **values: object) -> None:
        self.code = code
        self.values = values
        super().__init__(f"{code}: {values}")


@dataclass(frozen=True, slots=True)
class Live:
    delay_s: int = 0


@dataclass(frozen=True, slots=True)
class StartOver:
    from_s: int


@dataclass(frozen=True, slots=True)
class Catchup:
    from_s: int
    duration_s: int | None  # None: up to live ("now")


PlaylistRequest = Live | StartOver | Catchup


def parse_playlist_name(name: str, now_s: int) -> PlaylistRequest:
    """The request a playlist file name makes, or BadRequest saying what is wrong."""
    match = _NAME.match(name)
    if match is None:
        raise BadRequest("bad_playlist_name", name=name)
    if match["index"]:
        return Live()
    if match["rel"] is not None:
        return Live(_seconds(match["rel"], "bad_duration", MAX_WINDOW_S))
    if match["abs"] is not None:
        return StartOver(_utc(match["abs"], now_s))
    start = _utc(match["from"], now_s)
    if match["duration"] == "now":
        return Catchup(start, None)
    duration = _seconds(match["duration"], "bad_duration", MAX_WINDOW_S)
    if duration == 0:
        raise BadRequest("bad_duration", value=match["duration"], reason="must be more than 0")
    return Catchup(start, duration)


def check_reach(wanted: PlaylistRequest, now_s: int, max_window_s: int) -> None:
    """BadRequest when a playlist would list more than ``max_window_s`` of the archive: a
    catch-up window longer than that, or a start-over from further back (one 7-day playlist
    is 35 MB).  Live and time-shift playlists list a few segments whatever their delay."""
    match wanted:
        case Catchup(duration_s=int(duration)) if duration > max_window_s:
            raise BadRequest("window_too_long", seconds=duration, maximum=max_window_s)
        case StartOver(from_s=start) | Catchup(from_s=start, duration_s=None) if (
            now_s - start > max_window_s
        ):
            raise BadRequest("window_too_long", seconds=now_s - start, maximum=max_window_s)


def _seconds(text: str, code: str, maximum: int) -> int:
    if not text.isascii() or not text.isdigit():
        raise BadRequest(code, value=text, reason="not a whole number of seconds")
    value = int(text)
    if value > maximum:
        raise BadRequest(code, value=text, reason=f"more than {maximum} seconds")
    return value


def _utc(text: str, now_s: int) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise BadRequest("bad_time", value=text, reason="not UTC Unix seconds")
    value = int(text)
    if value < EARLIEST_UTC:
        raise BadRequest("bad_time", value=text, reason="before the year 2000")
    if value > now_s + 24 * 3600:
        raise BadRequest("bad_time", value=text, reason="more than a day in the future")
    return value
