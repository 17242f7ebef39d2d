"""Lookup + render of catch-up and live playlists on a 7-day and a 1-hour archive index.

The indexes are synthetic: consecutive 2-second segments with a few run changes
(a 6-second outage before each new run).  "Cold" is the first render of a range
on a freshly built index, when no segment of it has its playlist entry cached
yet; every cold sample takes a range no earlier sample touched, and a fresh
index is built when the disjoint ranges of one run out.  "Warm" renders ranges
of an index whose every entry is cached, as in a long-running server.  Nothing
here touches the disk or the network.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from bench.common import BenchResult, median, ratio, spread
from yunjin.archive.index import ArchiveIndex
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
TARGET_MS = 2.0
TARGET_RATIO = 1.5


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
        index = ArchiveIndex()
        for segment in self.segments():
            index.append(segment, render=False)  # as loaded from disk after a restart
        return index


# -- one measurement ---------------------------------------------------------------


def catchup_ms(index: ArchiveIndex, from_ms: int, duration_ms: int, now_ms: int) -> float:
    """Milliseconds to find and render the catch-up playlist of one programme."""
    began = time.perf_counter_ns()
    render_window(index, archive_window(index, from_ms, duration_ms, now_ms))
    return (time.perf_counter_ns() - began) / 1e6


def live_ms(index: ArchiveIndex, now_ms: int) -> float:
    """Milliseconds to find and render the live playlist."""
    began = time.perf_counter_ns()
    render_window(index, live_window(index, LIVE_WINDOW_SEGMENTS, now_ms))
    return (time.perf_counter_ns() - began) / 1e6


def disjoint_starts(archive: Archive, duration_ms: int) -> list[int]:
    """Starts of back-to-back windows of ``duration_ms`` that fit in the archive."""
    first = archive.start_ms + PROGRAMME_OFFSET_MS
    count = (archive.end_ms - first) // duration_ms
    return [first + k * duration_ms for k in range(count)]


# -- samplers: each call of sample() times one lookup + render ----------------------


class ColdCatchup:
    """First renders of never-rendered ranges, on a fresh index when they run out."""

    def __init__(self, archive: Archive, duration_ms: int, rng: random.Random) -> None:
        self.archive = archive
        self.duration_ms = duration_ms
        self.rng = rng
        self.now_ms = archive.end_ms + HOUR_MS
        self.index = ArchiveIndex()
        self.unused: list[int] = []

    def sample(self) -> float:
        if not self.unused:
            self.index = ArchiveIndex()  # let the old one go before building the next
            self.index = self.archive.index()
            self.unused = disjoint_starts(self.archive, self.duration_ms)
            self.rng.shuffle(self.unused)
        return catchup_ms(self.index, self.unused.pop(), self.duration_ms, self.now_ms)


class WarmCatchup:
    """Random ranges of an index whose every entry is cached, each rendered right before.

    That is the steady state of a long-running server: the live playlist
    renders each segment's entry as soon as it is recorded.
    """

    def __init__(self, archive: Archive, duration_ms: int, rng: random.Random) -> None:
        self.archive = archive
        self.duration_ms = duration_ms
        self.rng = rng
        self.now_ms = archive.end_ms + HOUR_MS
        self.index = archive.index()
        whole = archive_window(self.index, archive.start_ms, archive.end_ms - archive.start_ms, 0)
        render_window(self.index, whole)

    def sample(self) -> float:
        from_ms = self.rng.randrange(self.archive.start_ms, self.archive.end_ms - self.duration_ms)
        catchup_ms(self.index, from_ms, self.duration_ms, self.now_ms)
        return catchup_ms(self.index, from_ms, self.duration_ms, self.now_ms)


class Live:
    """The live playlist at the end of the archive (its entries cached after the first)."""

    def __init__(self, archive: Archive) -> None:
        self.index = archive.index()
        self.now_ms = archive.end_ms
        live_ms(self.index, self.now_ms)

    def sample(self) -> float:
        return live_ms(self.index, self.now_ms)


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


def timed_build(archive: Archive) -> float:
    gc.collect()
    began = time.perf_counter()
    archive.index()
    return time.perf_counter() - began


# -- the benchmark -------------------------------------------------------------------


def run() -> BenchResult:
    result = BenchResult(NAME, TITLE)
    rng = random.Random(20261101)  # noqa: S311 - seeded: the same data every run
    week = Archive(7 * DAY_MS, runs=7)
    hour = Archive(HOUR_MS, runs=3)
    result.add(
        "index build, 7-day archive",
        timed_build(week),
        "s",
        detail=f"{week.count:,} segments of 2 s in {week.runs} runs",
    )
    two_hours, half_hour = 2 * HOUR_MS, 30 * MINUTE_MS
    phases = [
        [Series("catch-up 2 h on 7-day, cold", ColdCatchup(week, two_hours, rng), TARGET_MS)],
        [Series("catch-up 2 h on 7-day, warm", WarmCatchup(week, two_hours, rng), TARGET_MS)],
        [
            Series("catch-up 30 min on 7-day, cold", ColdCatchup(week, half_hour, rng)),
            Series("catch-up 30 min on 1-hour, cold", ColdCatchup(hour, half_hour, rng)),
        ],
        [
            Series("catch-up 30 min on 7-day, warm", WarmCatchup(week, half_hour, rng)),
            Series("catch-up 30 min on 1-hour, warm", WarmCatchup(hour, half_hour, rng)),
        ],
        [
            Series("catch-up 60 min (whole) on 1-hour, cold", ColdCatchup(hour, HOUR_MS, rng)),
            Series("catch-up 60 min (whole) on 1-hour, warm", WarmCatchup(hour, HOUR_MS, rng)),
        ],
        [
            Series("live playlist (6 segments) on 7-day", Live(week)),
            Series("live playlist (6 segments) on 1-hour", Live(hour)),
        ],
    ]
    medians: dict[str, float] = {}
    for phase in phases:
        interleave(phase, SAMPLES)
        medians.update((one.name, _record(result, one)) for one in phase)
        phase.clear()  # free the indexes before the next phase builds its own
    for kind in ("cold", "warm"):
        big = medians[f"catch-up 30 min on 7-day, {kind}"]
        small = medians[f"catch-up 30 min on 1-hour, {kind}"]
        _ratio(result, f"ratio 7-day/1-hour, 30 min {kind}", big, small, TARGET_RATIO)
    live_big = medians["live playlist (6 segments) on 7-day"]
    live_small = medians["live playlist (6 segments) on 1-hour"]
    _ratio(result, "ratio 7-day/1-hour, live", live_big, live_small, None)
    result.notes += [
        f"{SAMPLES} samples per figure; medians. The two sides of each ratio are sampled "
        "alternately, one after the other.",
        "Cold = first render of a range on a fresh index (no cached entries), as after a "
        "restart; warm = every entry cached (as in a long-running server, where the live "
        "playlist renders each segment's entry when it is recorded), the range rendered "
        "once right before it is timed.",
        "The 1-hour archive spans 60 min 12 s (two 6-s gaps), so a 60-min window fits it.",
    ]
    return result


def _record(result: BenchResult, series: Series) -> float:
    value = median(series.timings)
    result.add(
        series.name,
        value,
        "ms",
        target_max=series.target_ms,
        detail=spread(series.timings, "ms"),
    )
    return value


def _ratio(result: BenchResult, name: str, big: float, small: float, target: float | None) -> None:
    result.add(name, ratio(big, small), "x", target_max=target, detail=f"{big:.4f} / {small:.4f}")
