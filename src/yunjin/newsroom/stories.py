"""Actions on stories: write, edit, move through review, publish when due; read them back.

Each action asks the gate (``permissions.may``) and the machine (``workflow.apply``), then
carries out the machine's effects on the versions and writes one audit row, all in the
caller's transaction: a refusal leaves nothing half-written. A story of another centre
that the actor may not see answers "not found", so drafts do not reveal that they exist.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yunjin.db.models import (
    Channel,
    NewsroomAudit,
    NewsroomStaff,
    NewsroomStory,
    NewsroomTopic,
    NewsroomVersion,
)
from yunjin.newsroom import library, live_events
from yunjin.newsroom.content import Content, LiveEvent, changes, from_json
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.permissions import Actor, may, require
from yunjin.newsroom.tenancy import TenantRef
from yunjin.newsroom.tenants import tenant_ref
from yunjin.newsroom.terms import STATE_LABELS, Action, StoryState, label
from yunjin.newsroom.workflow import Effect, Flow, Step, apply

TRANSITION_ACTIONS = frozenset(
    {
        Action.SUBMIT,
        Action.APPROVE,
        Action.REJECT,
        Action.VETO,
        Action.SCHEDULE,
        Action.PUBLISH,
        Action.CORRECT,
        Action.UNPUBLISH,
        Action.TAKEDOWN,
    }
)


def create_story(
    session: Session,
    actor: Actor,
    tenant_code: str,
    content: Content,
    now: datetime,
    *,
    topic_id: int | None = None,
) -> NewsroomStory:
    """A new draft in ``tenant_code`` written by ``actor``: version 1."""
    tenant = tenant_ref(session, tenant_code)
    require(may(actor, Action.CREATE, tenant))
    _check_references(session, tenant.code, content, None)
    if topic_id is not None:
        topic = session.get(NewsroomTopic, topic_id)
        if topic is None or topic.tenant_code != tenant.code:
            raise NewsroomError("newsroom_topic_not_found", topic=topic_id)
    story = NewsroomStory(
        tenant_code=tenant.code,
        kind=content.kind.value,
        state=StoryState.DRAFT.value,
        review_levels=tenant.review_levels,
        author_id=actor.id,
        created_by=actor.id,
        approvals=[],
        working_version=1,
        live_version=None,
        topic_id=topic_id,
        created_at=now,
        updated_at=now,
    )
    session.add(story)
    session.flush()
    _add_version(session, story, 1, actor.id, content, now)
    audit(session, story, actor.id, now, "create", None, changes(None, content), version=1)
    return story


def edit_story(
    session: Session, actor: Actor, story_id: int, content: Content, now: datetime
) -> NewsroomStory:
    """A new working version of a draft, by its author."""
    story = _story(session, actor, story_id, lock=True)
    tenant = tenant_ref(session, story.tenant_code)
    flow = flow_of(story)
    _gate(actor, Action.EDIT, tenant, flow)
    if content.kind.value != story.kind:
        raise NewsroomError("newsroom_bad_kind", kind=content.kind.value)
    before = content_of(story, version(session, story.id, story.working_version))
    _check_references(session, story.tenant_code, content, before)
    apply(flow, Step(Action.EDIT, actor.id, now))
    number = _next_number(session, story.id)
    _add_version(session, story, number, actor.id, content, now)
    story.working_version = number
    story.updated_at = now
    audit(session, story, actor.id, now, "edit", story.state, changes(before, content), number)
    return story


def act(
    session: Session,
    actor: Actor,
    story_id: int,
    action: Action,
    now: datetime,
    *,
    comment: str = "",
    publish_at: datetime | None = None,
) -> NewsroomStory:
    """Move a story through the workflow: submit, approve, reject, veto, schedule,
    publish (a scheduled story, now), correct, unpublish, take down."""
    if action not in TRANSITION_ACTIONS:
        raise NewsroomError("newsroom_wrong_state", **_state_values(action, None))
    story = _story(session, actor, story_id, lock=True)
    tenant = tenant_ref(session, story.tenant_code)
    flow = flow_of(story)
    if action is Action.SUBMIT:  # the centre's levels when the story enters review
        flow = Flow(tenant.review_levels, flow.author, flow.state, (), flow.live, flow.publish_at)
    _gate(actor, action, tenant, flow)
    step = Step(action, actor.id, now, comment=comment.strip()[:2000], publish_at=publish_at)
    return _carry_out(session, story, flow, step)


def publish_due(session: Session, now: datetime) -> list[int]:
    """Publish every scheduled story whose time has come (the scheduler, no actor)."""
    due = session.scalars(
        select(NewsroomStory)
        .where(
            NewsroomStory.state == StoryState.SCHEDULED.value,
            NewsroomStory.publish_at <= now,
        )
        .order_by(NewsroomStory.publish_at)
        .with_for_update(skip_locked=True)
    ).all()
    for story in due:
        _carry_out(session, story, flow_of(story), Step(Action.PUBLISH, None, now))
    return [story.id for story in due]


def _carry_out(session: Session, story: NewsroomStory, flow: Flow, step: Step) -> NewsroomStory:
    outcome = apply(flow, step)
    after = outcome.flow
    record: dict[str, Any] = {}
    if Effect.NEW_VERSION in outcome.effects:  # a correction starts from the working copy
        assert step.actor is not None
        source = version(session, story.id, story.working_version)
        number = _next_number(session, story.id)
        _add_version(session, story, number, step.actor, content_of(story, source), step.at)
        record["working_version"] = {"from": story.working_version, "to": number}
        story.working_version = number
    if Effect.GO_LIVE in outcome.effects:
        record["live_version"] = {"from": story.live_version, "to": story.working_version}
        story.live_version = story.working_version
        story.published_at = step.at
    if Effect.DISCARD in outcome.effects:
        assert story.live_version is not None
        record["working_version"] = {"from": story.working_version, "to": story.live_version}
        story.working_version = story.live_version
        after = Flow(
            after.levels,
            version(session, story.id, story.live_version).author_id,
            after.state,
            after.approvals,
            after.live,
            after.publish_at,
        )
    if Effect.GO_DARK in outcome.effects:
        record["live_version"] = {"from": story.live_version, "to": None}
        story.live_version = None
    if Effect.GO_LIVE in outcome.effects or Effect.GO_DARK in outcome.effects:
        live = story.live_version
        shown = None if live is None else content_of(story, version(session, story.id, live))
        live_events.follow_publication(session, story, shown)  # a live event's channel
    if flow.publish_at != after.publish_at:
        record["publish_at"] = {"from": seconds(flow.publish_at), "to": seconds(after.publish_at)}
    before_state = story.state
    story.state = after.state.value
    story.review_levels = after.levels
    story.author_id = after.author
    story.approvals = list(after.approvals)
    story.publish_at = after.publish_at
    story.updated_at = step.at
    audit(
        session,
        story,
        step.actor,
        step.at,
        step.action.value,
        before_state,
        record,
        story.working_version,
        comment=step.comment,
    )
    return story


# -- reading ---------------------------------------------------------------------------


def story_json(session: Session, story: NewsroomStory) -> dict[str, Any]:
    """A story as its centre's staff see it: state, working and live versions."""
    state = StoryState(story.state)
    working = version(session, story.id, story.working_version)
    live = None if story.live_version is None else version(session, story.id, story.live_version)
    names = _usernames(session, {story.author_id, *story.approvals})
    return {
        "id": story.id,
        "tenant": story.tenant_code,
        "kind": story.kind,
        "state": state.value,
        "state_label": label(STATE_LABELS[state]),
        "review_levels": story.review_levels,
        "author": names.get(story.author_id),
        "approvals": [names.get(i) for i in story.approvals],
        "publish_at": seconds(story.publish_at),
        "published_at": seconds(story.published_at),
        "working_version": version_json(working),
        "live_version": None if live is None else version_json(live),
        "topic": story.topic_id,
    }


def get_story(session: Session, actor: Actor, story_id: int) -> NewsroomStory:
    """A story its reader may see; reading never publishes (``publish_due`` is the loop's)."""
    return _story(session, actor, story_id)


def list_stories(
    session: Session,
    actor: Actor,
    tenant_code: str,
    state: StoryState | None = None,
    limit: int = 100,
) -> list[NewsroomStory]:
    """A centre's stories, newest first (its staff only: drafts stay in the centre)."""
    require(may(actor, Action.VIEW_DRAFTS, tenant_ref(session, tenant_code)))
    query = select(NewsroomStory).where(NewsroomStory.tenant_code == tenant_code)
    if state is not None:
        query = query.where(NewsroomStory.state == state.value)
    query = query.order_by(NewsroomStory.updated_at.desc(), NewsroomStory.id.desc())
    return list(session.scalars(query.limit(max(1, min(limit, 500)))))


def versions(session: Session, actor: Actor, story_id: int) -> list[dict[str, Any]]:
    story = _story(session, actor, story_id)
    rows = session.scalars(
        select(NewsroomVersion)
        .where(NewsroomVersion.story_id == story.id)
        .order_by(NewsroomVersion.number)
    )
    return [version_json(v) for v in rows]


def audit_trail(session: Session, actor: Actor, story_id: int) -> list[dict[str, Any]]:
    story = _story(session, actor, story_id)
    query = select(NewsroomAudit).where(NewsroomAudit.story_id == story.id)
    rows = list(session.scalars(query.order_by(NewsroomAudit.id)))
    names = _usernames(session, {r.actor_id for r in rows if r.actor_id is not None})
    return [
        {
            "at": seconds(r.at),
            "actor": names.get(r.actor_id) if r.actor_id is not None else None,
            "action": r.action,
            "from_state": r.from_state,
            "to_state": r.to_state,
            "version": r.version,
            "recommendation": r.recommendation_id,
            "changes": r.changes,
            "comment": r.comment,
        }
        for r in rows
    ]


def version(session: Session, story_id: int, number: int) -> NewsroomVersion:
    found = session.scalar(
        select(NewsroomVersion).where(
            NewsroomVersion.story_id == story_id, NewsroomVersion.number == number
        )
    )
    assert found is not None, (story_id, number)
    return found


def content_of(story: NewsroomStory, row: NewsroomVersion) -> Content:
    """A stored version's content (checked when it was stored)."""
    return from_json(
        {
            "kind": story.kind,
            "title": row.title,
            "summary": row.summary,
            "body_html": row.body_html,
            "images": row.images,
            "video_asset": row.video_asset,
            "details": row.details,
        }
    )


def version_json(row: NewsroomVersion) -> dict[str, Any]:
    return {
        "number": row.number,
        "title": row.title,
        "summary": row.summary,
        "body_html": row.body_html,
        "images": row.images,
        "video_asset": row.video_asset,
        "details": row.details,
        "created_at": seconds(row.created_at),
    }


def flow_of(story: NewsroomStory) -> Flow:
    return Flow(
        levels=story.review_levels,
        author=story.author_id,
        state=StoryState(story.state),
        approvals=tuple(story.approvals),
        live=story.live_version is not None,
        publish_at=_aware(story.publish_at),
    )


# -- helpers ---------------------------------------------------------------------------


def _story(session: Session, actor: Actor, story_id: int, *, lock: bool = False) -> NewsroomStory:
    """A story its centre's staff may see; "not found" for everyone else."""
    query = select(NewsroomStory).where(NewsroomStory.id == story_id)
    story = session.scalar(query.with_for_update() if lock else query)
    if story is None or not may(actor, Action.VIEW_DRAFTS, tenant_ref(session, story.tenant_code)):
        raise NewsroomError("newsroom_story_not_found", story=story_id)
    return story


def _gate(actor: Actor, action: Action, tenant: TenantRef, flow: Flow) -> None:
    require(may(actor, action, tenant, flow.state, flow.author, flow.approvals, live=flow.live))


def _check_references(
    session: Session, tenant_code: str, content: Content, before: Content | None
) -> None:
    """What the content points at must exist: a live event's channel, of the lineup (a
    temporary one is a story's own); its video and images must be the centre's own (its
    media library, or a tip's video)."""
    library.check_attachments(session, tenant_code, content, before)
    if isinstance(content.details, LiveEvent) and content.details.channel:
        channel = content.details.channel
        found = select(Channel.id).where(
            Channel.tvg_id == channel, Channel.event_story_id.is_(None)
        )
        if session.scalar(found) is None:
            raise NewsroomError("newsroom_channel_not_found", channel=channel)


def _add_version(
    session: Session,
    story: NewsroomStory,
    number: int,
    author: int,
    content: Content,
    now: datetime,
) -> NewsroomVersion:
    data = content.as_json()
    row = NewsroomVersion(
        story_id=story.id,
        number=number,
        author_id=author,
        title=data["title"],
        summary=data["summary"],
        body_html=data["body_html"],
        images=data["images"],
        video_asset=data["video_asset"],
        details=data["details"],
        created_at=now,
    )
    session.add(row)
    session.flush()
    library.record_usage(session, row, story.tenant_code)
    return row


def _next_number(session: Session, story_id: int) -> int:
    top = session.scalar(
        select(func.max(NewsroomVersion.number)).where(NewsroomVersion.story_id == story_id)
    )
    return int(top or 0) + 1


def audit(
    session: Session,
    story: NewsroomStory,
    actor: int | None,
    at: datetime,
    action: str,
    from_state: str | None,
    what: dict[str, Any],
    version: int | None,
    *,
    comment: str = "",
    to_state: str | None = None,
    recommendation: int | None = None,
) -> None:
    session.add(
        NewsroomAudit(
            story_id=story.id,
            recommendation_id=recommendation,
            tenant_code=story.tenant_code,
            actor_id=actor,
            at=at,
            action=action,
            from_state=from_state,
            to_state=to_state or story.state,
            version=version,
            changes=what,
            comment=comment,
        )
    )


def _usernames(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(NewsroomStaff.id, NewsroomStaff.username).where(NewsroomStaff.id.in_(ids))
    )
    return {staff_id: username for staff_id, username in rows}


def _state_values(action: Action, state: StoryState | None) -> dict[str, str]:
    en, zh = STATE_LABELS[state] if state else ("no story", "无稿件")
    return {"action": action.value, "state_en": en, "state_zh": zh}


def seconds(moment: datetime | None) -> int | None:
    aware = _aware(moment)
    return None if aware is None else int(aware.timestamp())


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
