"""Buying, refunding and cancelling pay-per-view in SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from yunjin.db.engine import Database
from yunjin.db.models import Channel, Order
from yunjin.subscribers.accounts import (
    create_household,
    create_product,
    household_by_account,
    load_rights,
)
from yunjin.subscribers.entitlements import ProductKind
from yunjin.subscribers.orders import OrderRefusal, OrderStatus
from yunjin.subscribers.purchases import OrderError, Placed, buy, close, list_orders
from yunjin.subscribers.regions import seed_regions

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    with database.session() as session:
        seed_regions(session)
        create_household(session, "hh100", "511402", pin="1234")
        session.add(
            Channel(
                tvg_id="X.cn",
                number=9,
                name_zh="X",
                name_en="X",
                source_url="testsrc:",
                min_age=18,
            )
        )
        create_product(
            session,
            "match",
            "决赛",
            "Final",
            ProductKind.PPV,
            ["E.cn"],
            3000,
            event=(NOW - timedelta(hours=1), NOW + timedelta(hours=2)),
        )
        create_product(
            session, "night", "午夜", "Night", ProductKind.PPV, ["X.cn"], 1500, rental_hours=24
        )
        create_product(session, "basic", "基本包", "Basic", ProductKind.CHANNELS, ["A.cn"])
    yield database
    database.close()


def _buy(db: Database, product: str, key: str | None, **options: object) -> Placed:
    with db.session() as session:
        household = household_by_account(session, "hh100")
        return buy(
            session,
            household,
            product,
            key,
            datetime.now(UTC),
            placed_by="test",
            **options,  # type: ignore[arg-type]
        )


def _refusal(db: Database, product: str, key: str | None, **options: object) -> OrderRefusal:
    with pytest.raises(OrderError) as refused:
        _buy(db, product, key, **options)
    return refused.value.refusal


def test_a_purchase_is_a_grant_until_refunded(db: Database) -> None:
    placed = _buy(db, "match", "key-0001")
    assert not placed.replayed
    assert placed.order.price_cents == 3000
    assert placed.order.status is OrderStatus.PAID
    assert placed.order.valid_to - placed.order.valid_from == timedelta(hours=3)
    with db.session() as session:
        household = household_by_account(session, "hh100").id
        rights = load_rights(session, household)
    assert [(g.kind, g.channels) for g in rights.grants] == [(ProductKind.PPV, frozenset({"E.cn"}))]
    again = _buy(db, "match", "key-0001")
    assert again.replayed
    assert again.order.id == placed.order.id
    assert _refusal(db, "match", "key-0002") is OrderRefusal.ALREADY_BOUGHT
    assert _refusal(db, "night", "key-0001", pin="1234") is OrderRefusal.KEY_REUSED
    with db.session() as session:
        refunded = close(session, placed.order.id, OrderStatus.REFUNDED, NOW, by="test")
    assert refunded.status is OrderStatus.REFUNDED
    with db.session() as session:
        assert load_rights(session, household).grants == ()
        with pytest.raises(OrderError) as closed:
            close(session, placed.order.id, OrderStatus.CANCELLED, NOW, by="test")
    assert closed.value.refusal is OrderRefusal.ORDER_CLOSED
    # refunded, it may be bought again under a new key
    assert not _buy(db, "match", "key-0003").replayed


def test_refusals(db: Database) -> None:
    assert _refusal(db, "match", None) is OrderRefusal.KEY_REQUIRED
    assert _refusal(db, "match", "short") is OrderRefusal.KEY_REQUIRED
    assert _refusal(db, "nothing", "key-0001") is OrderRefusal.PRODUCT_NOT_FOUND
    assert _refusal(db, "basic", "key-0001") is OrderRefusal.NOT_FOR_SALE
    assert _refusal(db, "night", "key-0001") is OrderRefusal.PARENTAL_PIN_REQUIRED
    assert _refusal(db, "night", "key-0001", pin="0000") is OrderRefusal.PARENTAL_PIN_REQUIRED
    rental = _buy(db, "night", "key-0001", pin="1234").order
    assert rental.valid_to - rental.valid_from == timedelta(hours=24)
    staff = _buy(db, "match", "key-0002", by_staff=True, price_cents=0).order
    assert staff.price_cents == 0
    with db.session() as session:
        with pytest.raises(OrderError) as started:
            close(session, staff.id, OrderStatus.CANCELLED, NOW, by="test")
        assert started.value.refusal is OrderRefusal.ORDER_STARTED
        assert [o.product for o in list_orders(session)] == ["match", "night"]
        assert [o.product for o in list_orders(session, status=OrderStatus.PAID)] == [
            "match",
            "night",
        ]


def test_a_double_click_buys_once(db: Database) -> None:
    with ThreadPoolExecutor(8) as pool:
        placed = list(pool.map(lambda _: _buy(db, "match", "double-click"), range(8)))
    assert len({p.order.id for p in placed}) == 1
    assert sum(not p.replayed for p in placed) == 1
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 1
