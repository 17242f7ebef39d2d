"""The guard over each shared store (SQLite, PostgreSQL, Redis): back-off and forgetting on an
injected clock, two api processes adding up, concurrent failures all counted, a success
forgiving the account but never the address, and a known lock costing no store read."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from redis.exceptions import RedisError

from tests.conftest import POSTGRES_URL, postgres_available
from yunjin.credentials.guard import Attempt, CredentialGuard, LoginRefused, Realm
from yunjin.credentials.store import ThrottleStore, throttle_store
from yunjin.credentials.store_db import DatabaseThrottle
from yunjin.credentials.store_redis import RedisThrottle
from yunjin.credentials.throttle import Policy, Record
from yunjin.db.engine import Database

REDIS_URL = os.environ.get("YUNJIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
T0 = 1_800_000_000.0
STRANGER = Attempt(Realm.HOUSEHOLD, "hh100", "203.0.113.9")
OWNER = Attempt(Realm.HOUSEHOLD, "hh100", "198.51.100.20")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def _redis() -> RedisThrottle:
    store = RedisThrottle(REDIS_URL, prefix=f"yunjin-test:{uuid.uuid4().hex}:")
    try:
        store.read(["probe"])
    except RedisError as error:  # ConnectionError and the rest
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL} (CI requires it): {error}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    return store


def _postgres_schema() -> Iterator[str]:
    if not postgres_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL} (CI requires it)")
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    import psycopg

    schema = f"yunjin_throttle_{uuid.uuid4().hex[:10]}"
    plain = POSTGRES_URL.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ThrottleStore]:
    """Each shared store the throttle may use."""
    if request.param == "redis":
        yield _redis()
        return
    urls = (
        iter([f"sqlite:///{tmp_path / 'throttle.db'}"])
        if request.param == "sqlite"
        else _postgres_schema()
    )
    db = Database(next(urls))
    yield throttle_store(None, db)
    db.close()
    next(urls, None)


def _fail(guard: CredentialGuard, attempt: Attempt) -> str:
    def work() -> None:
        raise LoginRefused("login_failed")

    try:
        guard.run(attempt, work)
    except LoginRefused as refused:
        return (
            refused.code if not refused.retry_after_s else f"{refused.code}:{refused.retry_after_s}"
        )
    raise AssertionError("a failure passed")


def _succeed(guard: CredentialGuard, attempt: Attempt) -> str:
    try:
        return guard.run(attempt, lambda: "ok")
    except LoginRefused as refused:
        return f"{refused.code}:{refused.retry_after_s}"


def test_the_address_backs_off_and_forgets_on_the_clock(store: ThrottleStore) -> None:
    clock = Clock()
    guard = CredentialGuard(store, clock)
    answers = []
    for _ in range(10):
        answers.append(_fail(guard, STRANGER))
        clock.now += 1
    assert answers == ["login_failed"] * 9 + ["login_locked:60"]
    assert _succeed(guard, STRANGER) == "login_locked:59"  # even the right password
    assert _succeed(guard, OWNER) == "ok"  # the household, from its own address
    clock.now += 59
    assert _fail(guard, STRANGER) == "login_locked:120"  # the lock doubles
    clock.now += 120
    assert _fail(guard, STRANGER) == "login_locked:240"
    clock.now += 240 + 3600  # quiet for an hour after the lock ended
    assert _fail(guard, STRANGER) == "login_failed"


def test_two_api_processes_add_up_and_see_each_others_locks(store: ThrottleStore) -> None:
    clock = Clock()
    first, second = CredentialGuard(store, clock), CredentialGuard(store, clock)
    for index in range(9):
        assert _fail(first if index % 2 else second, STRANGER) == "login_failed"
    assert _fail(first, STRANGER) == "login_locked:60"
    assert _succeed(second, STRANGER) == "login_locked:60"


def test_a_success_forgives_the_account_never_the_address(store: ThrottleStore) -> None:
    clock = Clock()
    guard = CredentialGuard(store, clock)
    for _ in range(9):
        _fail(guard, STRANGER)
    assert _succeed(guard, STRANGER) == "ok"  # e.g. the attacker's own account
    assert STRANGER.account_key not in store.read([STRANGER.account_key])
    assert store.read([STRANGER.address_key or ""])[STRANGER.address_key or ""].failures == 9
    mine = Attempt(Realm.HOUSEHOLD, "someone-else", STRANGER.address)
    assert _fail(guard, mine) == "login_locked:60"  # the tenth failure of the address


def test_many_addresses_lock_the_account_with_back_off(store: ThrottleStore) -> None:
    clock = Clock()
    guard = CredentialGuard(store, clock)
    answers = [_fail(guard, Attempt(Realm.ADMIN, "olga", f"192.0.2.{n}")) for n in range(20)]
    assert answers[-1] == "login_locked:60"
    assert set(answers[:-1]) == {"login_failed"}
    assert _succeed(guard, Attempt(Realm.ADMIN, "olga", "198.51.100.1")) == "login_locked:60"
    clock.now += 60
    assert _succeed(guard, Attempt(Realm.ADMIN, "olga", "198.51.100.1")) == "ok"


def test_a_pin_is_limited_per_household(store: ThrottleStore) -> None:
    clock = Clock()
    guard = CredentialGuard(store, clock)
    pin = Attempt(Realm.PIN, "42")
    assert [guard.verify(pin, lambda: False) for _ in range(4)] == [False] * 4
    with pytest.raises(LoginRefused) as locked:
        guard.verify(pin, lambda: False)
    assert (locked.value.code, locked.value.retry_after_s) == ("pin_locked", 300)
    with pytest.raises(LoginRefused):
        guard.verify(pin, lambda: True)  # the right PIN waits too
    clock.now += 300
    assert guard.verify(pin, lambda: True)
    assert guard.verify(Attempt(Realm.PIN, "43"), lambda: True)  # other households: untouched


def test_concurrent_failures_all_count(store: ThrottleStore) -> None:
    policy = Policy(limit=1000, base_lock_s=1, max_lock_s=1, forget_after_s=3600)
    start = threading.Barrier(8)

    def fail(_: int) -> Record:
        start.wait()
        return store.fail("addr:concurrent", policy, T0)

    with ThreadPoolExecutor(8) as pool:
        done = list(pool.map(fail, range(40)))
    assert max(record.failures for record in done) == 40
    assert store.read(["addr:concurrent"])["addr:concurrent"].failures == 40


class CountingStore:
    def __init__(self, inner: ThrottleStore) -> None:
        self.inner = inner
        self.reads = 0

    def read(self, keys: Sequence[str]) -> dict[str, Record]:
        self.reads += 1
        return self.inner.read(keys)

    def fail(self, key: str, policy: Policy, now: float) -> Record:
        return self.inner.fail(key, policy, now)

    def clear(self, key: str) -> None:
        self.inner.clear(key)


def test_a_known_lock_is_refused_without_reading_the_store(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'throttle.db'}")
    counting = CountingStore(DatabaseThrottle(db))
    guard = CredentialGuard(counting, Clock())
    for _ in range(10):
        _fail(guard, STRANGER)
    reads = counting.reads
    for _ in range(100):
        assert _succeed(guard, STRANGER).startswith("login_locked")
    assert counting.reads == reads
    db.close()
