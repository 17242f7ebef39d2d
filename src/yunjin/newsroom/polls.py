"""Simple polls on stories: a question, 2–6 options, open from one time until another.

Editors of the story's centre attach one poll to a story and may close it early. A
subscriber household votes once — the votes' primary key (poll, household) refuses a
second vote even from two requests at the same moment, and a two-column foreign key
refuses an option of another poll. Results show to a household after it voted, to
everyone once the poll is closed, and always to the centre's staff.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yunjin.db.models import NewsroomPoll, NewsroomPollOption, NewsroomPollVote, NewsroomStory
from yunjin.i18n import register
from yunjin.newsroom.citizens import Citizen, public_story_tenant
from yunjin.newsroom.content import plain
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.permissions import Actor, may, require
from yunjin.newsroom.stories import seconds
from yunjin.newsroom.tenants import tenant_ref
from yunjin.newsroom.terms import STATE_LABELS, TERMINAL, Action, StoryState

MIN_OPTIONS: Final = 2
MAX_OPTIONS: Final = 6
MAX_QUESTION: Final = 200
MAX_OPTION: Final = 100
LONGEST: Final = timedelta(days=366)

register(
    {
        "newsroom_poll_options": (
            "A poll has {low} to {high} different options.",
            "投票须有 {low} 至 {high} 个互不相同的选项。",
        ),
        "newsroom_poll_window": (
            "A poll closes after it opens, in the future, within a year.",
            "投票的截止时间须晚于开始时间、晚于当前时间，且不超过一年。",
        ),
        "newsroom_poll_exists": (
            "Story {story} already has a poll.",
            "稿件 {story} 已有投票。",
        ),
        "newsroom_poll_not_found": ("No poll here.", "此处没有投票。"),
        "newsroom_poll_not_open": (
            "The poll is not open ({state}).",
            "投票当前不可参与（{state}）。",
        ),
        "newsroom_poll_bad_option": (
            "Option {option} is not one of this poll's.",
            "选项 {option} 不属于本投票。",
        ),
        "newsroom_already_voted": (
            "Your household has already voted in this poll.",
            "您的家庭已参与过本次投票。",
        ),
    }
)


class PollState(StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"


def poll_state(poll: NewsroomPoll, now: datetime) -> PollState:
    if now < _aware(poll.opens_at, now):
        return PollState.UPCOMING
    if now < _aware(poll.closes_at, now):
        return PollState.OPEN
    return PollState.CLOSED


def attach_poll(
    session: Session,
    actor: Actor,
    story_id: int,
    question: str,
    options: Sequence[str],
    now: datetime,
    *,
    opens_at: datetime | None = None,
    closes_at: datetime,
) -> NewsroomPoll:
    """A poll on a story of the actor's centre (not a vetoed or taken-down one)."""
    story = _staff_story(session, actor, story_id)
    require(may(actor, Action.MANAGE_POLLS, tenant_ref(session, story.tenant_code)))
    state = StoryState(story.state)
    if state in TERMINAL:
        en, zh = STATE_LABELS[state]
        action = Action.MANAGE_POLLS.value
        raise NewsroomError("newsroom_wrong_state", action=action, state_en=en, state_zh=zh)
    labels = [plain(o, "options", MAX_OPTION, required=True) for o in options]
    if not MIN_OPTIONS <= len(labels) <= MAX_OPTIONS or len(set(labels)) != len(labels):
        raise NewsroomError("newsroom_poll_options", low=MIN_OPTIONS, high=MAX_OPTIONS)
    opens = opens_at or now
    if not (opens < closes_at and now < closes_at and closes_at - opens <= LONGEST):
        raise NewsroomError("newsroom_poll_window")
    if session.scalar(select(NewsroomPoll.id).where(NewsroomPoll.story_id == story_id)):
        raise NewsroomError("newsroom_poll_exists", story=story_id)
    poll = NewsroomPoll(
        story_id=story_id,
        tenant_code=story.tenant_code,
        question=plain(question, "question", MAX_QUESTION, required=True),
        opens_at=opens,
        closes_at=closes_at,
        created_by=actor.id,
        created_at=now,
    )
    session.add(poll)
    try:
        session.flush()
    except IntegrityError:  # another editor attached one at the same moment
        raise NewsroomError("newsroom_poll_exists", story=story_id) from None
    for position, label in enumerate(labels, start=1):
        session.add(NewsroomPollOption(poll_id=poll.id, position=position, label=label))
    session.flush()
    return poll


def close_poll(session: Session, actor: Actor, story_id: int, now: datetime) -> NewsroomPoll:
    """Close a poll now (an editor of its centre); a closed poll stays closed."""
    story = _staff_story(session, actor, story_id)
    require(may(actor, Action.MANAGE_POLLS, tenant_ref(session, story.tenant_code)))
    poll = _poll_of(session, story_id)
    if poll_state(poll, now) is not PollState.CLOSED:
        poll.closes_at = now
        if _aware(poll.opens_at, now) > now:
            poll.opens_at = now
    return poll


def staff_poll(session: Session, actor: Actor, story_id: int, now: datetime) -> dict[str, Any]:
    """A story's poll with its results, for its centre's staff."""
    _staff_story(session, actor, story_id)
    return poll_json(session, _poll_of(session, story_id), now, results=True)


def vote(
    session: Session, who: Citizen, story_id: int, option_id: int, now: datetime
) -> dict[str, Any]:
    """A household's one vote in the poll of a public story; the poll with its results."""
    public_story_tenant(session, story_id, now)
    poll = _poll_of(session, story_id)
    state = poll_state(poll, now)
    if state is not PollState.OPEN:
        raise NewsroomError("newsroom_poll_not_open", state=state.value)
    if session.get(NewsroomPollVote, (poll.id, who.household_id)) is not None:
        raise NewsroomError("newsroom_already_voted")
    option = session.get(NewsroomPollOption, option_id)
    if option is None or option.poll_id != poll.id:
        raise NewsroomError("newsroom_poll_bad_option", option=option_id)
    session.add(
        NewsroomPollVote(
            poll_id=poll.id, household_id=who.household_id, option_id=option.id, voted_at=now
        )
    )
    try:
        session.flush()
    except IntegrityError:  # the same household voted from another device at once
        raise NewsroomError("newsroom_already_voted") from None
    return poll_json(session, poll, now, household_id=who.household_id)


def public_poll(
    session: Session, story_id: int, now: datetime, household_id: int | None = None
) -> dict[str, Any] | None:
    """The poll of a public story as a household (or anyone) sees it; None without one."""
    public_story_tenant(session, story_id, now)
    poll = session.scalar(select(NewsroomPoll).where(NewsroomPoll.story_id == story_id))
    return None if poll is None else poll_json(session, poll, now, household_id=household_id)


def poll_json(
    session: Session,
    poll: NewsroomPoll,
    now: datetime,
    *,
    household_id: int | None = None,
    results: bool = False,
) -> dict[str, Any]:
    state = poll_state(poll, now)
    options = session.scalars(
        select(NewsroomPollOption)
        .where(NewsroomPollOption.poll_id == poll.id)
        .order_by(NewsroomPollOption.position)
    ).all()
    mine = (
        session.get(NewsroomPollVote, (poll.id, household_id)) if household_id is not None else None
    )
    shown = results or state is PollState.CLOSED or mine is not None
    answer: dict[str, Any] = {
        "id": poll.id,
        "story": poll.story_id,
        "question": poll.question,
        "state": state.value,
        "opens_at": seconds(poll.opens_at),
        "closes_at": seconds(poll.closes_at),
        "options": [{"id": o.id, "label": o.label} for o in options],
        "voted": None if mine is None else mine.option_id,
        "results": None,
    }
    if shown:
        counts = dict(
            session.execute(
                select(NewsroomPollVote.option_id, func.count())
                .where(NewsroomPollVote.poll_id == poll.id)
                .group_by(NewsroomPollVote.option_id)
            ).all()
        )
        answer["results"] = {
            "total": sum(counts.values()),
            "votes": {str(o.id): int(counts.get(o.id, 0)) for o in options},
        }
    return answer


def _staff_story(session: Session, actor: Actor, story_id: int) -> NewsroomStory:
    story = session.get(NewsroomStory, story_id)
    if story is None or not may(actor, Action.VIEW_DRAFTS, tenant_ref(session, story.tenant_code)):
        raise NewsroomError("newsroom_story_not_found", story=story_id)
    return story


def _poll_of(session: Session, story_id: int) -> NewsroomPoll:
    poll = session.scalar(select(NewsroomPoll).where(NewsroomPoll.story_id == story_id))
    if poll is None:
        raise NewsroomError("newsroom_poll_not_found")
    return poll


def _aware(moment: datetime, like: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=like.tzinfo)
