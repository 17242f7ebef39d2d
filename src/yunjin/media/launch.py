"""The launcher every child of Yunjin starts through (``media.process``, ADR 0031).

Run as ``python -I -S launch.py --parent PID [--memory-mb N] [--cpu-s N] [--file-mb N]
[--no-network] -- program args…``. In this order it lowers its own limits — address space
(``RLIMIT_AS``), CPU time (``RLIMIT_CPU``), the largest file it may write
(``RLIMIT_FSIZE``) —, moves into a network namespace of its own when asked (only a loopback
that is down: no network at all), asks the kernel to SIGKILL it when the thread that
started it ends (``PR_SET_PDEATHSIG``), checks that its parent is still ``PID`` (if not,
that parent died before the request could see it, and the launcher goes too), and then
``exec``s the program, which keeps all of it under the same pid.

It is a program of its own rather than a ``preexec_fn``: a server with threads may only call
async-signal-safe functions in a child between ``fork`` and ``exec``, and Python code is not
one (a lock another thread held at the fork — the allocator's, the import lock, a logging
handler's — stays locked in the child forever). Here nothing runs in that window, and the
limits hold before the program reads its first byte. Only the standard library, and little
of it (no ``argparse``, no ``typing``): the launcher imports nothing of Yunjin, so ``-S`` (no
site packages) starts it in about 10 ms.
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys

MB = 1024 * 1024
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
SIGKILL = 9  # Linux's number; ``signal`` is not imported: its enums cost 10 ms a start
CPU_GRACE_S = 5
MALLOC_ARENAS = 4
NUMBERS = ("--parent", "--memory-mb", "--cpu-s", "--file-mb")
USAGE = 2  # a command line the launcher does not understand
USAGE_TEXT = (
    "usage: python -I -S launch.py --parent PID [--memory-mb N] [--cpu-s N] [--file-mb N]"
    " [--no-network] -- /absolute/program [args…]"
)
ORPHANED = 125  # the parent was gone before the child could ask to die with it
CANNOT_RUN = 127  # as a shell says of a program it cannot execute


def limit(kind: int, soft: int, hard: int | None = None) -> None:
    """Lower a limit (never above what the server itself was given)."""
    hard = soft if hard is None else hard
    _current_soft, current = resource.getrlimit(kind)
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(kind, (soft, hard))


def isolate_network(libc: ctypes.CDLL) -> bool:
    """A network namespace of this process's own, if the kernel lets it: directly with
    CAP_SYS_ADMIN, else inside a new user namespace that maps this user to itself. False
    when neither is allowed (the caller's other guards are then the only network guard)."""
    if not sys.platform.startswith("linux"):
        return False
    if libc.unshare(CLONE_NEWNET) == 0:
        return True
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        return False
    try:  # keep this user's own id inside, so files it writes are still its own
        with open("/proc/self/setgroups", "w") as setgroups:
            setgroups.write("deny")
        with open("/proc/self/uid_map", "w") as uid_map:
            uid_map.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as gid_map:
            gid_map.write(f"{gid} {gid} 1")
    except OSError:
        return False
    return True


def die_with(libc: ctypes.CDLL, parent: int) -> None:
    """SIGKILL when the thread that started this process ends; exit now if it already has.

    Asked last, just before ``exec``: the kernel clears the request when credentials
    change, and the ``exec`` of an ordinary program keeps it.
    """
    if not sys.platform.startswith("linux"):
        return  # no such request elsewhere: there, a killed server may leave children
    if libc.prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl(PR_SET_PDEATHSIG): {os.strerror(error)}")
    if os.getppid() != parent:
        sys.exit(ORPHANED)


def parse(argv: list[str]) -> tuple[dict[str, int], bool, list[str]]:
    """The numbers given (``--parent`` is required), whether ``--no-network`` was, and the
    program with its arguments after ``--``; exits with :data:`USAGE` on anything else."""
    numbers: dict[str, int] = {}
    no_network = False
    words = iter(argv)
    for word in words:
        if word == "--":
            program = list(words)
            if "--parent" not in numbers or not program or not os.path.isabs(program[0]):
                break
            return numbers, no_network, program
        if word == "--no-network":
            no_network = True
        elif word in NUMBERS and (value := next(words, "")).isdigit():
            numbers[word] = int(value)
        else:
            break
    print(USAGE_TEXT, file=sys.stderr)
    sys.exit(USAGE)


def main(argv: list[str]) -> None:
    numbers, no_network, program = parse(argv)
    if (memory_mb := numbers.get("--memory-mb")) is not None:
        limit(resource.RLIMIT_AS, memory_mb * MB)
        # glibc reserves 64 MB of address space per malloc arena, up to 8 per core: a few do
        os.environ.setdefault("MALLOC_ARENA_MAX", str(MALLOC_ARENAS))
    if (cpu_s := numbers.get("--cpu-s")) is not None:
        # SIGXCPU at the soft limit (ffmpeg stops on it), SIGKILL a little later regardless
        limit(resource.RLIMIT_CPU, cpu_s, cpu_s + CPU_GRACE_S)
    if (file_mb := numbers.get("--file-mb")) is not None:
        limit(resource.RLIMIT_FSIZE, file_mb * MB)
    libc = ctypes.CDLL(None, use_errno=True)
    if no_network:
        isolate_network(libc)
    die_with(libc, numbers["--parent"])
    try:
        os.execv(program[0], program)  # noqa: S606 - what a launcher is for; an absolute path
    except OSError as error:
        print(f"launch: cannot run {program[0]}: {error.strerror}", file=sys.stderr)
        sys.exit(CANNOT_RUN)


if __name__ == "__main__":
    main(sys.argv[1:])
