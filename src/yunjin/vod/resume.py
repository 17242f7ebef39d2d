"""Where each household stopped in each VOD asset, and what it has left unfinished.

Players report their position (``PUT /api/v1/vod/resume``); the last report of any device of
the household wins, so a film paused on the TV resumes on the phone. A position near the end
(the last minute, or the last 5 % of a short clip) marks the asset finished: it starts again
from the beginning and leaves "continue watching".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from yunjin.db.models import VodAsset, VodEpisode, VodResume, VodSeason, VodTitle
from yunjin.vod.assets import AssetState

FINISHED_WITHIN_S: Final = 60.0
FINISHED_FRACTION: Final = 0.05
CONTINUE_WINDOW: Final = timedelta(days=90)
CONTINUE_LIMIT: Final = 20


@dataclass(frozen=True, slots=True)
class ResumePoint:
    position_s: float
    finished: bool
    updated_at: datetime

    @property
    def start_s(self) -> float:
        """Where a new playback starts: here, or from the beginning once finished."""
        return 0.0 if self.finished else self.position_s


def finished_at(position_s: float, duration_s: float | None) -> bool:
    """Whether a position counts as watched to the end (pure)."""
    if not duration_s or duration_s <= 0:
        return False
    return position_s >= duration_s - min(FINISHED_WITHIN_S, duration_s * FINISHED_FRACTION)


def clamp(position_s: float, duration_s: float | None) -> float:
    position = max(0.0, position_s)
    return min(position, duration_s) if duration_s else position


def save_position(
    session: Session,
    household_id: int,
    device_id: int | None,
    asset: VodAsset,
    position_s: float,
    now: datetime,
    *,
    finished: bool = False,
) -> ResumePoint:
    """Keep a household's position in ``asset`` (one row per household and asset)."""
    position = clamp(position_s, asset.duration_s)
    done = finished or finished_at(position, asset.duration_s)
    values = {
        "household_id": household_id,
        "asset_id": asset.id,
        "position_s": position,
        "finished": done,
        "device_id": device_id,
        "updated_at": now,
    }
    changed = {k: v for k, v in values.items() if k not in ("household_id", "asset_id")}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(VodResume).values(**values)
    session.execute(
        statement.on_conflict_do_update(index_elements=["household_id", "asset_id"], set_=changed)
    )
    return ResumePoint(position, done, now)


def resume_points(
    session: Session, household_id: int, asset_ids: Iterable[int]
) -> dict[int, ResumePoint]:
    wanted = list(set(asset_ids))
    if not wanted:
        return {}
    rows = session.scalars(
        select(VodResume).where(
            VodResume.household_id == household_id, VodResume.asset_id.in_(wanted)
        )
    )
    return {row.asset_id: ResumePoint(row.position_s, row.finished, row.updated_at) for row in rows}


@dataclass(frozen=True, slots=True)
class UnfinishedVod:
    title: str  # code
    title_zh: str
    title_en: str
    poster_url: str
    season: int | None
    episode: int | None
    asset: str
    duration_s: float | None
    point: ResumePoint


def continue_watching_vod(
    session: Session, household_id: int, now: datetime, limit: int = CONTINUE_LIMIT
) -> list[UnfinishedVod]:
    """Ready assets the household started and left before their end, newest first."""
    rows = session.execute(
        select(VodResume, VodAsset, VodTitle, VodSeason.number, VodEpisode.number)
        .join(VodAsset, VodAsset.id == VodResume.asset_id)
        .join(VodTitle, VodTitle.id == VodAsset.title_id)
        .outerjoin(VodEpisode, VodEpisode.id == VodAsset.episode_id)
        .outerjoin(VodSeason, VodSeason.id == VodEpisode.season_id)
        .where(
            VodResume.household_id == household_id,
            VodResume.finished.is_(False),
            VodResume.updated_at > now - CONTINUE_WINDOW,
            VodAsset.state == AssetState.READY.value,
        )
        .order_by(VodResume.updated_at.desc())
        .limit(limit)
    ).all()
    return [
        UnfinishedVod(
            title.code,
            title.title_zh,
            title.title_en,
            title.poster_url,
            season,
            episode,
            asset.code,
            asset.duration_s,
            ResumePoint(resume.position_s, resume.finished, resume.updated_at),
        )
        for resume, asset, title, season, episode in rows
    ]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
