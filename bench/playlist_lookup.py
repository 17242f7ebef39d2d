"""Lookup + render of catch-up and live playlists on a 7-day and a 1-hour archive index.

The indexes are synthetic: consecutive 2-second segments with a few run changes
(a 6-second outage before each new run), built the way ``ChannelArchive.load`` builds
them from disk (``ArchiveIndex.extend``: columns, then every hour's entries rendered).
"Cold" is the first render of a range on a freshly loaded index: every cold sample takes a
range no earlier sample touched, and a fresh index is built when the disjoint ranges of one
run out.  "Warm" renders a range rendered once right before.  The baseline is the index
before ADR 0032 (``bench.memoised_index``: entries formatted on first use and memoised),
measured in the same run, interleaved sample by sample with the current one.  Nothing here
touches the disk or the network.
"""

from __future__ import annotations

import gc
import os
import random
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate, groupby
from typing import Protocol, cast

from bench.common import BenchResult, median, ratio, spread
from bench.memoised_index import MemoisedIndex
from yunjin.archive.index import ArchiveIndex
from yunjin.archive.playlist import hour_entries
from yunjin.archive.segment import Segment
from yunjin.archive.windows import archive_window, live_window, render_window

NAME = "playlist_lookup"
TITLE = "Catch-up and live playlist: lookup + render"

SEGMENT_MS = 2_000
SEGMENT_BYTES = 1_000_000  # 2 s at 4 Mb/s
MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
T0_MS = 1_793_491_200_000  # 2026-11-01T00:00:00Z
RUN_GAP_MS = 6_000  # a short outage before every new run
PROGRAMME_OFFSET_MS = 700  # programmes rarely start on a segment boundary
LIVE_WINDOW_SEGMENTS = 6  # Yunjin's default live_window_segments
SAMPLES = 200
BUILDS = 5  # index builds timed per kind, for their median
TARGET_MS = 2.0
TARGET_RATIO = 1.5

Index = ArchiveIndex | MemoisedIndex


@dataclass(frozen=True, slots=True)
class Archive:
    """A synthetic archive: consecutive 2-second segments in ``runs`` recording runs.

    Only its shape is kept; each use builds a fresh index from generated
    segments, so no long-lived list of segment objects sits in the heap for the
    garbage collector to walk during measurements.
    """

    span_ms: int
    runs: int

    @property
    def count(self) -> int:
        return self.span_ms // SEGMENT_MS

    @property
    def start_ms(self) -> int:
        return T0_MS

    @property
    def end_ms(self) -> int:
        return T0_MS + self.count * SEGMENT_MS + (self.runs - 1) * RUN_GAP_MS

    def segments(self) -> Iterator[Segment]:
        per_run = -(-self.count // self.runs)
        start_ms = T0_MS
        for position in range(self.count):
            if position and position % per_run == 0:
                start_ms += RUN_GAP_MS
            run = 1 + position // per_run
            yield Segment(start_ms, SEGMENT_MS, 1_000 + position, run, SEGMENT_BYTES)
            start_ms += SEGMENT_MS

    def index(self) -> ArchiveIndex:
        """As ``ChannelArchive.load`` builds it: columns filled, then every hour rendered."""
        index = ArchiveIndex()
        index.extend(self.segments())
        return index

    def memoised(self) -> MemoisedIndex:
        """The baseline, as the old load built it: entries left to their first use."""
        index = MemoisedIndex()
        for segment in self.segments():
            index.append(segment, render=False)
        return index


# -- one measurement ---------------------------------------------------------------


def catchup_ms(index: Index, from_ms: int, duration_ms: int, now_ms: int) -> float:
    """Milliseconds to find and render the catch-up playlist of one programme."""
    same = cast(ArchiveIndex, index)  # the baseline has the same lookups and body()
    began = time.perf_counter_ns()
    render_window(same, archive_window(same, from_ms, duration_ms, now_ms))
    return (time.perf_counter_ns() - began) / 1e6


def live_ms(index: Index, now_ms: int) -> float:
    """Milliseconds to find and render the live playlist."""
    same = cast(ArchiveIndex, index)
    began = time.perf_counter_ns()
    render_window(same, live_window(same, LIVE_WINDOW_SEGMENTS, now_ms))
    return (time.perf_counter_ns() - began) / 1e6


def disjoint_starts(archive: Archive, duration_ms: int) -> list[int]:
    """Starts of back-to-back windows of ``duration_ms`` that fit in the archive."""
    first = archive.start_ms + PROGRAMME_OFFSET_MS
    count = (archive.end_ms - first) // duration_ms
    return [first + k * duration_ms for k in range(count)]


# -- samplers: each call of sample() times one operation ----------------------------


class ColdCatchup:
    """First renders of never-rendered ranges, on a fresh index when they run out."""

    def __init__(
        self, archive: Archive, build: Callable[[], Index], duration_ms: int, rng: random.Random
    ) -> None:
        self.archive = archive
        self.build = build
        self.duration_ms = duration_ms
        self.rng = rng
        self.now_ms = archive.end_ms + HOUR_MS
        self.index: Index | None = None
        self.unused: list[int] = []

    def sample(self) -> float:
        if self.index is None or not self.unused:
            self.index = None  # let the old one go before building the next
            self.index = self.build()
            self.unused = disjoint_starts(self.archive, self.duration_ms)
            self.rng.shuffle(self.unused)
        return catchup_ms(self.index, self.unused.pop(), self.duration_ms, self.now_ms)


class WarmCatchup:
    """Random ranges, each rendered once right before it is timed."""

    def __init__(self, index: Index, archive: Archive, duration_ms: int, rng: random.Random):
        self.archive = archive
        self.duration_ms = duration_ms
        self.rng = rng
        self.now_ms = archive.end_ms + HOUR_MS
        self.index = index

    def sample(self) -> float:
        from_ms = self.rng.randrange(self.archive.start_ms, self.archive.end_ms - self.duration_ms)
        catchup_ms(self.index, from_ms, self.duration_ms, self.now_ms)
        return catchup_ms(self.index, from_ms, self.duration_ms, self.now_ms)


class Live:
    """The live playlist at the end of the archive."""

    def __init__(self, index: Index, archive: Archive) -> None:
        self.index = index
        self.now_ms = archive.end_ms
        live_ms(self.index, self.now_ms)

    def sample(self) -> float:
        return live_ms(self.index, self.now_ms)


class Recording:
    """Appending one recorded segment (its entry rendered) to an hour holding 1,700 already:
    the current index copies the hour's text, the baseline formats one entry."""

    FULL = 1_700

    def __init__(self, build: Callable[[], Index]) -> None:
        self.build = build
        self.index = build()
        self.next = 0  # segments made so far; each hour of them starts a fresh index

    def sample(self) -> float:
        if self.next % (HOUR_MS // SEGMENT_MS) == 0:
            self.index = self.build()
            for _ in range(self.FULL):
                self.index.append(self._segment())
        segment = self._segment()
        began = time.perf_counter_ns()
        self.index.append(segment)
        return (time.perf_counter_ns() - began) / 1e6

    def _segment(self) -> Segment:
        self.next += 1
        start_ms = T0_MS + (self.next - 1) * SEGMENT_MS
        return Segment(start_ms, SEGMENT_MS, self.next, 1, SEGMENT_BYTES)


class Sampler(Protocol):
    def sample(self) -> float: ...


@dataclass(slots=True)
class Series:
    name: str
    sampler: Sampler
    target_ms: float | None = None
    timings: list[float] = field(default_factory=list)


def interleave(series: list[Series], rounds: int) -> None:
    """One sample of every series per round, alternating the order between rounds.

    The two sides of a ratio are interleaved so that slow drifts of the machine
    (other tenants, clock changes) cannot land on one side only.
    """
    gc.collect()
    for round_number in range(rounds):
        ordered = series if round_number % 2 == 0 else series[::-1]
        for one in ordered:
            one.timings.append(one.sampler.sample())


# -- building and memory -------------------------------------------------------------


def timed(build: Callable[[], object]) -> float:
    gc.collect()
    began = time.perf_counter()
    build()
    return time.perf_counter() - began


def timed_hour_rendering(archive: Archive) -> float:
    """Seconds to render every hour's entries (the part of a load this design adds)."""
    hours = [
        list(group) for _, group in groupby(archive.segments(), key=lambda s: s.start_ms // HOUR_MS)
    ]
    columns = [
        (
            hour[0].start_ms // HOUR_MS,
            [s.start_ms for s in hour],
            [s.duration_ms for s in hour],
            [s.seq for s in hour],
            [s.run for s in hour],
        )
        for hour in hours
    ]
    del hours
    gc.collect()
    began = time.perf_counter()
    for hour, starts, durations, seqs, runs in columns:
        entries = hour_entries(hour, starts, durations, seqs, runs)
        "".join(entries)
        list(accumulate(map(len, entries), initial=0))
    return time.perf_counter() - began


def traced_mb(build: Callable[[], object]) -> float:
    """Megabytes an index holds once built (tracemalloc, after a collection)."""
    gc.collect()
    tracemalloc.start()
    try:
        kept = build()
        gc.collect()
        size = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del kept
    return size / 1e6


def _rendered_memoised(archive: Archive) -> MemoisedIndex:
    index = archive.memoised()
    catchup_ms(index, archive.start_ms, archive.end_ms - archive.start_ms, 0)
    return index


# -- the benchmark -------------------------------------------------------------------


def run() -> BenchResult:
    result = BenchResult(NAME, TITLE)
    load = os.getloadavg()
    rng = random.Random(20261101)  # noqa: S311 - seeded: the same data every run
    week = Archive(7 * DAY_MS, runs=7)
    hour = Archive(HOUR_MS, runs=3)
    _builds(result, week)
    two_hours, half_hour = 2 * HOUR_MS, 30 * MINUTE_MS
    phases: list[Callable[[], list[Series]]] = [
        lambda: [
            Series("catch-up 2 h on 7-day, cold", ColdCatchup(week, week.index, two_hours, rng)),
            Series(
                "baseline: catch-up 2 h on 7-day, cold",
                ColdCatchup(week, week.memoised, two_hours, rng),
            ),
        ],
        lambda: [
            Series("catch-up 2 h on 7-day, warm", WarmCatchup(week.index(), week, two_hours, rng)),
            Series(
                "baseline: catch-up 2 h on 7-day, warm",
                WarmCatchup(week.memoised(), week, two_hours, rng),
            ),
        ],
        lambda: [
            Series("catch-up 30 min on 7-day, cold", ColdCatchup(week, week.index, half_hour, rng)),
            Series(
                "catch-up 30 min on 1-hour, cold", ColdCatchup(hour, hour.index, half_hour, rng)
            ),
        ],
        lambda: [
            Series(
                "catch-up 30 min on 7-day, warm", WarmCatchup(week.index(), week, half_hour, rng)
            ),
            Series(
                "catch-up 30 min on 1-hour, warm", WarmCatchup(hour.index(), hour, half_hour, rng)
            ),
        ],
        lambda: [
            Series(
                "catch-up 60 min (whole) on 1-hour, cold",
                ColdCatchup(hour, hour.index, HOUR_MS, rng),
            ),
            Series(
                "catch-up 60 min (whole) on 1-hour, warm",
                WarmCatchup(hour.index(), hour, HOUR_MS, rng),
            ),
        ],
        lambda: [
            Series("live playlist (6 segments) on 7-day", Live(week.index(), week)),
            Series("live playlist (6 segments) on 1-hour", Live(hour.index(), hour)),
            Series("baseline: live playlist (6 segments) on 7-day", Live(week.memoised(), week)),
        ],
        lambda: [
            Series("recording: append a segment to a 1,700-segment hour", Recording(ArchiveIndex)),
            Series("baseline: recording: append a segment", Recording(MemoisedIndex)),
        ],
    ]
    medians: dict[str, float] = {}
    targets = {"catch-up 2 h on 7-day, cold", "catch-up 2 h on 7-day, warm"}
    for make in phases:
        phase = make()
        for one in phase:
            one.target_ms = TARGET_MS if one.name in targets else None
        interleave(phase, SAMPLES)
        medians.update((one.name, _record(result, one)) for one in phase)
        phase.clear()  # free the indexes before the next phase builds its own
    for kind in ("cold", "warm"):
        new = medians[f"catch-up 2 h on 7-day, {kind}"]
        old = medians[f"baseline: catch-up 2 h on 7-day, {kind}"]
        _ratio(result, f"ratio current/baseline, 2 h {kind}", new, old, None)
    for kind in ("cold", "warm"):
        big = medians[f"catch-up 30 min on 7-day, {kind}"]
        small = medians[f"catch-up 30 min on 1-hour, {kind}"]
        _ratio(result, f"ratio 7-day/1-hour, 30 min {kind}", big, small, TARGET_RATIO)
    live_big = medians["live playlist (6 segments) on 7-day"]
    live_small = medians["live playlist (6 segments) on 1-hour"]
    _ratio(result, "ratio 7-day/1-hour, live", live_big, live_small, None)
    _memory(result, week)
    result.notes += [
        f"{SAMPLES} samples per figure, {BUILDS} builds per index kind; medians. The series of "
        "a phase (current and baseline, or the two sides of a ratio) are sampled alternately.",
        "Cold = first render of a range on a freshly loaded index, as after a restart or a "
        "failover; warm = the range rendered once right before it is timed.",
        "Baseline = the index before ADR 0032 (bench/memoised_index.py), same run.",
        "The 1-hour archive spans 60 min 12 s (two 6-s gaps), so a 60-min window fits it.",
        f"Load average before the benchmark: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"({os.cpu_count()} cores).",
    ]
    return result


def _builds(result: BenchResult, week: Archive) -> None:
    current: list[float] = []
    baseline: list[float] = []
    rendering: list[float] = []
    for _ in range(BUILDS):
        current.append(timed(week.index))
        baseline.append(timed(week.memoised))
        rendering.append(timed_hour_rendering(week))
    detail = f"{week.count:,} segments of 2 s in {week.runs} runs; "
    result.add("index load, 7-day", median(current), "s", detail=detail + spread(current, "s"))
    result.add("· of which rendering every hour's entries", median(rendering), "s")
    result.add("baseline: index load, 7-day", median(baseline), "s", detail=spread(baseline, "s"))


def _memory(result: BenchResult, week: Archive) -> None:
    per = 1e6 / week.count
    current = traced_mb(week.index)
    cold = traced_mb(week.memoised)
    warm = traced_mb(lambda: _rendered_memoised(week))
    result.add("memory, 7-day index", current, "MB", detail=f"{current * per:.0f} B/segment")
    result.add(
        "baseline: memory, 7-day index, nothing rendered",
        cold,
        "MB",
        detail=f"{cold * per:.0f} B/segment",
    )
    result.add(
        "baseline: memory, 7-day index, every entry rendered",
        warm,
        "MB",
        detail=f"{warm * per:.0f} B/segment",
    )


def _record(result: BenchResult, series: Series) -> float:
    value = median(series.timings)
    result.add(
        series.name,
        value,
        "ms",
        target_max=series.target_ms,
        detail=spread(series.timings, "ms", 4),
    )
    return value


def _ratio(result: BenchResult, name: str, big: float, small: float, target: float | None) -> None:
    result.add(name, ratio(big, small), "x", target_max=target, detail=f"{big:.4f} / {small:.4f}")
