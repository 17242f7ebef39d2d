"""Pay-per-view orders: what may be bought, the window it buys, how an order may change. (Pure.)

A pay-per-view product is sold either for a fixed event window (it may be bought before
the event and while it runs, not after) or for so many hours from the purchase.  A paid
order is a grant of kind ``ppv`` over its window, which the gate reads like any other.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from yunjin.i18n import register

HOUR_MS = 3_600_000


class OrderStatus(enum.StrEnum):
    PAID = "paid"  # charged to the household's bill; the window plays
    REFUNDED = "refunded"  # money returned; stops playback at the next playlist
    CANCELLED = "cancelled"  # voided before its window opened


# the allowed changes; a refunded or cancelled order is closed for good
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PAID: frozenset({OrderStatus.REFUNDED, OrderStatus.CANCELLED}),
    OrderStatus.REFUNDED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


class OrderRefusal(enum.StrEnum):
    PRODUCT_NOT_FOUND = "product_not_found"
    NOT_FOR_SALE = "not_for_sale"
    HOUSEHOLD_SUSPENDED = "household_suspended"
    EVENT_OVER = "ppv_event_over"
    PARENTAL_PIN_REQUIRED = "parental_pin_required"
    ALREADY_BOUGHT = "ppv_already_bought"
    KEY_REQUIRED = "idempotency_key_required"
    KEY_REUSED = "idempotency_key_reused"
    ORDER_NOT_FOUND = "order_not_found"
    ORDER_CLOSED = "order_closed"
    ORDER_STARTED = "order_started"


# (en, zh-CN), beside the rules they explain; registered into the shared table below
ORDER_MESSAGES: dict[str, tuple[str, str]] = {
    "product_not_found": ("No product {product}.", "产品 {product} 不存在。"),
    "not_for_sale": (
        "{product} is not sold pay-per-view.",
        "{product} 不是按次付费产品，不能单独购买。",
    ),
    "ppv_event_over": ("The event {product} is over.", "节目 {product} 已结束，不能再购买。"),
    "ppv_already_bought": (
        "You have already bought {product} (order {order}).",
        "您已购买 {product}（订单 {order}），无需重复购买。",
    ),
    "idempotency_key_required": (
        "Send an Idempotency-Key header (8–64 letters, digits, '_', '-', '.', ':') naming "
        "this purchase, so that a repeated request does not buy twice.",
        "请在 Idempotency-Key 请求头中提供本次购买的唯一标识（8–64 位字母、数字或 _ - . :），"
        "以免重复请求造成重复扣费。",
    ),
    "idempotency_key_reused": (
        "This Idempotency-Key was already used for {product}.",
        "该 Idempotency-Key 已用于购买 {product}。",
    ),
    "order_not_found": ("No order {order}.", "订单 {order} 不存在。"),
    "order_closed": ("Order {order} is already {status}.", "订单 {order} 已是{status_zh}状态。"),
    "order_started": (
        "Order {order} has started playing; refund it instead.",
        "订单 {order} 的观看时段已开始，不能取消，请改为退款。",
    ),
}
STATUS_ZH = {
    OrderStatus.PAID: "已支付",
    OrderStatus.REFUNDED: "已退款",
    OrderStatus.CANCELLED: "已取消",
}
register(ORDER_MESSAGES)


@dataclass(frozen=True, slots=True)
class Window:
    """``[from_ms, to_ms)`` in UTC milliseconds."""

    from_ms: int
    to_ms: int

    def overlaps(self, other: Window) -> bool:
        return self.from_ms < other.to_ms and other.from_ms < self.to_ms


@dataclass(frozen=True, slots=True)
class Offer:
    """A product's terms of sale.  ``rated``: a member channel needs the parental PIN."""

    code: str
    pay_per_view: bool
    event: Window | None = None
    rental_hours: int | None = None
    rated: bool = False


@dataclass(frozen=True, slots=True)
class Held:
    """A paid order of the same product that the household already has."""

    order_id: int
    window: Window


def window_for(offer: Offer, at_ms: int) -> Window | None:
    """The window a purchase at ``at_ms`` buys; None when there is nothing left to buy."""
    if offer.event is not None:
        return offer.event if at_ms < offer.event.to_ms else None
    if offer.rental_hours is not None:
        return Window(at_ms, at_ms + offer.rental_hours * HOUR_MS)
    return None


def quote(
    offer: Offer, at_ms: int, *, active: bool, pin_ok: bool, held: Iterable[Held] = ()
) -> Window | tuple[OrderRefusal, dict[str, object]]:
    """The window this household may buy now, or why not (with the message's values)."""
    values: dict[str, object] = {"product": offer.code}
    if not offer.pay_per_view:
        return OrderRefusal.NOT_FOR_SALE, values
    if not active:
        return OrderRefusal.HOUSEHOLD_SUSPENDED, values
    window = window_for(offer, at_ms)
    if window is None:
        return OrderRefusal.EVENT_OVER, values
    if offer.rated and not pin_ok:
        return OrderRefusal.PARENTAL_PIN_REQUIRED, values
    for order in held:
        if order.window.overlaps(window):
            return OrderRefusal.ALREADY_BOUGHT, {**values, "order": order.order_id}
    return window


def transition_refusal(
    order_id: int, status: OrderStatus, to: OrderStatus, window: Window, at_ms: int
) -> tuple[OrderRefusal, dict[str, object]] | None:
    """Why ``status`` may not become ``to`` now, or None when it may."""
    if to not in TRANSITIONS[status]:
        return OrderRefusal.ORDER_CLOSED, {
            "order": order_id,
            "status": status.value,
            "status_zh": STATUS_ZH[status],
        }
    if to is OrderStatus.CANCELLED and at_ms >= window.from_ms:
        return OrderRefusal.ORDER_STARTED, {"order": order_id}
    return None
