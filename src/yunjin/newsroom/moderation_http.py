"""Staff side of interaction under ``/api/v1/newsroom``: the tips of a centre and their
triage, the comment queue and its verdicts, the centre's pre-moderation setting, polls on
stories. Newsroom staff sessions (``Authorization: Bearer``); every decision is the
actions' and so the gate's; each request is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Final, TypeVar

from fastapi import APIRouter, Header, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.newsroom import comments, polls, tips
from yunjin.newsroom import staff as accounts
from yunjin.newsroom.comments import CommentState
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.interaction_http import refusal
from yunjin.newsroom.permissions import Actor
from yunjin.newsroom.tips import TipState
from yunjin.vod.assets import IngestError, IngestTarget, ingest_file
from yunjin.vod.catalog import TitleDraft, TitleKind
from yunjin.vod.offer import NEWSROOM_CATEGORY, ensure_newsroom_category

router = APIRouter(tags=["newsroom-interaction"])
PREFIX: Final = "/api/v1/newsroom"
T = TypeVar("T")
Authorization = Annotated[str | None, Header()]


def _now() -> datetime:
    return datetime.now(UTC)


def _run(request: Request, authorization: str | None, work: Callable[[Session, Actor], T]) -> T:
    """``work`` as the logged-in staff member, in one transaction."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise ApiError(401, "newsroom_login_required")
    try:
        with runtime_of(request).db.session() as session:
            person = accounts.session_staff(session, authorization[7:].strip(), _now())
            if person is None:
                raise NewsroomError("newsroom_login_required")
            return work(session, accounts.actor_for(session, person.id))
    except NewsroomError as error:
        raise refusal(error) from error


# -- tips ------------------------------------------------------------------------------


class TriageIn(BaseModel):
    comment: str = Field(default="", max_length=2000)
    title: str = Field(default="", max_length=1000, description="topic: its title")


@router.get(f"{PREFIX}/tenants/{{code}}/tips")
def tenant_tips(
    request: Request,
    code: str,
    authorization: Annotated[str | None, Header()] = None,
    state: TipState | None = None,
) -> dict[str, Any]:
    """The centre's tips, newest first, with their media."""
    return _run(
        request, authorization, lambda s, actor: {"tips": tips.tips_of(s, actor, code, state)}
    )


@router.get(f"{PREFIX}/tips/{{tip_id}}")
def get_tip(request: Request, tip_id: int, authorization: Authorization = None) -> dict[str, Any]:
    return _run(
        request,
        authorization,
        lambda s, actor: tips.tip_json(s, tips.get_tip(s, actor, tip_id)),
    )


@router.get(f"{PREFIX}/tips/{{tip_id}}/media/{{media_id}}")
def tip_file(
    request: Request, tip_id: int, media_id: int, authorization: Authorization = None
) -> FileResponse:
    """A tip's photo or video, for its centre's staff only."""
    runtime = runtime_of(request)
    item = _run(request, authorization, lambda s, actor: tips.tip_media(s, actor, tip_id, media_id))
    return FileResponse(
        runtime.settings.data_dir / item.path,
        media_type=item.content_type,
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.post(f"{PREFIX}/tips/{{tip_id}}/actions/{{verdict}}")
def triage_tip(
    request: Request,
    tip_id: int,
    verdict: str,
    authorization: Authorization = None,
    body: TriageIn | None = None,
) -> dict[str, Any]:
    """accept; topic (into the planning queue, ``title`` optional); dismiss (comment)."""
    given = body or TriageIn()

    def decide(session: Session, actor: Actor) -> dict[str, Any]:
        tip = tips.triage(
            session,
            actor,
            tip_id,
            tips.parse_triage(verdict),
            _now(),
            comment=given.comment,
            title=given.title,
        )
        return tips.tip_json(session, tip)

    return _run(request, authorization, decide)


@router.post(f"{PREFIX}/tips/{{tip_id}}/media/{{media_id}}/ingest", status_code=201)
def ingest_tip_video(
    request: Request, tip_id: int, media_id: int, authorization: Authorization = None
) -> dict[str, Any]:
    """Take a tip's video into the VOD pipeline (probed again, kept, transcoded): its asset
    code can then be a story's ``video_asset``. For those who triage the centre's tips."""
    runtime = runtime_of(request)

    def allowed(session: Session, actor: Actor) -> tuple[str, str]:
        tip = tips.get_tip(session, actor, tip_id)
        item = tips.tip_media(session, actor, tip_id, media_id)
        tips.require_triage(session, actor, tip)
        if item.kind != "video":
            raise NewsroomError("newsroom_tip_not_video", tip=tip_id, media=media_id)
        if item.asset_code is not None:
            return item.asset_code, ""
        return "", item.path

    existing, path = _run(request, authorization, allowed)
    if existing:
        return {"tip": tip_id, "media": media_id, "asset": existing}
    code, zh, en = f"tip-{tip_id}-{media_id}", f"爆料 {tip_id} 视频", f"Tip {tip_id}"
    with runtime.db.session() as session:  # newsroom media: on no 点播 shelf (vod.offer)
        ensure_newsroom_category(session)
    draft = TitleDraft(code, TitleKind.MOVIE, zh, en, categories=(NEWSROOM_CATEGORY,))
    target = IngestTarget(title_code=code, title_zh=zh, title_en=en, draft=draft)
    try:
        asset = ingest_file(
            runtime.settings,
            runtime.db,
            runtime.vod_queue,
            runtime.settings.data_dir / path,
            target,
        )
    except IngestError as error:
        raise ApiError(422, error.code, error.values) from error
    with runtime.db.session() as session:
        tips.record_asset(session, media_id, asset.code)
    return {"tip": tip_id, "media": media_id, "asset": asset.code}


# -- comments --------------------------------------------------------------------------


class VerdictIn(BaseModel):
    reason: str = Field(default="", max_length=2000)


class SettingsIn(BaseModel):
    premoderate_comments: bool


@router.get(f"{PREFIX}/tenants/{{code}}/comments")
def comment_queue(
    request: Request,
    code: str,
    authorization: Authorization = None,
    state: CommentState | None = CommentState.PENDING,
) -> dict[str, Any]:
    """Comments on the centre's stories (by default those waiting), oldest first."""
    return _run(
        request,
        authorization,
        lambda s, actor: {"comments": comments.moderation_queue(s, actor, code, state)},
    )


@router.post(f"{PREFIX}/comments/{{comment_id}}/actions/{{verdict}}")
def moderate_comment(
    request: Request,
    comment_id: int,
    verdict: str,
    authorization: Authorization = None,
    body: VerdictIn | None = None,
) -> dict[str, Any]:
    """approve, or reject (a reason is kept for the staff)."""
    reason = (body or VerdictIn()).reason

    def decide(session: Session, actor: Actor) -> dict[str, Any]:
        made = comments.moderate(
            session, actor, comment_id, comments.parse_verdict(verdict), _now(), reason
        )
        return comments.staff_json(session, made)

    return _run(request, authorization, decide)


@router.get(f"{PREFIX}/tenants/{{code}}/interaction")
def get_settings(
    request: Request, code: str, authorization: Authorization = None
) -> dict[str, Any]:
    return _run(
        request, authorization, lambda s, actor: comments.interaction_settings(s, actor, code)
    )


@router.put(f"{PREFIX}/tenants/{{code}}/interaction")
def put_settings(
    request: Request, code: str, body: SettingsIn, authorization: Authorization = None
) -> dict[str, Any]:
    """Whether the centre's comments wait for an editor (the chief editor or the admin)."""

    def change(session: Session, actor: Actor) -> dict[str, Any]:
        comments.set_premoderation(session, actor, code, body.premoderate_comments, _now())
        return comments.interaction_settings(session, actor, code)

    return _run(request, authorization, change)


# -- polls -----------------------------------------------------------------------------


class PollIn(BaseModel):
    question: str = Field(max_length=1000)
    options: list[str] = Field(max_length=20)
    opens_at: int | None = Field(default=None, description="UTC seconds; default now")
    closes_at: int = Field(description="UTC seconds")


def _moment(value: int) -> datetime:
    if not 0 < value < 2**33:
        raise ApiError(400, "newsroom_poll_window")
    return datetime.fromtimestamp(value, UTC)


@router.post(f"{PREFIX}/stories/{{story_id}}/poll", status_code=201)
def attach_poll(
    request: Request, story_id: int, body: PollIn, authorization: Authorization = None
) -> dict[str, Any]:
    """A poll on a story of the centre: a question, 2–6 options, open and close times."""
    opens = None if body.opens_at is None else _moment(body.opens_at)
    closes = _moment(body.closes_at)

    def attach(session: Session, actor: Actor) -> dict[str, Any]:
        now = _now()
        poll = polls.attach_poll(
            session, actor, story_id, body.question, body.options, now,
            opens_at=opens, closes_at=closes,
        )  # fmt: skip
        return polls.poll_json(session, poll, now, results=True)

    return _run(request, authorization, attach)


@router.get(f"{PREFIX}/stories/{{story_id}}/poll")
def staff_poll(
    request: Request, story_id: int, authorization: Authorization = None
) -> dict[str, Any]:
    """The story's poll with its results, whatever its state."""
    return _run(
        request, authorization, lambda s, actor: polls.staff_poll(s, actor, story_id, _now())
    )


@router.post(f"{PREFIX}/stories/{{story_id}}/poll/actions/close")
def close_poll(
    request: Request, story_id: int, authorization: Authorization = None
) -> dict[str, Any]:
    def close(session: Session, actor: Actor) -> dict[str, Any]:
        now = _now()
        return polls.poll_json(
            session, polls.close_poll(session, actor, story_id, now), now, results=True
        )

    return _run(request, authorization, close)
