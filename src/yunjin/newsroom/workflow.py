"""A story's review workflow as an explicit state machine (pure).

draft → 初审 → 复审 → 终审 → published, with the levels a media centre configured (1–3:
``terms.STAGES``). A story keeps two versions apart: the *working* version moves through
the machine, the *live* version is what the public sees. A correction of a published story
is a new working version that goes through every review again while the live one stays up;
only an approval of every configured level by as many distinct people, none of them its
author, puts a working version live (the ``GO_LIVE`` effect).

``TRANSITIONS`` is the whole table; :func:`apply` picks among its targets and says what
happens to the versions. The gate (``permissions.may``) decides *who*; this decides *what*.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Final

from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.terms import (
    REVIEW_STATES,
    STAGES,
    STATE_LABELS,
    Action,
    StoryState,
)

S = StoryState
_REVIEWS = frozenset(REVIEW_STATES)
_LIVE_CAPABLE = frozenset({S.DRAFT, *REVIEW_STATES, S.SCHEDULED, S.PUBLISHED})


class Effect(StrEnum):
    """What a transition does to the story's versions (the actions layer carries it out)."""

    NEW_VERSION = "new_version"  # a new working version (an edit, or a correction's copy)
    GO_LIVE = "go_live"  # the working version becomes the live one
    DISCARD = "discard"  # the working version is dropped: it is the live one again
    GO_DARK = "go_dark"  # nothing is live any more


def _table() -> dict[tuple[StoryState, Action], frozenset[StoryState]]:
    table: dict[tuple[StoryState, Action], frozenset[StoryState]] = {
        (S.DRAFT, Action.EDIT): frozenset({S.DRAFT}),
        (S.DRAFT, Action.SUBMIT): frozenset({S.FIRST_REVIEW, S.FINAL_REVIEW}),
        (S.SCHEDULED, Action.SCHEDULE): frozenset({S.SCHEDULED}),
        (S.SCHEDULED, Action.PUBLISH): frozenset({S.PUBLISHED}),
        (S.SCHEDULED, Action.VETO): frozenset({S.VETOED, S.PUBLISHED}),
        (S.SCHEDULED, Action.UNPUBLISH): frozenset({S.UNPUBLISHED}),
        (S.PUBLISHED, Action.UNPUBLISH): frozenset({S.UNPUBLISHED}),
        (S.PUBLISHED, Action.CORRECT): frozenset({S.DRAFT}),
        (S.UNPUBLISHED, Action.CORRECT): frozenset({S.DRAFT}),
    }
    nexts = {
        S.FIRST_REVIEW: frozenset({S.SECOND_REVIEW, S.FINAL_REVIEW}),
        S.SECOND_REVIEW: frozenset({S.FINAL_REVIEW}),
        S.FINAL_REVIEW: frozenset({S.PUBLISHED, S.SCHEDULED}),
    }
    for state in REVIEW_STATES:
        table[state, Action.APPROVE] = nexts[state]
        table[state, Action.REJECT] = frozenset({S.DRAFT})
        table[state, Action.VETO] = frozenset({S.VETOED, S.PUBLISHED})
        table[state, Action.SCHEDULE] = frozenset({state})
    for state in _LIVE_CAPABLE:  # only while something is live, or about to be
        table[state, Action.TAKEDOWN] = frozenset({S.TAKEN_DOWN})
    return table


TRANSITIONS: Final = _table()
NEEDS_COMMENT: Final = frozenset({Action.REJECT, Action.VETO, Action.TAKEDOWN})


@dataclass(frozen=True, slots=True)
class Flow:
    """What the machine knows of a story: its working version's state, author and
    approvers (in stage order), whether a version is live, and when it is to go live."""

    levels: int
    author: int
    state: StoryState = S.DRAFT
    approvals: tuple[int, ...] = ()
    live: bool = False
    publish_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One action on a story; ``actor`` None is the scheduler publishing a due story."""

    action: Action
    actor: int | None
    at: datetime
    comment: str = ""
    publish_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    flow: Flow
    effects: frozenset[Effect]


def start(levels: int, author: int) -> Flow:
    """A new story: a draft of ``author`` in a centre with ``levels`` review levels."""
    if levels not in STAGES:
        raise NewsroomError("newsroom_bad_levels", levels=levels)
    return Flow(levels=levels, author=author)


def possible(action: Action, state: StoryState, live: bool) -> bool:
    """Whether the table has ``action`` from ``state`` (takedown: only with something live
    or scheduled)."""
    if (state, action) not in TRANSITIONS:
        return False
    return action is not Action.TAKEDOWN or live or state is S.SCHEDULED


def wrong_state(action: Action, state: StoryState) -> NewsroomError:
    en, zh = STATE_LABELS[state]
    return NewsroomError("newsroom_wrong_state", action=action.value, state_en=en, state_zh=zh)


def apply(flow: Flow, step: Step) -> Outcome:
    """The flow after ``step``, or a NewsroomError; ``flow`` itself never changes."""
    action = step.action
    if not possible(action, flow.state, flow.live):
        raise wrong_state(action, flow.state)
    if action in NEEDS_COMMENT and not step.comment.strip():
        raise NewsroomError("newsroom_comment_required", action=action.value)
    if step.actor is None and action is not Action.PUBLISH:
        raise ValueError(f"only publishing is done by the scheduler, not {action}")
    outcome = _HANDLERS[action](flow, step)
    assert outcome.flow.state in TRANSITIONS[flow.state, action], (flow, step, outcome)
    return outcome


def _edit(flow: Flow, step: Step) -> Outcome:
    return Outcome(flow, frozenset({Effect.NEW_VERSION}))


def _submit(flow: Flow, step: Step) -> Outcome:
    return Outcome(replace(flow, state=STAGES[flow.levels][0], approvals=()), frozenset())


def _approve(flow: Flow, step: Step) -> Outcome:
    actor = step.actor
    if actor == flow.author:
        raise NewsroomError("newsroom_own_story")
    if actor in flow.approvals:
        raise NewsroomError("newsroom_already_approved")
    stages = STAGES[flow.levels]
    if flow.state not in stages:  # a stage this centre does not use
        raise wrong_state(step.action, flow.state)
    assert actor is not None
    approvals = (*flow.approvals, actor)
    index = stages.index(flow.state)
    if index + 1 < len(stages):
        return Outcome(replace(flow, state=stages[index + 1], approvals=approvals), frozenset())
    if flow.publish_at is not None and flow.publish_at > step.at:
        return Outcome(replace(flow, state=S.SCHEDULED, approvals=approvals), frozenset())
    return _go_live(replace(flow, approvals=approvals))


def _go_live(flow: Flow) -> Outcome:
    published = replace(flow, state=S.PUBLISHED, live=True, publish_at=None)
    return Outcome(published, frozenset({Effect.GO_LIVE}))


def _reject(flow: Flow, step: Step) -> Outcome:
    return Outcome(replace(flow, state=S.DRAFT, approvals=()), frozenset())


def _veto(flow: Flow, step: Step) -> Outcome:
    if flow.live:  # a correction vetoed: the live version stays, as it was
        kept = replace(flow, state=S.PUBLISHED, approvals=(), publish_at=None)
        return Outcome(kept, frozenset({Effect.DISCARD}))
    return Outcome(replace(flow, state=S.VETOED, approvals=(), publish_at=None), frozenset())


def _schedule(flow: Flow, step: Step) -> Outcome:
    at = step.publish_at
    if at is None and flow.state is S.SCHEDULED:
        raise NewsroomError("newsroom_bad_publish_at")  # publish now instead
    if at is not None and at <= step.at:
        raise NewsroomError("newsroom_bad_publish_at")
    return Outcome(replace(flow, publish_at=at), frozenset())


def _publish(flow: Flow, step: Step) -> Outcome:
    if step.actor is None and (flow.publish_at is None or flow.publish_at > step.at):
        raise NewsroomError("newsroom_not_due")
    return _go_live(flow)


def _unpublish(flow: Flow, step: Step) -> Outcome:
    dark = replace(flow, state=S.UNPUBLISHED, live=False, publish_at=None)
    return Outcome(dark, frozenset({Effect.GO_DARK}) if flow.live else frozenset())


def _correct(flow: Flow, step: Step) -> Outcome:
    assert step.actor is not None
    draft = replace(flow, state=S.DRAFT, author=step.actor, approvals=(), publish_at=None)
    return Outcome(draft, frozenset({Effect.NEW_VERSION}))


def _takedown(flow: Flow, step: Step) -> Outcome:
    gone = replace(flow, state=S.TAKEN_DOWN, live=False, approvals=(), publish_at=None)
    return Outcome(gone, frozenset({Effect.GO_DARK}) if flow.live else frozenset())


_HANDLERS: Final = {
    Action.EDIT: _edit,
    Action.SUBMIT: _submit,
    Action.APPROVE: _approve,
    Action.REJECT: _reject,
    Action.VETO: _veto,
    Action.SCHEDULE: _schedule,
    Action.PUBLISH: _publish,
    Action.UNPUBLISH: _unpublish,
    Action.CORRECT: _correct,
    Action.TAKEDOWN: _takedown,
}
