"""One archived media segment and how it is named on disk.

A segment's file name carries everything the index holds about it, so the
index of an hour can be rebuilt from the files alone after a crash::

    {channel}/{YYYYMMDD}/{HH}/{start_ms}_{duration_ms}_{seq}_{run}.ts

``start_ms`` is the UTC wall-clock time of the first frame in milliseconds,
``seq`` the segment's media sequence number (consecutive per channel) and
``run`` the recording run it belongs to: a new run starts after every gap or
recorder restart, so a change of ``run`` between neighbours is a
discontinuity, and ``run`` itself is the discontinuity sequence number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

SEGMENT_SUFFIX = ".ts"
SEGMENT_NAME = re.compile(r"^(\d{10,16})_(\d{1,9})_(\d{1,19})_(\d{1,19})\.ts$")
DAY_BUCKET = re.compile(r"^\d{8}$")
HOUR_BUCKET = re.compile(r"^(?:[01]\d|2[0-3])$")
HOUR_MS = 3_600_000


@dataclass(frozen=True, slots=True)
class Segment:
    """A complete, playable segment in the archive."""

    start_ms: int
    duration_ms: int
    seq: int
    run: int
    size: int = 0

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms

    @property
    def file_name(self) -> str:
        return f"{self.start_ms}_{self.duration_ms}_{self.seq}_{self.run}{SEGMENT_SUFFIX}"

    @property
    def bucket(self) -> str:
        """The segment's folder relative to the channel: ``YYYYMMDD/HH``."""
        return hour_bucket(self.start_ms)

    @property
    def uri(self) -> str:
        """The segment's path relative to the channel's playlists."""
        return f"{self.bucket}/{self.file_name}"


def hour_bucket(ms: int) -> str:
    """The ``YYYYMMDD/HH`` folder (UTC) that holds segments starting at ``ms``."""
    return hour_names(ms // HOUR_MS)[0]


def iso_hour(ms: int) -> str:
    """``YYYY-MM-DDTHH:`` of the UTC hour holding ``ms``, for program date-times."""
    return hour_names(ms // HOUR_MS)[1]


@lru_cache(maxsize=4096)
def hour_names(hour: int) -> tuple[str, str]:
    """The bucket folder and the ISO date-time prefix of an hour counted from the epoch."""
    moment = datetime.fromtimestamp(hour * 3600, UTC)
    return moment.strftime("%Y%m%d/%H"), moment.strftime("%Y-%m-%dT%H:")


def hour_start_ms(bucket: str) -> int:
    """The first millisecond covered by a ``YYYYMMDD/HH`` bucket."""
    moment = datetime.strptime(bucket, "%Y%m%d/%H").replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1000


def parse_segment_name(name: str, size: int = 0) -> Segment | None:
    """The segment a file name describes, or None when it is not a segment's name."""
    match = SEGMENT_NAME.match(name)
    if match is None:
        return None
    start_ms, duration_ms, seq, run = (int(group) for group in match.groups())
    if duration_ms <= 0:
        return None
    return Segment(start_ms, duration_ms, seq, run, size)
