"""The archive index before ADR 0032, kept as the baseline of ``playlist_lookup``.

Columns in lists of Python ints and a lazily filled list of each segment's rendered
entry, memoised on first use (ADR 0004): a cold range formats every entry while the
request waits.  Only what the playlist windows and the benchmark use is kept, as it was
at commit 7dd4e15; the index in ``yunjin.archive.index`` replaced it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import pairwise

from yunjin.archive.playlist import DISCONTINUITY, key_tag, rounded_seconds
from yunjin.archive.segment import HOUR_MS, SEGMENT_SUFFIX, Segment, hour_names

_OVERLAP_TOLERANCE_MS = 50


def entry_lines(start_ms: int, duration_ms: int, seq: int, run: int) -> str:
    """One segment's entry in one format step (the old index's hot path)."""
    hour, within_hour = divmod(start_ms, HOUR_MS)
    minutes, within_minute = divmod(within_hour, 60_000)
    seconds, millis = divmod(within_minute, 1000)
    bucket, iso = hour_names(hour)
    whole, fraction = divmod(duration_ms, 1000)
    return (
        f"#EXT-X-PROGRAM-DATE-TIME:{iso}{minutes:02d}:{seconds:02d}.{millis:03d}Z\n"
        f"#EXTINF:{whole}.{fraction:03d},\n"
        f"{bucket}/{start_ms}_{duration_ms}_{seq}_{run}{SEGMENT_SUFFIX}\n"
    )


class MemoisedIndex:
    """Segments of one channel, ordered by start time (the pre-0032 ``ArchiveIndex``)."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._durations: list[int] = []
        self._seqs: list[int] = []
        self._runs: list[int] = []
        self._sizes: list[int] = []
        self._entries: list[str | None] = []
        self.total_bytes = 0
        self._max_duration_ms = 0

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, position: int) -> Segment:
        return Segment(
            self._starts[position],
            self._durations[position],
            self._seqs[position],
            self._runs[position],
            self._sizes[position],
        )

    @property
    def start_ms(self) -> int | None:
        return self._starts[0] if self._starts else None

    @property
    def end_ms(self) -> int | None:
        return self._starts[-1] + self._durations[-1] if self._starts else None

    @property
    def target_duration(self) -> int:
        return max(1, rounded_seconds(self._max_duration_ms))

    def append(self, segment: Segment, *, render: bool = True) -> None:
        if self._starts:
            last = self[-1]
            if (
                segment.start_ms < last.end_ms - _OVERLAP_TOLERANCE_MS
                or segment.seq <= last.seq
                or segment.run < last.run
            ):
                raise ValueError(f"segment {segment} does not follow {last}")
        position = len(self._starts)
        self._starts.insert(position, segment.start_ms)
        self._durations.insert(position, segment.duration_ms)
        self._seqs.insert(position, segment.seq)
        self._runs.insert(position, segment.run)
        self._sizes.insert(position, segment.size)
        self._entries.insert(position, None)
        self.total_bytes += segment.size
        self._max_duration_ms = max(self._max_duration_ms, segment.duration_ms)
        if render:
            self._entries[-1] = entry_lines(
                segment.start_ms, segment.duration_ms, segment.seq, segment.run
            )

    def position_at(self, ms: int) -> int:
        position = bisect_right(self._starts, ms) - 1
        if position >= 0 and ms < self._starts[position] + self._durations[position]:
            return position
        return position + 1

    def position_after(self, ms: int) -> int:
        return bisect_left(self._starts, ms)

    def body(self, first: int, stop: int, *, keyed: bool = False) -> str:
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

    def body_parts(self, first: int, stop: int, *, keyed: bool = False) -> list[str]:
        """``body`` as one piece: how ``render_window`` now asks (the old one joined the
        header, the body and the end with ``+``: the same single copy of the body)."""
        return [self.body(first, stop, keyed=keyed)]

    def _pieces(self, first: int, stop: int, keyed: bool) -> list[tuple[int, int]]:
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
        return list(pairwise(sorted(cuts)))

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
