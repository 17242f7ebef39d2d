"""The in-memory index of one channel's archive.

Segments are kept in start order in parallel lists, so finding the segment at
a moment is a bisection (O(log n) in the archive's size) and a playlist body is
a join over a slice.  Each segment's playlist entry is rendered once, the first
time a playlist needs it, and reused by every later playlist.

Sequence numbers and run numbers never decrease along the index: live
recording appends at the end with higher numbers, a backfill prepends before
the first segment with lower ones.  A change of run is a discontinuity.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from itertools import pairwise

from yunjin.archive.playlist import DISCONTINUITY, entry_lines, key_tag, rounded_seconds
from yunjin.archive.segment import HOUR_MS, Segment


class IndexOrderError(ValueError):
    """A segment that would break the index's order of time, sequence or run."""


class ArchiveIndex:
    """Segments of one channel, ordered by start time."""

    def __init__(self, segments: Iterable[Segment] = ()) -> None:
        self._starts: list[int] = []
        self._durations: list[int] = []
        self._seqs: list[int] = []
        self._runs: list[int] = []
        self._sizes: list[int] = []
        self._entries: list[str | None] = []
        self.total_bytes = 0
        self._max_duration_ms = 0
        ordered = sorted(segments, key=lambda segment: segment.start_ms)
        for segment in ordered:
            self.append(segment, render=False)

    def __len__(self) -> int:
        return len(self._starts)

    def __iter__(self) -> Iterator[Segment]:
        return (self[position] for position in range(len(self)))

    def __getitem__(self, position: int) -> Segment:
        return Segment(
            self._starts[position],
            self._durations[position],
            self._seqs[position],
            self._runs[position],
            self._sizes[position],
        )

    @property
    def first(self) -> Segment | None:
        return self[0] if self._starts else None

    @property
    def last(self) -> Segment | None:
        return self[-1] if self._starts else None

    @property
    def start_ms(self) -> int | None:
        return self._starts[0] if self._starts else None

    @property
    def end_ms(self) -> int | None:
        return self._starts[-1] + self._durations[-1] if self._starts else None

    @property
    def target_duration(self) -> int:
        """EXT-X-TARGETDURATION for any playlist of this channel; it only ever grows."""
        return max(1, rounded_seconds(self._max_duration_ms))

    # -- changes ---------------------------------------------------------------

    def append(self, segment: Segment, *, render: bool = True) -> None:
        """Add a segment after the last one (live recording).

        ``render`` prepares its playlist entry at once; loading a whole archive
        skips that and leaves entries to be rendered when first asked for.
        """
        if self._starts:
            last = self[-1]
            if (
                segment.start_ms < last.end_ms - _OVERLAP_TOLERANCE_MS
                or segment.seq <= last.seq
                or segment.run < last.run
            ):
                raise IndexOrderError(f"segment {segment} does not follow {last}")
        self._put(len(self._starts), segment)
        if not render:
            return
        # recording appends a segment every few seconds: render its entry now, off the
        # request path, so playlists over what was recorded since start-up are always warm
        self._entries[-1] = entry_lines(
            segment.start_ms, segment.duration_ms, segment.seq, segment.run
        )

    def prepend(self, segments: list[Segment]) -> None:
        """Add consecutive segments before the first one (a backfill)."""
        if not segments:
            return
        ordered = sorted(segments, key=lambda segment: segment.start_ms)
        following = self.first
        for earlier, later in zip(ordered, [*ordered[1:], following], strict=True):
            if later is None:
                continue
            if (
                later.start_ms < earlier.end_ms - _OVERLAP_TOLERANCE_MS
                or later.seq <= earlier.seq
                or later.run < earlier.run
            ):
                raise IndexOrderError(f"segment {earlier} does not precede {later}")
        self._starts[:0] = [s.start_ms for s in ordered]
        self._durations[:0] = [s.duration_ms for s in ordered]
        self._seqs[:0] = [s.seq for s in ordered]
        self._runs[:0] = [s.run for s in ordered]
        self._sizes[:0] = [s.size for s in ordered]
        self._entries[:0] = [None] * len(ordered)
        for segment in ordered:
            self._account(segment)

    def drop_before_start(self, ms: int) -> list[Segment]:
        """Remove the segments that start before ``ms``; returns them."""
        return self.drop_first(bisect_left(self._starts, ms))

    def drop_first(self, count: int) -> list[Segment]:
        """Remove the ``count`` oldest segments; returns them."""
        dropped = [self[position] for position in range(min(count, len(self)))]
        for column in (
            self._starts,
            self._durations,
            self._seqs,
            self._runs,
            self._sizes,
            self._entries,
        ):
            del column[: len(dropped)]
        self.total_bytes -= sum(segment.size for segment in dropped)
        return dropped

    def _put(self, position: int, segment: Segment) -> None:
        self._starts.insert(position, segment.start_ms)
        self._durations.insert(position, segment.duration_ms)
        self._seqs.insert(position, segment.seq)
        self._runs.insert(position, segment.run)
        self._sizes.insert(position, segment.size)
        self._entries.insert(position, None)
        self._account(segment)

    def _account(self, segment: Segment) -> None:
        self.total_bytes += segment.size
        self._max_duration_ms = max(self._max_duration_ms, segment.duration_ms)

    # -- lookups ---------------------------------------------------------------

    def position_at(self, ms: int) -> int:
        """Position of the segment playing at ``ms``, else of the first one after it.

        Returns ``len(self)`` when every segment ends before ``ms``.
        """
        position = bisect_right(self._starts, ms) - 1
        if position >= 0 and ms < self._starts[position] + self._durations[position]:
            return position
        return position + 1

    def position_after(self, ms: int) -> int:
        """Position of the first segment that starts at or after ``ms``."""
        return bisect_left(self._starts, ms)

    def position_of_seq(self, seq: int) -> int:
        """Position of the first segment whose sequence number is ``seq`` or higher."""
        return bisect_left(self._seqs, seq)

    def body(self, first: int, stop: int, *, keyed: bool = False) -> str:
        """Playlist entries of segments ``first`` up to ``stop``, with discontinuities.

        ``keyed`` (an encrypted channel) names the hour's key before the first segment and
        wherever the hour changes.
        """
        if first >= stop:
            return ""
        parts: list[str] = []
        for begin, end in self._pieces(first, stop, keyed):
            if begin > first and self._runs[begin] != self._runs[begin - 1]:
                parts.append(DISCONTINUITY)
            if keyed:
                parts.append(key_tag(self._starts[begin] // HOUR_MS))
            parts.extend(self._entries_of(begin, end))
        return "".join(parts)

    def _pieces(self, first: int, stop: int, keyed: bool) -> list[tuple[int, int]]:
        """Spans of one run (and, when keyed, one hour) each; found by bisection."""
        cuts = {first, stop}
        position = first
        while position < stop:
            position = bisect_right(self._runs, self._runs[position], position, stop)
            cuts.add(position)
        if keyed:
            for hour in range(
                self._starts[first] // HOUR_MS + 1, self._starts[stop - 1] // HOUR_MS + 1
            ):
                cuts.add(bisect_left(self._starts, hour * HOUR_MS, first, stop))
        ordered = sorted(cuts)
        return list(pairwise(ordered))

    def _entries_of(self, first: int, stop: int) -> list[str]:
        chunk = self._entries[first:stop]
        if None in chunk:
            starts, durations, seqs, runs = self._starts, self._durations, self._seqs, self._runs
            for offset, entry in enumerate(chunk):
                if entry is None:
                    k = first + offset
                    rendered = entry_lines(starts[k], durations[k], seqs[k], runs[k])
                    self._entries[k] = rendered
                    chunk[offset] = rendered
        return chunk  # type: ignore[return-value]  # no None is left

    def seq_at(self, position: int) -> int:
        return self._seqs[position]

    def run_at(self, position: int) -> int:
        return self._runs[position]

    def start_at(self, position: int) -> int:
        return self._starts[position]

    def end_at(self, position: int) -> int:
        return self._starts[position] + self._durations[position]


# Timestamps of neighbouring segments may overlap by rounding; more is an error.
_OVERLAP_TOLERANCE_MS = 50
