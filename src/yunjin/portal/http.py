"""The TV portal (``/tv``), the phone portal (``/m``) and the few routes only they need.

The portals are static pages and modules served from Yunjin itself — hls.js
included, copied from npm at setup — so a set-top box needs nothing from the
internet. They play through ``POST /api/v1/play`` like every other client.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import segno
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, Field

from yunjin.api.credentials import guarded, refusal_error
from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.play import current_session
from yunjin.api.schemas import Changed, GuideProgramme, LocalNames, PasswordChanged
from yunjin.credentials.guard import Attempt, LoginRefused, Realm
from yunjin.db.models import Household
from yunjin.epg.guide import programmes_between
from yunjin.i18n import both
from yunjin.portal.events import (
    BadEvent,
    EventKind,
    PlayMode,
    Portal,
    ReportedEvent,
    check_batch,
)
from yunjin.portal.handoff import make_code, read_code, resume_point
from yunjin.portal.schemas import (
    EventsKept,
    GridChannel,
    GuideGrid,
    Handoff,
    HandoffPoint,
    Home,
    UnfinishedProgramme,
)
from yunjin.portal.viewing import continue_watching, last_report, record_events
from yunjin.runtime import Runtime
from yunjin.subscribers import auth
from yunjin.subscribers.accounts import AccountError, change_pin
from yunjin.vod.resume import continue_watching_vod
from yunjin.vod.schemas import UnfinishedTitle

STATIC = Path(__file__).parent / "static"
HLS_JS = STATIC / "vendor" / "hls.min.js"
GUIDE_MAX_HOURS = 24
HOUR_MS = 3_600_000

router = APIRouter()


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _page(name: str) -> Response:
    if not HLS_JS.is_file():
        messages = both("portal_assets_missing")
        body = f"<p lang='zh-CN'>{messages['zh-CN']}</p><p lang='en'>{messages['en']}</p>"
        return HTMLResponse(body, status_code=503)
    return FileResponse(STATIC / name, media_type="text/html; charset=utf-8")


@router.get("/tv", include_in_schema=False)
def tv_portal() -> Response:
    """The ten-foot portal for set-top boxes (1280×720, remote-control keys)."""
    return _page("tv.html")


@router.get("/m", include_in_schema=False)
def phone_portal() -> Response:
    """The phone portal: the same live, guide and catch-up, by touch."""
    return _page("m.html")


@router.get("/api/v1/portal/guide", tags=["portal"])
def guide_grid(
    request: Request,
    start: Annotated[int, Query(description="UTC seconds")],
    hours: Annotated[int, Query(ge=1, le=GUIDE_MAX_HOURS)] = 3,
) -> GuideGrid:
    """Every channel's programmes overlapping ``hours`` from ``start``: the EPG grid."""
    runtime = runtime_of(request)
    now_ms = _now_ms()
    from_ms = start * 1000
    if abs(from_ms - now_ms) > 60 * 86_400_000:
        raise ApiError(400, "bad_time", {"value": start, "reason": "more than 60 days away"})
    channels = runtime.lineup()
    with runtime.db.session() as session:
        entries = programmes_between(
            session, [c.tvg_id for c in channels], from_ms, from_ms + hours * HOUR_MS
        )
    by_channel: dict[str, list[GuideProgramme]] = {c.tvg_id: [] for c in channels}
    base = runtime.settings.base_url
    for entry in entries:
        index = runtime.archives.get(entry.channel_id).index
        by_channel[entry.channel_id].append(GuideProgramme.of(entry, index, now_ms, base))
    return GuideGrid(
        start=start,
        hours=hours,
        now=now_ms // 1000,
        timezone=runtime.settings.timezone,
        channels=[
            GridChannel(
                id=c.tvg_id,
                number=c.number,
                name=LocalNames.of(c.name_zh, c.name_en),
                logo=c.logo,
                uhd=c.uhd,
                catchup_days=c.catchup_days,
                programmes=by_channel[c.tvg_id],
            )
            for c in channels
        ],
    )


class EventIn(BaseModel):
    kind: EventKind
    play_id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    channel: str = Field(max_length=64)
    mode: PlayMode
    at: int = Field(description="UTC milliseconds on the player's clock")
    position: int | None = Field(default=None, description="UTC ms of the frame on screen")
    programme_start: int | None = Field(default=None, description="UTC ms")
    paused: bool = False


class EventBatch(BaseModel):
    portal: Portal
    events: list[EventIn] = Field(max_length=1000)


@router.post("/api/v1/events", tags=["portal"])
def report_events(
    request: Request,
    batch: EventBatch,
    authorization: Annotated[str | None, Header()] = None,
) -> EventsKept:
    """Players report play start/stop, channel changes and heartbeats; all or none are kept."""
    runtime = runtime_of(request)
    who = current_session(runtime, authorization)
    now_ms = _now_ms()
    events = [
        ReportedEvent(
            e.kind, e.play_id, e.channel, e.mode, e.at, e.position, e.programme_start, e.paused
        )
        for e in batch.events
    ]
    try:
        check_batch(events, set(runtime.channels), now_ms)
    except BadEvent as bad:
        raise ApiError(400, "bad_event", {"item": bad.item, "reason": bad.reason}) from bad
    with runtime.db.session() as session:
        kept = record_events(session, who, batch.portal, events, now_ms)
    return EventsKept(kept=kept)


@router.get("/api/v1/portal/home", tags=["portal"])
def home(request: Request, authorization: Annotated[str | None, Header()] = None) -> Home:
    """The household's unfinished catch-up programmes, and (``vod``) its unfinished films
    and episodes, each newest first."""
    runtime = runtime_of(request)
    who = current_session(runtime, authorization)
    now_ms = _now_ms()
    base = runtime.settings.base_url
    with runtime.db.session() as session:
        unfinished = continue_watching(session, who.household_id, now_ms)
        films = continue_watching_vod(session, who.household_id, datetime.now(UTC))
    return Home(
        vod=[UnfinishedTitle.of(item) for item in films],
        continue_=[
            UnfinishedProgramme(
                programme=GuideProgramme.of(
                    item.programme,
                    runtime.archives.get(item.programme.channel_id).index,
                    now_ms,
                    base,
                ),
                position=item.position_ms,
            )
            for item in unfinished
            if item.programme.channel_id in runtime.channels
        ],
    )


class PinChange(BaseModel):
    current: str = Field(default="", max_length=8)
    new: str = Field(max_length=8)


@router.post("/api/v1/household/pin", tags=["portal"])
def set_pin(
    request: Request, body: PinChange, authorization: Annotated[str | None, Header()] = None
) -> Changed:
    """The household changes its parental PIN (the current one is asked for when set, and
    checked through the credential throttle like every PIN)."""
    runtime = runtime_of(request)
    who = current_session(runtime, authorization)

    def work() -> None:
        try:
            with runtime.db.session() as session:
                change_pin(session, who.household_id, body.current, body.new)
        except AccountError as error:
            if error.code == "pin_wrong":
                raise LoginRefused("pin_wrong") from error
            raise

    try:
        runtime.credentials.run(Attempt(Realm.PIN, str(who.household_id)), work)
    except LoginRefused as refused:
        raise refusal_error(refused) from None
    except AccountError as error:
        raise ApiError(400, error.code) from error
    return Changed(changed=True)


class PasswordChange(BaseModel):
    current: str = Field(max_length=128)
    new: str = Field(max_length=128)


@router.post("/api/v1/household/password", tags=["portal"])
def set_password(
    request: Request, body: PasswordChange, authorization: Annotated[str | None, Header()] = None
) -> PasswordChanged:
    """The household changes its password (phones, browsers, Xtream apps); the current one
    is checked through the credential throttle, and every other session of the household
    ends (set-top boxes log in again by MAC and serial)."""
    runtime = runtime_of(request)
    who = current_session(runtime, authorization)
    with runtime.db.session() as session:
        household = session.get(Household, who.household_id)
        account = household.account if household is not None else ""

    def work() -> int:
        with runtime.db.session() as session:
            return auth.change_password(
                session, who.household_id, body.current, body.new, datetime.now(UTC), who.token_hash
            )

    try:
        ended = guarded(request, Realm.HOUSEHOLD, account, work)
    except AccountError as error:
        raise ApiError(400, error.code) from error
    return PasswordChanged(changed=True, sessions_ended=ended)


def _secret(runtime: Runtime) -> str:
    secret = runtime.settings.token_secret
    if secret is None:
        raise ApiError(404, "tokens_disabled")
    return secret


@router.post("/api/v1/portal/handoff", tags=["portal"])
def start_handoff(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Handoff:
    """A code and its QR for this box: a phone of the same household continues from it."""
    runtime = runtime_of(request)
    who = current_session(runtime, authorization)
    code = make_code(_secret(runtime), who.household_id, who.device_id, int(time.time()))
    url = f"{runtime.settings.base_url}/m#continue={code}"
    svg = segno.make(url, error="m").svg_inline(scale=4, border=2)
    return Handoff(code=code, url=url, svg=svg)


@router.get("/api/v1/portal/handoff/{code}", tags=["portal"])
def follow_handoff(
    request: Request, code: str, authorization: Annotated[str | None, Header()] = None
) -> HandoffPoint:
    """Where the box behind ``code`` is now, for a phone of the same household."""
    runtime = runtime_of(request)
    who = current_session(runtime, authorization)
    now_ms = _now_ms()
    found = read_code(_secret(runtime), code, now_ms // 1000)
    if found is None:
        raise ApiError(404, "handoff_invalid")
    if found.household_id != who.household_id:
        raise ApiError(403, "handoff_other_household")
    with runtime.db.session() as session:
        resume = resume_point(last_report(session, found.device_id), now_ms)
        if resume is None or resume.channel not in runtime.channels:
            raise ApiError(404, "handoff_not_playing")
        at_ms = resume.position_ms if resume.position_ms is not None else now_ms
        showing = programmes_between(session, [resume.channel], at_ms, at_ms + 1)
    index = runtime.archives.get(resume.channel).index
    base = runtime.settings.base_url
    return HandoffPoint(
        channel=resume.channel,
        mode=resume.mode,
        position=resume.position_ms,
        programme=GuideProgramme.of(showing[0], index, now_ms, base) if showing else None,
    )
