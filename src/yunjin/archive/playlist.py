"""HLS media playlists (RFC 8216) rendered as pure functions.

Nothing here reads a clock, a file or the network: a playlist is a function of
the segments chosen for it and of the header fields the window decided.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from yunjin.archive.segment import HOUR_MS, SEGMENT_SUFFIX, Segment, hour_names, iso_hour

HLS_VERSION = 3
DISCONTINUITY = "#EXT-X-DISCONTINUITY\n"
PLAYLIST_CONTENT_TYPE = "application/vnd.apple.mpegurl"


class PlaylistType(enum.StrEnum):
    """How a playlist may change between reloads (RFC 8216 §4.3.3.5)."""

    LIVE = "LIVE"  # sliding window: no EXT-X-PLAYLIST-TYPE
    EVENT = "EVENT"  # grows at the end only
    VOD = "VOD"  # never changes, ends with EXT-X-ENDLIST


@dataclass(frozen=True, slots=True)
class PlaylistHeader:
    """The playlist-wide tags; the window that chose the segments fills them in."""

    target_duration: int
    media_sequence: int
    discontinuity_sequence: int
    playlist_type: PlaylistType
    ended: bool = False
    start_offset_s: float | None = None


def program_date_time(ms: int) -> str:
    """ISO 8601 date-time with milliseconds, UTC (RFC 8216 §4.3.2.6)."""
    within_hour = ms % HOUR_MS
    minutes, within_minute = divmod(within_hour, 60_000)
    seconds, millis = divmod(within_minute, 1000)
    return f"{iso_hour(ms)}{minutes:02d}:{seconds:02d}.{millis:03d}Z"


def segment_entry(segment: Segment) -> str:
    """A segment's lines: its program date-time, its duration and its URI (§4.3.2)."""
    hour = segment.start_ms // HOUR_MS
    return hour_entries(
        hour, [segment.start_ms], [segment.duration_ms], [segment.seq], [segment.run]
    )[0]


def hour_entries(
    hour: int,
    starts: Sequence[int],
    durations: Iterable[int],
    seqs: Iterable[int],
    runs: Iterable[int],
) -> list[str]:
    """The entries of segments that start, in order, within one UTC hour (the index's path).

    Everything an hour's entries share is formatted once: the date-time up to the hour, the
    ``YYYYMMDD/HH/`` folder, and each distinct duration's EXTINF; minutes, seconds and
    milliseconds come from tables, so one entry is a single format step of six values.
    """
    base_ms = hour * HOUR_MS
    if starts and not base_ms <= starts[0] <= starts[-1] < base_ms + HOUR_MS:
        raise ValueError(f"segments starting outside hour {hour}")
    bucket, iso = hour_names(hour)
    date_time = f"#EXT-X-PROGRAM-DATE-TIME:{iso}"
    extinf: dict[int, str] = {}
    seconds, millis = _MINUTE_SECOND, _MILLIS_EXTINF
    entries: list[str] = []
    for start_ms, duration_ms, seq, run in zip(starts, durations, seqs, runs, strict=True):
        within = start_ms - base_ms
        duration = extinf.get(duration_ms)
        if duration is None:
            whole, fraction = divmod(duration_ms, 1000)
            duration = extinf[duration_ms] = f"{whole}.{fraction:03d},\n{bucket}/"
        entries.append(
            f"{date_time}{seconds[within // 1000]}{millis[within % 1000]}{duration}"
            f"{start_ms}_{duration_ms}_{seq}_{run}{SEGMENT_SUFFIX}\n"
        )
    return entries


# "MM:SS." for every second of an hour, "mmmZ\n#EXTINF:" for every millisecond of a second
_MINUTE_SECOND = tuple(f"{s // 60:02d}:{s % 60:02d}." for s in range(3600))
_MILLIS_EXTINF = tuple(f"{ms:03d}Z\n#EXTINF:" for ms in range(1000))


def render_header(header: PlaylistHeader) -> str:
    """The tags before the first segment (§4.3.1, §4.3.3)."""
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{HLS_VERSION}",
        f"#EXT-X-TARGETDURATION:{header.target_duration}",
        f"#EXT-X-MEDIA-SEQUENCE:{header.media_sequence}",
        f"#EXT-X-DISCONTINUITY-SEQUENCE:{header.discontinuity_sequence}",
    ]
    if header.playlist_type is not PlaylistType.LIVE:
        lines.append(f"#EXT-X-PLAYLIST-TYPE:{header.playlist_type.value}")
    if header.start_offset_s is not None:
        lines.append(f"#EXT-X-START:TIME-OFFSET={header.start_offset_s:.3f},PRECISE=YES")
    lines.append("#EXT-X-INDEPENDENT-SEGMENTS")
    return "\n".join(lines) + "\n"


def render_playlist(header: PlaylistHeader, body: str | list[str]) -> str:
    """A whole media playlist from its header and its segments' entries (one text or its
    pieces, joined once with the header: a 2-hour body is some 400 kB)."""
    end = "#EXT-X-ENDLIST\n" if header.ended else ""
    pieces = [body] if isinstance(body, str) else body
    return "".join([render_header(header), *pieces, end])


def render_segments(segments: list[Segment]) -> str:
    """Entries for consecutive segments, a discontinuity tag wherever the run changes."""
    parts: list[str] = []
    for previous, segment in zip([None, *segments[:-1]], segments, strict=True):
        if previous is not None and previous.run != segment.run:
            parts.append(DISCONTINUITY)
        parts.append(segment_entry(segment))
    return "".join(parts)


def target_duration(segments: list[Segment]) -> int:
    """The smallest EXT-X-TARGETDURATION that every segment respects (§4.3.3.1)."""
    return max((rounded_seconds(segment.duration_ms) for segment in segments), default=1) or 1


def rounded_seconds(duration_ms: int) -> int:
    """Seconds rounded half up, as RFC 8216 rounds EXTINF against the target duration."""
    return (duration_ms + 500) // 1000


def key_tag(hour: int) -> str:
    """EXT-X-KEY naming an hour's AES-128 key, relative so a token prefix covers it (§4.3.2.4).

    No IV attribute: the media sequence number is the IV (§5.2).
    """
    return f'#EXT-X-KEY:METHOD=AES-128,URI="keys/{key_file_name(hour)}"\n'


def key_file_name(hour: int) -> str:
    """``YYYYMMDDHH.key`` of an hour counted from the epoch (UTC)."""
    return hour_names(hour)[0].replace("/", "") + ".key"
