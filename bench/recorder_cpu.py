"""CPU per recorded channel: Yunjin's recorders against bare ffmpeg HLS packagers.

Twenty ffmpeg senders loop a 4 Mb/s 720p25 H.264/AAC MPEG-TS file to twenty
UDP ports on 127.0.0.1, in real time.  Then, one after the other and with the
same senders running:

(a) ``yunjin serve`` records twenty channels, one per port; measured is the
    CPU of the yunjin process and all its ffmpeg children;
(b) twenty bare ``ffmpeg -i udp://… -c copy -f hls -hls_time 2`` processes.

Each side runs for a settling time first, then its CPU (user + system, from
/proc/PID/stat) is read over a fixed window.  The senders' CPU is not counted.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import CACHE_DIR, BenchResult, ratio
from bench.procs import (
    CLOCK_TICKS,
    LOOPBACK,
    BenchError,
    SystemTimes,
    children_of,
    free_port,
    free_udp_port,
    http_json,
    log_tail,
    rss_mib,
    stop,
    ticks_of,
    tree_ticks,
    without_yunjin_env,
    yunjin_server,
)
from yunjin.config import load_settings
from yunjin.db.engine import Database
from yunjin.live.channels import ChannelSpec, add_channel
from yunjin.live.sources import parse_source
from yunjin.media.ffmpeg import ffmpeg_binary

NAME = "recorder_cpu"
TITLE = "CPU per recorded channel: Yunjin vs bare ffmpeg"

CHANNELS = 20
SETTLE_S = 10
WINDOW_S = 30
STARTUP_TIMEOUT_S = 60
TARGET_RATIO = 1.2
SOURCE_SECONDS = 20
SOURCE_FILE = CACHE_DIR / "source-720p25-4M.ts"


@dataclass(frozen=True, slots=True)
class CpuWindow:
    """What one side used over the measuring window."""

    cpu_s: float
    supervisor_cpu_s: float  # the part used by the parent process itself (Yunjin's Python)
    wall_s: float
    senders_cpu_s: float
    machine_busy: float  # fraction of all cores busy, everything on the machine included
    rss_mib: float
    segments: int  # segments completed during the window, all channels together

    @property
    def per_channel_percent(self) -> float:
        return self.cpu_s / self.wall_s / CHANNELS * 100


# -- the source ----------------------------------------------------------------------


def source_file(ffmpeg: str) -> Path:
    """A 4 Mb/s 1280x720 25 fps H.264 + AAC MPEG-TS, encoded once and cached."""
    if SOURCE_FILE.is_file():
        return SOURCE_FILE
    SOURCE_FILE.parent.mkdir(parents=True, exist_ok=True)
    partial = SOURCE_FILE.with_suffix(".part.ts")
    video = "testsrc2=size=1280x720:rate=25"
    command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y"]
    command += ["-f", "lavfi", "-i", video, "-f", "lavfi", "-i", "sine=frequency=1000"]
    command += ["-t", str(SOURCE_SECONDS), "-vf", "noise=alls=12:allf=t+u"]
    command += ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    command += ["-b:v", "4M", "-maxrate", "4M", "-bufsize", "4M"]
    command += ["-g", "50", "-keyint_min", "50", "-sc_threshold", "0"]
    command += ["-c:a", "aac", "-b:a", "128k", "-f", "mpegts", str(partial)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"could not encode the source: {done.stderr.strip()}")
    partial.replace(SOURCE_FILE)
    return SOURCE_FILE


@contextlib.contextmanager
def senders(ffmpeg: str, source: Path, ports: list[int], logs: Path) -> Iterator[list[int]]:
    """One real-time UDP sender per port, looping ``source``; yields their pids."""
    processes = []
    try:
        for port in ports:
            command = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-re"]
            command += ["-stream_loop", "-1", "-i", str(source), "-c", "copy"]
            command += ["-f", "mpegts", f"udp://{LOOPBACK}:{port}?pkt_size=1316"]
            processes.append(_spawn(command, logs / f"sender-{port}.log"))
        yield [process.pid for process in processes]
    finally:
        for process in processes:
            stop(process, grace_s=5)


def _spawn(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as log_file:
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT
        )


# -- measuring -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Side:
    """How to read one side: CPU ticks (all, and its supervisor's own), segments, pids."""

    ticks: Callable[[], int]
    supervisor_ticks: Callable[[], int]
    segments: Callable[[], int]
    pids: Callable[[], list[int]]


def cpu_window(side: Side, sender_pids: list[int]) -> CpuWindow:
    """Read a side's CPU ticks and segment count before and after WINDOW_S seconds."""
    machine, began = SystemTimes.now(), time.monotonic()
    ticks, supervisor, segments = side.ticks(), side.supervisor_ticks(), side.segments()
    sent = ticks_of(sender_pids)
    time.sleep(WINDOW_S)
    ticks_after, supervisor_after, segments_after = (
        side.ticks(),
        side.supervisor_ticks(),
        side.segments(),
    )
    sent_after, wall_s = ticks_of(sender_pids), time.monotonic() - began
    return CpuWindow(
        cpu_s=(ticks_after - ticks) / CLOCK_TICKS,
        supervisor_cpu_s=(supervisor_after - supervisor) / CLOCK_TICKS,
        wall_s=wall_s,
        senders_cpu_s=(sent_after - sent) / CLOCK_TICKS,
        machine_busy=SystemTimes.now().busy_fraction_since(machine),
        rss_mib=rss_mib(side.pids()),
        segments=segments_after - segments,
    )


def wait_until(predicate: Callable[[], bool], what: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.5)


# -- (a) Yunjin ----------------------------------------------------------------------


def add_channels(data_dir: Path, ports: list[int]) -> None:
    """The channels, one per sender port, straight into Yunjin's catalog."""
    with without_yunjin_env():  # the catalog the server will read, whatever is set here
        db = Database(load_settings(data_dir=data_dir).database)
    try:
        with db.session() as session:
            for number, port in enumerate(ports, start=1):
                spec = ChannelSpec(
                    tvg_id=f"R{number:02d}",
                    number=number,
                    name_zh=f"Bench {number}",
                    name_en=f"Bench {number}",
                    source=f"udp://{LOOPBACK}:{port}",
                )
                add_channel(session, spec)
    finally:
        db.close()


def measure_yunjin(work: Path, ports: list[int], sender_pids: list[int]) -> dict[str, Any]:
    data = work / "yunjin"
    data.mkdir()
    add_channels(data, ports)
    port = free_port()
    base = f"http://{LOOPBACK}:{port}"

    def channels() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = http_json(f"{base}/api/v1/channels")["channels"]
        return found

    def recording() -> bool:
        return bool(http_json(f"{base}/healthz")["recording"] == CHANNELS)

    def segments() -> int:
        return sum((c["recorder"] or {}).get("segments_recorded", 0) for c in channels())

    def restarts() -> int:
        return sum((c["recorder"] or {}).get("restarts", 0) for c in channels())

    with yunjin_server(data, port, record=True) as server:
        try:
            wait_until(recording, f"{CHANNELS} channels recording", STARTUP_TIMEOUT_S)
        except BenchError as error:
            raise BenchError(f"{error}\n{log_tail(data / 'serve.log')}") from error
        time.sleep(SETTLE_S)
        restarts_before = restarts()
        side = Side(
            ticks=lambda: tree_ticks(server.pid),
            supervisor_ticks=lambda: ticks_of([server.pid]),
            segments=segments,
            pids=lambda: [server.pid, *children_of(server.pid)],
        )
        window = cpu_window(side, sender_pids)
        return {
            "window": window,
            "restarts": restarts() - restarts_before,
            "ffmpeg_children": len(children_of(server.pid)),
        }


# -- (b) bare ffmpeg ---------------------------------------------------------------------


def bare_command(ffmpeg: str, port: int, folder: Path) -> list[str]:
    """ffmpeg copying one UDP input into HLS, opened with the same input options as Yunjin's."""
    source = parse_source(f"udp://{LOOPBACK}:{port}")
    command = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "warning"]
    command += [*source.input_args(), "-c", "copy", "-f", "hls", "-hls_time", "2"]
    return [*command, str(folder / "index.m3u8")]


def measure_bare(
    ffmpeg: str, work: Path, ports: list[int], sender_pids: list[int]
) -> dict[str, Any]:
    folders = [work / "bare" / f"ch{number:02d}" for number in range(1, len(ports) + 1)]
    processes = []
    try:
        for folder, port in zip(folders, ports, strict=True):
            folder.mkdir(parents=True)
            processes.append(_spawn(bare_command(ffmpeg, port, folder), folder / "ffmpeg.log"))
        pids = [process.pid for process in processes]

        def started() -> bool:
            return all((folder / "index.m3u8").is_file() for folder in folders)

        def segments() -> int:
            return sum(len(list(folder.glob("*.ts"))) for folder in folders)

        wait_until(started, f"{CHANNELS} bare ffmpeg playlists", STARTUP_TIMEOUT_S)
        time.sleep(SETTLE_S)
        side = Side(
            ticks=lambda: ticks_of(pids),
            supervisor_ticks=lambda: 0,
            segments=segments,
            pids=lambda: pids,
        )
        window = cpu_window(side, sender_pids)
        alive = sum(1 for process in processes if process.poll() is None)
        return {"window": window, "alive": alive}
    finally:
        for process in processes:
            stop(process, grace_s=5)


# -- the benchmark -----------------------------------------------------------------------


def run() -> BenchResult:
    result = BenchResult(NAME, TITLE)
    ffmpeg = ffmpeg_binary()
    source = source_file(ffmpeg)
    bitrate = source.stat().st_size * 8 / SOURCE_SECONDS / 1e6
    ports = [free_udp_port() for _ in range(CHANNELS)]
    with tempfile.TemporaryDirectory(prefix="yunjin-bench-rec-") as temporary:
        work = Path(temporary)
        logs = work / "logs"
        logs.mkdir()
        with senders(ffmpeg, source, ports, logs) as sender_pids:
            time.sleep(2)
            yunjin = measure_yunjin(work, ports, sender_pids)
            bare = measure_bare(ffmpeg, work, ports, sender_pids)
    _report(result, yunjin, bare, bitrate)
    return result


def _report(
    result: BenchResult, yunjin: dict[str, Any], bare: dict[str, Any], bitrate: float
) -> None:
    ours: CpuWindow = yunjin["window"]
    theirs: CpuWindow = bare["window"]
    result.add(
        "Yunjin, CPU per channel",
        ours.per_channel_percent,
        "% core",
        detail=_describe(ours)
        + f"; {yunjin['ffmpeg_children']} ffmpeg children, {yunjin['restarts']} restarts",
    )
    result.add(
        "  of which Yunjin's Python process",
        ours.supervisor_cpu_s / ours.wall_s / CHANNELS * 100,
        "% core",
        detail=f"{ours.supervisor_cpu_s / ours.wall_s * 100:.1f}% of a core for all channels",
    )
    result.add(
        "  of which its ffmpeg children",
        (ours.cpu_s - ours.supervisor_cpu_s) / ours.wall_s / CHANNELS * 100,
        "% core",
    )
    result.add(
        "bare ffmpeg -f hls, CPU per channel",
        theirs.per_channel_percent,
        "% core",
        detail=_describe(theirs) + f"; {bare['alive']} of {CHANNELS} still running",
    )
    result.add(
        "ratio Yunjin/bare",
        ratio(ours.per_channel_percent, theirs.per_channel_percent),
        "x",
        target_max=TARGET_RATIO,
        detail=f"{ours.per_channel_percent:.2f} / {theirs.per_channel_percent:.2f}",
    )
    senders_percent = (ours.senders_cpu_s + theirs.senders_cpu_s) / (ours.wall_s + theirs.wall_s)
    result.notes += [
        f"{CHANNELS} channels of {bitrate:.2f} Mb/s (1280x720 25 fps H.264 + AAC, MPEG-TS over "
        f"UDP on {LOOPBACK}); settle {SETTLE_S} s, then a {WINDOW_S}-s window per side.",
        "Yunjin = the yunjin serve process (HTTP idle) + its ffmpeg children; bare = the "
        "ffmpeg processes. Senders excluded "
        f"(they used {senders_percent / CHANNELS * 100:.2f}% of a core per channel).",
        "Bare ffmpeg opens UDP with the same options as Yunjin "
        "(fifo_size, overrun_nonfatal, timeout) and writes HLS; Yunjin writes segments.",
    ]


def _describe(window: CpuWindow) -> str:
    return (
        f"total {window.cpu_s / window.wall_s * 100:.1f}% of a core, "
        f"{window.segments} segments in {window.wall_s:.0f} s, "
        f"RSS {window.rss_mib:.0f} MiB, machine {window.machine_busy * 100:.0f}% busy"
    )
