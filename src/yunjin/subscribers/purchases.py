"""Actions on pay-per-view orders: buying, refunding, cancelling, listing.

The rules are in :mod:`yunjin.subscribers.orders`; here they meet the database.  A purchase
names itself with an idempotency key: the same key again answers the same order (two racing
requests are serialised on the household's row), so a double click buys once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from yunjin.db.models import (
    Channel,
    Household,
    Order,
    Product,
    ProductChannel,
    ProductTitle,
    VodTitle,
)
from yunjin.i18n import both
from yunjin.subscribers.entitlements import ProductKind
from yunjin.subscribers.orders import (
    Held,
    Offer,
    OrderRefusal,
    OrderStatus,
    Window,
    quote,
    transition_refusal,
)
from yunjin.subscribers.passwords import verify_secret

KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


class OrderError(Exception):
    """A purchase or change refused; ``refusal`` names it, ``values`` fill its message."""

    def __init__(self, refusal: OrderRefusal, values: dict[str, object] | None = None) -> None:
        self.refusal = refusal
        self.values = dict(values or {})
        super().__init__(self.messages()["en"])

    def messages(self) -> dict[str, str]:
        return both(self.refusal.value, **self.values)


@dataclass(frozen=True, slots=True)
class OrderView:
    id: int
    account: str
    product: str
    status: OrderStatus
    price_cents: int
    valid_from: datetime
    valid_to: datetime
    placed_by: str
    created_at: datetime
    closed_by: str | None
    note: str


@dataclass(frozen=True, slots=True)
class Placed:
    order: OrderView
    replayed: bool  # True: the key named an earlier purchase, nothing new was bought


def offer_of(session: Session, product: Product) -> Offer:
    """A product's terms of sale, rated when any member channel or VOD title asks for the
    parental PIN."""
    rated = session.scalar(
        select(Channel.id)
        .join(ProductChannel, ProductChannel.channel_id == Channel.tvg_id)
        .where(ProductChannel.product_id == product.id, Channel.min_age > 0)
        .limit(1)
    )
    if rated is None:
        rated = session.scalar(
            select(VodTitle.id)
            .join(ProductTitle, ProductTitle.title_code == VodTitle.code)
            .where(ProductTitle.product_id == product.id, VodTitle.age_rating > 0)
            .limit(1)
        )
    event = (
        Window(_ms(product.event_start), _ms(product.event_end))
        if product.event_start is not None and product.event_end is not None
        else None
    )
    return Offer(
        product.code,
        product.kind == ProductKind.PPV.value,
        event,
        product.rental_hours,
        rated is not None,
    )


def buy(
    session: Session,
    household: Household,
    product_code: str,
    key: str | None,
    at: datetime,
    *,
    placed_by: str,
    pin: str | None = None,
    by_staff: bool = False,
    price_cents: int | None = None,
    pin_ok: bool | None = None,
) -> Placed:
    """Buy a pay-per-view product for a household, once per ``key``.

    Staff (``by_staff``) sell without the parental PIN and may set the price (a goodwill
    order at 0); a subscriber pays the product's price and gives the PIN for rated content.
    ``pin_ok`` is the caller's verdict on ``pin`` through the credential throttle (the HTTP
    route's); None checks ``pin`` here.
    """
    if key is None or not KEY.match(key):
        raise OrderError(OrderRefusal.KEY_REQUIRED)
    product = session.scalar(select(Product).where(Product.code == product_code))
    if product is None:
        raise OrderError(OrderRefusal.PRODUCT_NOT_FOUND, {"product": product_code})
    # one purchase at a time per household: a write first takes the row lock in PostgreSQL
    # and the write lock in SQLite, so a racing twin waits here and then finds the key
    session.execute(
        update(Household)
        .where(Household.id == household.id)
        .values(status=Household.status)
        .execution_options(synchronize_session=False)
    )
    earlier = _by_key(session, household.id, key)
    if earlier is not None:
        return _replay(session, earlier, product)
    offer = offer_of(session, product)
    if pin_ok is None:
        pin_ok = offer.rated and bool(pin) and verify_secret(household.pin_hash, pin or "")
    pin_ok = by_staff or (offer.rated and pin_ok)
    held = [
        Held(row.id, Window(_ms(row.valid_from), _ms(row.valid_to)))
        for row in session.execute(
            select(Order.id, Order.valid_from, Order.valid_to).where(
                Order.household_id == household.id,
                Order.product_id == product.id,
                Order.status == OrderStatus.PAID.value,
            )
        )
    ]
    at_ms = _ms(at)
    terms = quote(offer, at_ms, active=household.status == "active", pin_ok=pin_ok, held=held)
    if not isinstance(terms, Window):
        raise OrderError(*terms)
    order = Order(
        household_id=household.id,
        product_id=product.id,
        idempotency_key=key,
        price_cents=product.price_cents if price_cents is None else price_cents,
        status=OrderStatus.PAID.value,
        valid_from=_moment(terms.from_ms),
        valid_to=_moment(terms.to_ms),
        placed_by=placed_by[:100],
        created_at=at,
        note="",
    )
    session.add(order)
    session.flush()
    return Placed(_view(order, household.account, product.code), replayed=False)


def close(
    session: Session, order_id: int, to: OrderStatus, at: datetime, *, by: str, note: str = ""
) -> OrderView:
    """Refund or cancel a paid order; the household's rights lose it at once."""
    order = session.get(Order, order_id, with_for_update=True)
    if order is None:
        raise OrderError(OrderRefusal.ORDER_NOT_FOUND, {"order": order_id})
    window = Window(_ms(order.valid_from), _ms(order.valid_to))
    refused = transition_refusal(order.id, OrderStatus(order.status), to, window, _ms(at))
    if refused is not None:
        raise OrderError(*refused)
    order.status = to.value
    order.closed_by = by[:100]
    order.closed_at = at
    order.note = note[:200]
    return _view_of(session, order)


def list_orders(
    session: Session,
    *,
    household_id: int | None = None,
    status: OrderStatus | None = None,
    limit: int = 100,
) -> list[OrderView]:
    """Orders, newest first."""
    query = (
        select(Order, Household.account, Product.code)
        .join(Household, Household.id == Order.household_id)
        .join(Product, Product.id == Order.product_id)
        .order_by(Order.id.desc())
        .limit(min(max(limit, 1), 1000))
    )
    if household_id is not None:
        query = query.where(Order.household_id == household_id)
    if status is not None:
        query = query.where(Order.status == status.value)
    return [_view(order, account, code) for order, account, code in session.execute(query)]


def ppv_offers(session: Session, channel: str, at: datetime) -> Sequence[Product]:
    """Pay-per-view products still on sale that include ``channel`` (to suggest on refusal)."""
    products = session.scalars(
        select(Product)
        .join(ProductChannel, ProductChannel.product_id == Product.id)
        .where(ProductChannel.channel_id == channel, Product.kind == ProductKind.PPV.value)
        .order_by(Product.code)
    ).all()
    return [
        product
        for product in products
        if product.event_end is None or _ms(product.event_end) > _ms(at)
    ]


def title_offers(session: Session, title: str, at: datetime) -> Sequence[Product]:
    """Pay-per-view products still on sale that open the VOD ``title``."""
    products = session.scalars(
        select(Product)
        .join(ProductTitle, ProductTitle.product_id == Product.id)
        .where(ProductTitle.title_code == title, Product.kind == ProductKind.PPV.value)
        .order_by(Product.code)
    ).all()
    return [
        product
        for product in products
        if product.event_end is None or _ms(product.event_end) > _ms(at)
    ]


def _by_key(session: Session, household_id: int, key: str) -> Order | None:
    return session.scalar(
        select(Order).where(Order.household_id == household_id, Order.idempotency_key == key)
    )


def _replay(session: Session, order: Order, product: Product) -> Placed:
    if order.product_id != product.id:
        raise OrderError(OrderRefusal.KEY_REUSED, {"product": _code(session, order.product_id)})
    return Placed(_view_of(session, order), replayed=True)


def _code(session: Session, product_id: int) -> str:
    return session.scalar(select(Product.code).where(Product.id == product_id)) or "?"


def _view_of(session: Session, order: Order) -> OrderView:
    account = session.scalar(select(Household.account).where(Household.id == order.household_id))
    return _view(order, account or "?", _code(session, order.product_id))


def _view(order: Order, account: str, product: str) -> OrderView:
    return OrderView(
        order.id,
        account,
        product,
        OrderStatus(order.status),
        order.price_cents,
        _aware(order.valid_from),
        _aware(order.valid_to),
        order.placed_by,
        _aware(order.created_at),
        order.closed_by,
        order.note,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _ms(moment: datetime) -> int:
    return int(_aware(moment).timestamp() * 1000)


def _moment(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
