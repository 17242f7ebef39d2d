"""The operator's admin API: households, devices, products, subscriptions, orders, regions.

Every route names the roles that may call it; staff log in at ``/api/v1/admin/login``
(through the credential throttle) and out at ``/logout``. Every change writes an audit row
(``subscribers.admin_audit``) in its own transaction: who, what, when, from which address.
Sessions of households, administrators and newsroom staff can be ended here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.api.admin_schemas import (
    AdminSession,
    AuditRow,
    AuditTrail,
    DeviceAdded,
    DeviceInfo,
    DeviceList,
    DeviceRemoved,
    HouseholdInfo,
    HouseholdList,
    PasswordReset,
    ProductCreated,
    ProductInfo,
    ProductList,
    RegionInfo,
    RegionList,
    SessionsEnded,
    Subscribed,
)
from yunjin.api.credentials import guarded
from yunjin.api.deps import require_admin, runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.play import order_error
from yunjin.api.schemas import LoggedOut, Order, OrderAnswer, OrderList, PasswordChanged, Placed
from yunjin.api.secure import client_address
from yunjin.credentials.guard import Realm
from yunjin.db.models import Device, Household, Product, Region
from yunjin.i18n import MESSAGES
from yunjin.newsroom import staff as newsroom_staff
from yunjin.newsroom.errors import NewsroomError
from yunjin.runtime import Runtime
from yunjin.subscribers import accounts, auth
from yunjin.subscribers.accounts import AccountError
from yunjin.subscribers.admin_audit import Audited, record, trail
from yunjin.subscribers.entitlements import ProductKind
from yunjin.subscribers.orders import OrderStatus
from yunjin.subscribers.purchases import OrderError, buy, close, list_orders
from yunjin.subscribers.staff import (
    Role,
    admin_login,
    admin_logout,
    change_admin_password,
    end_admin_sessions,
    token_hash,
)

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
T = TypeVar("T")
EVERYONE = (Role.OPERATOR, Role.SUPPORT, Role.VIEWER)
SUPPORT = (Role.OPERATOR, Role.SUPPORT)
OPERATOR = (Role.OPERATOR,)


def _change(runtime: Runtime, action: Callable[[Session], T], audited: Audited | None = None) -> T:
    """``action`` in one transaction, with its audit row when it is a change."""
    try:
        with runtime.db.session() as session:
            done = action(session)
            if audited is not None:
                record(session, audited, datetime.now(UTC))
            return done
    except AccountError as error:
        worded = error.code in MESSAGES  # else the English detail stands for both languages
        raise ApiError(
            409,
            "account_error",
            {"detail": str(error)},
            extra={"reason": error.code, "detail": str(error)},
            message=error.code if worded else None,
        ) from error


def _admin(
    request: Request, authorization: str | None, allowed: tuple[Role, ...]
) -> tuple[Runtime, Callable[..., Audited]]:
    """The runtime and, for the administrator calling, a maker of audit rows."""
    runtime = runtime_of(request)
    username = require_admin(runtime, authorization, allowed)
    address = client_address(request)

    def audited(action: str, target: str = "", **details: Any) -> Audited:
        return Audited(username, address, action, target, details)

    return runtime, audited


class Login(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=128)


@router.post("/login")
def login(request: Request, body: Login) -> AdminSession:
    """A session for an administrator, through the credential throttle."""
    runtime = runtime_of(request)
    address = client_address(request)

    def work() -> str:
        with runtime.db.session() as session:
            now = datetime.now(UTC)
            token = admin_login(session, body.username, body.password, now)
            record(session, Audited(body.username, address, "login"), now)
            return token

    return AdminSession(session=guarded(request, Realm.ADMIN, body.username, work))


@router.post("/logout")
def logout(request: Request, authorization: Annotated[str | None, Header()] = None) -> LoggedOut:
    runtime, audited = _admin(request, authorization, EVERYONE)
    token = (authorization or "")[7:].strip()
    ended = _change(
        runtime,
        lambda s: admin_logout(s, token, datetime.now(UTC)),
        audited("logout"),
    )
    return LoggedOut(logged_out=ended)


class PasswordChange(BaseModel):
    current: str = Field(max_length=128)
    new: str = Field(max_length=128)


@router.post("/password")
def change_password(
    request: Request, body: PasswordChange, authorization: Annotated[str | None, Header()] = None
) -> PasswordChanged:
    """An administrator changes their own password (the current one is checked through the
    throttle); their other sessions end."""
    runtime, audited = _admin(request, authorization, EVERYONE)
    change = audited("password.change")
    keep = token_hash((authorization or "")[7:].strip())

    def work() -> int:
        return _change(
            runtime,
            lambda s: change_admin_password(
                s, change.username, body.current, body.new, datetime.now(UTC), keep=keep
            ),
            change,
        )

    ended = guarded(request, Realm.ADMIN, change.username, work)
    return PasswordChanged(changed=True, sessions_ended=ended)


@router.get("/audit")
def audit(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    username: str | None = None,
    limit: int = 100,
) -> AuditTrail:
    """What administrators changed, newest first."""
    runtime = runtime_of(request)
    require_admin(runtime, authorization, OPERATOR)
    with runtime.db.session() as session:
        found = trail(session, username=username, limit=limit)
    return AuditTrail(audit=[AuditRow.of(entry) for entry in found])


@router.get("/households")
def households(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    region: str | None = None,
    limit: int = 100,
) -> HouseholdList:
    runtime = runtime_of(request)
    require_admin(runtime, authorization, EVERYONE)
    query = select(Household).order_by(Household.account).limit(min(max(limit, 1), 1000))
    if region:
        query = query.where(Household.region_code.startswith(region.rstrip("0") or region))
    with runtime.db.session() as session:
        return HouseholdList(households=[HouseholdInfo.of(h) for h in session.scalars(query)])


class NewHousehold(BaseModel):
    account: str = Field(max_length=32)
    region: str = Field(pattern=r"^\d{6}$")
    password: str | None = Field(default=None, max_length=128)
    pin: str | None = Field(default=None, max_length=8)
    stream_limit: int = 2
    device_limit: int = 5


@router.post("/households", status_code=201)
def create_household(
    request: Request, body: NewHousehold, authorization: Annotated[str | None, Header()] = None
) -> HouseholdInfo:
    runtime, audited = _admin(request, authorization, OPERATOR)
    return _change(
        runtime,
        lambda s: HouseholdInfo.of(
            accounts.create_household(
                s,
                body.account,
                body.region,
                password=body.password,
                pin=body.pin,
                stream_limit=body.stream_limit,
                device_limit=body.device_limit,
            )
        ),
        audited(
            "household.create",
            body.account,
            region=body.region,
            stream_limit=body.stream_limit,
            device_limit=body.device_limit,
        ),
    )


@router.post("/households/{account}/suspend")
def suspend(
    request: Request, account: str, authorization: Annotated[str | None, Header()] = None
) -> HouseholdInfo:
    runtime, audited = _admin(request, authorization, SUPPORT)
    household = _change(
        runtime,
        lambda s: HouseholdInfo.of(accounts.set_status(s, account, False)),
        audited("household.suspend", account),
    )
    _forget(runtime, account)
    return household


@router.post("/households/{account}/resume")
def resume(
    request: Request, account: str, authorization: Annotated[str | None, Header()] = None
) -> HouseholdInfo:
    runtime, audited = _admin(request, authorization, SUPPORT)
    household = _change(
        runtime,
        lambda s: HouseholdInfo.of(accounts.set_status(s, account, True)),
        audited("household.resume", account),
    )
    _forget(runtime, account)
    return household


def _forget(runtime: Runtime, account: str) -> None:
    with runtime.db.session() as session:
        found = session.scalar(select(Household.id).where(Household.account == account))
    if found is not None:
        runtime.forget_rights(found)


class NewPassword(BaseModel):
    password: str = Field(max_length=128)


@router.put("/households/{account}/password")
def set_household_password(
    request: Request,
    account: str,
    body: NewPassword,
    authorization: Annotated[str | None, Header()] = None,
) -> PasswordReset:
    """Reset a household's password (for its phones, browsers and Xtream apps); every
    session of the household ends."""
    runtime, audited = _admin(request, authorization, SUPPORT)

    def reset(session: Session) -> int:
        household = accounts.household_by_account(session, account)
        return auth.set_password(session, household, body.password, datetime.now(UTC))

    ended = _change(runtime, reset, audited("household.password", account))
    return PasswordReset(account=account, sessions_ended=ended)


@router.delete("/households/{account}/sessions")
def end_household_sessions(
    request: Request, account: str, authorization: Annotated[str | None, Header()] = None
) -> SessionsEnded:
    """Log out every device of a household (boxes log in again by MAC and serial)."""
    runtime, audited = _admin(request, authorization, SUPPORT)

    def end(session: Session) -> int:
        household = accounts.household_by_account(session, account)
        return auth.end_sessions(session, household.id, datetime.now(UTC))

    ended = _change(runtime, end, audited("household.end_sessions", account))
    return SessionsEnded(sessions_ended=ended)


@router.delete("/admins/{username}/sessions")
def end_admin_sessions_route(
    request: Request, username: str, authorization: Annotated[str | None, Header()] = None
) -> SessionsEnded:
    """Log out every session of an administrator (one's own included)."""
    runtime, audited = _admin(request, authorization, OPERATOR)
    ended = _change(
        runtime,
        lambda s: end_admin_sessions(s, username, datetime.now(UTC)),
        audited("admin.end_sessions", username),
    )
    return SessionsEnded(sessions_ended=ended)


@router.delete("/newsroom-staff/{username}/sessions")
def end_staff_sessions(
    request: Request, username: str, authorization: Annotated[str | None, Header()] = None
) -> SessionsEnded:
    """Log out every session of a newsroom staff member (API and console)."""
    runtime, audited = _admin(request, authorization, OPERATOR)

    def end(session: Session) -> int:
        try:
            return newsroom_staff.end_sessions_of(session, username, datetime.now(UTC))
        except NewsroomError as error:
            raise ApiError(404, error.code, error.values) from error

    ended = _change(runtime, end, audited("newsroom.end_sessions", username))
    return SessionsEnded(sessions_ended=ended)


class NewBox(BaseModel):
    mac: str = Field(max_length=32)
    serial: str = Field(max_length=64)
    uhd: bool = False
    label: str = Field(default="set-top box", max_length=100)


@router.post("/households/{account}/devices", status_code=201)
def add_box(
    request: Request,
    account: str,
    body: NewBox,
    authorization: Annotated[str | None, Header()] = None,
) -> DeviceAdded:
    runtime, audited = _admin(request, authorization, OPERATOR)

    def register(session: Session) -> DeviceAdded:
        household = accounts.household_by_account(session, account)
        device = accounts.register_device(
            session,
            household,
            "stb",
            mac=body.mac,
            serial=body.serial,
            uhd=body.uhd,
            label=body.label,
        )
        return DeviceAdded(id=device.id, mac=device.mac, kind=device.kind)

    return _change(runtime, register, audited("device.add", account, mac=body.mac, uhd=body.uhd))


@router.get("/households/{account}/devices")
def devices(
    request: Request, account: str, authorization: Annotated[str | None, Header()] = None
) -> DeviceList:
    runtime = runtime_of(request)
    require_admin(runtime, authorization, EVERYONE)

    def listing(session: Session) -> DeviceList:
        household = accounts.household_by_account(session, account)
        rows = session.scalars(select(Device).where(Device.household_id == household.id))
        return DeviceList(devices=[DeviceInfo.of(d) for d in rows])

    return _change(runtime, listing)


@router.delete("/devices/{device_id}")
def remove_device(
    request: Request, device_id: int, authorization: Annotated[str | None, Header()] = None
) -> DeviceRemoved:
    """De-register a device: it is logged out and its stream place freed."""
    runtime, audited = _admin(request, authorization, SUPPORT)

    def remove(session: Session) -> tuple[int, int]:
        device = accounts.remove_device(session, device_id)
        return device.household_id, device.id

    household_id, removed = _change(runtime, remove, audited("device.remove", str(device_id)))
    runtime.leases.release(household_id, str(removed))
    return DeviceRemoved(removed=removed)


class NewProduct(BaseModel):
    code: str = Field(max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    kind: ProductKind
    channels: list[str] = Field(default_factory=list, max_length=2000)
    titles: list[str] = Field(
        default_factory=list, max_length=20000, description="vod, ppv: VOD title codes"
    )
    categories: list[str] = Field(
        default_factory=list, max_length=500, description="vod: every title of these categories"
    )
    price_cents: int = Field(default=0, ge=0)
    event_start: int | None = Field(default=None, description="pay-per-view: UTC seconds")
    event_end: int | None = Field(default=None, description="pay-per-view: UTC seconds")
    rental_hours: int | None = Field(default=None, description="pay-per-view: hours bought")


@router.get("/products")
def products(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> ProductList:
    runtime = runtime_of(request)
    require_admin(runtime, authorization, EVERYONE)
    with runtime.db.session() as session:
        listed = session.scalars(select(Product).order_by(Product.code))
        return ProductList(products=[ProductInfo.of(p) for p in listed])


@router.post("/products", status_code=201)
def create_product(
    request: Request, body: NewProduct, authorization: Annotated[str | None, Header()] = None
) -> ProductCreated:
    runtime, audited = _admin(request, authorization, OPERATOR)
    event = (
        None
        if body.event_start is None or body.event_end is None
        else (_moment(body.event_start), _moment(body.event_end))
    )
    _change(
        runtime,
        lambda s: accounts.create_product(
            s,
            body.code,
            body.name_zh,
            body.name_en,
            body.kind,
            body.channels,
            body.price_cents,
            event=event,
            rental_hours=body.rental_hours,
            titles=body.titles,
            categories=body.categories,
        ),
        audited(
            "product.create",
            body.code,
            kind=body.kind.value,
            price_cents=body.price_cents,
            channels=len(body.channels),
            titles=len(body.titles),
            categories=len(body.categories),
        ),
    )
    return ProductCreated(code=body.code)


class NewSubscription(BaseModel):
    product: str = Field(max_length=32)
    days: int | None = Field(default=None, gt=0, le=3660)


@router.post("/households/{account}/subscriptions", status_code=201)
def add_subscription(
    request: Request,
    account: str,
    body: NewSubscription,
    authorization: Annotated[str | None, Header()] = None,
) -> Subscribed:
    runtime, audited = _admin(request, authorization, OPERATOR)
    start = datetime.now(UTC)
    end = start + timedelta(days=body.days) if body.days else None
    _change(
        runtime,
        lambda s: accounts.subscribe(s, account, body.product, valid_from=start, valid_to=end),
        audited("subscription.add", account, product=body.product, days=body.days),
    )
    _forget(runtime, account)
    return Subscribed(
        account=account,
        product=body.product,
        valid_to=None if end is None else int(end.timestamp()),
    )


class NewOrder(BaseModel):
    product: str = Field(max_length=32)
    price_cents: int | None = Field(default=None, ge=0, description="default: the product's")


@router.post("/households/{account}/orders", status_code=201)
def add_order(
    request: Request,
    response: Response,
    account: str,
    body: NewOrder,
    authorization: Annotated[str | None, Header()] = None,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Placed:
    """Sell a pay-per-view product to a household (no PIN asked; the price may be set)."""
    runtime, audited = _admin(request, authorization, OPERATOR)
    change = audited("order.add", account, product=body.product, price_cents=body.price_cents)
    username = change.username

    def place(session: Session) -> tuple[int, Any]:
        household = accounts.household_by_account(session, account)
        placed = buy(
            session,
            household,
            body.product,
            idempotency_key,
            datetime.now(UTC),
            placed_by=f"admin:{username}",
            by_staff=True,
            price_cents=body.price_cents,
        )
        return household.id, placed

    household_id, placed = _ordering(runtime, place, change)
    runtime.forget_rights(household_id)
    if placed.replayed:
        response.status_code = 200
    return Placed(order=Order.of(placed.order), replayed=placed.replayed)


@router.get("/orders")
def orders(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    account: str | None = None,
    status: OrderStatus | None = None,
    limit: int = 100,
) -> OrderList:
    runtime = runtime_of(request)
    require_admin(runtime, authorization, EVERYONE)

    def listing(session: Session) -> list[Order]:
        household_id = None
        if account is not None:
            household_id = accounts.household_by_account(session, account).id
        found = list_orders(session, household_id=household_id, status=status, limit=limit)
        return [Order.of(order) for order in found]

    return OrderList(orders=_change(runtime, listing))


class OrderChange(BaseModel):
    note: str = Field(default="", max_length=200)


@router.post("/orders/{order_id}/refund")
def refund(
    request: Request,
    order_id: int,
    body: OrderChange,
    authorization: Annotated[str | None, Header()] = None,
) -> OrderAnswer:
    """Refund a paid order: the household's next playlist of it is refused."""
    return _close(request, order_id, OrderStatus.REFUNDED, body.note, authorization)


@router.post("/orders/{order_id}/cancel")
def cancel(
    request: Request,
    order_id: int,
    body: OrderChange,
    authorization: Annotated[str | None, Header()] = None,
) -> OrderAnswer:
    """Cancel a paid order whose window has not opened (an event called off, a change of mind)."""
    return _close(request, order_id, OrderStatus.CANCELLED, body.note, authorization)


def _close(
    request: Request, order_id: int, to: OrderStatus, note: str, authorization: str | None
) -> OrderAnswer:
    runtime, audited = _admin(request, authorization, SUPPORT)
    change = audited(f"order.{to.value}", str(order_id), note=note)
    username = change.username
    order = _ordering(
        runtime,
        lambda s: close(s, order_id, to, datetime.now(UTC), by=f"admin:{username}", note=note),
        change,
    )
    _forget(runtime, order.account)
    return OrderAnswer(order=Order.of(order))


def _ordering(runtime: Runtime, action: Callable[[Session], T], audited: Audited) -> T:
    try:
        return _change(runtime, action, audited)
    except OrderError as error:
        raise order_error(error) from error


def _moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@router.get("/regions")
def regions(
    request: Request,
    parent: str | None = None,
    authorization: Annotated[str | None, Header()] = None,
) -> RegionList:
    runtime = runtime_of(request)
    require_admin(runtime, authorization, EVERYONE)
    query = select(Region).order_by(Region.code)
    query = (
        query.where(Region.parent_code == parent)
        if parent
        else query.where(Region.parent_code.is_(None))
    )
    with runtime.db.session() as session:
        return RegionList(regions=[RegionInfo.of(r) for r in session.scalars(query)])
