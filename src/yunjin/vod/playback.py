"""Reading what a VOD playback needs: which asset plays a title or episode, and what the gate
must know about it.

A movie plays its newest ready asset, an episode its own; a title with none is refused with
``vod_not_ready``. Only ``ready`` assets play. Every refusal is a :class:`PlaybackError`
whose ``code`` names a bilingual message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.db.models import (
    VodAsset,
    VodCategory,
    VodEpisode,
    VodResume,
    VodSeason,
    VodTitle,
    VodTitleCategory,
)
from yunjin.i18n import both, register
from yunjin.subscribers.entitlements import Refusal, TitleTraits
from yunjin.vod.assets import AssetState
from yunjin.vod.catalog import TitleKind
from yunjin.vod.master import is_uhd_rung
from yunjin.vod.resume import ResumePoint

register(
    {
        "vod_not_subscribed": (
            "{title} is not in your packages.",
            "您订购的套餐不包含《{title}》。",
        ),
        "vod_not_ready": (
            "{title} cannot be played yet: its media is still being prepared.",
            "《{title}》暂时无法播放：节目文件尚在准备中。",
        ),
        "vod_episode_required": (
            "{title} is a series: choose a season and an episode.",
            "《{title}》是剧集：请选择季和集。",
        ),
        "vod_not_a_movie_episode": (
            "{title} is a movie: it has no seasons or episodes.",
            "《{title}》是电影，没有季和集。",
        ),
        "vod_uhd_not_allowed": (
            "This link does not include the 4K renditions.",
            "该播放地址不包含 4K 画质。",
        ),
        "vod_asset_gone": (
            "This programme is no longer available.",
            "该节目已下线。",
        ),
    }
)


# a refusal of a title worded apart from the same refusal of a channel (the code is the same)
_WORDING = {Refusal.NOT_SUBSCRIBED: "vod_not_subscribed"}


def refusal_wording(refusal: Refusal) -> str | None:
    """The message for the gate's refusal of a title, when not the channel's wording."""
    return _WORDING.get(refusal)


class PlaybackError(LookupError):
    """A playback refused before the gate; ``code`` names the message, ``values`` fill it."""

    def __init__(self, code: str, **values: object) -> None:
        self.code = code
        self.values = values
        super().__init__(both(code, **values)["en"])


@dataclass(frozen=True, slots=True)
class Playable:
    """A ready asset and what the gate and the player need to know about it."""

    asset_id: int
    asset: str  # the asset's public code
    traits: TitleTraits
    title_zh: str
    title_en: str
    season: int | None
    episode: int | None
    duration_s: float | None


def _traits(session: Session, title: VodTitle, uhd: bool) -> TitleTraits:
    categories = session.scalars(
        select(VodCategory.code)
        .join(VodTitleCategory, VodTitleCategory.category_id == VodCategory.id)
        .where(VodTitleCategory.title_id == title.id)
    )
    return TitleTraits(title.code, title.age_rating, uhd, frozenset(categories))


def has_uhd(asset: VodAsset) -> bool:
    """Whether an asset has renditions above 1080p (its rungs, else its source's size)."""
    rungs: list[dict[str, Any]] = asset.rungs or []
    return asset.uhd or any(is_uhd_rung(str(rung.get("name", ""))) for rung in rungs)


def _playable(session: Session, asset: VodAsset, title: VodTitle) -> Playable:
    season = episode = None
    if asset.episode_id is not None:
        row = session.execute(
            select(VodSeason.number, VodEpisode.number)
            .join(VodEpisode, VodEpisode.season_id == VodSeason.id)
            .where(VodEpisode.id == asset.episode_id)
        ).first()
        if row is not None:
            season, episode = row[0], row[1]
    return Playable(
        asset.id,
        asset.code,
        _traits(session, title, has_uhd(asset)),
        title.title_zh,
        title.title_en,
        season,
        episode,
        asset.duration_s,
    )


def title_row(session: Session, code: str) -> VodTitle:
    title = session.scalar(select(VodTitle).where(VodTitle.code == code))
    if title is None:
        raise PlaybackError("vod_title_not_found", title=code)
    return title


def episode_id(session: Session, title: VodTitle, season: int, episode: int) -> int:
    found = session.scalar(
        select(VodEpisode.id)
        .join(VodSeason, VodSeason.id == VodEpisode.season_id)
        .where(
            VodSeason.title_id == title.id,
            VodSeason.number == season,
            VodEpisode.number == episode,
        )
    )
    if found is None:
        raise PlaybackError(
            "vod_episode_not_found", title=title.code, season=season, episode=episode
        )
    return found


def playable(
    session: Session, code: str, season: int | None = None, episode: int | None = None
) -> Playable:
    """What plays for a movie, or for one episode of a series; PlaybackError otherwise."""
    title = title_row(session, code)
    query = select(VodAsset).where(
        VodAsset.title_id == title.id, VodAsset.state == AssetState.READY.value
    )
    if title.kind == TitleKind.SERIES:
        if season is None or episode is None:
            raise PlaybackError("vod_episode_required", title=title.title_zh)
        query = query.where(VodAsset.episode_id == episode_id(session, title, season, episode))
    else:
        if season is not None or episode is not None:
            raise PlaybackError("vod_not_a_movie_episode", title=title.title_zh)
        query = query.where(VodAsset.episode_id.is_(None))
    asset = session.scalars(query.order_by(VodAsset.ready_at.desc(), VodAsset.id.desc())).first()
    if asset is None:
        raise PlaybackError("vod_not_ready", title=title.title_zh)
    return _playable(session, asset, title)


def playable_asset(session: Session, code: str) -> Playable | None:
    """A ready asset by its code (a leased playlist asks the gate again with it), else None."""
    row = session.execute(
        select(VodAsset, VodTitle)
        .join(VodTitle, VodTitle.id == VodAsset.title_id)
        .where(VodAsset.code == code, VodAsset.state == AssetState.READY.value)
    ).first()
    if row is None:
        return None
    return _playable(session, row[0], row[1])


def ready_asset_ids(session: Session, title_id: int) -> dict[int | None, VodAsset]:
    """The newest ready asset of a title per episode id (None: the movie's own)."""
    newest: dict[int | None, VodAsset] = {}
    for asset in session.scalars(
        select(VodAsset)
        .where(VodAsset.title_id == title_id, VodAsset.state == AssetState.READY.value)
        .order_by(VodAsset.ready_at, VodAsset.id)
    ):
        newest[asset.episode_id] = asset
    return newest


@dataclass(frozen=True, slots=True)
class AssetResume:
    """Where a household stopped in one asset of a title (an episode's, for a series)."""

    season: int | None
    episode: int | None
    asset: str  # the asset's public code
    point: ResumePoint


def title_resume(session: Session, household_id: int, code: str) -> list[AssetResume]:
    """Where the household stopped in a title's assets (an episode each), newest first."""
    rows = session.execute(
        select(VodResume, VodAsset.code, VodSeason.number, VodEpisode.number)
        .join(VodAsset, VodAsset.id == VodResume.asset_id)
        .join(VodTitle, VodTitle.id == VodAsset.title_id)
        .outerjoin(VodEpisode, VodEpisode.id == VodAsset.episode_id)
        .outerjoin(VodSeason, VodSeason.id == VodEpisode.season_id)
        .where(VodResume.household_id == household_id, VodTitle.code == code)
        .order_by(VodResume.updated_at.desc())
    ).all()
    return [
        AssetResume(
            season, episode, asset, ResumePoint(row.position_s, row.finished, row.updated_at)
        )
        for row, asset, season, episode in rows
    ]


def playable_by_id(session: Session, kind: TitleKind, number: int) -> Playable:
    """What an Xtream stream id plays: a movie by its title's id, an episode by its own."""
    if kind is TitleKind.MOVIE:
        code = session.scalar(
            select(VodTitle.code).where(VodTitle.id == number, VodTitle.kind == kind.value)
        )
        if code is None:
            raise PlaybackError("vod_title_not_found", title=number)
        return playable(session, code)
    row = session.execute(
        select(VodTitle.code, VodSeason.number, VodEpisode.number)
        .join(VodSeason, VodSeason.title_id == VodTitle.id)
        .join(VodEpisode, VodEpisode.season_id == VodSeason.id)
        .where(VodEpisode.id == number)
    ).first()
    if row is None:
        raise PlaybackError("vod_title_not_found", title=number)
    return playable(session, row[0], row[1], row[2])
