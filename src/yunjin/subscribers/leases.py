"""Per-household concurrency: a playback holds a lease that its playlist fetches renew.

In-process on one box, Redis across machines; the same contract, chosen by URL.
A lease not renewed for ``ttl_s`` is gone, so a stopped stream frees its place
within that time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol, cast

import redis

DEFAULT_TTL_S = 45.0


@dataclass(frozen=True, slots=True)
class LeaseResult:
    granted: bool
    holders: tuple[str, ...]  # who holds the household's places (on refusal: all of them)


class LeaseStore(Protocol):
    def acquire(self, household: int, holder: str, limit: int) -> LeaseResult: ...

    def renew(self, household: int, holder: str) -> bool: ...

    def release(self, household: int, holder: str) -> None: ...

    def holders(self, household: int) -> tuple[str, ...]: ...


class MemoryLeases:
    """Leases in this process (one box)."""

    def __init__(self, ttl_s: float = DEFAULT_TTL_S, clock: object = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._leases: dict[int, dict[str, float]] = {}

    def _now(self) -> float:
        now: float = self._clock()  # type: ignore[operator]
        return now

    def _live(self, household: int, now: float) -> dict[str, float]:
        leases = self._leases.setdefault(household, {})
        for holder in [h for h, expiry in leases.items() if expiry <= now]:
            del leases[holder]
        return leases

    def acquire(self, household: int, holder: str, limit: int) -> LeaseResult:
        with self._lock:
            now = self._now()
            leases = self._live(household, now)
            if holder not in leases and len(leases) >= limit:
                return LeaseResult(False, tuple(sorted(leases)))
            leases[holder] = now + self.ttl_s
            return LeaseResult(True, tuple(sorted(leases)))

    def renew(self, household: int, holder: str) -> bool:
        with self._lock:
            now = self._now()
            leases = self._live(household, now)
            if holder not in leases:
                return False
            leases[holder] = now + self.ttl_s
            return True

    def release(self, household: int, holder: str) -> None:
        with self._lock:
            self._leases.get(household, {}).pop(holder, None)

    def holders(self, household: int) -> tuple[str, ...]:
        with self._lock:
            return tuple(sorted(self._live(household, self._now())))


# Expire, count and add in one atomic step, so two boxes cannot both take the last place.
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local present = redis.call('ZSCORE', KEYS[1], ARGV[3])
if not present and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return {0, redis.call('ZRANGE', KEYS[1], 0, -1)}
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {1, redis.call('ZRANGE', KEYS[1], 0, -1)}
"""


class RedisLeases:
    """Leases in Redis: a sorted set per household, scored by expiry (server time)."""

    def __init__(
        self, url: str, ttl_s: float = DEFAULT_TTL_S, prefix: str = "yunjin:lease:"
    ) -> None:
        self.ttl_s = ttl_s
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, decode_responses=True)
        self._acquire = self._redis.register_script(_ACQUIRE)

    def _key(self, household: int) -> str:
        return f"{self.prefix}{household}"

    def _now_ms(self) -> int:
        seconds, micros = self._redis.time()
        return int(seconds) * 1000 + int(micros) // 1000

    def acquire(self, household: int, holder: str, limit: int) -> LeaseResult:
        now = self._now_ms()
        ttl_ms = int(self.ttl_s * 1000)
        granted, holders = cast(
            list[Any],
            self._acquire(
                keys=[self._key(household)], args=[now, now + ttl_ms, holder, limit, ttl_ms * 2]
            ),
        )
        return LeaseResult(bool(granted), tuple(sorted(holders)))

    def renew(self, household: int, holder: str) -> bool:
        now = self._now_ms()
        key = self._key(household)
        self._redis.zremrangebyscore(key, "-inf", now)
        updated = self._redis.zadd(key, {holder: now + int(self.ttl_s * 1000)}, xx=True, ch=True)
        return bool(updated)

    def release(self, household: int, holder: str) -> None:
        self._redis.zrem(self._key(household), holder)

    def holders(self, household: int) -> tuple[str, ...]:
        key = self._key(household)
        self._redis.zremrangebyscore(key, "-inf", self._now_ms())
        return tuple(sorted(cast(list[str], self._redis.zrange(key, 0, -1))))


def lease_store(url: str | None, ttl_s: float = DEFAULT_TTL_S) -> LeaseStore:
    """In-process when ``url`` is unset, Redis for ``redis://…``."""
    if url is None:
        return MemoryLeases(ttl_s)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisLeases(url, ttl_s)
    raise ValueError(f"unsupported lease store {url!r}: use redis://…")
