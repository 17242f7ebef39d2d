"""The playable catalog in one read: movies and series episodes with a ready asset, on offer
(not the newsroom's media, ``offer.on_offer``).

What the Xtream-Codes VOD and series actions and the M3U playlist list (``interop/xtream_vod``
renders them). A movie is listed by its title's id, an episode by its own id: the numbers
Xtream apps keep for favourites, stable when an asset is replaced by a newer one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.db.models import (
    VodAsset,
    VodCategory,
    VodEpisode,
    VodSeason,
    VodTitle,
    VodTitleCategory,
)
from yunjin.vod.assets import AssetState
from yunjin.vod.catalog import TitleKind
from yunjin.vod.offer import NEWSROOM_CATEGORY, on_offer


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True)
class ListedEpisode:
    id: int
    season: int
    number: int
    title_zh: str
    title_en: str
    description_zh: str
    duration_s: float | None
    asset: str
    added_s: int


@dataclass(frozen=True, slots=True)
class ListedTitle:
    """A movie with its ready asset, or a series with its ready episodes."""

    id: int
    code: str
    kind: TitleKind
    title_zh: str
    title_en: str
    description_zh: str
    year: int | None
    age_rating: int
    cast: tuple[str, ...]
    poster_url: str
    categories: tuple[int, ...]  # category ids, the first is the title's shelf
    added_s: int  # when its newest asset became ready
    asset: str | None = None  # a movie's
    duration_s: float | None = None  # a movie's
    episodes: tuple[ListedEpisode, ...] = field(default=())
    seasons: tuple[tuple[int, str], ...] = field(default=())  # (number, name) with episodes


def categories(session: Session) -> list[Category]:
    return [
        Category(row.id, row.code, row.name_zh, row.name_en)
        for row in session.scalars(
            select(VodCategory)
            .where(VodCategory.code != NEWSROOM_CATEGORY)
            .order_by(VodCategory.code)
        )
    ]


def listed_titles(
    session: Session, kind: TitleKind, *, ids: Sequence[int] | None = None
) -> list[ListedTitle]:
    """Titles of ``kind`` with at least one ready asset (``ids``: only those), by title."""
    query = (
        select(VodAsset, VodTitle)
        .join(VodTitle, VodTitle.id == VodAsset.title_id)
        .where(
            VodAsset.state == AssetState.READY.value,
            VodTitle.kind == kind.value,
            on_offer(VodTitle.id),
        )
        .order_by(VodAsset.ready_at, VodAsset.id)
    )
    if ids is not None:
        query = query.where(VodTitle.id.in_(list(ids)))
    titles: dict[int, VodTitle] = {}
    newest: dict[tuple[int, int | None], VodAsset] = {}
    for asset, title in session.execute(query):
        titles[title.id] = title
        newest[(title.id, asset.episode_id)] = asset  # later rows are newer
    if not titles:
        return []
    shelves: dict[int, list[int]] = {}
    for title_id, category_id in session.execute(
        select(VodTitleCategory.title_id, VodTitleCategory.category_id)
        .where(VodTitleCategory.title_id.in_(list(titles)))
        .order_by(VodTitleCategory.title_id, VodTitleCategory.category_id)
    ):
        shelves.setdefault(title_id, []).append(category_id)
    episodes = _episodes(session, newest) if kind is TitleKind.SERIES else {}
    listed = []
    for title in sorted(titles.values(), key=lambda t: (t.title_zh, t.code)):
        movie = newest.get((title.id, None)) if kind is TitleKind.MOVIE else None
        own = episodes.get(title.id, ([], []))
        added = max(
            (_seconds(a.ready_at) for (t, _), a in newest.items() if t == title.id), default=0
        )
        listed.append(
            ListedTitle(
                id=title.id,
                code=title.code,
                kind=TitleKind(title.kind),
                title_zh=title.title_zh,
                title_en=title.title_en,
                description_zh=title.description_zh,
                year=title.year,
                age_rating=title.age_rating,
                cast=tuple(title.cast_names),
                poster_url=title.poster_url,
                categories=tuple(shelves.get(title.id, ())),
                added_s=added,
                asset=movie.code if movie is not None else None,
                duration_s=movie.duration_s if movie is not None else None,
                episodes=tuple(own[0]),
                seasons=tuple(own[1]),
            )
        )
    return [t for t in listed if t.asset is not None or t.episodes]


def _episodes(
    session: Session, newest: dict[tuple[int, int | None], VodAsset]
) -> dict[int, tuple[list[ListedEpisode], list[tuple[int, str]]]]:
    """Each series' ready episodes by season and number, and its seasons that have some."""
    wanted = {episode for (_, episode) in newest if episode is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(VodEpisode, VodSeason)
        .join(VodSeason, VodSeason.id == VodEpisode.season_id)
        .where(VodEpisode.id.in_(wanted))
        .order_by(VodSeason.title_id, VodSeason.number, VodEpisode.number)
    )
    found: dict[int, tuple[list[ListedEpisode], list[tuple[int, str]]]] = {}
    for episode, season in rows:
        asset = newest[(season.title_id, episode.id)]
        episodes, seasons = found.setdefault(season.title_id, ([], []))
        if not seasons or seasons[-1][0] != season.number:
            seasons.append((season.number, season.title_zh))
        episodes.append(
            ListedEpisode(
                id=episode.id,
                season=season.number,
                number=episode.number,
                title_zh=episode.title_zh,
                title_en=episode.title_en,
                description_zh=episode.description_zh,
                duration_s=asset.duration_s,
                asset=asset.code,
                added_s=_seconds(asset.ready_at),
            )
        )
    return found


def _seconds(moment: datetime | None) -> int:
    if moment is None:
        return 0
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return int(aware.timestamp())
