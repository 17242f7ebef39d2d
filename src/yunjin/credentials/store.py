"""Where the throttle keeps its records: shared by every api process (ADR 0027).

The database by default (the ``login_attempts`` table), Redis when ``throttle_store_url``
names one; the same contract, chosen by URL. A record goes by itself once forgotten: the
database deletes forgotten rows now and then, Redis lets the key expire.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from yunjin.credentials.store_db import DatabaseThrottle
from yunjin.credentials.store_redis import RedisThrottle
from yunjin.credentials.throttle import Policy, Record
from yunjin.db.engine import Database


class ThrottleStore(Protocol):
    def read(self, keys: Sequence[str]) -> dict[str, Record]:
        """The records of those keys that have one (forgotten or not: the caller decides)."""
        ...

    def fail(self, key: str, policy: Policy, now: float) -> Record:
        """Count one failure on ``key`` at ``now``, atomically across processes."""
        ...

    def clear(self, key: str) -> None:
        """Forget ``key`` (an account that proved itself)."""
        ...


def throttle_store(url: str | None, db: Database) -> ThrottleStore:
    """The database's table when ``url`` is unset, Redis for ``redis://…``."""
    if url is None:
        return DatabaseThrottle(db)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisThrottle(url)
    raise ValueError(f"unsupported throttle store {url!r}: use redis://…")
