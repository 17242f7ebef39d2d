"""Child processes: every program Yunjin runs starts here, dies with Yunjin and keeps to its
limits (ADR 0031).

A child starts through the launcher (``media/launch.py``, run by ``python -I -S``), which
sets inside the child what must hold before the program runs — ``PR_SET_PDEATHSIG``,
resource limits, a network namespace (:class:`Confinement`) — and then ``exec``s the program
under the same pid. Nothing of Python runs in the child between ``fork`` and ``exec`` (no
``preexec_fn``): the server has threads, and a child forked from a threaded process may only
call async-signal-safe functions until it ``exec``s.

The kernel sends the parent-death signal when the *thread* that started the child ends (or,
if that thread ended before the launcher asked, when the process does), so a child is
started from a thread that outlives it: the event loop's (:func:`spawn`), or the thread that
then waits for it (:func:`run`; :func:`popen` and ``wait``). Each child has a session of its
own: a Ctrl-C on a terminal reaches Yunjin alone, which stops its children in order
(:func:`terminate`, :func:`stop`).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, TypeVar

LAUNCHER: Final = Path(__file__).with_name("launch.py")
GRACE_S: Final = 5.0

Stdio = int | IO[Any] | None  # what subprocess takes for stdin, stdout and stderr
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Confinement:
    """What a child may use and reach; None: no limit of that kind."""

    memory_mb: int | None = None  # address space (RLIMIT_AS)
    cpu_s: int | None = None  # CPU time: SIGXCPU then, SIGKILL 5 s later (RLIMIT_CPU)
    file_mb: int | None = None  # the largest file it may write (RLIMIT_FSIZE)
    network: bool = True  # False: a network namespace of its own, where the kernel allows


FREE: Final = Confinement()


def launch_command(argv: Sequence[str], confinement: Confinement = FREE) -> list[str]:
    """``argv`` as the launcher runs it.

    The program is looked up on ``PATH`` here, in the parent, so that a missing one raises
    :class:`FileNotFoundError` to the caller as a direct ``exec`` would.
    """
    program = shutil.which(argv[0])
    if program is None:
        raise FileNotFoundError(errno.ENOENT, "no such program", argv[0])
    head = [sys.executable, "-I", "-S", str(LAUNCHER), "--parent", str(os.getpid())]
    if confinement.memory_mb is not None:
        head += ["--memory-mb", str(confinement.memory_mb)]
    if confinement.cpu_s is not None:
        head += ["--cpu-s", str(confinement.cpu_s)]
    if confinement.file_mb is not None:
        head += ["--file-mb", str(confinement.file_mb)]
    if not confinement.network:
        head.append("--no-network")
    return [*head, "--", os.path.abspath(program), *argv[1:]]


def popen(
    argv: Sequence[str],
    *,
    confinement: Confinement = FREE,
    stdin: Stdio = subprocess.DEVNULL,
    stdout: Stdio = None,
    stderr: Stdio = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start a child; the caller waits for it in this thread (or :func:`stop`s it)."""
    return subprocess.Popen(  # noqa: S603 - an argument list, no shell: the launcher, then argv
        launch_command(argv, confinement),
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        env=env,
        start_new_session=True,
    )


def run(
    argv: Sequence[str],
    *,
    confinement: Confinement = FREE,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = False,
    capture: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run a child to its end, its stdout and stderr captured (else shared with ours).

    As :func:`subprocess.run`: killed and reaped on ``timeout`` (``TimeoutExpired``) or on
    any exception while waiting; ``check`` raises ``CalledProcessError`` on a failure.
    """
    return subprocess.run(  # noqa: S603 - an argument list, no shell: the launcher, then argv
        launch_command(argv, confinement),
        stdin=subprocess.DEVNULL,
        capture_output=capture,
        timeout=timeout,
        env=env,
        check=check,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes], grace_s: float = GRACE_S) -> int:
    """SIGTERM, then SIGKILL after ``grace_s``; returns the exit status."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            return process.wait(grace_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
    return process.wait()


async def spawn(
    argv: Sequence[str],
    *,
    confinement: Confinement = FREE,
    env: Mapping[str, str] | None = None,
) -> asyncio.subprocess.Process:
    """Start a supervised child from the event loop, stdout and stderr piped."""
    return await asyncio.create_subprocess_exec(
        *launch_command(argv, confinement),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        start_new_session=True,
    )


async def terminate(process: asyncio.subprocess.Process, grace_s: float = GRACE_S) -> int | None:
    """SIGTERM, then SIGKILL after ``grace_s``; returns the exit code."""
    if process.returncode is not None:
        return process.returncode
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        return await asyncio.wait_for(process.wait(), grace_s)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        return await process.wait()


def piped(stream: T | None) -> T:
    """A pipe the child was started with (``stdout=PIPE`` …), typed as never None."""
    if stream is None:
        raise ValueError("the child was not started with this pipe")
    return stream
