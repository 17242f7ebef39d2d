"""The console's pages for what citizens send: a centre's tips (爆料) with their photos and
videos, triaged into the planning queue or dismissed, and comments waiting for moderation.

The actions are the interaction slice's own (``tips``, ``comments``), so the gate decides
as it does for the API; a button shows only where it would allow it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.api.deps import runtime_of
from yunjin.db.models import NewsroomStory
from yunjin.newsroom import comments, stories, tips
from yunjin.newsroom.console_web import (
    PATH,
    Visit,
    done_notice,
    now,
    posted,
    redirect,
    render,
    show,
)
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.permissions import may
from yunjin.newsroom.tenants import get_tenant, tenant_ref
from yunjin.newsroom.terms import Action

router = APIRouter(include_in_schema=False)


@router.get(f"{PATH}/centres/{{code}}/tips")
def tips_page(request: Request, code: str, state: str = "", done: str = "") -> Response:
    def draw(session: Session, visit: Visit) -> Response:
        chosen = _tip_state(state)
        found = tips.tips_of(session, visit.actor, code, chosen)
        triages = bool(may(visit.actor, Action.TRIAGE_TIP, tenant_ref(session, code)))
        labels = {s.value: visit.page.pair(tips.STATE_LABELS[s]) for s in tips.TipState}
        return render(
            visit.page,
            "tips.html",
            title=visit.page.text("tips"),
            tenant=get_tenant(session, code),
            tips=found,
            state=chosen.value if chosen else "",
            states=labels,
            triages=triages,
            choices={t.value: [s.value for s in tips.TRIAGE[t][0]] for t in tips.Triage},
            notice=done_notice(visit.page, done),
        )

    return show(request, draw)


def _tip_state(value: str) -> tips.TipState | None:
    if not value:
        return None
    try:
        return tips.TipState(value)
    except ValueError:
        raise NewsroomError("console_bad_state", state=value[:40]) from None


@router.get(f"{PATH}/tips/{{tip_id}}/media/{{media_id}}")
def tip_file(request: Request, tip_id: int, media_id: int) -> Response:
    """A tip's photo or video, for its centre's staff only."""

    def send(session: Session, visit: Visit) -> Response:
        item = tips.tip_media(session, visit.actor, tip_id, media_id)
        return FileResponse(
            runtime_of(request).settings.data_dir / item.path,
            media_type=item.content_type,
            headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
        )

    return show(request, send)


@router.post(f"{PATH}/tips/{{tip_id}}/{{verdict}}")
async def triage(request: Request, tip_id: int, verdict: str) -> Response:
    """accept; topic (into the planning queue, with a title); dismiss (why)."""

    def decide(session: Session, visit: Visit, form: dict[str, str]) -> Response:
        tip = tips.triage(
            session,
            visit.actor,
            tip_id,
            tips.parse_triage(verdict),
            now(),
            comment=form.get("comment", ""),
            title=form.get("title", ""),
        )
        return redirect(f"{PATH}/centres/{tip.tenant_code}/tips?done=tip_{verdict}")

    return await posted(request, decide)


@router.get(f"{PATH}/centres/{{code}}/comments")
def comments_page(request: Request, code: str, state: str = "pending", done: str = "") -> Response:
    def draw(session: Session, visit: Visit) -> Response:
        chosen = _comment_state(state)
        found = comments.moderation_queue(session, visit.actor, code, chosen)
        ids = {c["story"] for c in found}
        titles = {}
        for story in session.scalars(select(NewsroomStory).where(NewsroomStory.id.in_(ids))):
            number = story.live_version or story.working_version
            titles[story.id] = stories.version(session, story.id, number).title
        return render(
            visit.page,
            "comments.html",
            title=visit.page.text("comments"),
            tenant=get_tenant(session, code),
            comments=found,
            titles=titles,
            state=chosen.value if chosen else "",
            states=[s.value for s in comments.CommentState],
            notice=done_notice(visit.page, done),
        )

    return show(request, draw)


def _comment_state(value: str) -> comments.CommentState | None:
    if not value:
        return None
    try:
        return comments.CommentState(value)
    except ValueError:
        raise NewsroomError("console_bad_state", state=value[:40]) from None


@router.post(f"{PATH}/comments/{{comment_id}}/{{verdict}}")
async def moderate(request: Request, comment_id: int, verdict: str) -> Response:
    def decide(session: Session, visit: Visit, form: dict[str, str]) -> Response:
        made = comments.moderate(
            session,
            visit.actor,
            comment_id,
            comments.parse_verdict(verdict),
            now(),
            form.get("reason", ""),
        )
        return redirect(f"{PATH}/centres/{made.tenant_code}/comments?done=comment_{verdict}")

    return await posted(request, decide)
