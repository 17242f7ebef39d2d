"""Subscribers' comments on published stories, and their moderation by the story's centre.

A comment is plain text (``citizens.plain_text``: no markup survives), at most
:data:`MAX_COMMENT` characters, at most :data:`PER_WINDOW` per household per
:data:`WINDOW`. A centre pre-moderates by default: a comment waits (``pending``) until an
editor approves it; a centre that turns pre-moderation off publishes comments at once and
its editors may still reject them afterwards. Only a story the public may see shows its
comments, so unpublishing or taking a story down hides them too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.db.models import NewsroomComment, NewsroomInteractionSettings, NewsroomStaff
from yunjin.i18n import register
from yunjin.newsroom.citizens import Citizen, check_rate, plain_text, public_story_tenant
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.permissions import Actor, may, require
from yunjin.newsroom.stories import seconds
from yunjin.newsroom.tenants import tenant_ref
from yunjin.newsroom.terms import Action

MAX_COMMENT: Final = 500
MAX_REASON: Final = 500
PER_WINDOW: Final = 5
WINDOW: Final = timedelta(minutes=10)
SHOWN: Final = 200

register(
    {
        "newsroom_comment_not_found": ("No comment {comment}.", "评论 {comment} 不存在。"),
        "newsroom_comment_unchanged": (
            "Comment {comment} is already {state}.",
            "评论 {comment} 已是“{state}”状态。",
        ),
        "newsroom_bad_verdict": (
            "Use approve or reject, not {verdict!r}.",
            "只能通过（approve）或驳回（reject），不能为 {verdict!r}。",
        ),
    }
)


class CommentState(StrEnum):
    PENDING = "pending"  # waiting for an editor
    PUBLISHED = "published"
    REJECTED = "rejected"


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


# verdict → (the states it applies to, the state it leads to)
VERDICTS: Final = {
    Verdict.APPROVE: (
        frozenset({CommentState.PENDING, CommentState.REJECTED}),
        CommentState.PUBLISHED,
    ),
    Verdict.REJECT: (
        frozenset({CommentState.PENDING, CommentState.PUBLISHED}),
        CommentState.REJECTED,
    ),
}


def parse_verdict(value: str) -> Verdict:
    try:
        return Verdict(value)
    except ValueError:
        raise NewsroomError("newsroom_bad_verdict", verdict=value[:40]) from None


def premoderated(session: Session, tenant_code: str) -> bool:
    settings = session.get(NewsroomInteractionSettings, tenant_code)
    return True if settings is None else settings.premoderate_comments


def post_comment(
    session: Session, who: Citizen, story_id: int, text: str, now: datetime
) -> NewsroomComment:
    """A household's comment on a public story: pending, or published at once where the
    centre does not pre-moderate."""
    tenant = public_story_tenant(session, story_id, now)
    body = plain_text(text, "comment", MAX_COMMENT)
    check_rate(
        session,
        NewsroomComment.created_at,
        NewsroomComment.household_id,
        who.household_id,
        now,
        WINDOW,
        PER_WINDOW,
    )
    state = CommentState.PENDING if premoderated(session, tenant) else CommentState.PUBLISHED
    comment = NewsroomComment(
        story_id=story_id,
        tenant_code=tenant,
        household_id=who.household_id,
        author_name=who.display_name,
        text=body,
        state=state.value,
        created_at=now,
    )
    session.add(comment)
    session.flush()
    return comment


def public_comments(
    session: Session, story_id: int, now: datetime, household_id: int | None = None
) -> dict[str, Any]:
    """The published comments of a public story, oldest first; with ``household_id``
    also that household's own comments that wait or were rejected."""
    public_story_tenant(session, story_id, now)
    rows = session.scalars(
        select(NewsroomComment)
        .where(
            NewsroomComment.story_id == story_id,
            NewsroomComment.state == CommentState.PUBLISHED.value,
        )
        .order_by(NewsroomComment.id.desc())
        .limit(SHOWN)
    ).all()
    answer: dict[str, Any] = {"comments": [_public_json(c) for c in reversed(rows)]}
    if household_id is not None:
        mine = session.scalars(
            select(NewsroomComment)
            .where(
                NewsroomComment.story_id == story_id,
                NewsroomComment.household_id == household_id,
            )
            .order_by(NewsroomComment.id)
            .limit(SHOWN)
        )
        answer["mine"] = [{**_public_json(c), "state": c.state} for c in mine]
    return answer


def moderation_queue(
    session: Session,
    actor: Actor,
    tenant_code: str,
    state: CommentState | None = CommentState.PENDING,
    limit: int = 200,
) -> list[dict[str, Any]]:
    require(may(actor, Action.MODERATE_COMMENTS, tenant_ref(session, tenant_code)))
    query = select(NewsroomComment).where(NewsroomComment.tenant_code == tenant_code)
    if state is not None:
        query = query.where(NewsroomComment.state == state.value)
    rows = session.scalars(query.order_by(NewsroomComment.id).limit(max(1, min(limit, 500))))
    return [staff_json(session, c) for c in rows]


def moderate(
    session: Session,
    actor: Actor,
    comment_id: int,
    verdict: Verdict,
    now: datetime,
    reason: str = "",
) -> NewsroomComment:
    """Approve or reject a comment, by an editor of the story's centre."""
    comment = session.scalar(
        select(NewsroomComment).where(NewsroomComment.id == comment_id).with_for_update()
    )
    tenant = tenant_ref(session, comment.tenant_code) if comment is not None else None
    if comment is None or tenant is None or not may(actor, Action.VIEW_DRAFTS, tenant):
        raise NewsroomError("newsroom_comment_not_found", comment=comment_id)
    require(may(actor, Action.MODERATE_COMMENTS, tenant))
    applies_to, after = VERDICTS[verdict]
    if CommentState(comment.state) not in applies_to:
        raise NewsroomError("newsroom_comment_unchanged", comment=comment_id, state=comment.state)
    comment.state = after.value
    comment.moderated_by = actor.id
    comment.moderated_at = now
    comment.reason = plain_text(reason, "reason", MAX_REASON) if reason.strip() else ""
    return comment


def set_premoderation(
    session: Session, actor: Actor, tenant_code: str, premoderate: bool, now: datetime
) -> NewsroomInteractionSettings:
    require(may(actor, Action.CONFIGURE_INTERACTION, tenant_ref(session, tenant_code)))
    settings = session.get(NewsroomInteractionSettings, tenant_code)
    if settings is None:
        settings = NewsroomInteractionSettings(tenant_code=tenant_code)
        session.add(settings)
    settings.premoderate_comments = premoderate
    settings.updated_by = actor.id
    settings.updated_at = now
    session.flush()
    return settings


def interaction_settings(session: Session, actor: Actor, tenant_code: str) -> dict[str, Any]:
    require(may(actor, Action.VIEW_DRAFTS, tenant_ref(session, tenant_code)))
    return {"tenant": tenant_code, "premoderate_comments": premoderated(session, tenant_code)}


def staff_json(session: Session, comment: NewsroomComment) -> dict[str, Any]:
    moderator = session.get(NewsroomStaff, comment.moderated_by) if comment.moderated_by else None
    return {
        **_public_json(comment),
        "story": comment.story_id,
        "tenant": comment.tenant_code,
        "state": comment.state,
        "household": comment.household_id,
        "moderated_by": moderator.username if moderator else None,
        "moderated_at": seconds(comment.moderated_at),
        "reason": comment.reason,
    }


def _public_json(comment: NewsroomComment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "author": comment.author_name,
        "text": comment.text,
        "created_at": seconds(comment.created_at),
    }
