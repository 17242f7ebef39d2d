"""The Xtream-Codes-compatible API: ``player_api.php``, ``get.php``, ``xmltv.php`` and streams.

A login is a household's account and password (its streams go through the
gate and hold a concurrency lease like any playback), or the operator's login
from configuration, which plays only while tokens are not required.  Wrong
credentials get ``{"user_info": {"auth": 0}}`` as the real API answers.  The VOD and
series actions answer the catalog's ready movies and episodes; their streams are in
:mod:`yunjin.api.xtream_vod`.

Every login goes through the credential throttle (per account and per client address,
ADR 0027): a throttled client gets 429 with ``Retry-After`` on every route, whatever
Xtream apps expect for a plain failure. Stream URLs are checked for their shape (a
number and ``.ts``/``.m3u8``) before any password is hashed, so the catch-all
``/{u}/{p}/{stream}`` costs a hash only for what could be a stream.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from yunjin.api.credentials import refusal_error
from yunjin.api.deps import runtime_of
from yunjin.api.epg import xmltv_document
from yunjin.api.errors import ApiError
from yunjin.api.secure import channel_path, client_address, scoped_play, url_expiry
from yunjin.archive.requests import BadRequest
from yunjin.credentials.guard import Attempt, LoginRefused, Realm
from yunjin.delivery.scopes import playback_scope
from yunjin.epg.guide import in_archive, schedule
from yunjin.interop import xtream, xtream_vod
from yunjin.interop.m3u import CatchupMode, M3uOptions, render_m3u
from yunjin.interop.tsstream import segment_bytes
from yunjin.live.channels import ChannelView
from yunjin.runtime import Runtime
from yunjin.subscribers.auth import household_password_matches
from yunjin.subscribers.entitlements import (
    Playback,
    Viewer,
    can_play,
)
from yunjin.vod.catalog import TitleKind
from yunjin.vod.listing import categories, listed_titles

log = logging.getLogger(__name__)
router = APIRouter(tags=["xtream-codes"])
DENIED: dict[str, Any] = {"user_info": {"auth": 0}}
SHORT_EPG_DEFAULT = 4
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
# what a stream URL's last part and a time-shift start look like, checked before hashing
STREAM = re.compile(r"^[0-9]{1,9}\.(ts|m3u8)$")
MOMENT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}:[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True, slots=True)
class XtreamLogin:
    household_id: int | None  # None: the operator's login from configuration


# Argon2 costs tens of milliseconds; apps call player_api.php often.
_VERIFIED: dict[tuple[str, str], tuple[float, int]] = {}
VERIFIED_FOR_S = 60.0


def xtream_login(
    runtime: Runtime, username: str, password: str, address: str
) -> XtreamLogin | None:
    """The household (or the operator) an Xtream username and password name, else None;
    through the credential throttle (429 while the account or ``address`` is locked).

    A login verified in the last minute in this process answers from memory: it proves the
    password, so it is no guess and skips the throttle (a changed password stops opening
    Xtream within that minute).
    """
    if not username or not password or len(username) > 32 or len(password) > 128:
        return None
    cache_key = (username, hashlib.sha256(password.encode()).hexdigest())
    cached = _VERIFIED.get(cache_key)
    if cached is not None and time.monotonic() < cached[0]:
        return XtreamLogin(cached[1] or None)
    settings = runtime.settings

    def work() -> XtreamLogin:
        if xtream.credentials_match(
            username, password, settings.xtream_username, settings.xtream_password
        ):
            return XtreamLogin(None)
        with runtime.db.session() as session:
            household_id = household_password_matches(session, username, password)
        if household_id is None:
            raise LoginRefused("login_failed")
        return XtreamLogin(household_id)

    try:
        login = runtime.credentials.run(Attempt(Realm.HOUSEHOLD, username, address), work)
    except LoginRefused as refused:
        if refused.code == "login_failed":
            return None
        raise refusal_error(refused) from None
    _VERIFIED[cache_key] = (time.monotonic() + VERIFIED_FOR_S, login.household_id or 0)
    return login


def _allowed(request: Request, username: str, password: str) -> bool:
    runtime = runtime_of(request)
    return xtream_login(runtime, username, password, client_address(request)) is not None


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _by_stream_id(runtime: Runtime, stream_id: int) -> ChannelView:
    for channel in runtime.lineup():
        if channel.number == stream_id and channel.enabled:
            return channel
    raise ApiError(404, "channel_not_found", {"channel": stream_id})


@router.get("/player_api.php")
def player_api(
    request: Request,
    username: str = "",
    password: str = "",
    action: str | None = None,
    category_id: str | None = None,
    stream_id: int | None = None,
    vod_id: int | None = None,
    series_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = SHORT_EPG_DEFAULT,
) -> Any:
    runtime = runtime_of(request)
    if not _allowed(request, username, password):
        return JSONResponse(DENIED)
    channels = runtime.lineup()
    settings = runtime.settings
    now_ms = _now_ms()
    match action:
        case None | "":
            host = request.url.hostname or settings.host
            port = request.url.port or settings.port
            return xtream.account(
                username, password, host=host, port=port, timezone=settings.timezone, now_ms=now_ms
            )
        case "get_live_categories":
            return xtream.live_categories(channels)
        case "get_live_streams":
            return xtream.live_streams(channels, category_id)
        case "get_short_epg" | "get_simple_data_table":
            if stream_id is None:
                return {"epg_listings": []}
            channel = _by_stream_id(runtime, stream_id)
            index = runtime.archives.get(channel.tvg_id).index
            with runtime.db.session() as session:
                if action == "get_short_epg":  # what is on now and what follows
                    entries = schedule(session, channel.tvg_id, now_ms, now_ms + WEEK_MS)[:limit]
                else:  # the whole guide the archive covers, and what is ahead
                    since = now_ms - max(channel.catchup_days, 1) * DAY_MS
                    entries = schedule(session, channel.tvg_id, since, now_ms + WEEK_MS)
            listings = [
                xtream.epg_listing(
                    e, stream_id, settings.timezone, now_ms, in_archive(e, index, now_ms)
                )
                for e in entries
            ]
            return {"epg_listings": listings}
        case "get_vod_categories" | "get_vod_streams" | "get_vod_info":
            return _vod_action(runtime, action, TitleKind.MOVIE, category_id, vod_id)
        case "get_series_categories" | "get_series" | "get_series_info":
            return _vod_action(runtime, action, TitleKind.SERIES, category_id, series_id)
    raise ApiError(400, "invalid_request", {"detail": f"unknown action {action}"})


def _vod_action(
    runtime: Runtime, action: str, kind: TitleKind, category: str | None, title_id: int | None
) -> Any:
    """The catalog's ready movies or series, as the VOD and series actions answer them."""
    info = action in ("get_vod_info", "get_series_info")
    if info and title_id is None:
        return {}
    with runtime.db.session() as session:
        shelves = categories(session)
        titles = listed_titles(session, kind, ids=[title_id] if info and title_id else None)
    match action:
        case "get_vod_categories" | "get_series_categories":
            return xtream_vod.categories(shelves, titles)
        case "get_vod_streams":
            return xtream_vod.vod_streams(titles, category)
        case "get_series":
            return xtream_vod.series_list(titles, shelves, category)
        case "get_vod_info":
            return xtream_vod.vod_info(titles[0], shelves) if titles else {}
    return xtream_vod.series_info(titles[0], shelves) if titles else {}


@router.get("/get.php")
def get_php(
    request: Request,
    username: str = "",
    password: str = "",
    type: str = "m3u_plus",
    output: str = "ts",
) -> Response:
    """The channel list with Xtream-style stream URLs (``output`` ts or hls/m3u8), then the
    catalog's movies and episodes (``/movie/…``, ``/series/…``, HLS), as panels list them."""
    runtime = runtime_of(request)
    if not _allowed(request, username, password):
        return Response("", status_code=401)
    extension = "m3u8" if output in ("hls", "m3u8") else "ts"
    base = runtime.settings.base_url
    channels = runtime.lineup()
    options = M3uOptions(
        base_url=base,
        mode=CatchupMode.XC,
        xmltv_url=f"{base}/xmltv.php?username={username}&password={password}",
        xtream=(username, password, extension),
    )
    with runtime.db.session() as session:
        shelves = categories(session)
        titles = listed_titles(session, TitleKind.MOVIE) + listed_titles(session, TitleKind.SERIES)
    vod = xtream_vod.m3u_entries(titles, shelves, base, username, password, xtream_vod.CONTAINER)
    text = render_m3u(channels, options) + "".join(f"{line}\n" for line in vod)
    return Response(text, media_type="audio/x-mpegurl")


@router.get("/xmltv.php")
def xmltv_php(request: Request, username: str = "", password: str = "") -> Response:
    runtime = runtime_of(request)
    if not _allowed(request, username, password):
        return Response("", status_code=401)
    return Response(xmltv_document(runtime, False), media_type="application/xml")


def _stream(
    request: Request,
    login: XtreamLogin,
    channel: ChannelView,
    extension: str,
    from_ms: int | None,
    duration_s: int | None,
) -> Response:
    """A live channel, or a window of its archive: ``.m3u8`` redirects to a URL signed with
    exactly that scope (ADR 0029), ``.ts`` flows as one MPEG-TS stream that asks the gate
    again while it lasts."""
    runtime = runtime_of(request)
    if extension not in ("m3u8", "ts"):
        raise ApiError(404, "not_found")
    now_ms = _now_ms()
    try:
        scope, name = playback_scope(
            runtime.archives.get(channel.tvg_id).index,
            runtime.reach,
            now_ms,
            start_s=None if from_ms is None else from_ms // 1000,
            duration_s=duration_s,
        )
    except BadRequest as error:
        raise ApiError(400, error.code, error.values) from error
    until_ms = scope.to_ms
    playback = scoped_play(channel.traits, scope, now_ms)
    if login.household_id is None:  # the operator's login: what plays unsigned, no more
        if not (runtime.access.open or channel.open_to_all):
            raise ApiError(403, "token_required")
        if extension == "m3u8":
            return RedirectResponse(f"/hls/{channel.tvg_id}/{name}", status_code=302)
        return StreamingResponse(_ts(runtime, channel, from_ms, until_ms), media_type="video/mp2t")
    household = login.household_id
    rights = runtime.rights(household)
    decision = can_play(rights, Viewer(0, uhd=False), playback, now_ms)
    if decision.refusal is not None:  # refused
        raise ApiError(403, decision.refusal.value, {"channel": channel.tvg_id})
    address = client_address(request)
    if extension == "m3u8":  # one place per channel and address: a player's reloads share it
        holder = f"xc-{address}-{channel.number}"
        hold_xtream_lease(runtime, household, holder)
        expires = url_expiry(runtime, rights, channel, now_ms)
        lease = f"{household}.{holder}"
        path = channel_path(runtime, channel.tvg_id, scope, name, expires, lease=lease)
        return RedirectResponse(path, status_code=302)
    chunks = _ts(runtime, channel, from_ms, until_ms)  # nothing to stream: no place taken
    holder = f"xc-{address}-{secrets.token_hex(4)}"  # each connection is a stream of its own
    hold_xtream_lease(runtime, household, holder)
    watched = leased(runtime, household, holder, playback, chunks)
    return StreamingResponse(watched, media_type="video/mp2t")


def _ts(
    runtime: Runtime, channel: ChannelView, from_ms: int | None, until_ms: int | None
) -> AsyncIterator[bytes]:
    """The archive as one MPEG-TS stream: live from one segment behind the edge, or a window."""
    archive = runtime.archives.get(channel.tvg_id)
    index = archive.index
    if len(index) == 0:
        raise ApiError(404, "archive_empty", {"channel": channel.tvg_id})
    if from_ms is None:
        first_seq = index.seq_at(max(0, len(index) - 2))
    else:
        position = index.position_at(from_ms)
        if position >= len(index):
            raise ApiError(404, "outside_archive", {"channel": channel.tvg_id, "available": "-"})
        first_seq = index.seq_at(position)
    return segment_bytes(archive, first_seq, until_ms)


def hold_xtream_lease(runtime: Runtime, household_id: int, holder: str) -> None:
    """A place in the household's stream limit for an Xtream app, or 409 ``stream_limit``."""
    limit = runtime.stream_limit(household_id)
    lease = runtime.leases.acquire(household_id, holder, limit)
    if not lease.granted:
        raise ApiError(
            409,
            "stream_limit",
            {"limit": limit, "holders": ", ".join(lease.holders)},
            extra={"limit": limit, "holders": list(lease.holders)},
        )


GATE_AGAIN_S = 10.0  # a long-lived stream asks the gate at least this often


async def leased(
    runtime: Runtime,
    household_id: int,
    holder: str,
    playback: Playback,
    chunks: AsyncIterator[bytes],
) -> AsyncIterator[bytes]:
    """A ``.ts`` stream holds its lease while it flows and frees it when it ends; it asks the
    gate again every ``GATE_AGAIN_S`` and ends when the answer is no (a suspended household,
    a subscription or a pay-per-view window that ended)."""
    ask_at = time.monotonic() + GATE_AGAIN_S
    try:
        async for chunk in chunks:
            if time.monotonic() >= ask_at:
                rights = await asyncio.to_thread(runtime.rights, household_id)
                still = can_play(rights, Viewer(0, uhd=True, pin_ok=True), playback, _now_ms())
                if not still.allowed:
                    log.info("xtream stream of household %s ended: %s", household_id, still.refusal)
                    return
                ask_at = time.monotonic() + GATE_AGAIN_S
            runtime.leases.renew(household_id, holder)
            yield chunk
    finally:
        runtime.leases.release(household_id, holder)


@router.get("/live/{username}/{password}/{stream}")
@router.get("/{username}/{password}/{stream}")
def live(request: Request, username: str, password: str, stream: str) -> Response:
    """A live channel as ``{stream_id}.ts`` (continuous MPEG-TS) or ``.m3u8``."""
    runtime = runtime_of(request)
    if not STREAM.match(stream):  # the shape first: no hash for what cannot be a stream
        raise ApiError(404, "not_found")
    stream_id, _, extension = stream.partition(".")
    login = xtream_login(runtime, username, password, client_address(request))
    if login is None or not stream_id.isdigit():
        raise ApiError(404, "not_found")
    return _stream(request, login, _by_stream_id(runtime, int(stream_id)), extension, None, None)


@router.get("/timeshift/{username}/{password}/{minutes}/{moment}/{stream}")
def timeshift(
    request: Request, username: str, password: str, minutes: int, moment: str, stream: str
) -> Response:
    """``/timeshift/u/p/{minutes}/{YYYY-MM-DD:HH-MM}/{id}.ts|m3u8``, local server time."""
    runtime = runtime_of(request)
    if not STREAM.match(stream):  # the shape first: no hash for what cannot be a stream
        raise ApiError(404, "not_found")
    if not MOMENT.match(moment):
        raise ApiError(400, "bad_time", {"value": moment, "reason": "not YYYY-MM-DD:HH-MM"})
    stream_id, _, extension = stream.partition(".")
    login = xtream_login(runtime, username, password, client_address(request))
    if login is None or not stream_id.isdigit():
        raise ApiError(404, "not_found")
    longest = runtime.settings.catchup_window_max_s // 60
    if not 0 < minutes <= longest:
        raise ApiError(400, "bad_duration", {"value": minutes, "reason": f"1 to {longest} minutes"})
    zone = ZoneInfo(runtime.settings.timezone)
    try:
        start = datetime.strptime(moment, "%Y-%m-%d:%H-%M").replace(tzinfo=zone)
    except ValueError as error:
        raise ApiError(
            400, "bad_time", {"value": moment, "reason": "not YYYY-MM-DD:HH-MM"}
        ) from error
    channel = _by_stream_id(runtime, int(stream_id))
    return _stream(request, login, channel, extension, int(start.timestamp()) * 1000, minutes * 60)
