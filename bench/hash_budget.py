"""Argon2id's cost, and what a flood of guessed logins does to a server (ADR 0027).

1. One password verification at argon2-cffi's default costs (what Yunjin used before:
   t=3, 64 MiB, 4 lanes) and at today's (t=2, 19 MiB, 1 lane): median time, and the peak
   memory it adds to a fresh process (VmHWM before and after one hash).
2. A real ``yunjin serve`` (no recording; its peak RSS reset through ``clear_refs`` just
   before) hit by 60 parallel Xtream stream requests with wrong passwords, each for an
   account and from an address of its own (named through X-Real-IP, as an edge would; an
   unknown account costs a hash like a known one), so the throttle never stops them: the
   worst case for hashing. Run with hashing unbounded
   (``hash_concurrency = 64``) and bounded (the default, one per core): the server's peak
   RSS growth and how many were refused 503. Then 60 parallel junk three-segment URLs,
   which cost no hash at all now.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final

import httpx

from bench.common import BenchResult, median, spread
from bench.procs import LOOPBACK, BenchError, free_port, yunjin_command, yunjin_env, yunjin_server

NAME = "hash_budget"
TITLE = "Argon2id cost and 60 parallel guessed logins: time, memory, 503s"

BEFORE: Final = (3, 65536, 4)  # argon2-cffi's PasswordHasher() defaults
NOW: Final = (2, 19 * 1024, 1)  # yunjin.subscribers.passwords
VERIFICATIONS: Final = 30
PARALLEL: Final = 60
ROUNDS: Final = 3

# One hash in a fresh interpreter: the peak memory it adds, and the median verification.
_PROBE = """
import statistics, sys, time
from argon2 import PasswordHasher
def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
t, m, p, n = (int(x) for x in sys.argv[1:5])
hasher = PasswordHasher(time_cost=t, memory_cost=m, parallelism=p)
before = hwm()
stored = hasher.hash("a household password")
grown = hwm() - before
times = []
for _ in range(n):
    began = time.perf_counter()
    hasher.verify(stored, "a household password")
    times.append((time.perf_counter() - began) * 1000)
print(grown, *times)
"""


def run() -> BenchResult:
    result = BenchResult(NAME, TITLE)
    for label, costs in (("before", BEFORE), ("now", NOW)):
        grown_kib, times = _probe(costs)
        t, m, p = costs
        result.add(
            f"verify, {label} (t={t}, {m // 1024} MiB, {p} lanes)",
            median(times),
            "ms",
            detail=spread(times, "ms", 1),
        )
        result.add(f"· peak memory one hash adds, {label}", grown_kib / 1024, "MiB")
    with tempfile.TemporaryDirectory(prefix="yunjin-hash-") as folder:
        data = Path(folder)
        _household(data)
        flood = 0
        for label, concurrency in (("unbounded", 64), ("bounded", os.cpu_count() or 2)):
            growths, busy = [], []
            for _ in range(ROUNDS):
                flood += 1
                grown, refused = _flood(data, concurrency, flood, junk=False)
                growths.append(grown)
                busy.append(refused)
            result.add(
                f"60 parallel guesses, hashing {label} ({concurrency} at once): RSS growth",
                median(growths),
                "MiB",
                detail=f"rounds {', '.join(f'{g:.0f}' for g in growths)} MiB",
            )
            result.add(f"· answered 503 credentials_busy, {label}", median(busy), "of 60")
        junk = [_flood(data, os.cpu_count() or 2, 0, junk=True)[0] for _ in range(ROUNDS)]
        result.add("60 parallel junk three-segment URLs: RSS growth", median(junk), "MiB")
    result.notes.append(
        "Issue #12 measured 60 parallel catch-all requests take the server from 268 MB to "
        "1.25 GB with the old costs and no bound."
    )
    return result


def _probe(costs: tuple[int, int, int]) -> tuple[int, list[float]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *(str(c) for c in costs), str(VERIFICATIONS)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    first, *times = done.stdout.split()
    return int(first), [float(t) for t in times]


def _household(data: Path) -> None:
    subprocess.run(
        [*yunjin_command(), "household", "add", "hh-bench", "--password", "right-password"],
        env=yunjin_env(data),
        capture_output=True,
        check=True,
        timeout=120,
    )


def _flood(data: Path, concurrency: int, flood: int, *, junk: bool) -> tuple[float, int]:
    """A fresh server; 60 parallel requests (accounts and addresses new to the throttle in
    each ``flood``); its peak RSS growth (MiB) and the 503s."""
    (data / "yunjin.toml").write_text(
        f"[yunjin]\nrecord = false\nhash_concurrency = {concurrency}\n", encoding="utf-8"
    )
    port = free_port()
    with yunjin_server(data, port, record=False) as server:
        base = f"http://{LOOPBACK}:{port}"
        with httpx.Client(timeout=60) as warm:  # the routes and the database, once
            warm.get(f"{base}/hh-bench/warm/1.ts", headers={"X-Real-IP": f"192.0.2.{flood}"})
        time.sleep(0.5)
        Path(f"/proc/{server.pid}/clear_refs").write_text("5")  # the peak starts again here
        before = _rss_kib(server.pid, "VmRSS")

        def guess(n: int) -> int:
            path = f"/a{n}/b/c" if junk else f"/user-{flood}-{n}/guess/1.ts"
            address = f"10.{flood}.{n}.1"
            with httpx.Client(timeout=60) as client:
                return client.get(f"{base}{path}", headers={"X-Real-IP": address}).status_code

        with ThreadPoolExecutor(PARALLEL) as pool:
            statuses = list(pool.map(guess, range(PARALLEL)))
        peak = _rss_kib(server.pid, "VmHWM")
    if not set(statuses) <= {404, 503}:
        raise BenchError(f"unexpected answers {sorted(set(statuses))}")
    return (peak - before) / 1024, statuses.count(503)


def _rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise BenchError(f"no {field} for process {pid}")
