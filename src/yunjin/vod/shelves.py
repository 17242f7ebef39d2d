"""What the portals browse: shelves of titles that can be played now.

A shelf is a category (电影, 纪录片 …) or "new arrivals"; a title is on a shelf only once it has
a published (``ready``) movie or episode, so nothing a subscriber picks is still transcoding,
and only while it is on offer (``offer.on_offer``: not the newsroom's media).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from yunjin.db.models import VodAsset, VodCategory, VodTitle, VodTitleCategory
from yunjin.vod.assets import AssetState
from yunjin.vod.offer import on_offer

NEW_SHELF = "new"
SHELF_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Card:
    """A title as a tile: enough to draw it and to open its page."""

    code: str
    kind: str
    title_zh: str
    title_en: str
    year: int | None
    age_rating: int
    poster: str
    uhd: bool


@dataclass(frozen=True, slots=True)
class Shelf:
    code: str
    name_zh: str
    name_en: str
    cards: tuple[Card, ...]


def poster_path(asset_code: str) -> str:
    """The public address of a published asset's poster (a promotional still, not the film)."""
    return f"/api/v1/vod/posters/{asset_code}.jpg"


def shelves(session: Session, limit: int = SHELF_LIMIT) -> list[Shelf]:
    """ "New arrivals" first, then every category with something to play, by code."""
    playable = (
        select(
            VodAsset.title_id,
            func.max(VodAsset.ready_at).label("newest"),
            func.min(VodAsset.code).label("asset"),
            func.max(case((VodAsset.uhd, 1), else_=0)).label("uhd"),
        )
        .where(VodAsset.state == AssetState.READY.value, on_offer(VodAsset.title_id))
        .group_by(VodAsset.title_id)
        .subquery()
    )
    rows = session.execute(
        select(VodTitle, playable.c.newest, playable.c.asset, playable.c.uhd)
        .join(playable, playable.c.title_id == VodTitle.id)
        .order_by(playable.c.newest.desc(), VodTitle.code)
    ).all()
    cards = {title.id: _card(title, asset, bool(uhd)) for title, _, asset, uhd in rows}
    found = [
        Shelf(NEW_SHELF, "最新上线", "New arrivals", tuple(cards[t.id] for t, *_ in rows[:limit]))
    ]
    members: dict[int, list[int]] = {}
    for category_id, title_id in session.execute(
        select(VodTitleCategory.category_id, VodTitleCategory.title_id)
    ):
        if title_id in cards:
            members.setdefault(category_id, []).append(title_id)
    for category in session.scalars(select(VodCategory).order_by(VodCategory.code)):
        titles = members.get(category.id)
        if titles:
            ordered = sorted((cards[t] for t in titles), key=lambda c: c.title_zh)
            found.append(
                Shelf(category.code, category.name_zh, category.name_en, tuple(ordered[:limit]))
            )
    return found if found[0].cards else []


def _card(title: VodTitle, asset: str, uhd: bool) -> Card:
    return Card(
        title.code,
        title.kind,
        title.title_zh,
        title.title_en,
        title.year,
        title.age_rating,
        title.poster_url or poster_path(asset),
        uhd,
    )
