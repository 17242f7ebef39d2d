"""Zones and upward syndication (pure): which page a centre's stories land on, and the
small machine a recommendation passes: proposed → approved | rejected.

The provincial brand's centre has the *front page*, each prefecture's centre a *zone*,
each county's centre a *section* of its prefecture's zone. A published story appears at
once on its own centre's page; a county story reaches its zone's front page, or the
province's, only through a recommendation that the receiving centre's desk approves.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from yunjin.newsroom.errors import NewsroomError


class PageKind(StrEnum):
    FRONT_PAGE = "front_page"  # the province: the brand's front page
    ZONE = "zone"  # a prefecture
    SECTION = "section"  # a county, inside its prefecture's zone


PAGE_OF_LEVEL: Final = {
    "province": PageKind.FRONT_PAGE,
    "prefecture": PageKind.ZONE,
    "county": PageKind.SECTION,
}
PAGE_LABELS: Final[dict[PageKind, tuple[str, str]]] = {
    PageKind.FRONT_PAGE: ("Front page", "首页"),
    PageKind.ZONE: ("Zone", "专区"),
    PageKind.SECTION: ("Section", "县区频道"),
}


class RecommendationState(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


RECOMMENDATION_TRANSITIONS: Final = {
    (None, "propose"): RecommendationState.PROPOSED,
    (RecommendationState.REJECTED, "propose"): RecommendationState.PROPOSED,  # again
    (RecommendationState.PROPOSED, Verdict.APPROVE.value): RecommendationState.APPROVED,
    (RecommendationState.PROPOSED, Verdict.REJECT.value): RecommendationState.REJECTED,
}


def propose(current: RecommendationState | None, story: str, zone: str) -> RecommendationState:
    """A new proposal, or one made again after a rejection."""
    if current in (RecommendationState.PROPOSED, RecommendationState.APPROVED):
        raise NewsroomError("newsroom_recommendation_exists", story=story, zone=zone)
    return RECOMMENDATION_TRANSITIONS[current, "propose"]


def review(
    current: RecommendationState, verdict: Verdict, comment: str, recommendation: int
) -> RecommendationState:
    """The state after the receiving desk's verdict; a rejection says why."""
    if current is not RecommendationState.PROPOSED:
        raise NewsroomError(
            "newsroom_recommendation_closed", recommendation=recommendation, state=current.value
        )
    if verdict is Verdict.REJECT and not comment.strip():
        raise NewsroomError("newsroom_comment_required", action="reject")
    return RECOMMENDATION_TRANSITIONS[current, verdict.value]


def is_above(zone: str, parents: tuple[str, ...]) -> bool:
    """Whether a recommendation to ``zone`` goes upward from a centre with ``parents``."""
    return zone in parents
