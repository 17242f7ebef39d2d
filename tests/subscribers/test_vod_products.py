"""VOD bundles and rentals: their titles and categories, as rights the gate reads, in SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from yunjin.db.engine import Database
from yunjin.subscribers.accounts import (
    AccountError,
    create_household,
    create_product,
    household_by_account,
    load_rights,
    subscribe,
)
from yunjin.subscribers.entitlements import (
    ProductKind,
    Refusal,
    TitleTraits,
    Viewer,
    VodPlay,
    can_play,
)
from yunjin.subscribers.orders import OrderRefusal
from yunjin.subscribers.purchases import OrderError, buy
from yunjin.subscribers.regions import seed_regions
from yunjin.vod.catalog import TitleDraft, TitleKind, add_category, add_title

NOW = datetime.now(UTC).replace(microsecond=0)
BOX = Viewer(1, uhd=False)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    with database.session() as session:
        seed_regions(session)
        create_household(session, "hh200", "511402", pin="1234")
        add_category(session, "docs", "纪录片", "Documentaries")
        add_title(session, TitleDraft("liulang", TitleKind.MOVIE, "流浪地球"))
        add_title(session, TitleDraft("shijie", TitleKind.MOVIE, "地球脉动", categories=("docs",)))
        add_title(session, TitleDraft("yewan", TitleKind.MOVIE, "夜晚", age_rating=18))
    yield database
    database.close()


def _plays(
    db: Database, code: str, categories: frozenset[str] = frozenset(), min_age: int = 0
) -> Refusal | None:
    with db.session() as session:
        rights = load_rights(session, household_by_account(session, "hh200").id)
    title = TitleTraits(code, min_age, categories=categories)
    decision = can_play(rights, BOX, VodPlay(title), _ms(NOW))
    return decision.refusal


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_a_vod_bundle_opens_its_titles_and_its_categories(db: Database) -> None:
    with db.session() as session:
        create_product(
            session,
            "films",
            "电影包",
            "Films",
            ProductKind.VOD,
            [],
            titles=["liulang"],
            categories=["docs"],
        )
        subscribe(session, "hh200", "films", valid_from=NOW - timedelta(days=1))
    assert _plays(db, "liulang") is None
    assert _plays(db, "shijie", frozenset({"docs"})) is None
    assert _plays(db, "yewan") is Refusal.NOT_SUBSCRIBED


def test_a_rental_is_bought_like_pay_per_view_and_asks_for_the_pin(db: Database) -> None:
    with db.session() as session:
        create_product(
            session,
            "night",
            "夜晚",
            "Night",
            ProductKind.PPV,
            [],
            800,
            rental_hours=48,
            titles=["yewan"],
        )
    assert _plays(db, "yewan") is Refusal.NOT_SUBSCRIBED
    with db.session() as session, pytest.raises(OrderError) as refused:
        buy(
            session,
            household_by_account(session, "hh200"),
            "night",
            "order-0001",
            NOW,
            placed_by="test",
        )
    assert refused.value.refusal is OrderRefusal.PARENTAL_PIN_REQUIRED
    with db.session() as session:
        buy(
            session,
            household_by_account(session, "hh200"),
            "night",
            "order-0001",
            NOW,
            placed_by="test",
            pin="1234",
        )
    # bought; the PIN again to play
    assert _plays(db, "yewan", min_age=18) is Refusal.PARENTAL_PIN_REQUIRED


@pytest.mark.parametrize(
    ("kind", "members", "reason"),
    [
        (ProductKind.VOD, {"titles": ["nope"]}, "title_not_found"),
        (ProductKind.VOD, {"categories": ["nope"]}, "category_not_found"),
        (ProductKind.CHANNELS, {"titles": ["liulang"]}, "bad_members"),
        (ProductKind.PPV, {"categories": ["docs"], "rental_hours": 2}, "bad_members"),
        (ProductKind.VOD, {"channels": ["A.cn"]}, "bad_members"),
    ],
)
def test_members_that_do_not_fit_the_kind_are_refused(
    db: Database, kind: ProductKind, members: dict[str, object], reason: str
) -> None:
    members = dict(members)
    channels = members.pop("channels", [])
    with pytest.raises(AccountError) as refused, db.session() as session:
        create_product(session, "bad", "坏", "Bad", kind, channels, **members)  # type: ignore[arg-type]
    assert refused.value.code == reason
