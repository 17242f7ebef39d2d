"""The review workflow as a state machine: its table, its paths, and properties over any
sequence of actions (no publication without the configured number of distinct approvers,
none of them the author, all after the last change; a live version changes only so)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.terms import STAGES, STORY_ACTIONS, Action, StoryState
from yunjin.newsroom.workflow import TRANSITIONS, Effect, Flow, Step, apply, possible, start

S = StoryState
T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
AUTHOR, ED, DESK, CHIEF, OTHER = 1, 2, 3, 4, 5


def run(flow: Flow, *steps: tuple[Action, int | None]) -> Flow:
    for action, actor in steps:
        flow = apply(flow, Step(action, actor, T0, comment="why")).flow
    return flow


@pytest.mark.parametrize(
    ("levels", "path"),
    [
        (3, [S.FIRST_REVIEW, S.SECOND_REVIEW, S.FINAL_REVIEW, S.PUBLISHED]),
        (2, [S.FIRST_REVIEW, S.FINAL_REVIEW, S.PUBLISHED]),
        (1, [S.FINAL_REVIEW, S.PUBLISHED]),
    ],
)
def test_each_configured_level_is_one_review(levels: int, path: list[StoryState]) -> None:
    flow = apply(start(levels, AUTHOR), Step(Action.SUBMIT, AUTHOR, T0))
    seen = [flow.flow.state]
    current = flow.flow
    for reviewer in (ED, DESK, CHIEF)[-levels:]:
        outcome = apply(current, Step(Action.APPROVE, reviewer, T0))
        current = outcome.flow
        seen.append(current.state)
    assert seen == path
    assert outcome.effects == {Effect.GO_LIVE}
    assert current.live
    assert current.approvals == (ED, DESK, CHIEF)[-levels:]


def test_the_author_and_a_repeat_approver_are_refused() -> None:
    flow = run(start(3, AUTHOR), (Action.SUBMIT, AUTHOR))
    with pytest.raises(NewsroomError) as own:
        apply(flow, Step(Action.APPROVE, AUTHOR, T0))
    assert own.value.code == "newsroom_own_story"
    flow = run(flow, (Action.APPROVE, CHIEF))
    with pytest.raises(NewsroomError) as twice:
        apply(flow, Step(Action.APPROVE, CHIEF, T0))
    assert twice.value.code == "newsroom_already_approved"


def test_rejection_needs_a_comment_and_returns_to_the_author() -> None:
    flow = run(start(3, AUTHOR), (Action.SUBMIT, AUTHOR), (Action.APPROVE, ED))
    with pytest.raises(NewsroomError) as bare:
        apply(flow, Step(Action.REJECT, DESK, T0, comment="  "))
    assert bare.value.code == "newsroom_comment_required"
    back = apply(flow, Step(Action.REJECT, DESK, T0, comment="sources?")).flow
    assert (back.state, back.approvals, back.author) == (S.DRAFT, (), AUTHOR)


def test_a_correction_is_reviewed_again_while_the_live_version_stays() -> None:
    live = run(
        start(2, AUTHOR), (Action.SUBMIT, AUTHOR), (Action.APPROVE, ED), (Action.APPROVE, CHIEF)
    )
    fixing = apply(live, Step(Action.CORRECT, ED, T0))
    assert fixing.effects == {Effect.NEW_VERSION}
    assert (fixing.flow.state, fixing.flow.author, fixing.flow.live) == (S.DRAFT, ED, True)
    in_review = run(fixing.flow, (Action.SUBMIT, ED), (Action.APPROVE, DESK))
    assert in_review.live
    vetoed = apply(in_review, Step(Action.VETO, CHIEF, T0, comment="no"))
    assert vetoed.effects == {Effect.DISCARD}
    assert (vetoed.flow.state, vetoed.flow.live) == (S.PUBLISHED, True)
    redone = run(in_review, (Action.APPROVE, CHIEF))
    assert (redone.state, redone.approvals) == (S.PUBLISHED, (DESK, CHIEF))


def test_schedule_publish_unpublish_takedown() -> None:
    later = T0 + timedelta(hours=2)
    flow = run(start(1, AUTHOR), (Action.SUBMIT, AUTHOR))
    with pytest.raises(NewsroomError) as past:
        apply(flow, Step(Action.SCHEDULE, DESK, T0, publish_at=T0 - timedelta(seconds=1)))
    assert past.value.code == "newsroom_bad_publish_at"
    flow = apply(flow, Step(Action.SCHEDULE, DESK, T0, publish_at=later)).flow
    flow = apply(flow, Step(Action.APPROVE, CHIEF, T0)).flow
    assert (flow.state, flow.live) == (S.SCHEDULED, False)
    with pytest.raises(NewsroomError) as early:
        apply(flow, Step(Action.PUBLISH, None, T0))
    assert early.value.code == "newsroom_not_due"
    due = apply(flow, Step(Action.PUBLISH, None, later))
    assert due.effects == {Effect.GO_LIVE}
    assert due.flow.state is S.PUBLISHED
    with pytest.raises(NewsroomError):
        apply(due.flow, Step(Action.TAKEDOWN, CHIEF, later, comment=""))
    gone = apply(due.flow, Step(Action.TAKEDOWN, CHIEF, later, comment="court order"))
    assert gone.effects == {Effect.GO_DARK}
    assert (gone.flow.state, gone.flow.live) == (S.TAKEN_DOWN, False)
    dark = apply(due.flow, Step(Action.UNPUBLISH, DESK, later))
    assert (dark.flow.state, dark.flow.live) == (S.UNPUBLISHED, False)
    assert dark.effects == {Effect.GO_DARK}


@pytest.mark.parametrize("state", list(StoryState), ids=lambda s: s.value)
@pytest.mark.parametrize("action", STORY_ACTIONS, ids=lambda a: a.value)
def test_anything_outside_the_table_is_refused(state: StoryState, action: Action) -> None:
    flow = Flow(levels=3, author=AUTHOR, state=state, live=state is S.PUBLISHED)
    step = Step(action, CHIEF, T0, comment="x", publish_at=T0 + timedelta(hours=1))
    takeable = action is not Action.TAKEDOWN or flow.live or state is S.SCHEDULED
    if (state, action) in TRANSITIONS and takeable:
        outcome = apply(flow, step)
        assert outcome.flow.state in TRANSITIONS[state, action]
    else:
        with pytest.raises(NewsroomError) as refused:
            apply(flow, step)
        assert refused.value.code == "newsroom_wrong_state"


def test_terminal_states_take_nothing() -> None:
    for state in (S.VETOED, S.TAKEN_DOWN):
        assert not [a for (s, a) in TRANSITIONS if s is state]


# -- properties over any sequence ------------------------------------------------------

PEOPLE = [AUTHOR, ED, DESK, CHIEF, OTHER, None]  # None: the scheduler


CHOICES = st.tuples(
    st.integers(0, 9),  # 0: any action at all, else one the table has from here
    st.integers(0, 99),  # which action
    st.sampled_from(PEOPLE),
    st.sampled_from(["", "why", "why"]),
    st.sampled_from([None, 30, 600]),  # publish in so many seconds
    st.integers(min_value=0, max_value=900),  # seconds passing before the step
)


def next_step(data: st.DataObject, flow: Flow, now: datetime) -> Step:
    """Mostly an action the table has from the current state (approvals weigh more, so
    that many sequences reach publication), sometimes any action at all."""
    anything, pick, actor, comment, delay, wait = data.draw(CHOICES)
    at = now + timedelta(seconds=wait)
    open_now = [a for a in STORY_ACTIONS if possible(a, flow.state, flow.live)]
    weighted = open_now + [Action.APPROVE] * 3 * (Action.APPROVE in open_now)
    actions = STORY_ACTIONS if anything == 0 or not weighted else weighted
    publish_at = None if delay is None else at + timedelta(seconds=delay)
    return Step(actions[pick % len(actions)], actor, at, comment, publish_at)


@dataclass
class Story:
    """The harness's own account of a story's content: which revision is being worked on,
    which is public, and at which revision each approval was given."""

    flow: Flow
    revision: int = 1
    live_revision: int | None = None
    approved_at_revision: list[int] = field(default_factory=list)
    published: int = 0


@settings(max_examples=200, deadline=None)
@given(levels=st.sampled_from([1, 2, 3]), data=st.data())
def test_nothing_goes_live_without_every_review(levels: int, data: st.DataObject) -> None:
    story = Story(start(levels, AUTHOR))
    now = T0
    for _ in range(data.draw(st.integers(min_value=0, max_value=30))):
        step = next_step(data, story.flow, now)
        now = step.at
        before = story.flow
        try:
            outcome = apply(before, step)
        except NewsroomError:
            continue  # refused: nothing changed (the flow is immutable)
        except ValueError:
            assert step.actor is None  # only the scheduler's publish runs without a person
            continue
        after = outcome.flow
        if Effect.NEW_VERSION in outcome.effects:
            story.revision += 1
        if len(after.approvals) > len(before.approvals):
            story.approved_at_revision.append(story.revision)
        elif len(after.approvals) < len(before.approvals) or not after.approvals:
            story.approved_at_revision = []
        if Effect.GO_LIVE in outcome.effects:
            # exactly the configured number of distinct approvers, none of them the author
            # of this version, every approval given to this very revision
            assert len(set(after.approvals)) == len(after.approvals) == levels
            assert after.author not in after.approvals
            assert story.approved_at_revision == [story.revision] * levels
            story.live_revision = story.revision
            story.published += 1
        if Effect.DISCARD in outcome.effects:
            assert story.live_revision is not None
            story.revision = story.live_revision
        if Effect.GO_DARK in outcome.effects:
            story.live_revision = None
        # the public version changes only through GO_LIVE and GO_DARK
        assert after.live == (story.live_revision is not None)
        # approvals belong to the version in review: none in a draft, one per stage passed
        if after.state is S.DRAFT:
            assert after.approvals == ()
        if after.state in STAGES[levels]:
            assert len(after.approvals) == STAGES[levels].index(after.state)
        if after.state is S.SCHEDULED:
            assert len(after.approvals) == levels
        story.flow = after
    if story.flow.state in (S.VETOED, S.TAKEN_DOWN):
        assert not story.flow.live
    event(f"published {min(story.published, 2)}+ times")
