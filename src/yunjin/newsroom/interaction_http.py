"""Citizens take part from the portals: tips (爆料) with photos and video, comments on
stories, votes in polls. Subscribers use the bearer session of ``/api/v1/auth/*`` (boxes
and phones); a tip may also come without one, with a contact phone. Each request is one
transaction, and a refused tip leaves no file behind.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Final, TypeVar

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.play import current_session
from yunjin.api.secure import client_address
from yunjin.newsroom import comments, polls, tip_media, tips
from yunjin.newsroom.citizens import Citizen, address_key, citizen
from yunjin.newsroom.errors import NewsroomError
from yunjin.runtime import Runtime
from yunjin.vod.probe import PROBE_MESSAGES
from yunjin.vod.sandbox import REFUSAL_CODES, Limits

router = APIRouter(tags=["newsroom-interaction"])
T = TypeVar("T")
Authorization = Annotated[str | None, Header()]
MAX_FORM_BYTES: Final = (
    tip_media.MAX_PHOTOS * tip_media.MAX_PHOTO_BYTES + tip_media.MAX_VIDEO_BYTES + (1 << 20)
)
STATUS: Final = {
    "newsroom_login_required": 401,
    "newsroom_other_tenant": 403,
    "newsroom_role_forbidden": 403,
    "newsroom_household_inactive": 403,
    "newsroom_wrong_state": 409,
    "newsroom_comment_unchanged": 409,
    "newsroom_tip_wrong_state": 409,
    "newsroom_poll_exists": 409,
    "newsroom_poll_not_open": 409,
    "newsroom_already_voted": 409,
    "newsroom_tip_file_too_large": 413,
    "newsroom_tip_too_large": 413,
    "newsroom_tip_not_photo": 422,
    "newsroom_tip_photo_broken": 422,
    "newsroom_tip_photo_too_large": 422,
    "newsroom_tip_empty_file": 422,
    "newsroom_rate_limited": 429,
} | dict.fromkeys((*PROBE_MESSAGES, *REFUSAL_CODES), 422)


def status_of(code: str) -> int:
    return 404 if code.endswith("_not_found") else STATUS.get(code, 400)


def refusal(error: NewsroomError) -> ApiError:
    return ApiError(status_of(error.code), error.code, error.values)


def _now() -> datetime:
    return datetime.now(UTC)


def _household(runtime: Runtime, authorization: str | None) -> int | None:
    """The household of the session, None without an Authorization header (a bad or
    expired session is refused, not taken as anonymous)."""
    if authorization is None:
        return None
    return current_session(runtime, authorization).household_id


def _as_citizen(
    request: Request, authorization: str | None, work: Callable[[Session, Citizen], T]
) -> T:
    runtime = runtime_of(request)
    household = _household(runtime, authorization)
    if household is None:
        raise ApiError(401, "not_logged_in")
    try:
        with runtime.db.session() as session:
            return work(session, citizen(session, household))
    except NewsroomError as error:
        raise refusal(error) from error


def _public(request: Request, work: Callable[[Session], T]) -> T:
    try:
        with runtime_of(request).db.session() as session:
            return work(session)
    except NewsroomError as error:
        raise refusal(error) from error


# -- tips ------------------------------------------------------------------------------


@router.post("/api/v1/tips", status_code=201)
async def send_tip(request: Request, authorization: Authorization = None) -> dict[str, Any]:
    """A tip as ``multipart/form-data``: ``text``, ``contact_phone``, ``region`` (anonymous:
    the GB/T 2260 code it is about), up to 9 ``photos`` (JPEG/PNG) and one ``video``."""
    runtime = runtime_of(request)
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > MAX_FORM_BYTES:
        limit = MAX_FORM_BYTES // (1024 * 1024)
        raise ApiError(413, "newsroom_tip_too_large", {"limit": limit})
    household = await run_in_threadpool(_household, runtime, authorization)
    address = address_key(client_address(request))
    await run_in_threadpool(_early_limits, runtime, household, address)
    form = await request.form(
        max_files=tip_media.MAX_PHOTOS + tip_media.MAX_VIDEOS, max_fields=8, max_part_size=64 * 1024
    )
    try:
        photos = [f for f in form.getlist("photos") if isinstance(f, UploadFile)]
        videos = [f for f in form.getlist("video") if isinstance(f, UploadFile)]
        fields = {name: form.get(name) for name in ("text", "contact_phone", "region")}
        texts = {name: value if isinstance(value, str) else "" for name, value in fields.items()}
        folder = runtime.settings.data_dir / "newsroom" / "tips" / secrets.token_hex(12)
        return await run_in_threadpool(
            _receive, runtime, household, address, texts, photos, videos, folder
        )
    finally:
        await form.close()


def _early_limits(runtime: Runtime, household: int | None, address: str) -> None:
    """The household's or the address's limits, before a byte of the body is read; then
    this upload counts as one of its attempts, whatever becomes of it."""
    try:
        with runtime.db.session() as session:
            who = citizen(session, household) if household is not None else None
            tips.check_tip_limits(session, who, address, "", _now())
            tips.count_attempt(session, who, address, _now())
    except NewsroomError as error:
        raise refusal(error) from error


def _receive(
    runtime: Runtime,
    household: int | None,
    address: str,
    texts: dict[str, str],
    photos: list[UploadFile],
    videos: list[UploadFile],
    folder: Path,
) -> dict[str, Any]:
    if len(photos) > tip_media.MAX_PHOTOS or len(videos) > tip_media.MAX_VIDEOS:
        raise ApiError(
            400,
            "newsroom_tip_too_many_files",
            {"photos": tip_media.MAX_PHOTOS, "videos": tip_media.MAX_VIDEOS},
        )
    folder.mkdir(parents=True)
    try:
        checked = []
        for number, upload in enumerate(photos, start=1):
            kept = tip_media.keep(
                upload.file, upload.filename or "", folder, number, tip_media.MAX_PHOTO_BYTES
            )
            checked.append(tip_media.check_photo(kept, kept.name[3:]))
        for upload in videos:
            kept = tip_media.keep(
                upload.file, upload.filename or "", folder, 99, tip_media.MAX_VIDEO_BYTES
            )
            limits = Limits.for_probe(runtime.settings)
            checked.append(tip_media.check_video(kept, kept.name[3:], limits))
        with runtime.db.session() as session:
            who = citizen(session, household) if household is not None else None
            tip = tips.submit_tip(
                session,
                who,
                texts["text"],
                texts["contact_phone"],
                texts["region"],
                address,
                checked,
                runtime.settings.data_dir,
                _now(),
            )
            return {
                "id": tip.id,
                "tenant": tip.tenant_code,
                "state": tip.state,
                "media": len(checked),
            }
    except NewsroomError as error:
        tip_media.discard(folder)
        raise refusal(error) from error
    except BaseException:
        tip_media.discard(folder)
        raise


@router.get("/api/v1/tips/mine")
def my_tips(request: Request, authorization: Authorization = None) -> dict[str, Any]:
    """The household's tips and how far each got."""
    return _as_citizen(
        request,
        authorization,
        lambda s, who: {"tips": tips.household_tips(s, who.household_id)},
    )


# -- comments --------------------------------------------------------------------------


class CommentIn(BaseModel):
    text: str = Field(max_length=5000)


@router.get("/api/v1/stories/{story_id}/comments")
def story_comments(
    request: Request, story_id: int, authorization: Authorization = None
) -> dict[str, Any]:
    """The published comments of a public story; with a session, also the household's own
    that wait for moderation or were rejected (``mine``)."""
    runtime = runtime_of(request)
    household = _household(runtime, authorization)
    return _public(request, lambda s: comments.public_comments(s, story_id, _now(), household))


@router.post("/api/v1/stories/{story_id}/comments", status_code=201)
def comment(
    request: Request, story_id: int, body: CommentIn, authorization: Authorization = None
) -> dict[str, Any]:
    """Comment on a public story: published at once, or (by default) after moderation."""

    def post(session: Session, who: Citizen) -> dict[str, Any]:
        made = comments.post_comment(session, who, story_id, body.text, _now())
        return {
            "id": made.id,
            "author": made.author_name,
            "text": made.text,
            "state": made.state,
        }

    return _as_citizen(request, authorization, post)


# -- polls -----------------------------------------------------------------------------


class VoteIn(BaseModel):
    option: int


@router.get("/api/v1/stories/{story_id}/poll")
def story_poll(
    request: Request, story_id: int, authorization: Authorization = None
) -> dict[str, Any]:
    """The story's poll; results once the household voted, or once it closed."""
    runtime = runtime_of(request)
    household = _household(runtime, authorization)
    return _public(request, lambda s: {"poll": polls.public_poll(s, story_id, _now(), household)})


@router.post("/api/v1/stories/{story_id}/poll/votes", status_code=201)
def cast_vote(
    request: Request, story_id: int, body: VoteIn, authorization: Authorization = None
) -> dict[str, Any]:
    """The household's one vote; answers the poll with its results."""
    return _as_citizen(
        request,
        authorization,
        lambda s, who: {"poll": polls.vote(s, who, story_id, body.option, _now())},
    )
