"""Actions on households, devices, products and subscriptions, and reading a household's rights."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yunjin.db.models import (
    Device,
    Household,
    Order,
    Product,
    ProductCategory,
    ProductChannel,
    ProductTitle,
    Region,
    Subscription,
    VodCategory,
    VodTitle,
)
from yunjin.i18n import MESSAGES, register
from yunjin.subscribers.entitlements import Grant, ProductKind, Rights
from yunjin.subscribers.orders import OrderStatus
from yunjin.subscribers.passwords import hash_secret

ACCOUNT = re.compile(r"^[A-Za-z0-9_-]{3,32}$")
MAC = re.compile(r"^[0-9A-F]{2}(:[0-9A-F]{2}){5}$")
PIN = re.compile(r"^\d{4,8}$")


# What each refusal says to staff and subscribers; the English detail (with the values) rides
# along as ``detail``.
ACCOUNT_MESSAGES: dict[str, tuple[str, str]] = {
    "bad_mac": ("That is not a MAC address.", "MAC 地址格式不正确。"),
    "bad_account": (
        "An account or username is 3–32 letters, digits, '_' or '-'.",
        "账号或用户名应为 3 至 32 位字母、数字、“_”或“-”。",
    ),
    "unknown_region": ("No such region code.", "没有这个行政区划代码。"),
    "bad_limit": (
        "Limits are 1–20 streams and 1–50 devices.",
        "并发限制为 1 至 20 路，设备限制为 1 至 50 台。",
    ),
    "account_exists": ("That account already exists.", "该账号已存在。"),
    "bad_device_kind": ("A device is stb, phone or web.", "终端类型应为 stb、phone 或 web。"),
    "bad_device": ("A set-top box needs its MAC and serial.", "机顶盒须提供 MAC 地址和序列号。"),
    "mac_taken": ("That MAC belongs to another box.", "该 MAC 地址已属于另一台机顶盒。"),
    "bad_price": ("A price is not negative.", "价格不能为负数。"),
    "bad_ppv_terms": (
        "A pay-per-view product has an event window or rental hours; other products have neither.",
        "按次付费产品须有活动时段或观看时长，其他产品均不可设置。",
    ),
    "bad_window": ("The end must come after the start.", "结束时间必须晚于开始时间。"),
    "product_exists": ("That product already exists.", "该产品已存在。"),
    "bad_members": (
        "These members do not fit the product's kind.",
        "产品内容与产品类型不符。",
    ),
    "title_not_found": ("No such VOD title.", "没有这个点播片目。"),
    "category_not_found": ("No such VOD category.", "没有这个点播栏目。"),
    "device_not_found": ("No such device.", "该终端不存在。"),
    "weak_password": (
        "An admin password has at least 8 characters.",
        "管理员密码至少 8 位。",
    ),
}
register({code: text for code, text in ACCOUNT_MESSAGES.items() if code not in MESSAGES})


class AccountError(ValueError):
    """A change that cannot be made; ``code`` names the reason for the bilingual message."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def normalise_mac(mac: str) -> str:
    """``aa-bb-cc-dd-ee-ff`` and friends as ``AA:BB:CC:DD:EE:FF``; AccountError if not a MAC."""
    text = mac.strip().upper().replace("-", ":")
    if len(text) == 12 and ":" not in text:
        text = ":".join(text[i : i + 2] for i in range(0, 12, 2))
    if not MAC.match(text):
        raise AccountError("bad_mac", f"not a MAC address: {mac!r}")
    return text


def create_household(
    session: Session,
    account: str,
    region_code: str,
    *,
    password: str | None = None,
    pin: str | None = None,
    stream_limit: int = 2,
    device_limit: int = 5,
) -> Household:
    if not ACCOUNT.match(account):
        raise AccountError("bad_account", "an account is 3–32 letters, digits, '_' or '-'")
    if session.get(Region, region_code) is None:
        raise AccountError("unknown_region", f"no region {region_code}")
    if pin is not None and not PIN.match(pin):
        raise AccountError("bad_pin", "a parental PIN is 4–8 digits")
    if not (1 <= stream_limit <= 20 and 1 <= device_limit <= 50):
        raise AccountError("bad_limit", "limits are 1–20 streams and 1–50 devices")
    household = Household(
        account=account,
        region_code=region_code,
        status="active",
        password_hash=hash_secret(password) if password else None,
        pin_hash=hash_secret(pin) if pin else None,
        stream_limit=stream_limit,
        device_limit=device_limit,
    )
    session.add(household)
    try:
        session.flush()
    except IntegrityError as error:
        raise AccountError("account_exists", f"account {account} exists") from error
    return household


def household_by_account(session: Session, account: str) -> Household:
    household = session.scalar(select(Household).where(Household.account == account))
    if household is None:
        raise AccountError("household_not_found", f"no household {account}")
    return household


def set_status(session: Session, account: str, active: bool) -> Household:
    household = household_by_account(session, account)
    household.status = "active" if active else "suspended"
    return household


def register_device(
    session: Session,
    household: Household,
    kind: str,
    *,
    mac: str | None = None,
    serial: str | None = None,
    label: str = "",
    uhd: bool = False,
) -> Device:
    """Add a device, within the household's device limit."""
    if kind not in ("stb", "phone", "web"):
        raise AccountError("bad_device_kind", "a device is stb, phone or web")
    if kind == "stb" and (mac is None or not serial):
        raise AccountError("bad_device", "a set-top box needs its MAC and serial")
    count = session.scalar(
        select(func.count()).select_from(Device).where(Device.household_id == household.id)
    )
    if (count or 0) >= household.device_limit:
        raise AccountError(
            "device_limit", f"the household has its {household.device_limit} devices"
        )
    device = Device(
        household_id=household.id,
        kind=kind,
        mac=normalise_mac(mac) if mac else None,
        serial=serial,
        label=label[:100],
        uhd=uhd,
    )
    session.add(device)
    try:
        session.flush()
    except IntegrityError as error:
        raise AccountError("mac_taken", f"MAC {mac} belongs to another box") from error
    return device


def create_product(
    session: Session,
    code: str,
    name_zh: str,
    name_en: str,
    kind: ProductKind,
    channels: list[str],
    price_cents: int = 0,
    *,
    event: tuple[datetime, datetime] | None = None,
    rental_hours: int | None = None,
    titles: list[str] | None = None,
    categories: list[str] | None = None,
) -> Product:
    """A product; a pay-per-view one is sold for an ``event`` window or ``rental_hours``.

    Members: ``channels`` for channel bundles and pay-per-view; VOD ``titles`` (codes; a
    series opens all its episodes) for VOD bundles and pay-per-view; VOD ``categories``
    (every title in them, now and later) for VOD bundles.
    """
    _check_members(session, kind, channels, titles or [], categories or [])
    if price_cents < 0:
        raise AccountError("bad_price", "a price is not negative")
    if kind is ProductKind.PPV and (event is None) == (rental_hours is None):
        raise AccountError(
            "bad_ppv_terms", "a pay-per-view product has an event window or rental hours"
        )
    if kind is not ProductKind.PPV and (event is not None or rental_hours is not None):
        raise AccountError("bad_ppv_terms", "only pay-per-view products have windows or hours")
    if event is not None and event[1] <= event[0]:
        raise AccountError("bad_window", "an event must end after it starts")
    if rental_hours is not None and not 1 <= rental_hours <= 24 * 366:
        raise AccountError("bad_ppv_terms", "rental hours are 1 to a year's")
    product = Product(
        code=code,
        name_zh=name_zh,
        name_en=name_en,
        kind=kind.value,
        price_cents=price_cents,
        event_start=None if event is None else event[0],
        event_end=None if event is None else event[1],
        rental_hours=rental_hours,
    )
    session.add(product)
    try:
        session.flush()
    except IntegrityError as error:
        raise AccountError("product_exists", f"product {code} exists") from error
    for channel in sorted(set(channels)):
        session.add(ProductChannel(product_id=product.id, channel_id=channel))
    for title in sorted(set(titles or [])):
        session.add(ProductTitle(product_id=product.id, title_code=title))
    for category in sorted(set(categories or [])):
        session.add(ProductCategory(product_id=product.id, category_code=category))
    return product


def _check_members(
    session: Session,
    kind: ProductKind,
    channels: list[str],
    titles: list[str],
    categories: list[str],
) -> None:
    """Which members a kind of product may have, and that the VOD ones exist."""
    if channels and kind is ProductKind.VOD:
        raise AccountError("bad_members", "a vod product has titles and categories, no channels")
    if titles and kind not in (ProductKind.VOD, ProductKind.PPV):
        raise AccountError("bad_members", f"a {kind.value} product has no VOD titles")
    if categories and kind is not ProductKind.VOD:
        raise AccountError("bad_members", "only a vod product opens whole categories")
    if titles:
        found = set(session.scalars(select(VodTitle.code).where(VodTitle.code.in_(titles))))
        missing = sorted(set(titles) - found)
        if missing:
            raise AccountError("title_not_found", f"no VOD title {', '.join(missing)}")
    if categories:
        found = set(
            session.scalars(select(VodCategory.code).where(VodCategory.code.in_(categories)))
        )
        missing = sorted(set(categories) - found)
        if missing:
            raise AccountError("category_not_found", f"no VOD category {', '.join(missing)}")


def subscribe(
    session: Session,
    account: str,
    product_code: str,
    *,
    valid_from: datetime,
    valid_to: datetime | None = None,
    kind: str = "subscription",
) -> Subscription:
    household = household_by_account(session, account)
    product = session.scalar(select(Product).where(Product.code == product_code))
    if product is None:
        raise AccountError("product_not_found", f"no product {product_code}")
    if valid_to is not None and valid_to <= valid_from:
        raise AccountError("bad_window", "a subscription must end after it starts")
    subscription = Subscription(
        household_id=household.id,
        product_id=product.id,
        valid_from=valid_from,
        valid_to=valid_to,
        kind=kind,
    )
    session.add(subscription)
    return subscription


def load_rights(session: Session, household_id: int) -> Rights:
    """A household's grants, for the gate: its subscriptions and its paid orders."""
    household = session.get(Household, household_id)
    if household is None:
        return Rights(household_id, False, ())
    rows = session.execute(
        select(Subscription.valid_from, Subscription.valid_to, Product.kind, Product.id)
        .join(Product, Product.id == Subscription.product_id)
        .where(Subscription.household_id == household_id)
        .union_all(
            select(Order.valid_from, Order.valid_to, Product.kind, Product.id)
            .join(Product, Product.id == Order.product_id)
            .where(Order.household_id == household_id, Order.status == OrderStatus.PAID.value)
        )
    ).all()
    channels: dict[int, frozenset[str]] = {}
    for product_id in {row.id for row in rows}:
        channels[product_id] = frozenset(
            session.scalars(
                select(ProductChannel.channel_id).where(ProductChannel.product_id == product_id)
            )
        )
    titles, categories = _vod_members(
        session, {row.id for row in rows if row.kind in (ProductKind.VOD, ProductKind.PPV)}
    )
    grants = tuple(
        Grant(
            ProductKind(row.kind),
            channels[row.id],
            _ms(row.valid_from),
            None if row.valid_to is None else _ms(row.valid_to),
            titles.get(row.id, frozenset()),
            categories.get(row.id, frozenset()),
        )
        for row in rows
    )
    return Rights(household_id, household.status == "active", grants)


def _vod_members(
    session: Session, product_ids: set[int]
) -> tuple[dict[int, frozenset[str]], dict[int, frozenset[str]]]:
    """The titles and categories of VOD and pay-per-view products, two queries for all."""
    titles: dict[int, set[str]] = {}
    categories: dict[int, set[str]] = {}
    if product_ids:
        for product_id, code in session.execute(
            select(ProductTitle.product_id, ProductTitle.title_code).where(
                ProductTitle.product_id.in_(product_ids)
            )
        ):
            titles.setdefault(product_id, set()).add(code)
        for product_id, code in session.execute(
            select(ProductCategory.product_id, ProductCategory.category_code).where(
                ProductCategory.product_id.in_(product_ids)
            )
        ):
            categories.setdefault(product_id, set()).add(code)
    return (
        {key: frozenset(value) for key, value in titles.items()},
        {key: frozenset(value) for key, value in categories.items()},
    )


def _ms(moment: datetime) -> int:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return int(aware.timestamp() * 1000)


def remove_device(session: Session, device_id: int) -> Device:
    """De-register a device; its sessions go with it (cascade), so it is logged out."""
    device = session.get(Device, device_id)
    if device is None:
        raise AccountError("device_not_found", f"no device {device_id}")
    session.delete(device)
    return device


def change_pin(session: Session, household_id: int, current: str, new: str) -> None:
    """Set the household's parental PIN; the current one must be given when there is one."""
    from yunjin.subscribers.passwords import verify_secret

    household = session.get(Household, household_id)
    if household is None:
        raise AccountError("household_not_found", f"no household {household_id}")
    if household.pin_hash is not None and not verify_secret(household.pin_hash, current):
        raise AccountError("pin_wrong", "the current PIN is wrong")
    if not PIN.match(new):
        raise AccountError("bad_pin", "a parental PIN is 4–8 digits")
    household.pin_hash = hash_secret(new)
