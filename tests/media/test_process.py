"""The one way Yunjin starts a child: it dies with Yunjin, even by SIGKILL, whichever way it
was started; it keeps to its limits; it has a session of its own; it is stopped in order."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import alive
from tests.helpers import wait_for
from yunjin.media import launch, process
from yunjin.media.ffmpeg import ffmpeg_binary
from yunjin.media.process import Confinement

PYTHON = [sys.executable, "-I", "-S", "-c"]

# a parent that starts an endless, quiet ffmpeg one of three ways, says its pid, and waits
PARENT = textwrap.dedent(
    """
    import asyncio, sys, threading
    from yunjin.media import process

    how, argv = sys.argv[1], sys.argv[2:]

    def start_and_wait():
        child = process.popen(argv)
        print(child.pid, flush=True)
        child.wait()

    async def spawn_and_wait():
        child = await process.spawn(argv)
        print(child.pid, flush=True)
        await child.wait()

    if how == "popen":
        start_and_wait()
    elif how == "thread":  # a worker's thread, as a transcode runs in huey's
        threading.Thread(target=start_and_wait).start()
        threading.Event().wait()
    else:  # the event loop's thread, as the recorder runs
        asyncio.run(spawn_and_wait())
    """
)


def endless_ffmpeg() -> list[str]:
    source = ["-re", "-f", "lavfi", "-i", "testsrc2=size=64x64:rate=5"]
    return [ffmpeg_binary(), "-nostdin", "-loglevel", "quiet", *source, "-f", "null", "-"]


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


@pytest.mark.parametrize("how", ["popen", "thread", "spawn"])
def test_a_parent_killed_by_sigkill_leaves_no_ffmpeg_behind(how: str) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", PARENT, how, *endless_ffmpeg()],
        stdout=subprocess.PIPE,
        text=True,
    ) as parent:
        try:
            assert parent.stdout is not None
            child = int(parent.stdout.readline())
            wait_for(lambda: comm(child).startswith("ffmpeg"), 10, "the launcher to exec ffmpeg")
        finally:
            parent.send_signal(signal.SIGKILL)
    wait_for(lambda: not alive(child), 10, "ffmpeg to die with its parent")


def test_a_child_of_a_thread_that_ended_still_dies_with_the_process() -> None:
    """The kernel signals when the *thread* that started the child ends, or, if that thread
    ended before the launcher asked, when the process does: never later."""
    with subprocess.Popen(
        [sys.executable, "-c", SHORT_THREAD, *endless_ffmpeg()], stdout=subprocess.PIPE, text=True
    ) as parent:
        try:
            assert parent.stdout is not None
            child = int(parent.stdout.readline())
            assert parent.stdout.readline() == "thread ended\n"
        finally:
            parent.send_signal(signal.SIGKILL)
    wait_for(lambda: not alive(child), 10, "ffmpeg to die with the process")


# a parent whose thread starts the child and ends at once, then waits for nothing
SHORT_THREAD = textwrap.dedent(
    """
    import sys, threading
    from yunjin.media import process

    started = []
    thread = threading.Thread(target=lambda: started.append(process.popen(sys.argv[1:])))
    thread.start()
    thread.join()
    print(started[0].pid, flush=True)
    print("thread ended", flush=True)
    threading.Event().wait()
    """
)


def test_the_pid_is_the_programs_and_its_session_its_own() -> None:
    ran = process.run([*PYTHON, "import os; print(os.getpid(), os.getsid(0))"])
    pid, session = (int(n) for n in ran.stdout.split())
    assert session == pid  # a Ctrl-C on a terminal reaches Yunjin alone
    child = process.popen([*PYTHON, "import os; print(os.getpid())"], stdout=subprocess.PIPE)
    out, _ = child.communicate(timeout=10)
    assert int(out) == child.pid


def test_a_missing_program_is_refused_here() -> None:
    with pytest.raises(FileNotFoundError):
        process.popen(["/nonexistent/ffmpeg", "-version"])
    with pytest.raises(FileNotFoundError):
        process.run(["no-such-program-of-yunjin"])


def test_a_child_whose_parent_is_already_gone_does_not_run(tmp_path: Path) -> None:
    """The launcher asks to die with its parent, then checks the parent is still there."""
    marker = tmp_path / "ran"
    program = [sys.executable, "-I", "-S", "-c", f"open({str(marker)!r}, 'w')"]
    argv = [sys.executable, "-I", "-S", str(process.LAUNCHER), "--parent", "1", "--", *program]
    ran = subprocess.run(argv, capture_output=True, timeout=30, check=False)
    assert ran.returncode == launch.ORPHANED
    assert not marker.exists()


def test_the_limits_hold_in_the_program() -> None:
    limits = Confinement(memory_mb=512, cpu_s=20, file_mb=3)
    ran = process.run([*PYTHON, "print(open('/proc/self/limits').read())"], confinement=limits)
    table = ran.stdout.decode()
    assert _limit(table, "Max address space") == (str(512 * 2**20),) * 2
    assert _limit(table, "Max cpu time") == ("20", "25")  # SIGXCPU, then SIGKILL 5 s later
    assert _limit(table, "Max file size") == (str(3 * 2**20),) * 2
    unconfined = process.run([*PYTHON, "print(open('/proc/self/limits').read())"])
    assert _limit(unconfined.stdout.decode(), "Max cpu time") == _limit(
        Path("/proc/self/limits").read_text(), "Max cpu time"
    )


def _limit(table: str, name: str) -> tuple[str, str]:
    """The soft and hard value of a line of ``/proc/…/limits``."""
    line = next(line for line in table.splitlines() if line.startswith(name))
    soft, hard = line[len(name) :].split()[:2]
    return soft, hard


def test_a_child_without_network_has_a_namespace_of_its_own() -> None:
    ours = os.readlink("/proc/self/ns/net")
    code = "import os; print(os.readlink('/proc/self/ns/net'))"
    shared = process.run([*PYTHON, code]).stdout.decode().strip()
    assert shared == ours
    alone = process.run([*PYTHON, code], confinement=Confinement(network=False))
    if alone.stdout.decode().strip() == ours:
        pytest.skip("this kernel lets this user make no network namespace")
    assert alone.returncode == 0


def test_stop_asks_then_kills() -> None:
    patient = process.popen([*PYTHON, "import time; time.sleep(60)"])
    assert process.stop(patient) == -signal.SIGTERM
    code = "import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    code += "print('ready', flush=True); time.sleep(60)"
    stubborn = process.popen([*PYTHON, code], stdout=subprocess.PIPE)
    assert stubborn.stdout is not None
    assert stubborn.stdout.readline() == b"ready\n"
    assert process.stop(stubborn, grace_s=0.5) == -signal.SIGKILL
    stubborn.stdout.close()
