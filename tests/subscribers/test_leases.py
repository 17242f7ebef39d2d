"""Concurrency leases, in process and in a real Redis."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import pytest
from redis.exceptions import RedisError

from yunjin.subscribers.leases import LeaseStore, MemoryLeases, RedisLeases

REDIS_URL = os.environ.get("YUNJIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _redis_or_skip() -> RedisLeases:
    try:
        store = RedisLeases(REDIS_URL, ttl_s=1.0, prefix=f"yunjin-test:{uuid.uuid4().hex}:")
        store.holders(0)
    except RedisError as error:  # ConnectionError and the rest
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL} (CI requires it): {error}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    return store


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[LeaseStore]:
    if request.param == "memory":
        yield MemoryLeases(ttl_s=1.0)
    else:
        yield _redis_or_skip()


def test_the_limit_holds_and_names_the_holders(store: LeaseStore) -> None:
    assert store.acquire(1, "box", 2).granted
    assert store.acquire(1, "phone", 2).granted
    refused = store.acquire(1, "tablet", 2)
    assert not refused.granted
    assert refused.holders == ("box", "phone")
    assert store.acquire(1, "box", 2).granted  # a holder asking again keeps its place
    assert store.acquire(2, "tablet", 2).granted  # other households are separate


def test_release_frees_a_place(store: LeaseStore) -> None:
    store.acquire(1, "box", 1)
    store.release(1, "box")
    assert store.acquire(1, "phone", 1).granted


def test_a_stopped_stream_frees_its_place_when_the_lease_lapses() -> None:
    clock = Clock()
    leases = MemoryLeases(ttl_s=60, clock=clock)
    assert leases.acquire(1, "box", 1).granted
    clock.now += 30
    assert leases.renew(1, "box")  # the box is still fetching playlists
    clock.now += 59
    assert not leases.acquire(1, "phone", 1).granted
    clock.now += 2  # 61 s since the last renewal
    assert leases.acquire(1, "phone", 1).granted
    assert not leases.renew(1, "box")


def test_redis_leases_lapse_on_their_own() -> None:
    store = _redis_or_skip()
    assert store.acquire(5, "box", 1).granted

    deadline = time.monotonic() + 5
    while not store.acquire(5, "phone", 1).granted:
        assert time.monotonic() < deadline, "the lease never lapsed"
        time.sleep(0.1)
    assert not store.renew(5, "box")
