"""Requests per second for a live playlist: Yunjin's HTTP server against nginx.

Yunjin (``yunjin serve --no-record``, uvicorn with one worker) computes the
live playlist of a channel whose archive holds an hour of small dummy
segments; nginx (one worker) serves the very same playlist bytes as a static
file.  With two cores or more, each server runs on CPU 0 and the load
generator on CPU 1.  wrk is the load generator when installed; otherwise a
small Python client (bench.loadgen) is used and may be the bottleneck.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.common import BenchResult, median, ratio
from bench.procs import (
    CLOCK_TICKS,
    LOOPBACK,
    BenchError,
    free_port,
    http_get,
    pinned,
    stop,
    tree_ticks,
    wait_http,
    yunjin_command,
    yunjin_env,
    yunjin_server,
)
from yunjin.archive.store import ChannelArchive, PendingSegment

NAME = "live_rps"
TITLE = "Live playlist requests/s: Yunjin vs nginx static file"

CHANNEL = "B1"
ARCHIVE_SEGMENTS = 1_800  # one hour of 2-second segments
SEGMENT_MS = 2_000
DUMMY_SEGMENT = (b"\x47\x1f\xff\x10" + b"\xff" * 184) * 8  # eight null TS packets
CONNECTIONS = 32
WARMUP_S = 2
DURATION_S = 10
REPEATS = 3
SERVER_CPU = 0
LOAD_CPU = 1
NGINX_CANDIDATES = ("/usr/sbin/nginx", "nginx")


@dataclass(frozen=True, slots=True)
class LoadRun:
    """One timed load of one server."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu: float  # fraction of one core the server used meanwhile


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    url: str
    pid: int


# -- the channel and its archive -------------------------------------------------------


def add_channel(data_dir: Path) -> None:
    command = [*yunjin_command(), "channel", "add", "--id", CHANNEL, "--name", "Bench"]
    command += ["--number", "1", "--source", "testsrc:", "--data", str(data_dir)]
    done = subprocess.run(
        command, env=yunjin_env(data_dir), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"yunjin channel add failed: {done.stderr.strip()}")


def write_archive(archive_root: Path, segments: int) -> None:
    """An archive of ``segments`` dummy 2-second segments ending now, through the store's API."""
    archive = ChannelArchive(archive_root, CHANNEL)
    archive.incoming.mkdir(parents=True, exist_ok=True)
    start_ms = time.time_ns() // 1_000_000 - segments * SEGMENT_MS
    for position in range(segments):
        path = archive.incoming / f"{position:09d}.ts"
        path.write_bytes(DUMMY_SEGMENT)
        pending = PendingSegment(path, start_ms + position * SEGMENT_MS, SEGMENT_MS)
        archive.commit(pending, new_run=position == 0)


# -- nginx -----------------------------------------------------------------------------


def nginx_binary() -> str | None:
    return next((found for name in NGINX_CANDIDATES if (found := shutil.which(name))), None)


def nginx_config(work: Path, root: Path, port: int) -> str:
    temp_paths = "\n".join(
        f"    {kind}_temp_path {work / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
master_process on;
worker_processes 1;
pid {work / "nginx.pid"};
error_log {work / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types {{ application/vnd.apple.mpegurl m3u8; }}
    default_type application/octet-stream;
{temp_paths}
    server {{
        listen {LOOPBACK}:{port};
        root {root};
        add_header Cache-Control no-cache;
    }}
}}
"""


@contextlib.contextmanager
def nginx_server(binary: str, work: Path, root: Path, port: int, probe: str) -> Iterator[int]:
    """nginx serving ``root`` on 127.0.0.1:``port``; yields the master's pid."""
    work.mkdir(parents=True, exist_ok=True)
    config = work / "nginx.conf"
    config.write_text(nginx_config(work, root, port), encoding="utf-8")
    log = work / "error.log"
    command = [binary, "-p", str(work), "-c", str(config), "-e", str(log)]
    with open(work / "stderr.log", "wb") as stderr:
        process = subprocess.Popen(
            pinned(command, SERVER_CPU), stdin=subprocess.DEVNULL, stderr=stderr
        )
    try:
        wait_http(f"http://{LOOPBACK}:{port}{probe}", process, log, timeout_s=15)
        yield process.pid
    finally:
        stop(process)


# -- load generation -------------------------------------------------------------------

_WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_WRK_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_WRK_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_WRK_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> dict[str, float]:
    found = _WRK_RPS.search(output)
    if found is None:
        raise BenchError(f"wrk printed no Requests/sec:\n{output}")
    percentiles = {
        pct: float(value) * _TO_MS[unit] for pct, value, unit in _WRK_PERCENTILE.findall(output)
    }
    errors = sum(int(n) for n in _WRK_NON_2XX.findall(output))
    if socket := _WRK_SOCKET.search(output):
        errors += sum(int(n) for n in socket.groups())
    return {
        "rps": float(found.group(1)),
        "p50_ms": percentiles.get("50", float("nan")),
        "p99_ms": percentiles.get("99", float("nan")),
        "errors": errors,
    }


def generate_load(url: str, seconds: int) -> dict[str, float]:
    """Load ``url`` for ``seconds`` with wrk (else bench.loadgen); returns its totals."""
    wrk = shutil.which("wrk")
    if wrk is not None:
        command = [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url]
    else:
        command = [sys.executable, "-m", "bench.loadgen", url, str(CONNECTIONS), str(seconds)]
    done = subprocess.run(
        pinned(command, LOAD_CPU),
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=seconds + 60,
    )
    if done.returncode != 0:
        raise BenchError(f"load generator failed: {done.stderr.strip() or done.stdout}")
    if wrk is not None:
        return parse_wrk(done.stdout)
    totals: dict[str, float] = json.loads(done.stdout)
    return totals


def measure(target: Target, seconds: int) -> LoadRun:
    ticks_before, began = tree_ticks(target.pid), time.monotonic()
    totals = generate_load(target.url, seconds)
    cpu_s = (tree_ticks(target.pid) - ticks_before) / CLOCK_TICKS
    return LoadRun(
        rps=totals["rps"],
        p50_ms=totals["p50_ms"],
        p99_ms=totals["p99_ms"],
        errors=int(totals["errors"]),
        server_cpu=cpu_s / (time.monotonic() - began),
    )


def compare(targets: list[Target]) -> dict[str, list[LoadRun]]:
    """A warm-up, then REPEATS timed runs of each target, alternating which goes first."""
    for target in targets:
        generate_load(target.url, WARMUP_S)
    runs: dict[str, list[LoadRun]] = {target.name: [] for target in targets}
    for repeat in range(REPEATS):
        for target in targets if repeat % 2 == 0 else targets[::-1]:
            runs[target.name].append(measure(target, DURATION_S))
    return runs


# -- the benchmark -----------------------------------------------------------------------


def run() -> BenchResult:
    result = BenchResult(NAME, TITLE)
    with tempfile.TemporaryDirectory(prefix="yunjin-bench-rps-") as temporary:
        work = Path(temporary)
        os.chmod(work, 0o755)  # noqa: S103 - nginx's worker may be another user; no secrets here
        data = work / "data"
        data.mkdir()
        add_channel(data)
        write_archive(data / "archive", ARCHIVE_SEGMENTS)
        port = free_port()
        with yunjin_server(data, port, record=False, cpu=SERVER_CPU) as server:
            path = f"/hls/{CHANNEL}/index.m3u8"
            playlist = http_get(f"http://{LOOPBACK}:{port}{path}")
            targets = [Target("Yunjin", f"http://{LOOPBACK}:{port}{path}", server.pid)]
            static_root = work / "www"
            static_file = static_root / path.lstrip("/")
            static_file.parent.mkdir(parents=True)
            static_file.write_bytes(playlist)
            binary = nginx_binary()
            with contextlib.ExitStack() as stack:
                if binary is None:
                    result.notes.append("nginx is not installed: only Yunjin was measured.")
                else:
                    nginx_port = free_port()
                    nginx_pid = stack.enter_context(
                        nginx_server(binary, work / "nginx", static_root, nginx_port, path)
                    )
                    url = f"http://{LOOPBACK}:{nginx_port}{path}"
                    targets.append(Target("nginx", url, nginx_pid))
                runs = compare(targets)
    _report(result, runs, len(playlist))
    return result


def _report(result: BenchResult, runs: dict[str, list[LoadRun]], playlist_bytes: int) -> None:
    medians = {name: median([run.rps for run in series]) for name, series in runs.items()}
    labels = {"Yunjin": "Yunjin live playlist", "nginx": "nginx static copy"}
    for name, series in runs.items():
        result.add(f"{labels[name]}, requests/s", medians[name], "req/s", detail=_describe(series))
    if "nginx" in medians:
        result.add(
            "ratio Yunjin/nginx",
            ratio(medians["Yunjin"], medians["nginx"]),
            "x",
            detail=f"{medians['Yunjin']:.0f} / {medians['nginx']:.0f}",
        )
    tool = "wrk -t1" if shutil.which("wrk") else "bench.loadgen (Python; may be the bottleneck)"
    result.notes += [
        f"Load generator: {tool}, {CONNECTIONS} keep-alive connections, {REPEATS} runs of "
        f"{DURATION_S} s per server after a {WARMUP_S}-s warm-up; medians.",
        f"Playlist: {playlist_bytes} bytes (6 segments) from an archive of "
        f"{ARCHIVE_SEGMENTS:,} segments.",
    ]
    if (os.cpu_count() or 1) >= 2 and shutil.which("taskset"):
        result.notes.append(f"Servers on CPU {SERVER_CPU}, load generator on CPU {LOAD_CPU}.")


def _describe(series: list[LoadRun]) -> str:
    return (
        f"runs {', '.join(f'{run.rps:.0f}' for run in series)}; "
        f"p50 {median([run.p50_ms for run in series]):.2f} ms, "
        f"p99 {median([run.p99_ms for run in series]):.2f} ms; "
        f"server CPU {median([run.server_cpu for run in series]) * 100:.0f}% of a core; "
        f"errors {sum(run.errors for run in series)}"
    )
