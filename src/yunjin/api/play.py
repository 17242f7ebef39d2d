"""Logging in, buying pay-per-view and starting playback: a subscriber's way to a signed URL.

``POST /api/v1/play`` asks the gate (:func:`can_play`), takes a concurrency
lease, and answers with a signed URL whose playlist fetches renew the lease.
``POST /api/v1/orders`` buys a pay-per-view product, once per idempotency key.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.api.credentials import guarded, pin_matches
from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.schemas import (
    LoggedOut,
    Order,
    OrderList,
    Placed,
    PlayAnswer,
    SessionAnswer,
    Stopped,
)
from yunjin.api.secure import channel_url, client_address, scoped_play, url_expiry
from yunjin.archive.requests import BadRequest
from yunjin.credentials.guard import Realm
from yunjin.db.models import Device, Household
from yunjin.delivery.scopes import ChannelScope, playback_scope
from yunjin.live.channels import ChannelView
from yunjin.runtime import Runtime
from yunjin.subscribers.accounts import AccountError
from yunjin.subscribers.auth import (
    Login,
    SessionInfo,
    account_login,
    box_subject,
    logout,
    session_of,
    stb_login,
)
from yunjin.subscribers.entitlements import (
    Playback,
    Refusal,
    Viewer,
    can_play,
)
from yunjin.subscribers.orders import OrderRefusal
from yunjin.subscribers.purchases import OrderError, buy, list_orders, ppv_offers

router = APIRouter(prefix="/api/v1", tags=["subscribers"])


class StbLogin(BaseModel):
    mac: str = Field(max_length=32)
    serial: str = Field(max_length=64)
    password: str | None = Field(default=None, max_length=128)


class AccountLogin(BaseModel):
    account: str = Field(max_length=64)
    password: str = Field(max_length=128)
    device: str = Field(default="phone", max_length=100)


class PlayRequest(BaseModel):
    channel: str = Field(max_length=64)
    start: int | None = Field(
        default=None, description="UTC seconds: catch-up from then (up to live without duration)"
    )
    duration: int | None = Field(default=None, gt=0, le=86400, description="the window's length")
    delay: int | None = Field(
        default=None, gt=0, le=86400, description="time-shift: seconds behind live, at most"
    )
    pin: str | None = Field(default=None, max_length=8)


class StopRequest(BaseModel):
    channel: str = Field(max_length=64)


def _login_answer(login: Login) -> SessionAnswer:
    return SessionAnswer(
        session=login.token,
        household=login.household_id,
        device=login.device_id,
        expires=int(login.expires_at.timestamp()),
    )


def _login(request: Request, realm: Realm, subject: str, attempt: Any) -> SessionAnswer:
    """A login through the credential throttle, in a transaction of its own."""
    runtime = runtime_of(request)

    def work() -> Login:
        with runtime.db.session() as session:
            login: Login = attempt(session, datetime.now(UTC))
            return login

    try:
        return _login_answer(guarded(request, realm, subject, work))
    except AccountError as error:
        raise ApiError(409, error.code) from error


@router.post("/auth/stb")
def login_stb(request: Request, body: StbLogin) -> SessionAnswer:
    """A set-top box logs in by MAC and serial (and the password where the operator asks)."""
    required = runtime_of(request).settings.stb_password_required

    def attempt(session: Session, now: datetime) -> Login:
        return stb_login(
            session, body.mac, body.serial, body.password, now, require_password=required
        )

    return _login(request, Realm.BOX, box_subject(body.mac), attempt)


@router.post("/auth/login")
def login_account(request: Request, body: AccountLogin) -> SessionAnswer:
    """A phone or browser logs in by account and password."""
    return _login(
        request,
        Realm.HOUSEHOLD,
        body.account,
        lambda session, now: account_login(session, body.account, body.password, body.device, now),
    )


def _bearer(authorization: str | None) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "not_logged_in")
    return authorization[7:].strip()


def current_session(runtime: Runtime, authorization: str | None) -> SessionInfo:
    token = _bearer(authorization)
    with runtime.db.session() as session:
        found = session_of(session, token, datetime.now(UTC))
    if found is None:
        raise ApiError(401, "not_logged_in")
    return found


@router.post("/auth/logout")
def logout_route(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> LoggedOut:
    runtime = runtime_of(request)
    token = _bearer(authorization)
    with runtime.db.session() as session:
        now = datetime.now(UTC)
        who = session_of(session, token, now)
        ended = logout(session, token, now)
    if who is not None:  # its signed URLs stop at their next playlist (the lease is signed)
        runtime.leases.release(who.household_id, str(who.device_id))
    return LoggedOut(logged_out=ended)


def viewer_of(runtime: Runtime, who: SessionInfo, pin: str | None) -> Viewer:
    """The device asking, and whether ``pin`` is the household's parental PIN (through the
    credential throttle: 429 ``pin_locked`` after too many wrong ones)."""
    with runtime.db.session() as session:
        device = session.get(Device, who.device_id)
        household = session.get(Household, who.household_id)
        stored = household.pin_hash if household is not None else None
    pin_ok = pin_matches(runtime, who.household_id, stored, pin)
    return Viewer(who.device_id, bool(device and device.uhd), pin_ok)


@dataclass(frozen=True, slots=True)
class Asked:
    """What a play request asks the gate about, the scope its URL opens, and the playlist."""

    playback: Playback
    scope: ChannelScope
    playlist: str


def asked_for(runtime: Runtime, channel: ChannelView, body: PlayRequest, now_ms: int) -> Asked:
    """Live, time-shift up to ``delay``, or the window from ``start`` (for ``duration``, else
    up to live) — each signed into the URL as exactly that (ADR 0029); the gate is asked about
    what the scope opens, as every leased playlist will ask again."""
    try:
        scope, playlist = playback_scope(
            runtime.archives.get(channel.tvg_id).index,
            runtime.reach,
            now_ms,
            delay_s=body.delay,
            start_s=body.start,
            duration_s=body.duration,
        )
    except BadRequest as error:
        raise ApiError(400, error.code, error.values) from error
    return Asked(scoped_play(channel.traits, scope, now_ms), scope, playlist)


@router.post("/play")
def play(
    request: Request, body: PlayRequest, authorization: Annotated[str | None, Header()] = None
) -> PlayAnswer:
    """Ask to play live, time-shifted or catch-up; answers a signed URL that opens exactly
    that, or why not."""
    runtime = runtime_of(request)
    who = current_session(runtime, authorization)
    channel = runtime.channels.get(body.channel)
    if channel is None or not channel.enabled:
        raise ApiError(404, "channel_not_found", {"channel": body.channel})
    now_ms = time.time_ns() // 1_000_000
    asked = asked_for(runtime, channel, body, now_ms)
    rights = runtime.rights(who.household_id)
    decision = can_play(rights, viewer_of(runtime, who, body.pin), asked.playback, now_ms)
    if decision.refusal is not None:  # refused
        extra = (
            {"offers": _offers(runtime, channel.tvg_id)}
            if decision.refusal is Refusal.NOT_SUBSCRIBED
            else {}
        )
        raise ApiError(403, decision.refusal.value, {"channel": channel.tvg_id}, extra=extra)
    lease_id = hold_lease(runtime, who)
    expires = url_expiry(runtime, rights, channel, now_ms)
    address = client_address(request) if runtime.settings.bind_tokens_to_address else None
    url = channel_url(
        runtime, channel.tvg_id, asked.scope, asked.playlist, expires, address, lease_id
    )
    return PlayAnswer(url=url, expires=expires, lease=lease_id)


@router.post("/play/stop")
def stop(
    request: Request, body: StopRequest, authorization: Annotated[str | None, Header()] = None
) -> Stopped:
    runtime = runtime_of(request)
    who = current_session(runtime, authorization)
    runtime.leases.release(who.household_id, str(who.device_id))
    return Stopped(stopped=True)


def hold_lease(runtime: Runtime, who: SessionInfo) -> str:
    """A place in the household's stream limit for this device (one per device, whatever it
    plays), or 409 ``stream_limit`` naming the limit and who holds it; the lease's id."""
    limit = runtime.stream_limit(who.household_id)
    lease = runtime.leases.acquire(who.household_id, str(who.device_id), limit)
    if not lease.granted:
        names = _device_names(runtime, [int(h) for h in lease.holders if h.isdigit()])
        names += [h for h in lease.holders if not h.isdigit()]  # Xtream apps, by address
        raise ApiError(
            409,
            "stream_limit",
            {"limit": limit, "holders": ", ".join(names)},
            extra={"limit": limit, "holders": names},
        )
    return f"{who.household_id}.{who.device_id}"


def _device_names(runtime: Runtime, ids: list[int]) -> list[str]:
    with runtime.db.session() as session:
        rows = session.execute(
            select(Device.id, Device.kind, Device.label, Device.mac).where(Device.id.in_(ids))
        ).all()
    return [f"{row.label or row.kind} ({row.mac or row.kind})" for row in rows]


def _offers(runtime: Runtime, channel: str) -> list[dict[str, Any]]:
    """Pay-per-view products on sale that would open ``channel``: what the box may offer."""
    with runtime.db.session() as session:
        return [
            {
                "product": product.code,
                "name": {"zh-CN": product.name_zh, "en": product.name_en},
                "price_cents": product.price_cents,
                "event_start": _seconds(product.event_start),
                "event_end": _seconds(product.event_end),
                "rental_hours": product.rental_hours,
            }
            for product in ppv_offers(session, channel, datetime.now(UTC))
        ]


class OrderRequest(BaseModel):
    product: str = Field(max_length=32)
    pin: str | None = Field(default=None, max_length=8)


# refusals that are about who asks rather than about the state of things
ORDER_STATUS = {
    OrderRefusal.PRODUCT_NOT_FOUND: 404,
    OrderRefusal.ORDER_NOT_FOUND: 404,
    OrderRefusal.KEY_REQUIRED: 400,
    OrderRefusal.HOUSEHOLD_SUSPENDED: 403,
    OrderRefusal.PARENTAL_PIN_REQUIRED: 403,
}


def order_error(error: OrderError) -> ApiError:
    """The HTTP answer to a refused purchase or change (409 unless listed above)."""
    return ApiError(ORDER_STATUS.get(error.refusal, 409), error.refusal.value, error.values)


@router.post("/orders", status_code=201)
def place_order(
    request: Request,
    response: Response,
    body: OrderRequest,
    authorization: Annotated[str | None, Header()] = None,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> Placed:
    """Buy a pay-per-view product, charged to the household's bill.

    ``Idempotency-Key`` names the purchase: sent again, it answers the same order
    (200, ``replayed``) instead of buying twice.  Rated content asks for the parental PIN.
    """
    runtime = runtime_of(request)
    who = current_session(runtime, authorization)
    with runtime.db.session() as session:
        stored = session.scalar(select(Household.pin_hash).where(Household.id == who.household_id))
    pin_ok = pin_matches(runtime, who.household_id, stored, body.pin)  # through the throttle
    try:
        with runtime.db.session() as session:
            household = session.get(Household, who.household_id)
            if household is None:
                raise ApiError(401, "not_logged_in")
            placed = buy(
                session,
                household,
                body.product,
                idempotency_key,
                datetime.now(UTC),
                placed_by=f"device:{who.device_id}",
                pin=body.pin,
                pin_ok=pin_ok,
            )
    except OrderError as error:
        raise order_error(error) from error
    runtime.forget_rights(who.household_id)
    if placed.replayed:
        response.status_code = 200
    return Placed(order=Order.of(placed.order), replayed=placed.replayed)


@router.get("/orders")
def my_orders(request: Request, authorization: Annotated[str | None, Header()] = None) -> OrderList:
    """The household's orders, newest first."""
    runtime = runtime_of(request)
    who = current_session(runtime, authorization)
    with runtime.db.session() as session:
        orders = list_orders(session, household_id=who.household_id)
    return OrderList(orders=[Order.of(order) for order in orders])


def _seconds(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return int(aware.timestamp())
