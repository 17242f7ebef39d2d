"""Pay-per-view rules: what may be bought, the window it buys, how an order may change."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yunjin.i18n import MESSAGES, both
from yunjin.subscribers.entitlements import (
    ChannelTraits,
    Grant,
    LivePlay,
    ProductKind,
    Refusal,
    Rights,
    Viewer,
    can_play,
)
from yunjin.subscribers.orders import (
    HOUR_MS,
    TRANSITIONS,
    Held,
    Offer,
    OrderRefusal,
    OrderStatus,
    Window,
    quote,
    transition_refusal,
)

NOW = 1_795_000_000_000
EVENT = Window(NOW - HOUR_MS, NOW + 2 * HOUR_MS)
MATCH = Offer("match", pay_per_view=True, event=EVENT)
RENTAL = Offer("night", pay_per_view=True, rental_hours=24, rated=True)


@pytest.mark.parametrize(
    ("offer", "at", "active", "pin_ok", "held", "expected"),
    [
        (MATCH, NOW, True, False, (), EVENT),
        (MATCH, NOW - 5 * HOUR_MS, True, False, (), EVENT),  # sold before the event
        (MATCH, EVENT.to_ms, True, False, (), OrderRefusal.EVENT_OVER),
        (MATCH, NOW, False, False, (), OrderRefusal.HOUSEHOLD_SUSPENDED),
        (MATCH, NOW, True, False, (Held(9, EVENT),), OrderRefusal.ALREADY_BOUGHT),
        (Offer("basic", pay_per_view=False), NOW, True, True, (), OrderRefusal.NOT_FOR_SALE),
        (RENTAL, NOW, True, False, (), OrderRefusal.PARENTAL_PIN_REQUIRED),
        (RENTAL, NOW, True, True, (), Window(NOW, NOW + 24 * HOUR_MS)),
        # yesterday's rental has run out: tonight's may be bought
        (RENTAL, NOW, True, True, (Held(3, Window(NOW - 24 * HOUR_MS, NOW)),), None),
    ],
)
def test_quote(
    offer: Offer,
    at: int,
    active: bool,
    pin_ok: bool,
    held: tuple[Held, ...],
    expected: Window | OrderRefusal | None,
) -> None:
    terms = quote(offer, at, active=active, pin_ok=pin_ok, held=held)
    if isinstance(expected, OrderRefusal):
        assert not isinstance(terms, Window)
        assert terms[0] is expected
        both(expected.value, **terms[1])  # every refusal's message has its values
    elif expected is None:
        assert isinstance(terms, Window)
    else:
        assert terms == expected


def test_transitions() -> None:
    assert transition_refusal(1, OrderStatus.PAID, OrderStatus.REFUNDED, EVENT, NOW) is None
    closed = transition_refusal(1, OrderStatus.REFUNDED, OrderStatus.REFUNDED, EVENT, NOW)
    assert closed is not None
    assert closed[0] is OrderRefusal.ORDER_CLOSED
    assert "已退款" in both(closed[0].value, **closed[1])["zh-CN"]
    started = transition_refusal(1, OrderStatus.PAID, OrderStatus.CANCELLED, EVENT, NOW)
    assert started is not None
    assert started[0] is OrderRefusal.ORDER_STARTED
    early = EVENT.from_ms - 1
    assert transition_refusal(1, OrderStatus.PAID, OrderStatus.CANCELLED, EVENT, early) is None
    assert all(not TRANSITIONS[s] for s in (OrderStatus.REFUNDED, OrderStatus.CANCELLED))


def test_every_refusal_speaks_both_languages() -> None:
    for refusal in OrderRefusal:
        en, zh = MESSAGES[refusal.value]
        assert en
        assert zh
        assert en != zh


def test_a_paid_order_is_a_grant_the_gate_honours_only_in_its_window() -> None:
    rights = Rights(
        7, True, (Grant(ProductKind.PPV, frozenset({"E.cn"}), EVENT.from_ms, EVENT.to_ms),)
    )
    box, event = Viewer(1, uhd=False), LivePlay(ChannelTraits("E.cn"))
    assert can_play(rights, box, event, NOW).allowed
    assert can_play(rights, box, event, EVENT.to_ms).refusal is Refusal.NOT_SUBSCRIBED
    assert can_play(rights, box, event, EVENT.from_ms - 1).refusal is Refusal.NOT_SUBSCRIBED


windows = st.builds(
    lambda start, length: Window(start, start + length),
    st.integers(0, 10**13),
    st.integers(1, 10**9),
)


@given(windows, windows)
def test_overlap_is_symmetric(a: Window, b: Window) -> None:
    assert a.overlaps(b) == b.overlaps(a)
    assert a.overlaps(a)


@given(st.integers(0, 10**13), st.integers(1, 24 * 366))
def test_a_rental_buys_its_hours_from_the_purchase(at: int, hours: int) -> None:
    offer = Offer("r", pay_per_view=True, rental_hours=hours)
    assert quote(offer, at, active=True, pin_ok=False) == Window(at, at + hours * HOUR_MS)
