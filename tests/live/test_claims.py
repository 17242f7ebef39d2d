"""Recorder claims with fencing (ADR 0033), on SQLite and on PostgreSQL: one owner at a time,
epochs that only grow, and a node that trusts its claim for less than the database keeps it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import wait_for
from yunjin.db.engine import Database
from yunjin.live.claims import ClaimStore

TTL_S = 0.6


@pytest.fixture
def db(database_url: str) -> Database:
    database = Database(database_url)
    yield database  # type: ignore[misc]
    database.close()


def test_one_owner_until_the_claim_expires(db: Database) -> None:
    a, b = ClaimStore(db, "rec-a", TTL_S), ClaimStore(db, "rec-b", TTL_S)
    first = a.claim("CCTV1.cn")
    assert first is not None
    assert first.epoch == 1
    assert b.claim("CCTV1.cn") is None  # held
    # a stops renewing (it died): b takes the channel once the database says it expired
    second = wait_for(lambda: b.claim("CCTV1.cn"), 10, "the claim to expire")
    assert second.epoch == 2
    assert a.renew(first) is None  # a learns it lost the channel
    assert b.renew(second) is not None
    assert b.holders()["CCTV1.cn"].owner == "rec-b"


def test_renewing_keeps_a_channel_for_as_long_as_it_goes_on(db: Database) -> None:
    a, b = ClaimStore(db, "rec-a", TTL_S), ClaimStore(db, "rec-b", TTL_S)
    claim = a.claim("SCTV.cn")
    assert claim is not None
    began = a.database_ms()
    while a.database_ms() < began + 3 * TTL_S * 1000:  # three lifetimes of renewing
        half = a.database_ms() + TTL_S * 500
        wait_for(lambda h=half: a.database_ms() >= h, 5, "half a lifetime on the database clock")
        renewed = a.renew(claim)
        assert renewed is not None
        claim = renewed
        assert b.claim("SCTV.cn") is None
    assert claim.epoch == 1


def test_a_release_hands_over_at_once_with_a_new_epoch(db: Database) -> None:
    a, b = ClaimStore(db, "rec-a", 30), ClaimStore(db, "rec-b", 30)
    claim = a.claim("A.cn")
    assert claim is not None
    a.release(claim)
    taken = b.claim("A.cn")
    assert taken is not None
    assert taken.epoch == claim.epoch + 1
    a.release(claim)  # an old claim releases nothing
    assert b.holders()["A.cn"].owner == "rec-b"


def test_a_node_that_comes_back_takes_its_own_channels_again(db: Database) -> None:
    before = ClaimStore(db, "rec-a", 30).claim("A.cn")
    after = ClaimStore(db, "rec-a", 30).claim("A.cn")  # restarted under the same name
    assert before is not None
    assert after is not None
    assert after.epoch == before.epoch + 1
    assert ClaimStore(db, "rec-a", 30).renew(before) is None  # the old run's claim is gone


def test_a_node_trusts_its_claim_for_less_than_the_database_keeps_it(db: Database) -> None:
    ticks = iter([100.0, 200.0])
    store = ClaimStore(db, "rec-a", 5, margin_s=1, clock=lambda: next(ticks))
    claim = store.claim("A.cn")
    assert claim is not None
    assert claim.trusted_until == 104.0  # sent at 100, the database keeps it 5 s from later
    assert claim.holds(103.9)
    assert not claim.holds(104.0)
    renewed = store.renew(claim)
    assert renewed is not None
    assert renewed.trusted_until == 204.0


def test_racing_nodes_leave_exactly_one_owner(db: Database) -> None:
    stores = [ClaimStore(db, f"rec-{n}", 30) for n in range(8)]
    with ThreadPoolExecutor(8) as pool:
        won = [c for c in pool.map(lambda s: s.claim("RACE.cn"), stores) if c is not None]
    assert len(won) == 1
    assert stores[0].holders()["RACE.cn"].owner == won[0].owner


def test_nodes_say_they_are_alive_and_leave(db: Database) -> None:
    a, b = ClaimStore(db, "rec-a", TTL_S), ClaimStore(db, "rec-b", TTL_S)
    a.heartbeat(100)
    b.heartbeat(50)
    assert a.alive_nodes() == {"rec-a": 100, "rec-b": 50}
    b.leave()
    assert a.alive_nodes() == {"rec-a": 100}
    wait_for(lambda: a.alive_nodes() == {}, 10, "a silent node to count as gone")
