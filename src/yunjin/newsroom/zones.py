"""Zone pages (public) and recommendations upward (actions).

What the public sees of a story is its live version, or, once a scheduled story's time has
come, its working version (``publish_due`` then records the publication): a reader never
waits for the scheduler.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import and_, case, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yunjin.db.models import (
    NewsroomRecommendation,
    NewsroomStory,
    NewsroomTenant,
    NewsroomVersion,
)
from yunjin.newsroom.content import KIND_LABELS, Kind
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.live_events import public_details
from yunjin.newsroom.permissions import Actor, may, require
from yunjin.newsroom.stories import audit, seconds, version
from yunjin.newsroom.syndication import (
    PAGE_LABELS,
    PAGE_OF_LEVEL,
    RecommendationState,
    Verdict,
    is_above,
    propose,
    review,
)
from yunjin.newsroom.tenants import children, get_tenant, tenant_ref
from yunjin.newsroom.terms import Action, StoryState, label

PAGE_SIZE: Final = 30


def recommend(
    session: Session, actor: Actor, story_id: int, zone_code: str, now: datetime, comment: str = ""
) -> NewsroomRecommendation:
    """Propose a published story of a centre below for the front page of ``zone_code``,
    by an editor of that zone's centre."""
    story = session.get(NewsroomStory, story_id)
    if story is None:
        raise NewsroomError("newsroom_story_not_found", story=story_id)
    home = tenant_ref(session, story.tenant_code)
    sees_drafts = bool(may(actor, Action.VIEW_DRAFTS, home))
    if story.live_version is None and not sees_drafts:
        raise NewsroomError("newsroom_story_not_found", story=story_id)
    if session.get(NewsroomTenant, zone_code) is None:
        raise NewsroomError("newsroom_zone_not_found", zone=zone_code[:12])
    if not is_above(zone_code, home.parents):
        raise NewsroomError("newsroom_zone_not_above", zone=zone_code, tenant=home.code)
    require(
        may(
            actor.at(zone_code),
            Action.RECOMMEND,
            home,
            StoryState(story.state),
            _live_author(session, story),
            live=story.live_version is not None,
        )
    )
    existing = session.scalar(
        select(NewsroomRecommendation)
        .where(
            NewsroomRecommendation.story_id == story.id,
            NewsroomRecommendation.zone_code == zone_code,
        )
        .with_for_update()
    )
    current = RecommendationState(existing.state) if existing is not None else None
    state = propose(current, str(story.id), zone_code)
    if existing is None:
        existing = NewsroomRecommendation(story_id=story.id, zone_code=zone_code)
        session.add(existing)
    existing.state = state.value
    existing.proposed_by = actor.id
    existing.proposed_at = now
    existing.reviewed_by = None
    existing.reviewed_at = None
    existing.comment = comment.strip()[:2000]
    try:
        session.flush()
    except IntegrityError:  # a concurrent proposal of the same story to the same zone won
        raise NewsroomError(
            "newsroom_recommendation_exists", story=str(story_id), zone=zone_code
        ) from None
    _trail(session, story, actor.id, now, "recommend", current, state, existing, comment)
    return existing


def review_recommendation(
    session: Session,
    actor: Actor,
    recommendation_id: int,
    verdict: Verdict,
    now: datetime,
    comment: str = "",
) -> NewsroomRecommendation:
    """Approve or reject a proposal, by a desk head or the chief editor of the receiving
    centre who neither proposed it nor wrote the story."""
    rec = session.scalar(
        select(NewsroomRecommendation)
        .where(NewsroomRecommendation.id == recommendation_id)
        .with_for_update()
    )
    if rec is None or not may(actor, Action.VIEW_DRAFTS, tenant_ref(session, rec.zone_code)):
        raise NewsroomError("newsroom_recommendation_not_found", recommendation=recommendation_id)
    story = session.get(NewsroomStory, rec.story_id)
    assert story is not None
    require(
        may(
            actor,
            Action.REVIEW_RECOMMENDATION,
            tenant_ref(session, rec.zone_code),
            StoryState(story.state),
            _live_author(session, story),
            (rec.proposed_by,),
            live=story.live_version is not None,
        )
    )
    current = RecommendationState(rec.state)
    state = review(current, verdict, comment, rec.id)
    rec.state = state.value
    rec.reviewed_by = actor.id
    rec.reviewed_at = now
    rec.comment = comment.strip()[:2000] or rec.comment
    _trail(session, story, actor.id, now, verdict.value, current, state, rec, comment)
    return rec


def recommendations(
    session: Session, actor: Actor, zone_code: str, state: RecommendationState | None = None
) -> list[dict[str, Any]]:
    """Proposals to a zone, for the staff of its centre."""
    require(may(actor, Action.VIEW_DRAFTS, tenant_ref(session, zone_code)))
    query = select(NewsroomRecommendation).where(NewsroomRecommendation.zone_code == zone_code)
    if state is not None:
        query = query.where(NewsroomRecommendation.state == state.value)
    rows = session.scalars(query.order_by(NewsroomRecommendation.id.desc()).limit(500))
    return [recommendation_json(r) for r in rows]


def recommendation_json(rec: NewsroomRecommendation) -> dict[str, Any]:
    return {
        "id": rec.id,
        "story": rec.story_id,
        "zone": rec.zone_code,
        "state": rec.state,
        "proposed_at": seconds(rec.proposed_at),
        "reviewed_at": seconds(rec.reviewed_at),
        "comment": rec.comment,
    }


# -- zone pages (public) ---------------------------------------------------------------


def zone_page(session: Session, code: str, now: datetime) -> dict[str, Any]:
    """A centre's public page: the front page, a zone with its sections, or a section."""
    tenant = session.get(NewsroomTenant, code)
    if tenant is None:
        raise NewsroomError("newsroom_zone_not_found", zone=code[:12])
    kind = PAGE_OF_LEVEL.get(tenant.level, PAGE_OF_LEVEL["county"])
    page: dict[str, Any] = {**_heading(tenant), "kind": kind.value}
    page["label"] = label(PAGE_LABELS[kind])
    if tenant.parent_code is not None:
        page["parent"] = _heading(get_tenant(session, tenant.parent_code))
    own = published(session, [code], now)
    if tenant.level == "county":
        page["stories"] = own
        return page
    page["front"] = _merge(own, recommended(session, code, now))
    below = children(session, code)
    key = "sections" if tenant.level == "prefecture" else "zones"
    page[key] = [
        {**_heading(child), "stories": published(session, [child.code], now, limit=10)}
        for child in below
    ]
    return page


def published(
    session: Session,
    tenant_codes: Sequence[str] | None,
    now: datetime,
    limit: int = PAGE_SIZE,
    *,
    story_ids: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """The public versions of the centres' (or of the given) stories, newest first."""
    due = and_(NewsroomStory.state == StoryState.SCHEDULED.value, NewsroomStory.publish_at <= now)
    shown = case((due, NewsroomStory.working_version), else_=NewsroomStory.live_version)
    since = case((due, NewsroomStory.publish_at), else_=NewsroomStory.published_at)
    query = (
        select(NewsroomStory, NewsroomVersion, since.label("since"))
        .join(
            NewsroomVersion,
            and_(NewsroomVersion.story_id == NewsroomStory.id, NewsroomVersion.number == shown),
        )
        .where(or_(NewsroomStory.live_version.is_not(None), due))
    )
    if tenant_codes is not None:
        query = query.where(NewsroomStory.tenant_code.in_(list(tenant_codes)))
    if story_ids is not None:
        query = query.where(NewsroomStory.id.in_(list(story_ids)))
    rows = session.execute(query.order_by(since.desc(), NewsroomStory.id.desc()).limit(limit))
    return [public_json(story, row, since) for story, row, since in rows]


def recommended(session: Session, zone_code: str, now: datetime) -> list[dict[str, Any]]:
    """Stories recommended to a zone and approved there, while they are public."""
    ids = session.scalars(
        select(NewsroomRecommendation.story_id).where(
            NewsroomRecommendation.zone_code == zone_code,
            NewsroomRecommendation.state == RecommendationState.APPROVED.value,
        )
    ).all()
    if not ids:
        return []
    return [dict(s, recommended=True) for s in published(session, None, now, story_ids=ids)]


def public_story(session: Session, zone_code: str, story_id: int, now: datetime) -> dict[str, Any]:
    """One public story shown on a centre's page: its own, a section's below it, or one
    recommended to it."""
    story = session.get(NewsroomStory, story_id)
    if story is None or session.get(NewsroomTenant, zone_code) is None:
        raise NewsroomError("newsroom_story_not_found", story=story_id)
    home = tenant_ref(session, story.tenant_code)
    approved = session.scalar(
        select(NewsroomRecommendation.id).where(
            NewsroomRecommendation.story_id == story_id,
            NewsroomRecommendation.zone_code == zone_code,
            NewsroomRecommendation.state == RecommendationState.APPROVED.value,
        )
    )
    shown_here = zone_code in (home.code, *home.parents[:1]) or approved is not None
    found = published(session, None, now, story_ids=[story_id])
    if not found or not shown_here:
        raise NewsroomError("newsroom_story_not_found", story=story_id)
    row = version(session, story.id, found[0]["version"])
    return {**found[0], "body_html": row.body_html, "images": row.images}


def public_json(
    story: NewsroomStory, row: NewsroomVersion, since: datetime | None
) -> dict[str, Any]:
    kind = Kind(story.kind)
    return {
        "id": story.id,
        "tenant": story.tenant_code,
        "kind": kind.value,
        "kind_label": label(KIND_LABELS[kind]),
        "title": row.title,
        "summary": row.summary,
        "image": row.images[0] if row.images else None,
        "video_asset": row.video_asset,
        "details": public_details(story.id, row.details),
        "published_at": seconds(since),
        "version": row.number,
    }


def _heading(tenant: NewsroomTenant) -> dict[str, Any]:
    return {"code": tenant.code, "name": {"zh-CN": tenant.name_zh, "en": tenant.name_en}}


def _merge(own: list[dict[str, Any]], recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[int] = set()
    merged = []
    for item in sorted(own + recs, key=lambda s: (s["published_at"] or 0, s["id"]), reverse=True):
        if item["id"] not in seen:
            seen.add(item["id"])
            merged.append(item)
    return merged[:PAGE_SIZE]


def _live_author(session: Session, story: NewsroomStory) -> int:
    number = story.live_version if story.live_version is not None else story.working_version
    return version(session, story.id, number).author_id


def _trail(
    session: Session,
    story: NewsroomStory,
    actor: int,
    at: datetime,
    action: str,
    before: RecommendationState | None,
    after: RecommendationState,
    rec: NewsroomRecommendation,
    comment: str,
) -> None:
    audit(
        session,
        story,
        actor,
        at,
        action,
        before.value if before else None,
        {"zone": rec.zone_code},
        story.live_version,
        comment=comment.strip()[:2000],
        to_state=after.value,
        recommendation=rec.id,
    )
