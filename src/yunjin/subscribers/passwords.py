"""Password and PIN hashing with Argon2id; verification never leaks timing.

Hashing is the one expensive thing an anonymous request can make the server do, so its cost
is a budget (ADR 0027): RFC 9106 / OWASP's Argon2id at 19 MiB, two passes, one lane
(about 20 ms of one core), and at most ``limit_hashing(n)`` hashes at once in a process.
A verification that finds every slot taken for ``wait_s`` raises :class:`HashingBusy` (the
guard answers 503), so a flood of logins queues in neither memory nor threads. Making a new
hash (a password being set) waits for its slot. Hashes carry their own parameters: older,
costlier ones still verify, and :func:`needs_rehash` says when to store a fresh one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TIME_COST: Final = 2
MEMORY_KIB: Final = 19 * 1024
PARALLELISM: Final = 1


class HashingBusy(Exception):
    """Every hashing slot stayed taken for the whole wait."""


class _Slots:
    def __init__(self, limit: int, wait_s: float) -> None:
        self.semaphore = threading.BoundedSemaphore(limit)
        self.limit = limit
        self.wait_s = wait_s


_slots = _Slots(os.cpu_count() or 2, 0.25)


def limit_hashing(limit: int, wait_s: float) -> None:
    """At most ``limit`` hashes at once in this process; a verification waits ``wait_s``."""
    global _slots
    _slots = _Slots(max(1, limit), max(0.0, wait_s))


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)


@contextmanager
def _slot(*, bounded: bool) -> Iterator[None]:
    """A hashing slot; ``bounded``: give up (HashingBusy) after the configured wait."""
    slots = _slots  # the one acquired is the one released, whatever limit_hashing does
    if not slots.semaphore.acquire(timeout=slots.wait_s if bounded else None):
        raise HashingBusy
    try:
        yield
    finally:
        slots.semaphore.release()


def hash_secret(secret: str) -> str:
    with _slot(bounded=False):
        return _hasher().hash(secret)


def verify_secret(stored: str | None, given: str) -> bool:
    """Whether ``given`` matches; a missing hash still costs a hash, so timing says nothing.

    Raises :class:`HashingBusy` when no slot frees up in time.
    """
    with _slot(bounded=True):
        try:
            if stored is None:
                _hasher().hash(given)
                return False
            return _hasher().verify(stored, given)
        except (VerificationError, InvalidHashError):
            return False


def needs_rehash(stored: str) -> bool:
    """Whether a hash that just verified was made with other parameters than today's."""
    try:
        return _hasher().check_needs_rehash(stored)
    except InvalidHashError:
        return False
