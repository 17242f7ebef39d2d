"""The newsroom's one gate: :func:`may` decides every action of every person.

A person holds roles per media centre (``Grant``). A rule names, for each action, the
roles that may take it, where their centre must stand relative to the target centre, and
which people are excluded (the author from approving, an approver from approving again).
The story's state must allow the action (``workflow.possible``). Every refusal names its
reason; checks run tenant → state → role → person, so the reason is the most specific one.

Drafts never leave their centre: only ``RECOMMEND`` reaches across centres, from an editor
of a centre above, and only to a story that is live. Tested exhaustively in
tests/newsroom/test_permissions.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Final

from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.tenancy import Relation, TenantRef, relation
from yunjin.newsroom.terms import STATE_LABELS, Action, Role, StoryState
from yunjin.newsroom.workflow import possible

R = Role
WRITERS: Final = frozenset({R.REPORTER, R.EDITOR, R.DESK_HEAD, R.CHIEF_EDITOR})
EDITORS: Final = frozenset({R.EDITOR, R.DESK_HEAD, R.CHIEF_EDITOR})
DESK: Final = frozenset({R.DESK_HEAD, R.CHIEF_EDITOR})
CHIEF: Final = frozenset({R.CHIEF_EDITOR})
EVERY_ROLE: Final = frozenset(Role)
# Who reviews at each stage: the stage's own role or a more senior reviewer.
STAGE_ROLES: Final[Mapping[StoryState, frozenset[Role]]] = {
    StoryState.FIRST_REVIEW: EDITORS,
    StoryState.SECOND_REVIEW: DESK,
    StoryState.FINAL_REVIEW: CHIEF,
}


class Person(Enum):
    ANYONE = "anyone"
    AUTHOR = "author"  # the author of the working version
    FRESH = "fresh"  # neither the author nor anyone who already signed off


@dataclass(frozen=True, slots=True)
class Rule:
    roles: frozenset[Role] | Mapping[StoryState, frozenset[Role]]
    relations: frozenset[Relation]
    person: Person = Person.ANYONE
    story: bool = True  # False: an action on a centre, not on a story

    def roles_in(self, state: StoryState | None) -> frozenset[Role]:
        if isinstance(self.roles, frozenset):
            return self.roles
        return self.roles.get(state, frozenset()) if state is not None else frozenset()


SAME: Final = frozenset({Relation.SAME})
RULES: Final[Mapping[Action, Rule]] = {
    Action.CREATE: Rule(WRITERS, SAME, story=False),
    Action.EDIT: Rule(WRITERS, SAME, Person.AUTHOR),
    Action.SUBMIT: Rule(WRITERS, SAME, Person.AUTHOR),
    Action.APPROVE: Rule(STAGE_ROLES, SAME, Person.FRESH),
    Action.REJECT: Rule(STAGE_ROLES, SAME),
    Action.VETO: Rule(CHIEF, SAME),
    Action.SCHEDULE: Rule(DESK, SAME),
    Action.PUBLISH: Rule(DESK, SAME),
    Action.CORRECT: Rule(WRITERS, SAME),
    Action.UNPUBLISH: Rule(DESK, SAME),
    Action.TAKEDOWN: Rule(frozenset({R.CHIEF_EDITOR, R.ADMIN}), SAME),
    Action.RECOMMEND: Rule(EDITORS, frozenset({Relation.PARENT})),
    Action.REVIEW_RECOMMENDATION: Rule(DESK, SAME, Person.FRESH),
    Action.VIEW_DRAFTS: Rule(EVERY_ROLE, SAME, story=False),
    Action.MANAGE_STAFF: Rule(frozenset({R.ADMIN}), SAME, story=False),
    Action.PLAN: Rule(EDITORS, SAME, story=False),
    Action.VIEW_TIPS: Rule(EVERY_ROLE, SAME, story=False),
    Action.TRIAGE_TIP: Rule(EDITORS, SAME, story=False),
    Action.MODERATE_COMMENTS: Rule(EDITORS, SAME, story=False),
    Action.MANAGE_POLLS: Rule(EDITORS, SAME, story=False),
    Action.CONFIGURE_INTERACTION: Rule(frozenset({R.CHIEF_EDITOR, R.ADMIN}), SAME, story=False),
    Action.VIEW_LIBRARY: Rule(EVERY_ROLE, SAME, story=False),
    Action.UPLOAD_MEDIA: Rule(WRITERS, SAME, story=False),
    Action.DELETE_MEDIA: Rule(EDITORS | {R.ADMIN}, SAME, story=False),
}
_NEEDS_LIVE: Final = frozenset({Action.RECOMMEND, Action.REVIEW_RECOMMENDATION})


@dataclass(frozen=True, slots=True)
class Grant:
    tenant: TenantRef
    role: Role


@dataclass(frozen=True, slots=True)
class Actor:
    """A person (staff id) and every role they hold, in every centre."""

    id: int
    grants: frozenset[Grant]

    @classmethod
    def of(cls, staff_id: int, grants: Iterable[tuple[TenantRef, Role]]) -> Actor:
        return cls(staff_id, frozenset(Grant(tenant, role) for tenant, role in grants))

    def at(self, code: str) -> Actor:
        """The same person with only their roles in centre ``code``."""
        return Actor(self.id, frozenset(g for g in self.grants if g.tenant.code == code))

    def roles_in(self, code: str) -> frozenset[Role]:
        return frozenset(g.role for g in self.grants if g.tenant.code == code)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str  # "ok" or a message code of errors.MESSAGES
    values: Mapping[str, str]

    def __bool__(self) -> bool:
        return self.allowed


def may(
    actor: Actor,
    action: Action,
    target_tenant: TenantRef,
    story_state: StoryState | None = None,
    story_author: int | None = None,
    approvals_so_far: tuple[int, ...] = (),
    *,
    live: bool = False,
) -> Decision:
    """Whether ``actor`` may take ``action`` on a story of ``target_tenant`` (or on the
    centre itself: create, view drafts, manage staff, with ``story_state`` None).

    ``story_author`` is the author of the working version; ``approvals_so_far`` the people
    who signed it off so far (for a recommendation: its proposer); ``live`` whether a
    version of the story is public.
    """
    rule = RULES[action]
    values = {"tenant": target_tenant.code, "action": action.value}
    reachable = [g for g in actor.grants if relation(g.tenant, target_tenant) in rule.relations]
    if not reachable:
        return Decision(False, "newsroom_other_tenant", values)
    if not _state_allows(rule, action, story_state, live):
        en, zh = STATE_LABELS[story_state] if story_state else ("no story", "无稿件")
        return Decision(False, "newsroom_wrong_state", {**values, "state_en": en, "state_zh": zh})
    roles = rule.roles_in(story_state)
    if not any(g.role in roles for g in reachable):
        return Decision(False, "newsroom_role_forbidden", values)
    if rule.person is Person.AUTHOR and actor.id != story_author:
        return Decision(False, "newsroom_not_author", values)
    if rule.person is Person.FRESH:
        if actor.id == story_author:
            return Decision(False, "newsroom_own_story", values)
        if actor.id in approvals_so_far:
            return Decision(False, "newsroom_already_approved", values)
    return Decision(True, "ok", values)


def _state_allows(rule: Rule, action: Action, state: StoryState | None, live: bool) -> bool:
    if not rule.story:
        return state is None
    if state is None:
        return False
    if action in _NEEDS_LIVE:
        return live
    return possible(action, state, live)


def require(decision: Decision) -> None:
    """Raise the gate's refusal as a NewsroomError."""
    if not decision.allowed:
        raise NewsroomError(decision.reason, **decision.values)
