"""Run the benchmarks, print a table and write bench/results/latest.json.

python -m bench                  # all of them
python -m bench live_rps ...     # some of them, by name
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    hash_budget,
    live_rps,
    playlist_lookup,
    recorder_cpu,
    subscribers_scale,
    vod_search,
    vod_transcode,
    xmltv_import,
    zap_time,
)
from bench.common import RESULTS_DIR, BenchResult, Metric, machine_facts
from bench.procs import BenchError, SystemTimes
from yunjin import __version__

BENCHMARKS: dict[str, Callable[[], BenchResult]] = {
    playlist_lookup.NAME: playlist_lookup.run,
    live_rps.NAME: live_rps.run,
    recorder_cpu.NAME: recorder_cpu.run,
    xmltv_import.NAME: xmltv_import.run,
    subscribers_scale.NAME: subscribers_scale.run,
    zap_time.NAME: zap_time.run,
    vod_search.NAME: vod_search.run,
    vod_transcode.NAME: vod_transcode.run,
    hash_budget.NAME: hash_budget.run,
}
TITLES = {
    playlist_lookup.NAME: playlist_lookup.TITLE,
    live_rps.NAME: live_rps.TITLE,
    recorder_cpu.NAME: recorder_cpu.TITLE,
    xmltv_import.NAME: xmltv_import.TITLE,
    subscribers_scale.NAME: subscribers_scale.TITLE,
    zap_time.NAME: zap_time.TITLE,
    vod_search.NAME: vod_search.TITLE,
    vod_transcode.NAME: vod_transcode.TITLE,
    hash_budget.NAME: hash_budget.TITLE,
}
LATEST = RESULTS_DIR / "latest.json"


def run_one(name: str) -> BenchResult:
    """Run a benchmark; a setup failure becomes a skipped result that says why."""
    print(f"running {name} …", flush=True)
    background = _background_load()
    began = time.monotonic()
    try:
        result = BENCHMARKS[name]()
    except (BenchError, OSError, subprocess.SubprocessError) as error:
        result = BenchResult(name, TITLES[name], skipped=f"{type(error).__name__}: {error}")
    except Exception as error:  # noqa: BLE001 - a bug: reported, the other benchmarks still run
        traceback.print_exc()
        result = BenchResult(name, TITLES[name], skipped=f"failed: {type(error).__name__}: {error}")
    result.seconds = time.monotonic() - began
    result.notes.append(
        f"Machine {background * 100:.0f}% busy (all cores) in the second before this benchmark."
    )
    return result


def _background_load() -> float:
    """How busy the machine is before a benchmark starts: other work skews figures."""
    before = SystemTimes.now()
    time.sleep(1.0)
    return SystemTimes.now().busy_fraction_since(before)


# -- output ------------------------------------------------------------------------------


def format_value(value: float | None) -> str:
    if value is None:
        return "-"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def _verdict(metric: Metric) -> str:
    met = metric.met
    return "" if met is None else ("yes" if met else "NO")


def print_table(results: list[BenchResult]) -> None:
    width = max((len(m.name) for r in results for m in r.metrics), default=20)
    for result in results:
        print(f"\n== {result.name}: {result.title} ({result.seconds:.0f} s)")
        if result.skipped:
            print(f"   skipped: {result.skipped}")
        else:
            print(f"   {'metric':<{width}}  {'value':>10}  {'unit':<6}  {'target':>8}  met")
        for metric in result.metrics:
            target = "-" if metric.target_max is None else f"≤ {metric.target_max:g}"
            print(
                f"   {metric.name:<{width}}  {format_value(metric.value):>10}  "
                f"{metric.unit:<6}  {target:>8}  {_verdict(metric)}"
            )
            if metric.detail:
                print(f"   {'':<{width}}    {metric.detail}")
        for note in result.notes:
            print(f"   · {note}")


def write_json(results: list[BenchResult], started: datetime, path: Path) -> None:
    report: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
        "yunjin": __version__,
        "git": _git_revision(),
        "command": " ".join([Path(sys.executable).name, "-m", "bench", *sys.argv[1:]]),
        "machine": machine_facts(),
        "benchmarks": [result.as_json() for result in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _git_revision() -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        head = subprocess.run(
            [git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            [git, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}{' (modified)' if dirty else ''}"


def main(arguments: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    names = parser.parse_args(arguments).names or list(BENCHMARKS)
    if unknown := [name for name in names if name not in BENCHMARKS]:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    started = datetime.now(UTC)
    facts = machine_facts()
    print(f"{facts['cores']} cores, {facts['cpu_model']}, {facts['memory_gib']} GiB; {facts['os']}")
    results = [run_one(name) for name in names]
    print_table(results)
    write_json(results, started, LATEST)
    print(f"\nwrote {LATEST}")


if __name__ == "__main__":
    main()
