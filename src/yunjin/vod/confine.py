"""A launcher that confines a program before it reads an untrusted file (ADR 0028).

Run as ``python -I -S confine.py --memory-mb N --cpu-s N [--file-mb N] -- program args…``.
It sets limits on itself — address space (``RLIMIT_AS``), CPU time (``RLIMIT_CPU``) and,
when given, the largest file it may write (``RLIMIT_FSIZE``) — moves into a network
namespace of its own where the kernel allows it (only a loopback that is down: no
network at all), then ``exec``s the program, which inherits all of it.

It is a program of its own rather than a ``preexec_fn``: nothing runs in the server between
``fork`` and ``exec`` (``vod/transcode.py`` says why that matters), and the limits hold
before the program reads the first byte of the file. Only the standard library: the
launcher imports nothing of Yunjin, so ``-S`` (no site packages) starts it in milliseconds.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import sys
from typing import Final

MB: Final = 1024 * 1024
CLONE_NEWUSER: Final = 0x10000000
CLONE_NEWNET: Final = 0x40000000
CPU_GRACE_S: Final = 5
MALLOC_ARENAS: Final = 4


def limit(kind: int, soft: int, hard: int | None = None) -> None:
    """Lower a limit (never above what the server itself was given)."""
    hard = soft if hard is None else hard
    _current_soft, current = resource.getrlimit(kind)
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(kind, (soft, hard))


def isolate_network() -> bool:
    """A network namespace of this process's own, if the kernel lets it: directly with
    CAP_SYS_ADMIN, else inside a new user namespace that maps this user to itself. False
    when neither is allowed (the protocol whitelist is then the only network guard)."""
    libc = ctypes.CDLL(None, use_errno=True)
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


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="confine", description=__doc__)
    parser.add_argument("--memory-mb", type=int, required=True)
    parser.add_argument("--cpu-s", type=int, required=True)
    parser.add_argument("--file-mb", type=int, default=None)
    parser.add_argument("program", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    program = options.program[1:] if options.program[:1] == ["--"] else options.program
    if not program:
        parser.error("no program to run")
    limit(resource.RLIMIT_AS, options.memory_mb * MB)
    # glibc reserves 64 MB of address space per malloc arena, up to 8 per core: a few do
    os.environ.setdefault("MALLOC_ARENA_MAX", str(MALLOC_ARENAS))
    # SIGXCPU at the soft limit (ffmpeg stops on it), SIGKILL a little later regardless
    limit(resource.RLIMIT_CPU, options.cpu_s, options.cpu_s + CPU_GRACE_S)
    if options.file_mb is not None:
        limit(resource.RLIMIT_FSIZE, options.file_mb * MB)
    isolate_network()
    os.execv(program[0], program)  # an absolute path: no search of PATH


if __name__ == "__main__":
    main(sys.argv[1:])
