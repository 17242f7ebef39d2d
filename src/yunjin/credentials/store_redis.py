"""The throttle's records in Redis, for deployments that keep sessions and leases there.

A record is a hash (``failures``, ``last``, ``locked``) that expires when the throttle forgets
it (an expiry relative to the caller's clock, which the record's times also use). A failure
is an optimistic transaction (``WATCH``, then :func:`throttle.fail`, then ``MULTI``/``EXEC``),
retried when another process changed the key in between, so the arithmetic stays in one
pure place and concurrent failures all count.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, cast

import redis
from redis.exceptions import WatchError

from yunjin.credentials import throttle
from yunjin.credentials.throttle import Policy, Record

RETRIES: Final = 20


class RedisThrottle:
    def __init__(self, url: str, prefix: str = "yunjin:throttle:") -> None:
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, decode_responses=True)

    def read(self, keys: Sequence[str]) -> dict[str, Record]:
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(self.prefix + key)
        found = cast(list[dict[str, str]], pipe.execute())
        return {key: _record(fields) for key, fields in zip(keys, found, strict=True) if fields}

    def fail(self, key: str, policy: Policy, now: float) -> Record:
        name = self.prefix + key
        with self._redis.pipeline() as pipe:
            for _ in range(RETRIES):
                try:
                    pipe.watch(name)  # type: ignore[no-untyped-call]
                    fields = cast(dict[str, str], pipe.hgetall(name))
                    after = throttle.fail(_record(fields) if fields else None, policy, now)
                    pipe.multi()
                    pipe.hset(
                        name,
                        mapping={
                            "failures": after.failures,
                            "last": repr(after.last_failure),
                            "locked": repr(after.locked_until),
                        },
                    )
                    # relative to ``now`` (the caller's clock, as the record's times are)
                    pipe.pexpire(name, max(1, int((after.forget_at(policy) - now) * 1000)))
                    pipe.execute()
                    return after
                except WatchError:
                    continue
        raise RuntimeError(f"throttle key {key} changed {RETRIES} times while counting")

    def clear(self, key: str) -> None:
        self._redis.delete(self.prefix + key)


def _record(fields: dict[str, str]) -> Record:
    return Record(int(fields["failures"]), float(fields["last"]), float(fields["locked"]))
