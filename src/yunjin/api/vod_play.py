"""Starting a VOD playback and keeping its place: a subscriber's way to a signed VOD URL.

``POST /api/v1/vod/play`` asks the gate (:func:`can_play` with a :class:`VodPlay`), takes the
device's place in the household's stream limit (the same lease as live), and answers a signed
URL for the asset's master playlist with the household's resume point. ``PUT
/api/v1/vod/resume`` keeps the player's position; ``GET /api/v1/vod/continue`` lists what the
household left unfinished.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.play import current_session, hold_lease, viewer_of
from yunjin.api.secure import client_address
from yunjin.db.models import VodAsset
from yunjin.delivery.tokens import VodScope, sign_vod
from yunjin.runtime import Runtime
from yunjin.subscribers.entitlements import Refusal, VodPlay, can_play
from yunjin.subscribers.purchases import title_offers
from yunjin.vod.assets import AssetState
from yunjin.vod.playback import Playable, PlaybackError, playable, refusal_wording
from yunjin.vod.resume import ResumePoint, continue_watching_vod, resume_points, save_position
from yunjin.vod.schemas import (
    ContinueWatching,
    PositionSaved,
    ResumeAt,
    UnfinishedTitle,
    VodPlayAnswer,
)

router = APIRouter(prefix="/api/v1/vod", tags=["vod playback"])
MAX_POSITION_S = 100 * 3600.0


class VodPlayRequest(BaseModel):
    title: str = Field(max_length=64)
    season: int | None = Field(default=None, ge=1, le=9999)
    episode: int | None = Field(default=None, ge=1, le=9999)
    pin: str | None = Field(default=None, max_length=8)


class ResumeReport(BaseModel):
    asset: str = Field(max_length=32)
    position_s: float = Field(ge=0, le=MAX_POSITION_S)
    finished: bool = False


def playback_error(error: PlaybackError) -> ApiError:
    status = 400 if error.code in ("vod_episode_required", "vod_not_a_movie_episode") else 404
    return ApiError(status, error.code, error.values)


def _playable(runtime: Runtime, body: VodPlayRequest) -> Playable:
    try:
        with runtime.db.session() as session:
            return playable(session, body.title, body.season, body.episode)
    except PlaybackError as error:
        raise playback_error(error) from error


@router.post("/play")
def play_vod(
    request: Request, body: VodPlayRequest, authorization: Annotated[str | None, Header()] = None
) -> VodPlayAnswer:
    """Ask to play a movie or an episode; answers a signed URL and where to start, or why not.

    Without the 4K add-on or on a device that cannot show 4K, a 4K title still plays, up to
    1080p (``uhd: false`` and ``uhd_withheld`` says why).
    """
    runtime = runtime_of(request)
    who = current_session(runtime, authorization)
    found = _playable(runtime, body)
    viewer = viewer_of(runtime, who, body.pin)
    now_ms = time.time_ns() // 1_000_000
    decision = can_play(runtime.rights(who.household_id), viewer, VodPlay(found.traits), now_ms)
    if decision.refusal is not None:  # refused
        extra = (
            {"offers": _offers(runtime, found.traits.code)}
            if decision.refusal is Refusal.NOT_SUBSCRIBED
            else {}
        )
        raise ApiError(
            403,
            decision.refusal.value,
            {"title": found.title_zh},
            extra=extra,
            message=refusal_wording(decision.refusal),
        )
    lease_id = hold_lease(runtime, who)
    secret = runtime.settings.token_secret
    if secret is None:
        raise ApiError(404, "tokens_disabled")
    expires = now_ms // 1000 + runtime.settings.token_ttl_s
    address = client_address(request) if runtime.settings.bind_tokens_to_address else None
    scope = VodScope(found.asset, decision.uhd)
    prefix = sign_vod(secret, scope, expires, address, lease_id).path
    base = f"{runtime.settings.base_url}{prefix}"
    with runtime.db.session() as session:
        point = resume_points(session, who.household_id, [found.asset_id]).get(found.asset_id)
    withheld = None
    if found.traits.uhd and not decision.uhd:
        withheld = (
            Refusal.DEVICE_NOT_UHD.value if not viewer.uhd else Refusal.UHD_PRODUCT_REQUIRED.value
        )
    return VodPlayAnswer(
        url=f"{base}/master.m3u8",
        expires=expires,
        lease=lease_id,
        title=found.traits.code,
        season=found.season,
        episode=found.episode,
        asset=found.asset,
        duration_s=found.duration_s,
        uhd=decision.uhd,
        uhd_withheld=withheld,
        poster=f"{base}/poster.jpg",
        thumbnails=f"{base}/sprite.vtt",
        start_s=point.start_s if point is not None else 0.0,
        resume=ResumeAt.of(point) if point is not None else None,
    )


@router.put("/resume")
def report_position(
    request: Request, body: ResumeReport, authorization: Annotated[str | None, Header()] = None
) -> PositionSaved:
    """A player's position in an asset (every 10–30 s and on pause and stop). It also keeps
    the device's place in the stream limit while the player fetches only segments."""
    runtime = runtime_of(request)
    who = current_session(runtime, authorization)
    with runtime.db.session() as session:
        asset = session.scalar(
            select(VodAsset).where(
                VodAsset.code == body.asset, VodAsset.state == AssetState.READY.value
            )
        )
        if asset is None:
            raise ApiError(404, "vod_asset_not_found", {"asset": body.asset})
        point = save_position(
            session,
            who.household_id,
            who.device_id,
            asset,
            body.position_s,
            datetime.now(UTC),
            finished=body.finished,
        )
    runtime.leases.renew(who.household_id, str(who.device_id))
    return PositionSaved(asset=body.asset, resume=ResumeAt.of(point), start_s=point.start_s)


@router.get("/continue")
def continue_vod(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> ContinueWatching:
    """Movies and episodes the household started and left before their end, newest first."""
    runtime = runtime_of(request)
    who = current_session(runtime, authorization)
    with runtime.db.session() as session:
        unfinished = continue_watching_vod(session, who.household_id, datetime.now(UTC))
    return ContinueWatching(continue_=[UnfinishedTitle.of(item) for item in unfinished])


def resume_of(runtime: Runtime, household_id: int, asset_ids: list[int]) -> dict[int, ResumePoint]:
    with runtime.db.session() as session:
        return resume_points(session, household_id, asset_ids)


def _offers(runtime: Runtime, title: str) -> list[dict[str, Any]]:
    """Pay-per-view rentals on sale that would open ``title``: what the box may offer."""
    with runtime.db.session() as session:
        return [
            {
                "product": product.code,
                "name": {"zh-CN": product.name_zh, "en": product.name_en},
                "price_cents": product.price_cents,
                "rental_hours": product.rental_hours,
            }
            for product in title_offers(session, title, datetime.now(UTC))
        ]
