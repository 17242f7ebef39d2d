"""What every benchmark reports, and the statistics and machine facts around it."""

from __future__ import annotations

import math
import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
CACHE_DIR = RESULTS_DIR / "cache"


@dataclass(frozen=True, slots=True)
class Metric:
    """One figure; ``target_max`` is the upper bound it should stay under, if any."""

    name: str
    value: float | None
    unit: str
    target_max: float | None = None
    detail: str = ""

    @property
    def met(self) -> bool | None:
        if self.target_max is None or self.value is None:
            return None
        return self.value <= self.target_max

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met}


@dataclass(slots=True)
class BenchResult:
    """Everything one benchmark measured, or why it could not."""

    name: str
    title: str
    metrics: list[Metric] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None
    seconds: float = 0.0

    def add(
        self,
        name: str,
        value: float | None,
        unit: str,
        *,
        target_max: float | None = None,
        detail: str = "",
    ) -> Metric:
        metric = Metric(name, value, unit, target_max, detail)
        self.metrics.append(metric)
        return metric

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "seconds": round(self.seconds, 1),
            "skipped": self.skipped,
            "metrics": [metric.as_json() for metric in self.metrics],
            "notes": self.notes,
        }


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` in 0..1)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def spread(values: Sequence[float], unit: str, digits: int = 3) -> str:
    """``p10–p90, n=…`` of a sample, for a metric's detail."""
    low, high = percentile(values, 0.1), percentile(values, 0.9)
    return f"p10 {low:.{digits}f} {unit}, p90 {high:.{digits}f} {unit}, n={len(values)}"


def machine_facts() -> dict[str, Any]:
    """Cores, processor model, memory and OS of this machine."""
    return {
        "cores": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "kernel": platform.release(),
        "os": _os_name(),
        "python": platform.python_version(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()
