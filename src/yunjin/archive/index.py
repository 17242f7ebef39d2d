"""The in-memory index of one channel's archive.

Segments are kept in start order in parallel columns of 64-bit numbers, so finding the
segment at a moment is a bisection (O(log n) in the archive's size).  Their playlist entries
are kept rendered, an hour at a time: each UTC hour of the index holds its segments' entries
as one text, with the offset where each entry begins.  A playlist body is then a few slices of
those texts, joined, and no request formats an entry (ADR 0032).  Loading renders each hour
once, in one pass; recording adds each segment's entry to its hour as it is appended.

Sequence numbers and run numbers never decrease along the index: live
recording appends at the end with higher numbers, a backfill prepends before
the first segment with lower ones.  A change of run is a discontinuity.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate, pairwise

from yunjin.archive.playlist import DISCONTINUITY, hour_entries, key_tag, rounded_seconds
from yunjin.archive.segment import HOUR_MS, Segment


class IndexOrderError(ValueError):
    """A segment that would break the index's order of time, sequence or run."""


@dataclass(slots=True)
class _HourText:
    """The entries of one hour's segments back to back; ``offsets[k]`` is where the k-th
    segment of the hour begins in ``text``, and the last offset is where the text ends."""

    text: str
    offsets: array[int]


class ArchiveIndex:
    """Segments of one channel, ordered by start time, with their entries rendered."""

    def __init__(self, segments: Iterable[Segment] = ()) -> None:
        self._starts = array("q")
        self._durations = array("q")
        # unsigned: a segment's name may carry a number of up to 19 digits
        self._seqs = array("Q")
        self._runs = array("Q")
        self._sizes = array("q")
        self._hours: dict[int, _HourText] = {}
        self.total_bytes = 0
        self._max_duration_ms = 0
        refused = self.extend(sorted(segments, key=lambda segment: segment.start_ms))
        if refused:
            raise IndexOrderError(f"segment {refused[0]} is out of order")

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

    def append(self, segment: Segment) -> None:
        """Add a segment after the last one (live recording), its entry rendered at once."""
        last = self.last
        if not _in_order(last, segment):
            raise IndexOrderError(f"segment {segment} does not follow {last}")
        self._push(segment)
        hour = segment.start_ms // HOUR_MS
        rendered = self._hours.get(hour)
        if rendered is None:
            self._render_hour(hour)
            return
        # recording appends a segment every few seconds: its entry joins the hour's text
        # now, off the request path (a copy of the hour's text, some 200 kB at most)
        rendered.text += hour_entries(
            hour, [segment.start_ms], [segment.duration_ms], [segment.seq], [segment.run]
        )[0]
        rendered.offsets.append(len(rendered.text))

    def extend(self, segments: Iterable[Segment]) -> list[Segment]:
        """Append segments given in start order (loading an archive); returns those refused.

        A segment that does not follow the last one kept is refused and left out.  The hours
        that gained segments are rendered afterwards, each in one pass.
        """
        refused: list[Segment] = []
        last = self.last
        first_ms: int | None = None
        # a load appends some 300,000 segments: the columns' appends are bound once
        columns = tuple(column.append for column in self._columns)
        push_start, push_duration, push_seq, push_run, push_size = columns
        total_bytes, longest_ms = 0, self._max_duration_ms
        for segment in segments:
            if not _in_order(last, segment):
                refused.append(segment)
                continue
            push_start(segment.start_ms)
            push_duration(segment.duration_ms)
            push_seq(segment.seq)
            push_run(segment.run)
            push_size(segment.size)
            total_bytes += segment.size
            longest_ms = max(longest_ms, segment.duration_ms)
            if first_ms is None:
                first_ms = segment.start_ms
            last = segment
        self.total_bytes += total_bytes
        self._max_duration_ms = longest_ms
        if first_ms is not None:
            # the hour of the first added segment may have had segments before: all re-rendered
            self._render_hours(first_ms // HOUR_MS, self._starts[-1] // HOUR_MS)
        return refused

    def prepend(self, segments: list[Segment]) -> None:
        """Add consecutive segments before the first one (a backfill)."""
        if not segments:
            return
        ordered = sorted(segments, key=lambda segment: segment.start_ms)
        following = self.first
        for earlier, later in pairwise([None, *ordered, following]):
            if later is not None and not _in_order(earlier, later):
                raise IndexOrderError(f"segment {earlier} does not precede {later}")
        columns = (
            array("q", [s.start_ms for s in ordered]),
            array("q", [s.duration_ms for s in ordered]),
            array("Q", [s.seq for s in ordered]),
            array("Q", [s.run for s in ordered]),
            array("q", [s.size for s in ordered]),
        )
        for column, added in zip(self._columns, columns, strict=True):
            column[:0] = added
        for segment in ordered:
            self._account(segment)
        # the hours of the backfill, the archive's old first hour among them when shared
        self._render_hours(ordered[0].start_ms // HOUR_MS, ordered[-1].start_ms // HOUR_MS)

    def drop_before_start(self, ms: int) -> list[Segment]:
        """Remove the segments that start before ``ms``; returns them."""
        return self.drop_first(bisect_left(self._starts, ms))

    def drop_first(self, count: int) -> list[Segment]:
        """Remove the ``count`` oldest segments; returns them."""
        dropped = [self[position] for position in range(min(count, len(self)))]
        if not dropped:
            return dropped
        for column in self._columns:
            del column[: len(dropped)]
        self.total_bytes -= sum(segment.size for segment in dropped)
        hours = [segment.start_ms // HOUR_MS for segment in dropped]
        for hour in set(hours) - {hours[-1]}:
            del self._hours[hour]
        # the last hour dropped from keeps the end of its text when some of it is left
        partial = self._hours.pop(hours[-1])
        if self._starts and self._starts[0] // HOUR_MS == hours[-1]:
            gone = len(hours) - bisect_left(hours, hours[-1])
            cut = partial.offsets[gone]
            offsets = array("I", [offset - cut for offset in partial.offsets[gone:]])
            self._hours[hours[-1]] = _HourText(partial.text[cut:], offsets)
        return dropped

    @property
    def _columns(self) -> tuple[array[int], ...]:
        return (self._starts, self._durations, self._seqs, self._runs, self._sizes)

    def _push(self, segment: Segment) -> None:
        self._starts.append(segment.start_ms)
        self._durations.append(segment.duration_ms)
        self._seqs.append(segment.seq)
        self._runs.append(segment.run)
        self._sizes.append(segment.size)
        self._account(segment)

    def _account(self, segment: Segment) -> None:
        self.total_bytes += segment.size
        self._max_duration_ms = max(self._max_duration_ms, segment.duration_ms)

    def _render_hours(self, first_hour: int, last_hour: int) -> None:
        """Render the hours from ``first_hour`` to ``last_hour`` that hold segments."""
        hour = first_hour
        while hour <= last_hour:
            self._render_hour(hour)
            # skip the empty hours of a long gap by a bisection
            following = bisect_left(self._starts, (hour + 1) * HOUR_MS)
            if following == len(self._starts):
                break
            hour = max(hour + 1, self._starts[following] // HOUR_MS)

    def _render_hour(self, hour: int) -> None:
        """(Re-)render the text of one hour from the columns."""
        begin = bisect_left(self._starts, hour * HOUR_MS)
        end = bisect_left(self._starts, (hour + 1) * HOUR_MS, begin)
        if begin == end:
            self._hours.pop(hour, None)
            return
        entries = hour_entries(
            hour,
            self._starts[begin:end],
            self._durations[begin:end],
            self._seqs[begin:end],
            self._runs[begin:end],
        )
        offsets = array("I", accumulate(map(len, entries), initial=0))
        self._hours[hour] = _HourText("".join(entries), offsets)

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
        return "".join(self.body_parts(first, stop, keyed=keyed))

    def body_parts(self, first: int, stop: int, *, keyed: bool = False) -> list[str]:
        """``body`` in pieces, for a playlist to join once with its header."""
        parts: list[str] = []
        if first >= stop:
            return parts
        for begin, end in self._pieces(first, stop, keyed):
            if begin > first and self._runs[begin] != self._runs[begin - 1]:
                parts.append(DISCONTINUITY)
            if keyed:
                parts.append(key_tag(self._starts[begin] // HOUR_MS))
            self._slices(begin, end, parts)
        return parts

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

    def _slices(self, first: int, stop: int, parts: list[str]) -> None:
        """Add the entries of segments ``first`` up to ``stop``: a slice of each hour's text."""
        starts = self._starts
        position = first
        while position < stop:
            hour = starts[position] // HOUR_MS
            rendered = self._hours[hour]
            offsets = rendered.offsets
            # the hour's first segment is at most the hour's count of segments back
            lowest = max(0, position - len(offsets) + 2)
            hour_first = bisect_left(starts, hour * HOUR_MS, lowest, position)
            end = bisect_left(starts, (hour + 1) * HOUR_MS, position, stop)
            parts.append(rendered.text[offsets[position - hour_first] : offsets[end - hour_first]])
            position = end

    def seq_at(self, position: int) -> int:
        return self._seqs[position]

    def run_at(self, position: int) -> int:
        return self._runs[position]

    def start_at(self, position: int) -> int:
        return self._starts[position]

    def end_at(self, position: int) -> int:
        return self._starts[position] + self._durations[position]


def _in_order(earlier: Segment | None, later: Segment) -> bool:
    """Whether ``later`` may follow ``earlier`` (None: nothing) in an index.

    Starts strictly increase (bisection and the hours' texts rely on it); neighbours may
    overlap by a rounding, not more; sequence numbers increase and runs never decrease, and
    both fit the unsigned columns.
    """
    if not (0 <= later.seq < _UNSIGNED_END and 0 <= later.run < _UNSIGNED_END):
        return False
    return earlier is None or (
        later.start_ms > earlier.start_ms
        and later.start_ms >= earlier.end_ms - _OVERLAP_TOLERANCE_MS
        and later.seq > earlier.seq
        and later.run >= earlier.run
    )


# Timestamps of neighbouring segments may overlap by rounding; more is an error.
_OVERLAP_TOLERANCE_MS = 50
_UNSIGNED_END = 2**64
