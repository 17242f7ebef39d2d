"""What the portals need beyond the zone pages, for everyone: where the zones begin, a
story's video as a signed URL, and a QR code that opens a story on the phone.

Video is public-service media behind its own gate (``newsroom.media``): the URL is signed
like a subscriber's VOD URL (``/t/…/vod/{asset}/…``, so an nginx edge serves it the same
way), never with the 4K renditions and without a lease — there is no household to count.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, Final

import segno
from fastapi import APIRouter, Request

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.secure import client_address
from yunjin.delivery.tokens import VodScope, sign_vod
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.media import public_video
from yunjin.newsroom.syndication import PAGE_LABELS, PageKind
from yunjin.newsroom.tenants import list_tenants
from yunjin.newsroom.terms import label
from yunjin.newsroom.zones import public_story

router = APIRouter(tags=["zones"])
STATUS: Final = {"newsroom_video_not_ready": 409, "newsroom_video_sold": 403}
VIDEO_TTL_S: Final = 4 * 3600


def _refusal(error: NewsroomError) -> ApiError:
    status = 404 if error.code.endswith(("_not_found", "_no_video")) else STATUS.get(error.code)
    return ApiError(status or 400, error.code, error.values)


def phone_url(base: str, zone: str, story: int) -> str:
    """Where the phone portal opens a story of a page."""
    return f"{base}/m#story={zone}/{story}"


@router.get("/api/v1/zones")
def front_pages(request: Request) -> dict[str, Any]:
    """The brand front pages (the centres with none above): where the portals start."""
    with runtime_of(request).db.session() as session:
        tops = [t for t in list_tenants(session) if t.parent_code is None]
        return {
            "front_pages": [
                {
                    "code": t.code,
                    "name": {"zh-CN": t.name_zh, "en": t.name_en},
                    "label": label(PAGE_LABELS[PageKind.FRONT_PAGE]),
                }
                for t in tops
            ]
        }


@router.post("/api/v1/zones/{code}/stories/{story_id}/video")
def story_video(request: Request, code: str, story_id: int) -> dict[str, Any]:
    """A signed URL for the video of a story shown on page ``code``: no package needed,
    if the video is newsroom media (``newsroom.media``)."""
    runtime = runtime_of(request)
    secret = runtime.settings.token_secret
    if secret is None:
        raise ApiError(404, "tokens_disabled")
    try:
        with runtime.db.session() as session:
            video = public_video(session, code, story_id, datetime.now(UTC))
    except NewsroomError as error:
        raise _refusal(error) from error
    expires = int(time.time()) + min(runtime.settings.token_ttl_s, VIDEO_TTL_S)
    address = client_address(request) if runtime.settings.bind_tokens_to_address else None
    prefix = sign_vod(secret, VodScope(video.asset), expires, address).path
    base = f"{runtime.settings.base_url}{prefix}"
    return {
        "url": f"{base}/master.m3u8",
        "poster": f"{base}/poster.jpg",
        "expires": expires,
        "asset": video.asset,
        "duration_s": video.duration_s,
        "story": story_id,
        "title": video.story["title"],
    }


@router.get("/api/v1/zones/{code}/stories/{story_id}/qr")
def story_qr(request: Request, code: str, story_id: int) -> dict[str, Any]:
    """A QR code (SVG) that opens this story in the phone portal: a service entry's phone
    number, address and link continue on the phone."""
    runtime = runtime_of(request)
    try:
        with runtime.db.session() as session:
            public_story(session, code, story_id, datetime.now(UTC))
    except NewsroomError as error:
        raise _refusal(error) from error
    url = phone_url(runtime.settings.base_url, code, story_id)
    return {"url": url, "svg": segno.make(url, error="m").svg_inline(border=2, omitsize=True)}
