"""The newsroom gate, exhaustively: every action × role × tenant relation × story state
(with and without a live version) × who the actor is to the story.

``TABLE`` below is the rule book written out as data, independently of
``permissions.RULES``; the test walks every combination and fails on any difference, and
``ALLOWED_COUNTS`` pins how many combinations each action allows, so a changed rule fails
here until both are changed on purpose.
"""

from __future__ import annotations

import ast
import itertools
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yunjin.newsroom.permissions import Actor, Grant, may
from yunjin.newsroom.tenancy import Relation, TenantRef, relation
from yunjin.newsroom.terms import Action, Role, StoryState

ME = 7
SOMEONE = 8
S = StoryState
# The pairs (state, live) a story can be in; None: an action on the centre itself.
STORY_STATES: list[tuple[StoryState | None, bool]] = [
    (None, False),
    (S.DRAFT, False),
    (S.DRAFT, True),  # a correction being written while the story is up
    (S.FIRST_REVIEW, False),
    (S.FIRST_REVIEW, True),
    (S.SECOND_REVIEW, False),
    (S.SECOND_REVIEW, True),
    (S.FINAL_REVIEW, False),
    (S.FINAL_REVIEW, True),
    (S.SCHEDULED, False),
    (S.SCHEDULED, True),
    (S.PUBLISHED, True),
    (S.UNPUBLISHED, False),
    (S.VETOED, False),
    (S.TAKEN_DOWN, False),
]
PEOPLE = ("author", "approver", "other")

# Targets and an actor's centre in each relation to them (GB/T 2260: 510000 Sichuan,
# 510100 Chengdu, 510104 Jinjiang, 510105 Qingyang, 511400 Meishan, 511402 Dongpo).
PREFECTURE = TenantRef("510100", ("510000",))
COUNTY = TenantRef("510104", ("510100", "510000"))
PLACES: list[tuple[TenantRef, TenantRef, Relation]] = [
    (PREFECTURE, PREFECTURE, Relation.SAME),
    (TenantRef("510000"), PREFECTURE, Relation.PARENT),
    (COUNTY, PREFECTURE, Relation.CHILD),
    (TenantRef("511400", ("510000",)), PREFECTURE, Relation.SIBLING),
    (TenantRef("511402", ("511400", "510000")), PREFECTURE, Relation.UNRELATED),
    (COUNTY, COUNTY, Relation.SAME),
    (PREFECTURE, COUNTY, Relation.PARENT),
    (TenantRef("510000"), COUNTY, Relation.PARENT),  # two levels up
    (TenantRef("510105", ("510100", "510000")), COUNTY, Relation.SIBLING),
    (TenantRef("511402", ("511400", "510000")), COUNTY, Relation.UNRELATED),
    (TenantRef("511400", ("510000",)), COUNTY, Relation.UNRELATED),
]

W = {"reporter", "editor", "desk_head", "chief_editor"}
E = {"editor", "desk_head", "chief_editor"}
D = {"desk_head", "chief_editor"}
C = {"chief_editor"}
EVERYONE = W | {"admin"}
REVIEWS = ("first_review", "second_review", "final_review")
STAGE = {"first_review": E, "second_review": D, "final_review": C}
LIVE_STATES = [(s.value if s else None, live) for s, live in STORY_STATES if live]


def states(
    names: list[str] | tuple[str, ...], roles: set[str], live: object = "any"
) -> dict[tuple[str | None, bool], set[str]]:
    return {
        (name, flag): roles
        for name in names
        for flag in (False, True)
        if live == "any" or flag is live
    }


# action: (relations, {(state, live): roles}, who among the people)
TABLE: dict[str, tuple[set[str], dict[tuple[str | None, bool], set[str]], str]] = {
    "create": ({"same"}, {(None, False): W}, "anyone"),
    "edit": ({"same"}, states(["draft"], W), "author"),
    "submit": ({"same"}, states(["draft"], W), "author"),
    "approve": (
        {"same"},
        {k: v for s in REVIEWS for k, v in states([s], STAGE[s]).items()},
        "fresh",
    ),
    "reject": (
        {"same"},
        {k: v for s in REVIEWS for k, v in states([s], STAGE[s]).items()},
        "anyone",
    ),
    "veto": ({"same"}, states([*REVIEWS, "scheduled"], C), "anyone"),
    "schedule": ({"same"}, states([*REVIEWS, "scheduled"], D), "anyone"),
    "publish": ({"same"}, states(["scheduled"], D), "anyone"),
    "correct": ({"same"}, {("published", True): W, ("unpublished", False): W}, "anyone"),
    "unpublish": ({"same"}, {**states(["scheduled"], D), ("published", True): D}, "anyone"),
    "takedown": (
        {"same"},
        {
            **states(["draft", *REVIEWS, "scheduled", "published"], C | {"admin"}, live=True),
            ("scheduled", False): C | {"admin"},
        },
        "anyone",
    ),
    "recommend": ({"parent"}, dict.fromkeys(LIVE_STATES, E), "anyone"),
    "review_recommendation": ({"same"}, dict.fromkeys(LIVE_STATES, D), "fresh"),
    "view_drafts": ({"same"}, {(None, False): EVERYONE}, "anyone"),
    "manage_staff": ({"same"}, {(None, False): {"admin"}}, "anyone"),
    "plan": ({"same"}, {(None, False): E}, "anyone"),
    "view_tips": ({"same"}, {(None, False): EVERYONE}, "anyone"),
    "triage_tip": ({"same"}, {(None, False): E}, "anyone"),
    "moderate_comments": ({"same"}, {(None, False): E}, "anyone"),
    "manage_polls": ({"same"}, {(None, False): E}, "anyone"),
    "configure_interaction": ({"same"}, {(None, False): C | {"admin"}}, "anyone"),
    "view_library": ({"same"}, {(None, False): EVERYONE}, "anyone"),
    "upload_media": ({"same"}, {(None, False): W}, "anyone"),
    "delete_media": ({"same"}, {(None, False): E | {"admin"}}, "anyone"),
}

# How many of the 5 roles × 11 places × 15 states × 3 people each action allows.
ALLOWED_COUNTS = {
    "create": 4 * 2 * 3,
    "edit": 4 * 2 * 2 * 1,
    "submit": 4 * 2 * 2 * 1,
    "approve": (3 + 2 + 1) * 2 * 2 * 1,
    "reject": (3 + 2 + 1) * 2 * 2 * 3,
    "veto": 1 * 2 * 8 * 3,
    "schedule": 2 * 2 * 8 * 3,
    "publish": 2 * 2 * 2 * 3,
    "correct": 4 * 2 * 2 * 3,
    "unpublish": 2 * 2 * 3 * 3,
    "takedown": 2 * 2 * 7 * 3,
    "recommend": 3 * 3 * 6 * 3,  # 3 editor roles, 3 places above, 6 live states
    "review_recommendation": 2 * 2 * 6 * 1,
    "view_drafts": 5 * 2 * 3,
    "manage_staff": 1 * 2 * 3,
    "plan": 3 * 2 * 3,
    "view_tips": 5 * 2 * 3,
    "triage_tip": 3 * 2 * 3,
    "moderate_comments": 3 * 2 * 3,
    "manage_polls": 3 * 2 * 3,
    "configure_interaction": 2 * 2 * 3,
    "view_library": 5 * 2 * 3,  # every role, in the centre itself (2 of the 11 places)
    "upload_media": 4 * 2 * 3,
    "delete_media": 4 * 2 * 3,
}


def expected(action: str, role: str, rel: str, state: str | None, live: bool, who: str) -> str:
    relations, allowed_in, people = TABLE[action]
    if rel not in relations:
        return "newsroom_other_tenant"
    if (state, live) not in allowed_in:
        return "newsroom_wrong_state"
    if role not in allowed_in[state, live]:
        return "newsroom_role_forbidden"
    if people == "author" and who != "author":
        return "newsroom_not_author"
    if people == "fresh" and who == "author":
        return "newsroom_own_story"
    if people == "fresh" and who == "approver":
        return "newsroom_already_approved"
    return "ok"


def ask(
    action: Action,
    role: Role,
    mine: TenantRef,
    target: TenantRef,
    state: StoryState | None,
    live: bool,
    who: str,
) -> str:
    """The gate's answer for one combination: "ok" or the reason of its refusal."""
    actor = Actor.of(ME, [(mine, role)])
    author = ME if who == "author" else SOMEONE
    approvals = (SOMEONE + 1, ME) if who == "approver" else (SOMEONE + 1,)
    return may(actor, action, target, state, author, approvals, live=live).reason


def test_the_table_covers_every_action() -> None:
    assert set(TABLE) == {a.value for a in Action} == set(ALLOWED_COUNTS)


def test_relations_of_the_places() -> None:
    for mine, target, rel in PLACES:
        assert relation(mine, target) is rel, (mine.code, target.code)


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_every_combination(action: Action) -> None:
    allowed = 0
    mismatches = []
    for role, (mine, target, rel), (state, live), who in itertools.product(
        Role, PLACES, STORY_STATES, PEOPLE
    ):
        got = ask(action, role, mine, target, state, live, who)
        want = expected(action.value, role.value, rel.value, state and state.value, live, who)
        if got != want:
            mismatches.append((role.value, rel.value, state, live, who, got, want))
        allowed += got == "ok"
    assert not mismatches, mismatches[:10]
    assert allowed == ALLOWED_COUNTS[action.value]


def test_every_reason_is_a_bilingual_message() -> None:
    from yunjin.newsroom.errors import MESSAGES

    reasons = Counter(
        expected(a, r, rel.value, s and s.value, live, who)
        for a, r, (_, _, rel), (s, live), who in itertools.product(
            TABLE, [r.value for r in Role], PLACES, STORY_STATES, PEOPLE
        )
    )
    assert set(reasons) - {"ok"} <= set(MESSAGES)
    assert set(reasons) == {
        "ok",
        "newsroom_other_tenant",
        "newsroom_wrong_state",
        "newsroom_role_forbidden",
        "newsroom_not_author",
        "newsroom_own_story",
        "newsroom_already_approved",
    }


grants = st.frozensets(
    st.tuples(st.sampled_from([p[0] for p in PLACES]), st.sampled_from(list(Role))), max_size=6
)


@given(
    held=grants,
    action=st.sampled_from(list(Action)),
    target=st.sampled_from([PREFECTURE, COUNTY]),
    story=st.sampled_from(STORY_STATES),
    who=st.sampled_from(PEOPLE),
)
def test_roles_in_several_centres_add_up(
    held: frozenset[tuple[TenantRef, Role]],
    action: Action,
    target: TenantRef,
    story: tuple[StoryState | None, bool],
    who: str,
) -> None:
    """A person with roles in several centres may do exactly what one of them allows."""
    state, live = story
    author = ME if who == "author" else SOMEONE
    approvals = (ME,) if who == "approver" else ()
    whole = may(Actor.of(ME, held), action, target, state, author, approvals, live=live)
    parts = [
        may(Actor(ME, frozenset({one})), action, target, state, author, approvals, live=live)
        for one in (Grant(t, r) for t, r in held)
    ]
    assert whole.allowed == any(p.allowed for p in parts)


@given(held=grants, action=st.sampled_from(list(Action)), story=st.sampled_from(STORY_STATES))
def test_drafts_never_leave_their_centre(
    held: frozenset[tuple[TenantRef, Role]],
    action: Action,
    story: tuple[StoryState | None, bool],
) -> None:
    """Without a role in the story's own centre, nothing but recommending a live story."""
    state, live = story
    outsiders = frozenset((t, r) for t, r in held if t.code != COUNTY.code)
    decision = may(Actor.of(ME, outsiders), action, COUNTY, state, SOMEONE, (), live=live)
    if decision.allowed:
        assert action is Action.RECOMMEND
        assert live


def test_routes_leave_every_decision_to_the_actions() -> None:
    """The router never asks the gate itself: every route goes through an action that does."""
    router = Path(__file__).resolve().parents[2] / "src" / "yunjin" / "newsroom" / "http.py"
    imported = {
        alias.name
        for node in ast.walk(ast.parse(router.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == "yunjin.newsroom.permissions"
        for alias in node.names
    }
    assert imported <= {"Actor"}
