"""The planning queue (选题): topics of a centre and the reporters they are given to.

Editors plan; every member of the centre reads the queue. Citizen tips (爆料) will land
here as topics with ``source = "tip"`` and no staff creator.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.db.models import NewsroomAssignment, NewsroomStaff, NewsroomTopic
from yunjin.newsroom.content import MAX_TITLE, plain
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.permissions import WRITERS, Actor, may, require
from yunjin.newsroom.staff import actor_for, staff_by_username
from yunjin.newsroom.stories import seconds
from yunjin.newsroom.tenants import tenant_ref
from yunjin.newsroom.terms import Action


def add_topic(
    session: Session, actor: Actor, tenant_code: str, title: str, notes: str, now: datetime
) -> NewsroomTopic:
    require(may(actor, Action.PLAN, tenant_ref(session, tenant_code)))
    topic = NewsroomTopic(
        tenant_code=tenant_code,
        title=plain(title, "title", MAX_TITLE, required=True),
        notes=plain(notes, "notes", 5000),
        source="staff",
        state="open",
        created_by=actor.id,
        created_at=now,
    )
    session.add(topic)
    session.flush()
    return topic


def assign(
    session: Session, actor: Actor, topic_id: int, username: str, now: datetime
) -> NewsroomAssignment:
    """Give a topic to someone who writes in its centre."""
    topic = session.get(NewsroomTopic, topic_id)
    if topic is None or not may(actor, Action.VIEW_DRAFTS, tenant_ref(session, topic.tenant_code)):
        raise NewsroomError("newsroom_topic_not_found", topic=topic_id)
    require(may(actor, Action.PLAN, tenant_ref(session, topic.tenant_code)))
    person = staff_by_username(session, username)
    if not actor_for(session, person.id).roles_in(topic.tenant_code) & WRITERS:
        raise NewsroomError(
            "newsroom_not_staff_of_tenant", username=username, tenant=topic.tenant_code
        )
    held = session.get(NewsroomAssignment, (topic.id, person.id))
    if held is None:
        held = NewsroomAssignment(
            topic_id=topic.id, staff_id=person.id, assigned_by=actor.id, assigned_at=now
        )
        session.add(held)
        session.flush()
    return held


def topics(
    session: Session, actor: Actor, tenant_code: str, state: str | None = "open"
) -> list[dict[str, Any]]:
    require(may(actor, Action.VIEW_DRAFTS, tenant_ref(session, tenant_code)))
    query = select(NewsroomTopic).where(NewsroomTopic.tenant_code == tenant_code)
    if state:
        query = query.where(NewsroomTopic.state == state)
    found = list(session.scalars(query.order_by(NewsroomTopic.id.desc()).limit(500)))
    assigned: dict[int, list[str]] = {t.id: [] for t in found}
    if found:
        rows = session.execute(
            select(NewsroomAssignment.topic_id, NewsroomStaff.username)
            .join(NewsroomStaff, NewsroomStaff.id == NewsroomAssignment.staff_id)
            .where(NewsroomAssignment.topic_id.in_(assigned))
            .order_by(NewsroomStaff.username)
        )
        for topic_id, username in rows:
            assigned[topic_id].append(username)
    return [
        {
            "id": t.id,
            "tenant": t.tenant_code,
            "title": t.title,
            "notes": t.notes,
            "source": t.source,
            "state": t.state,
            "created_at": seconds(t.created_at),
            "assigned": assigned[t.id],
        }
        for t in found
    ]
