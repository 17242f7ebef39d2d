"""Child processes, loopback ports, HTTP polling and CPU accounting from /proc."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    """A benchmark could not set up what it measures; the message says what failed."""


# -- ports and commands ----------------------------------------------------------


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 that nothing listens on right now (TCP by default)."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def free_udp_port() -> int:
    return free_port(socket.SOCK_DGRAM)


def yunjin_command() -> list[str]:
    """The ``yunjin`` console script of the interpreter running the benchmarks."""
    beside = Path(sys.executable).with_name("yunjin")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("yunjin")
    if found is None:
        raise BenchError("the yunjin command is not installed (run make setup)")
    return [found]


def yunjin_env(data_dir: Path) -> dict[str, str]:
    """This environment without any YUNJIN_* setting, then pointed at ``data_dir``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("YUNJIN_")}
    env["YUNJIN_DATA_DIR"] = str(data_dir)
    return env


@contextlib.contextmanager
def without_yunjin_env() -> Iterator[None]:
    """This process's environment without YUNJIN_* settings, for reading Yunjin's settings."""
    saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith("YUNJIN_")}
    try:
        yield
    finally:
        os.environ.update(saved)


def pinned(command: list[str], cpu: int | None) -> list[str]:
    """``command`` run on one CPU through taskset, when there is one to spare and taskset."""
    taskset = shutil.which("taskset")
    if cpu is None or taskset is None or (os.cpu_count() or 1) < 2:
        return command
    return [taskset, "-c", str(cpu), *command]


def stop(process: subprocess.Popen[Any], grace_s: float = 15.0) -> None:
    """SIGTERM, then SIGKILL after ``grace_s``."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# -- HTTP ------------------------------------------------------------------------


def http_get(url: str, timeout_s: float = 5.0) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an HTTP URL: {url}")
    with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 - HTTP (above)
        body: bytes = response.read()
        return body


def http_json(url: str) -> Any:
    return json.loads(http_get(url))


def wait_http(url: str, process: subprocess.Popen[Any], log: Path, timeout_s: float) -> None:
    """Poll ``url`` until it answers 200, failing early when ``process`` dies."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"server exited with {process.returncode}:\n{log_tail(log)}")
        with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
            http_get(url, timeout_s=1.0)
            return
        time.sleep(0.2)
    raise BenchError(f"{url} did not answer within {timeout_s:.0f} s:\n{log_tail(log)}")


@contextlib.contextmanager
def yunjin_server(
    data_dir: Path, port: int, *, record: bool, cpu: int | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``yunjin serve`` on 127.0.0.1:``port``, stopped with SIGTERM on exit."""
    command = [*yunjin_command(), "serve", "--data", str(data_dir), "--host", LOOPBACK]
    command += ["--port", str(port), "--record" if record else "--no-record"]
    log = data_dir / "serve.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            pinned(command, cpu),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=yunjin_env(data_dir),
        )
    try:
        wait_http(f"http://{LOOPBACK}:{port}/healthz", process, log, timeout_s=60)
        yield process
    finally:
        stop(process)


# -- CPU and memory from /proc -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProcStat:
    """The fields of /proc/PID/stat that the benchmarks read (times in clock ticks)."""

    pid: int
    ppid: int
    utime: int
    stime: int
    cutime: int
    cstime: int

    @property
    def own_ticks(self) -> int:
        return self.utime + self.stime

    @property
    def reaped_children_ticks(self) -> int:
        return self.cutime + self.cstime


def proc_stat(pid: int) -> ProcStat | None:
    """A process's CPU times, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after the last one.
    fields = text[text.rindex(")") + 2 :].split()
    return ProcStat(
        pid=pid,
        ppid=int(fields[1]),
        utime=int(fields[11]),
        stime=int(fields[12]),
        cutime=int(fields[13]),
        cstime=int(fields[14]),
    )


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (zombies included, until reaped)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            stat = proc_stat(int(entry.name))
            if stat is not None and stat.ppid == pid:
                found.append(stat.pid)
    return found


def tree_ticks(pid: int) -> int:
    """CPU ticks of a process, of its live children and of the children it has reaped.

    A child that ends between two readings is counted through its parent's
    ``cutime``/``cstime`` at the second one, so restarts do not lose time.
    """
    root = proc_stat(pid)
    if root is None:
        return 0
    total = root.own_ticks + root.reaped_children_ticks
    for child in children_of(pid):
        stat = proc_stat(child)
        total += stat.own_ticks if stat is not None else 0
    return total


def ticks_of(pids: list[int]) -> int:
    """CPU ticks (user + system) of the listed processes that still exist."""
    return sum(stat.own_ticks for pid in pids if (stat := proc_stat(pid)) is not None)


def rss_mib(pids: list[int]) -> float:
    """Resident memory of the listed processes, in MiB."""
    total_kib = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024


@dataclass(frozen=True, slots=True)
class SystemTimes:
    """Busy and total jiffies of all CPUs, from /proc/stat."""

    busy: int
    total: int

    @classmethod
    def now(cls) -> SystemTimes:
        line = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0]
        # user nice system idle iowait irq softirq steal (guest time is already in user)
        values = [int(value) for value in line.split()[1:9]]
        idle = values[3] + values[4]
        return cls(busy=sum(values) - idle, total=sum(values))

    def busy_fraction_since(self, earlier: SystemTimes) -> float:
        elapsed = self.total - earlier.total
        return (self.busy - earlier.busy) / elapsed if elapsed else 0.0
