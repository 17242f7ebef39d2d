"""What the VOD routes answer — shelves, search, a title's page, playback, resume points,
uploads, jobs and assets — as pydantic models built from the catalog's views, so that
``/docs`` shows every field (``yunjin.api.schemas`` says how the JSON is kept stable).

The catalog's texts come in ``{"zh": …, "en": …}`` pairs; times of the ingest side are ISO
8601 strings, times of the playback side UTC seconds, as they always were.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Self

from pydantic import Field

from yunjin.api.schemas import Answer, Messages
from yunjin.vod.assets import AssetState, AssetView, JobState, JobView, error_messages
from yunjin.vod.catalog import SearchHit, TitleKind, TitleView
from yunjin.vod.playback import AssetResume
from yunjin.vod.resume import ResumePoint, UnfinishedVod
from yunjin.vod.shelves import Card, Shelf
from yunjin.vod.uploads import UploadState, UploadView


class Texts(Answer):
    """A catalog text in Chinese and in English (empty when not given)."""

    zh: str
    en: str


# -- browsing --------------------------------------------------------------------------


class TitleCard(Answer):
    code: str
    kind: TitleKind
    title: Texts
    year: int | None
    age_rating: int
    poster: str = Field(description="the poster's address, or empty")
    uhd: bool = Field(description="a 4K rendition exists")

    @classmethod
    def of(cls, card: Card) -> Self:
        return cls(
            code=card.code,
            kind=TitleKind(card.kind),
            title=Texts(zh=card.title_zh, en=card.title_en),
            year=card.year,
            age_rating=card.age_rating,
            poster=card.poster,
            uhd=card.uhd,
        )


class ShelfView(Answer):
    code: str = Field(description='"new" for new arrivals, else a category\'s code')
    name: Texts
    titles: list[TitleCard]

    @classmethod
    def of(cls, shelf: Shelf) -> Self:
        return cls(
            code=shelf.code,
            name=Texts(zh=shelf.name_zh, en=shelf.name_en),
            titles=[TitleCard.of(card) for card in shelf.cards],
        )


class Shelves(Answer):
    shelves: list[ShelfView]


class TitleHit(Answer):
    code: str
    kind: TitleKind
    title: Texts
    year: int | None
    poster: str
    match: str = Field(description="exact, prefix or substring")

    @classmethod
    def of(cls, hit: SearchHit) -> Self:
        return cls(
            code=hit.code,
            kind=hit.kind,
            title=Texts(zh=hit.title_zh, en=hit.title_en),
            year=hit.year,
            poster=hit.poster_url,
            match=("exact", "prefix", "substring")[hit.rank],
        )


class TitleSearch(Answer):
    query: str
    titles: list[TitleHit]


# -- resume points ---------------------------------------------------------------------


def _seconds(moment: datetime) -> int:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return int(aware.timestamp())


class ResumeAt(Answer):
    position_s: float
    finished: bool
    updated_at: int = Field(description="UTC seconds")

    @classmethod
    def of(cls, point: ResumePoint) -> Self:
        return cls(
            position_s=round(point.position_s, 3),
            finished=point.finished,
            updated_at=_seconds(point.updated_at),
        )


class AssetResumeAt(Answer):
    """Where the household stopped in one asset of a title (an episode's, for a series)."""

    season: int | None
    episode: int | None
    asset: str
    position_s: float
    finished: bool
    updated_at: int = Field(description="UTC seconds")

    @classmethod
    def of(cls, found: AssetResume) -> Self:
        point = ResumeAt.of(found.point)
        return cls(
            season=found.season,
            episode=found.episode,
            asset=found.asset,
            position_s=point.position_s,
            finished=point.finished,
            updated_at=point.updated_at,
        )


class UnfinishedTitle(Answer):
    title: str = Field(description="the title's code")
    name: Texts
    poster: str
    season: int | None
    episode: int | None
    asset: str
    duration_s: float | None
    resume: ResumeAt

    @classmethod
    def of(cls, item: UnfinishedVod) -> Self:
        return cls(
            title=item.title,
            name=Texts(zh=item.title_zh, en=item.title_en),
            poster=item.poster_url,
            season=item.season,
            episode=item.episode,
            asset=item.asset,
            duration_s=item.duration_s,
            resume=ResumeAt.of(item.point),
        )


class ContinueWatching(Answer):
    continue_: list[UnfinishedTitle] = Field(
        serialization_alias="continue", description="newest first"
    )


# -- a title's page --------------------------------------------------------------------


class EpisodePage(Answer):
    number: int
    title: Texts
    description: Texts
    duration_s: int | None


class SeasonPage(Answer):
    number: int
    title: Texts
    year: int | None
    episodes: list[EpisodePage]


class TitlePage(Answer):
    """A title; ``resume`` only for a box's or phone's session (it is left out, not null,
    without one: the route answers with ``response_model_exclude_unset``)."""

    code: str
    kind: TitleKind
    title: Texts
    description: Texts
    year: int | None
    age_rating: int
    cast: list[str]
    poster: str
    categories: list[str]
    seasons: list[SeasonPage]
    resume: list[AssetResumeAt] | None = Field(
        default=None, description="where the household stopped in it, newest first"
    )

    @classmethod
    def of(cls, view: TitleView) -> Self:
        return cls(
            code=view.code,
            kind=view.kind,
            title=Texts(zh=view.title_zh, en=view.title_en),
            description=Texts(zh=view.description_zh, en=view.description_en),
            year=view.year,
            age_rating=view.age_rating,
            cast=list(view.cast),
            poster=view.poster_url,
            categories=list(view.categories),
            seasons=[
                SeasonPage(
                    number=season.number,
                    title=Texts(zh=season.title_zh, en=season.title_en),
                    year=season.year,
                    episodes=[
                        EpisodePage(
                            number=episode.number,
                            title=Texts(zh=episode.title_zh, en=episode.title_en),
                            description=Texts(zh=episode.description_zh, en=episode.description_en),
                            duration_s=episode.duration_s,
                        )
                        for episode in season.episodes
                    ],
                )
                for season in view.seasons
            ],
        )


# -- playback --------------------------------------------------------------------------


class VodPlayAnswer(Answer):
    url: str = Field(description="the signed master playlist")
    expires: int = Field(description="UTC seconds; players ask again before")
    lease: str = Field(description="the place in the household's stream limit")
    title: str
    season: int | None
    episode: int | None
    asset: str
    duration_s: float | None
    uhd: bool = Field(description="the URL opens the 4K renditions")
    uhd_withheld: str | None = Field(
        description="why a 4K title plays up to 1080p: device_not_uhd or uhd_product_required"
    )
    poster: str
    thumbnails: str = Field(description="WebVTT of the thumbnail sprite")
    start_s: float = Field(description="where to start: the resume point, or 0")
    resume: ResumeAt | None


class PositionSaved(Answer):
    asset: str
    resume: ResumeAt
    start_s: float


# -- ingest: uploads, jobs and assets --------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _maybe_iso(moment: datetime | None) -> str | None:
    return None if moment is None else _iso(moment)


class Upload(Answer):
    id: str
    filename: str
    size: int
    offset: int = Field(description="bytes received: where the next chunk starts")
    state: UploadState
    title: str
    season: int | None
    episode: int | None
    asset: str | None = Field(description="the asset made of it, once complete")
    error: str | None = Field(description="why the probe refused it")
    created_at: str
    updated_at: str
    expires_at: str

    @classmethod
    def of(cls, view: UploadView) -> Self:
        return cls(
            id=view.id,
            filename=view.filename,
            size=view.size_bytes,
            offset=view.offset,
            state=view.state,
            title=view.title,
            season=view.season,
            episode=view.episode,
            asset=view.asset,
            error=view.error_code,
            created_at=view.created_at.isoformat(),
            updated_at=view.updated_at.isoformat(),
            expires_at=view.expires_at.isoformat(),
        )


class JobError(Answer):
    code: str
    messages: Messages

    @classmethod
    def of(cls, code: str | None, detail: str | None) -> Self | None:
        if code is None:
            return None
        return cls(code=code, messages=Messages.of(error_messages(code, detail)))


class Job(Answer):
    id: int
    asset: str
    title: str
    season: int | None
    episode: int | None
    state: JobState
    attempts: int
    percent: float
    fps: float | None
    speed: float | None
    eta_s: float | None
    worker: str | None = Field(description="host:pid of the worker running it")
    heartbeat_at: str | None
    cancel_requested: bool
    error: JobError | None
    created_at: str
    started_at: str | None
    finished_at: str | None

    @classmethod
    def of(cls, view: JobView) -> Self:
        return cls(
            id=view.id,
            asset=view.asset,
            title=view.title,
            season=view.season,
            episode=view.episode,
            state=view.state,
            attempts=view.attempts,
            percent=view.percent,
            fps=view.fps,
            speed=view.speed,
            eta_s=None if view.eta_s is None else round(view.eta_s, 1),
            worker=view.worker,
            heartbeat_at=_maybe_iso(view.heartbeat_at),
            cancel_requested=view.cancel_requested,
            error=JobError.of(view.error_code, view.error_detail),
            created_at=_iso(view.created_at),
            started_at=_maybe_iso(view.started_at),
            finished_at=_maybe_iso(view.finished_at),
        )


class Jobs(Answer):
    jobs: list[Job]


class Asset(Answer):
    code: str
    title: str
    season: int | None
    episode: int | None
    state: AssetState
    filename: str
    size_bytes: int
    duration_s: float | None
    width: int | None
    height: int | None
    uhd: bool
    rungs: list[dict[str, Any]] | None = Field(
        description="the published renditions, as the rendition's manifest lists them"
    )
    master: str | None = Field(description="the master playlist, once ready")
    error: JobError | None
    created_at: str
    ready_at: str | None
    job: Job | None

    @classmethod
    def of(cls, view: AssetView) -> Self:
        ready = view.state == AssetState.READY
        return cls(
            code=view.code,
            title=view.title,
            season=view.season,
            episode=view.episode,
            state=view.state,
            filename=view.filename,
            size_bytes=view.size_bytes,
            duration_s=view.duration_s,
            width=view.width,
            height=view.height,
            uhd=view.uhd,
            rungs=view.rungs,
            master=f"media/{view.code}/master.m3u8" if ready else None,
            error=JobError.of(view.error_code, view.error_detail),
            created_at=_iso(view.created_at),
            ready_at=_maybe_iso(view.ready_at),
            job=None if view.job is None else Job.of(view.job),
        )


class ReceivedUpload(Upload):
    asset_detail: Asset | None = Field(description="the asset, when this chunk was the last")

    @classmethod
    def received(cls, view: UploadView, asset: AssetView | None) -> Self:
        """The upload after a chunk, with its asset when that chunk completed it."""
        detail = None if asset is None else Asset.of(asset)
        return cls(**dict(Upload.of(view)), asset_detail=detail)
