"""The console's desk pages: recommendations to a zone (propose stories from the centres
below, review proposals), a centre's staff (its administrators), and planning topics.

As on a story's page, a button shows only when the gate would allow it, and the action it
posts asks the gate again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.db.models import NewsroomGrant, NewsroomRecommendation, NewsroomStaff, NewsroomStory
from yunjin.newsroom import planning, stories, zones
from yunjin.newsroom import staff as accounts
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
from yunjin.newsroom.permissions import WRITERS, Actor, may, require
from yunjin.newsroom.syndication import RecommendationState, Verdict
from yunjin.newsroom.tenancy import TenantRef
from yunjin.newsroom.tenants import children, get_tenant, tenant_ref
from yunjin.newsroom.terms import Action, Role, StoryState

router = APIRouter(include_in_schema=False)


# -- recommendations -------------------------------------------------------------------


def _below(session: Session, code: str) -> list[str]:
    """Every centre under ``code``, at any depth."""
    found: list[str] = []
    level = [code]
    while level and len(found) < 500:
        level = [child.code for parent in level for child in children(session, parent)]
        found.extend(level)
    return found


def _author_shown(session: Session, story: NewsroomStory) -> int:
    number = story.live_version if story.live_version is not None else story.working_version
    return stories.version(session, story.id, number).author_id


def _may_recommend(
    session: Session, actor: Actor, story: NewsroomStory, zone: str, home: TenantRef
) -> bool:
    return bool(
        may(
            actor.at(zone),
            Action.RECOMMEND,
            home,
            StoryState(story.state),
            _author_shown(session, story),
            live=story.live_version is not None,
        )
    )


@router.get(f"{PATH}/centres/{{code}}/recommendations")
def recommendations_page(request: Request, code: str, done: str = "") -> Response:
    """Proposals to this centre's front page, and published stories from below to propose."""

    def draw(session: Session, visit: Visit) -> Response:
        zone = tenant_ref(session, code)
        require(may(visit.actor, Action.VIEW_DRAFTS, zone))
        rows = session.scalars(
            select(NewsroomRecommendation)
            .where(NewsroomRecommendation.zone_code == code)
            .order_by(NewsroomRecommendation.id.desc())
            .limit(200)
        ).all()
        titles = _titles(session, [r.story_id for r in rows])
        proposals = []
        for rec in rows:
            story = session.get(NewsroomStory, rec.story_id)
            assert story is not None
            reviewable = rec.state == RecommendationState.PROPOSED.value and may(
                visit.actor,
                Action.REVIEW_RECOMMENDATION,
                zone,
                StoryState(story.state),
                _author_shown(session, story),
                (rec.proposed_by,) if rec.proposed_by is not None else (),
                live=story.live_version is not None,
            )
            proposals.append(
                {**zones.recommendation_json(rec), "title": titles.get(rec.story_id, "—"),
                 "tenant": story.tenant_code, "reviewable": bool(reviewable)}
            )  # fmt: skip
        taken = {r.story_id for r in rows if r.state != RecommendationState.REJECTED.value}
        refs: dict[str, TenantRef] = {}
        candidates = []
        for item in zones.published(session, _below(session, code), now(), limit=40):
            story = session.get(NewsroomStory, item["id"])
            if story is None or story.id in taken:
                continue
            home = refs.setdefault(story.tenant_code, tenant_ref(session, story.tenant_code))
            if _may_recommend(session, visit.actor, story, code, home):
                candidates.append(item)
        return render(
            visit.page,
            "recommendations.html",
            title=visit.page.text("recommendations"),
            tenant=get_tenant(session, code),
            proposals=proposals,
            candidates=candidates,
            notice=done_notice(visit.page, done),
        )

    return show(request, draw)


def _titles(session: Session, ids: list[int]) -> dict[int, str]:
    titles = {}
    for story_id in set(ids):
        story = session.get(NewsroomStory, story_id)
        if story is not None:
            number = story.live_version or story.working_version
            titles[story_id] = stories.version(session, story_id, number).title
    return titles


@router.post(f"{PATH}/centres/{{code}}/recommendations")
async def propose(request: Request, code: str) -> Response:
    def add(session: Session, visit: Visit, form: dict[str, str]) -> Response:
        story = form.get("story", "")
        if not story.isdigit():
            raise NewsroomError("newsroom_story_not_found", story=story[:20])
        zones.recommend(session, visit.actor, int(story), code, now(), form.get("comment", ""))
        return redirect(f"{PATH}/centres/{code}/recommendations?done=recommend")

    return await posted(request, add)


@router.post(f"{PATH}/recommendations/{{recommendation_id}}/{{verdict}}")
async def review(request: Request, recommendation_id: int, verdict: str) -> Response:
    def decide(session: Session, visit: Visit, form: dict[str, str]) -> Response:
        if verdict not in {v.value for v in Verdict}:
            raise NewsroomError("newsroom_bad_review", verdict=verdict[:40])
        rec = zones.review_recommendation(
            session,
            visit.actor,
            recommendation_id,
            Verdict(verdict),
            now(),
            form.get("comment", ""),
        )
        return redirect(f"{PATH}/centres/{rec.zone_code}/recommendations?done={verdict}")

    return await posted(request, decide)


# -- staff (a centre's administrators) -------------------------------------------------


@router.get(f"{PATH}/centres/{{code}}/staff")
def staff_page(request: Request, code: str, done: str = "") -> Response:
    def draw(session: Session, visit: Visit) -> Response:
        return render(
            visit.page,
            "staff.html",
            title=visit.page.text("staff"),
            tenant=get_tenant(session, code),
            people=accounts.staff_of(session, visit.actor, code),
            roles=[r.value for r in Role],
            notice=done_notice(visit.page, done),
        )

    return show(request, draw)


@router.post(f"{PATH}/centres/{{code}}/staff")
async def grant_role(request: Request, code: str) -> Response:
    def give(session: Session, visit: Visit, form: dict[str, str]) -> Response:
        done = accounts.grant_as(
            session,
            visit.actor,
            form.get("username", "").strip()[:64],
            code,
            accounts.parse_role(form.get("role", "")),
            password=form.get("password") or None,
            display_name=form.get("display_name", "")[:100],
        )
        told = "grant" if done.invitation is None else "invite"
        return redirect(f"{PATH}/centres/{code}/staff?done={told}")

    return await posted(request, give)


@router.post(f"{PATH}/centres/{{code}}/staff/revoke")
async def revoke_role(request: Request, code: str) -> Response:
    def take(session: Session, visit: Visit, form: dict[str, str]) -> Response:
        role = accounts.parse_role(form.get("role", ""))
        accounts.revoke_as(session, visit.actor, form.get("username", "")[:64], code, role)
        return redirect(f"{PATH}/centres/{code}/staff?done=revoke")

    return await posted(request, take)


# -- planning --------------------------------------------------------------------------


@router.get(f"{PATH}/centres/{{code}}/topics")
def topics_page(request: Request, code: str, done: str = "") -> Response:
    def draw(session: Session, visit: Visit) -> Response:
        found = planning.topics(session, visit.actor, code, "open")
        plans = bool(may(visit.actor, Action.PLAN, tenant_ref(session, code)))
        return render(
            visit.page,
            "topics.html",
            title=visit.page.text("topics"),
            tenant=get_tenant(session, code),
            topics=found,
            may_plan=plans,
            writers=_writers(session, code) if plans else [],
            notice=done_notice(visit.page, done),
        )

    return show(request, draw)


def _writers(session: Session, code: str) -> list[Any]:
    rows = session.execute(
        select(NewsroomStaff.username, NewsroomStaff.display_name)
        .join(NewsroomGrant, NewsroomGrant.staff_id == NewsroomStaff.id)
        .where(
            NewsroomGrant.tenant_code == code,
            NewsroomGrant.role.in_([r.value for r in WRITERS]),
        )
        .distinct()
        .order_by(NewsroomStaff.username)
    )
    return [tuple(row) for row in rows]


@router.post(f"{PATH}/centres/{{code}}/topics")
async def add_topic(request: Request, code: str) -> Response:
    def add(session: Session, visit: Visit, form: dict[str, str]) -> Response:
        planning.add_topic(
            session, visit.actor, code, form.get("title", ""), form.get("notes", ""), now()
        )
        return redirect(f"{PATH}/centres/{code}/topics?done=topic")

    return await posted(request, add)


@router.post(f"{PATH}/topics/{{topic_id}}/assign")
async def assign(request: Request, topic_id: int) -> Response:
    def give(session: Session, visit: Visit, form: dict[str, str]) -> Response:
        planning.assign(session, visit.actor, topic_id, form.get("username", "")[:64], now())
        code = form.get("centre", "")
        target = f"{PATH}/centres/{code}/topics" if code.isdigit() else PATH
        return redirect(f"{target}?done=assign")

    return await posted(request, give)
