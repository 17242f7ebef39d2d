"""Password and PIN hashing with Argon2id; verification never leaks timing.

Hashing is the one expensive thing an anonymous request can make the server do, so its cost
is a budget (ADR 0027): RFC 9106 / OWASP's Argon2id at 19 MiB, two passes, one lane
(about 20 ms of one core), and at most ``limit_hashing(n)`` hashes at once in a process.
A verification that finds every slot taken for ``wait_s`` raises :class:`HashingBusy` (the
guard answers 503), so a flood of logins queues in neither memory nor threads. Making a new
hash (a password being set) waits for its slot.

Hashes run on ``n`` threads of their own, not on the request's: glibc gives each thread
that allocates its own malloc arena and keeps the freed 19 MiB there, so hashing on the
server's 40 request threads grew a process by ~300 MiB for good (docs/benchmarks.md).

Hashes carry their own parameters: older, costlier ones still verify, and
:func:`needs_rehash` says when to store a fresh one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from typing import Final, TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TIME_COST: Final = 2
MEMORY_KIB: Final = 19 * 1024
PARALLELISM: Final = 1
T = TypeVar("T")


class HashingBusy(Exception):
    """Every hashing slot stayed taken for the whole wait."""


class _Slots:
    """``limit`` hashing threads and as many slots: a hash never queues behind another."""

    def __init__(self, limit: int, wait_s: float) -> None:
        self.semaphore = threading.BoundedSemaphore(limit)
        self.threads = ThreadPoolExecutor(limit, thread_name_prefix="argon2")
        self.limit = limit
        self.wait_s = wait_s


_slots = _Slots(os.cpu_count() or 2, 0.25)


def limit_hashing(limit: int, wait_s: float) -> None:
    """At most ``limit`` hashes at once in this process; a verification waits ``wait_s``."""
    global _slots
    before, _slots = _slots, _Slots(max(1, limit), max(0.0, wait_s))
    before.threads.shutdown(wait=False)  # hashes still running there finish


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)


@contextmanager
def _slot(*, bounded: bool) -> Iterator[_Slots]:
    """A hashing slot; ``bounded``: give up (HashingBusy) after the configured wait."""
    slots = _slots  # the one acquired is the one released, whatever limit_hashing does
    if not slots.semaphore.acquire(timeout=slots.wait_s if bounded else None):
        raise HashingBusy
    try:
        yield slots
    finally:
        slots.semaphore.release()


def _hashing(work: Callable[[], T], *, bounded: bool) -> T:
    """``work`` on a hashing thread, in a slot."""
    with _slot(bounded=bounded) as slots:
        return slots.threads.submit(work).result()


def hash_secret(secret: str) -> str:
    return _hashing(lambda: _hasher().hash(secret), bounded=False)


def verify_secret(stored: str | None, given: str) -> bool:
    """Whether ``given`` matches; a missing hash still costs a hash, so timing says nothing.

    Raises :class:`HashingBusy` when no slot frees up in time.
    """

    def verify() -> bool:
        try:
            if stored is None:
                _hasher().hash(given)
                return False
            return _hasher().verify(stored, given)
        except (VerificationError, InvalidHashError):
            return False

    return _hashing(verify, bounded=True)


def needs_rehash(stored: str) -> bool:
    """Whether a hash that just verified was made with other parameters than today's."""
    try:
        return _hasher().check_needs_rehash(stored)
    except InvalidHashError:
        return False
