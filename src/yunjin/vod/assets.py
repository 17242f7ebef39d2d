"""Actions on VOD assets and their jobs: ingest a file, cancel, retry, and read progress.

An asset is the media of a movie or of one episode. Ingest keeps the source in
``vod/sources/{code}/``, probes it (a file that is not media is refused and leaves nothing
behind), stores the asset and its job in one transaction, and only after that commit hands
the job to the queue (ADR 0018). Every refusal is an :class:`IngestError` whose ``code``
names a bilingual message.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Protocol

from sqlalchemy import CursorResult, Result, select, update
from sqlalchemy.orm import Session

from yunjin.config import Settings
from yunjin.db.engine import Database
from yunjin.db.models import VodAsset, VodEpisode, VodJob, VodSeason, VodTitle
from yunjin.i18n import Refusal, both, register
from yunjin.vod.catalog import (
    CatalogError,
    TitleDraft,
    TitleKind,
    add_episode,
    add_season,
    add_title,
)
from yunjin.vod.probe import MediaInfo, ProbeError
from yunjin.vod.sandbox import Limits, inspect_video

log = logging.getLogger(__name__)

MAX_FILENAME: Final = 200
UHD_HEIGHT: Final = 2160
UHD_WIDTH: Final = 3840
_UNSAFE: Final = re.compile(r"[\x00-\x1f\x7f]")

register(
    {
        "vod_bad_filename": (
            "Bad file name {name!r}: a name may not hold a path, '..' or control characters.",
            "文件名 {name!r} 无效：文件名不能包含路径、“..”或控制字符。",
        ),
        "vod_source_missing": ("No file at {path}.", "文件 {path} 不存在。"),
        "vod_source_unreadable": (
            "{name} could not be read or stored: {reason}.",
            "无法读取或保存 {name}：{reason}。",
        ),
        "vod_episode_needs_season": (
            "Give both the season and the episode number.",
            "请同时给出季号和集号。",
        ),
        "vod_episode_not_found": (
            "Title {title} has no episode {episode} in season {season}.",
            "片目 {title} 第 {season} 季没有第 {episode} 集。",
        ),
        "vod_asset_not_found": ("No asset {asset}.", "媒资 {asset} 不存在。"),
        "vod_job_not_found": ("No job {job}.", "任务 {job} 不存在。"),
        "vod_job_not_cancellable": (
            "Job {job} is {state}: only a queued or running job can be cancelled.",
            "任务 {job} 状态为 {state}：只能取消排队中或运行中的任务。",
        ),
        "vod_job_not_retryable": (
            "Job {job} is {state}: only a failed or cancelled job can be retried.",
            "任务 {job} 状态为 {state}：只能重试失败或已取消的任务。",
        ),
        "vod_worker_lost": (
            "The worker running this job stopped answering; the job was handed to another.",
            "运行该任务的转码进程失去响应，任务已交给其他进程。",
        ),
        "vod_job_error": (
            "The transcode failed: {detail}.",
            "转码失败：{detail}。",
        ),
    }
)


class AssetState(StrEnum):
    PROBING = "probing"  # the source is being probed (the row is committed only after it)
    QUEUED = "queued"
    TRANSCODING = "transcoding"
    READY = "ready"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


CANCELLABLE: Final = (JobState.QUEUED, JobState.RUNNING)
RETRYABLE: Final = (JobState.FAILED, JobState.CANCELLED)


class IngestError(Refusal, ValueError):
    """An ingest or job action refused; ``code`` names the message, ``values`` fill it."""


class QueueUnavailable(RuntimeError):
    """The queue could not take a job (its backend is down); the job row stays queued."""


class JobQueue(Protocol):
    """Where committed jobs go to be run; ``vod/jobs.py`` has the huey one."""

    def enqueue(self, asset_code: str) -> None:
        """Hand over the job of an asset; raises :class:`QueueUnavailable`."""


@dataclass(frozen=True, slots=True)
class IngestTarget:
    """The title (and for a series the episode) a file is the media of.

    With ``title_zh`` a missing title is created (a movie, or a series when a season is
    given), and with ``episode_zh`` or a season a missing season and episode too.
    """

    title_code: str
    title_zh: str = ""
    title_en: str = ""
    season: int | None = None
    episode: int | None = None
    episode_zh: str = ""
    draft: TitleDraft | None = None  # all of a new title's fields (a watch folder's sidecar)


@dataclass(frozen=True, slots=True)
class JobView:
    id: int
    asset: str
    title: str
    season: int | None
    episode: int | None
    state: JobState
    attempts: int
    progress: float
    fps: float | None
    speed: float | None
    eta_s: float | None
    worker: str | None
    heartbeat_at: datetime | None
    cancel_requested: bool
    error_code: str | None
    error_detail: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def percent(self) -> float:
        return round(self.progress * 100, 1)


@dataclass(frozen=True, slots=True)
class AssetView:
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
    rungs: list[dict[str, Any]] | None
    error_code: str | None
    error_detail: str | None
    created_at: datetime
    ready_at: datetime | None
    job: JobView | None


# -- pure helpers ----------------------------------------------------------------------


def new_asset_code() -> str:
    """12 lowercase base32 characters (60 random bits): an asset's name in URLs and on disk."""
    return base64.b32encode(secrets.token_bytes(8)).decode("ascii").lower()[:12]


def safe_filename(name: str) -> str:
    """The name to keep for an uploaded or dropped file; a path or '..' is refused.

    Control characters are refused too; the name is NFC-normalised, trimmed and, when long,
    shortened keeping its extension.
    """
    text = unicodedata.normalize("NFC", name).strip()
    if (
        not text
        or "/" in text
        or "\\" in text
        or _UNSAFE.search(text)
        or text in (".", "..")
        or text.startswith("..")
        or ":" in text  # a Windows drive or an NTFS stream
    ):
        raise IngestError("vod_bad_filename", name=name[:80])
    if len(text) > MAX_FILENAME:
        _stem, dot, extension = text.rpartition(".")
        keep = extension[:16] if dot else ""
        text = text[: MAX_FILENAME - len(keep) - 1] + ("." + keep if keep else "")
    return text


def is_uhd(width: int | None, height: int | None) -> bool:
    return (width or 0) >= UHD_WIDTH or (height or 0) >= UHD_HEIGHT


def utcnow() -> datetime:
    return datetime.now(UTC)


def rows_changed(result: Result[Any]) -> int:
    """The rows an UPDATE matched: how a conditional update tells it won."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"not the result of an UPDATE: {type(result).__name__}")
    return int(result.rowcount)


# -- paths -----------------------------------------------------------------------------


def sources_dir(settings: Settings) -> Path:
    return settings.vod_dir / "sources"


def media_dir(settings: Settings, code: str) -> Path:
    """Where an asset's rendition is published (``master.m3u8`` and its rungs)."""
    return settings.vod_dir / "media" / code


def work_dir(settings: Settings) -> Path:
    return settings.vod_dir / "work"


# -- ingest ----------------------------------------------------------------------------


def ingest_file(
    settings: Settings,
    db: Database,
    queue: JobQueue,
    path: Path,
    target: IngestTarget,
    *,
    move: bool = False,
    filename: str | None = None,
) -> AssetView:
    """Keep ``path`` as a new asset of ``target`` and queue its transcode.

    The file is probed where it is, as untrusted (``vod.sandbox.inspect_video``); a refusal
    (:class:`IngestError`, with the probe's own code for files that are not usable media)
    changes nothing. Then it is copied (or moved) into ``sources/{code}/``, the asset and its
    job are committed, and only then is the job enqueued. If the commit fails, the copy is
    removed (a moved file is put back) and nothing is enqueued.
    """
    name = safe_filename(filename if filename is not None else path.name)
    if not path.is_file():
        raise IngestError("vod_source_missing", path=str(path))
    with db.session() as session:
        check_target(session, target)  # before copying gigabytes for nothing
    try:  # an allowed container by its bytes, probed in a confined child (ADR 0028)
        info = inspect_video(path, Limits.for_probe(settings), name)
    except ProbeError as error:
        raise IngestError(error.code, **error.values) from error
    size = info.size_bytes
    width, height = info.display_size
    code = new_asset_code()
    folder = sources_dir(settings) / code
    kept = folder / name
    with _kept_source(path, kept, move=move), db.session() as session:
        title_id, episode_id = _resolve_target(session, target)
        asset = VodAsset(
            code=code,
            title_id=title_id,
            episode_id=episode_id,
            state=AssetState.QUEUED.value,
            filename=name,
            source_path=str(kept.relative_to(settings.data_dir)),
            size_bytes=size,
            probe=probe_summary(info),
            duration_s=info.duration_s,
            width=width,
            height=height,
            uhd=is_uhd(width, height),
        )
        session.add(asset)
        session.flush()
        session.add(VodJob(asset_id=asset.id, state=JobState.QUEUED.value))
    # committed: only now may a worker see the job
    hand_over(db, queue, code)
    return asset_view(db, code)


def probe_summary(info: MediaInfo) -> dict[str, Any]:
    """The probe as stored in ``vod_assets.probe``."""
    summary: dict[str, Any] = info.as_json()
    return summary


def hand_over(db: Database, queue: JobQueue, code: str) -> bool:
    """Enqueue a committed job and note when; a queue that is down is left to the reclaim.

    The job row stays ``queued`` with no ``enqueued_at``, and the periodic reclaim
    (``vod/jobs.py``) enqueues it once the queue answers again.
    """
    try:
        queue.enqueue(code)
    except QueueUnavailable as error:
        log.warning("asset %s: the queue refused the job (%s); the reclaim will retry", code, error)
        return False
    asset_id = select(VodAsset.id).where(VodAsset.code == code).scalar_subquery()
    with db.session() as session:
        session.execute(
            update(VodJob).where(VodJob.asset_id == asset_id).values(enqueued_at=utcnow())
        )
    return True


@contextmanager
def _kept_source(path: Path, kept: Path, *, move: bool) -> Iterator[None]:
    """Copy or move ``path`` to ``kept`` for the body; undo it if the body raises."""
    folder = kept.parent
    folder.mkdir(parents=True)
    try:
        if move:
            shutil.move(path, kept)
        else:
            partial = kept.with_name(kept.name + ".part")
            shutil.copyfile(path, partial)
            partial.replace(kept)
    except OSError as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise IngestError("vod_source_unreadable", name=kept.name, reason=error.strerror) from error
    try:
        yield
    except BaseException:
        if move and kept.exists():
            shutil.move(kept, path)  # the caller's file goes back where it was
        shutil.rmtree(folder, ignore_errors=True)
        raise


def check_target(session: Session, target: IngestTarget) -> None:
    """Refuse a target that does not exist and is not to be created; changes nothing."""
    if (target.season is None) != (target.episode is None):
        raise IngestError("vod_episode_needs_season")
    title = session.scalar(select(VodTitle).where(VodTitle.code == target.title_code))
    if title is None:
        if not (target.title_zh or target.draft):
            raise _catalog(CatalogError("vod_title_not_found", title=target.title_code))
        return
    if target.season is None:
        return
    if title.kind != TitleKind.SERIES:
        raise _catalog(CatalogError("vod_not_a_series", title=target.title_code))
    if target.episode_zh or target.title_zh:
        return  # a missing season or episode is to be created
    found = session.scalar(
        select(VodEpisode.id)
        .join(VodSeason, VodSeason.id == VodEpisode.season_id)
        .where(
            VodSeason.title_id == title.id,
            VodSeason.number == target.season,
            VodEpisode.number == target.episode,
        )
    )
    if found is None:
        raise IngestError(
            "vod_episode_not_found",
            title=target.title_code,
            season=target.season,
            episode=target.episode,
        )


def _resolve_target(session: Session, target: IngestTarget) -> tuple[int, int | None]:
    """The title's and the episode's ids, creating those the target asks to create."""
    check_target(session, target)
    try:
        title = session.scalar(select(VodTitle).where(VodTitle.code == target.title_code))
        if title is None:
            kind = TitleKind.MOVIE if target.season is None else TitleKind.SERIES
            draft = target.draft or TitleDraft(
                target.title_code, kind, target.title_zh, target.title_en
            )
            title = add_title(session, draft)
        if target.season is None or target.episode is None:
            return title.id, None
        season_id = session.scalar(
            select(VodSeason.id).where(
                VodSeason.title_id == title.id, VodSeason.number == target.season
            )
        )
        if season_id is None:
            season_id = add_season(session, target.title_code, target.season).id
        episode_id = session.scalar(
            select(VodEpisode.id).where(
                VodEpisode.season_id == season_id, VodEpisode.number == target.episode
            )
        )
        if episode_id is None:
            if not (target.episode_zh or target.title_zh):
                raise IngestError(
                    "vod_episode_not_found",
                    title=target.title_code,
                    season=target.season,
                    episode=target.episode,
                )
            name = target.episode_zh or f"第{target.episode}集"
            episode_id = add_episode(
                session, target.title_code, target.season, target.episode, name
            ).id
        return title.id, episode_id
    except CatalogError as error:
        raise _catalog(error) from error


def _catalog(error: CatalogError) -> IngestError:
    return IngestError(error.code, **error.values)


# -- cancel and retry ------------------------------------------------------------------


def cancel_job(db: Database, job_id: int) -> JobView:
    """Cancel a queued job at once; ask a running one's worker to stop (it does within
    seconds, and a dead worker's job is cancelled by the reclaim)."""
    with db.session() as session:
        job = _job(session, job_id)
        if job.state not in CANCELLABLE:
            raise IngestError("vod_job_not_cancellable", job=job_id, state=job.state)
        if job.state == JobState.QUEUED:
            finish_job(session, job, JobState.CANCELLED)
        else:
            job.cancel_requested = True
    return job_view(db, job_id)


def retry_job(db: Database, queue: JobQueue, job_id: int) -> JobView:
    """Queue a failed or cancelled job again (committed, then enqueued)."""
    with db.session() as session:
        job = _job(session, job_id)
        if job.state not in RETRYABLE:
            raise IngestError("vod_job_not_retryable", job=job_id, state=job.state)
        job.state = JobState.QUEUED.value
        job.cancel_requested = False
        job.progress = 0.0
        job.fps = job.speed = job.eta_s = None
        job.error_code = job.error_detail = None
        job.worker_id = None
        job.heartbeat_at = job.started_at = job.finished_at = job.enqueued_at = None
        asset = session.get_one(VodAsset, job.asset_id)
        asset.state = AssetState.QUEUED.value
        asset.error_code = asset.error_detail = None
        code = asset.code
    hand_over(db, queue, code)
    return job_view(db, job_id)


def finish_job(
    session: Session,
    job: VodJob,
    state: JobState,
    error_code: str | None = None,
    error_detail: str | None = None,
) -> None:
    """End a job and its asset together: done → ready, failed → failed, cancelled."""
    now = utcnow()
    job.state = state.value
    job.finished_at = now
    job.error_code, job.error_detail = error_code, error_detail
    job.cancel_requested = False
    asset = session.get_one(VodAsset, job.asset_id)
    asset.state = {
        JobState.DONE: AssetState.READY,
        JobState.FAILED: AssetState.FAILED,
        JobState.CANCELLED: AssetState.CANCELLED,
    }[state].value
    asset.error_code, asset.error_detail = error_code, error_detail
    if state == JobState.DONE:
        job.progress = 1.0
        job.eta_s = 0.0
        asset.ready_at = now


# -- reading ---------------------------------------------------------------------------


def job_view(db: Database, job_id: int) -> JobView:
    with db.session() as session:
        rows = _views(session, VodJob.id == job_id)
    if not rows:
        raise IngestError("vod_job_not_found", job=job_id)
    job = rows[0].job
    if job is None:
        raise IngestError("vod_job_not_found", job=job_id)
    return job


def list_jobs(db: Database, state: JobState | None = None, limit: int = 100) -> list[JobView]:
    """Jobs, newest first."""
    condition = True if state is None else VodJob.state == state.value
    with db.session() as session:
        views = _views(session, condition, limit=max(1, min(limit, 1000)))
    return [v.job for v in views if v.job is not None]


def asset_view(db: Database, code: str) -> AssetView:
    with db.session() as session:
        rows = _views(session, VodAsset.code == code)
    if not rows:
        raise IngestError("vod_asset_not_found", asset=code)
    return rows[0]


def _views(session: Session, condition: Any, limit: int = 1) -> list[AssetView]:
    statement = (
        select(VodAsset, VodJob, VodTitle.code, VodSeason.number, VodEpisode.number)
        .join(VodTitle, VodTitle.id == VodAsset.title_id)
        .outerjoin(VodJob, VodJob.asset_id == VodAsset.id)
        .outerjoin(VodEpisode, VodEpisode.id == VodAsset.episode_id)
        .outerjoin(VodSeason, VodSeason.id == VodEpisode.season_id)
        .where(condition)
        .order_by(VodAsset.id.desc())
        .limit(limit)
    )
    views = []
    for asset, job, title, season, episode in session.execute(statement):
        job_part = None
        if job is not None:
            job_part = JobView(
                id=job.id,
                asset=asset.code,
                title=title,
                season=season,
                episode=episode,
                state=JobState(job.state),
                attempts=job.attempts,
                progress=job.progress,
                fps=job.fps,
                speed=job.speed,
                eta_s=job.eta_s,
                worker=job.worker_id,
                heartbeat_at=as_utc(job.heartbeat_at),
                cancel_requested=job.cancel_requested,
                error_code=job.error_code,
                error_detail=job.error_detail,
                created_at=as_utc(job.created_at) or utcnow(),
                started_at=as_utc(job.started_at),
                finished_at=as_utc(job.finished_at),
            )
        views.append(
            AssetView(
                code=asset.code,
                title=title,
                season=season,
                episode=episode,
                state=AssetState(asset.state),
                filename=asset.filename,
                size_bytes=asset.size_bytes,
                duration_s=asset.duration_s,
                width=asset.width,
                height=asset.height,
                uhd=asset.uhd,
                rungs=asset.rungs,
                error_code=asset.error_code,
                error_detail=asset.error_detail,
                created_at=as_utc(asset.created_at) or utcnow(),
                ready_at=as_utc(asset.ready_at),
                job=job_part,
            )
        )
    return views


def _job(session: Session, job_id: int) -> VodJob:
    job = session.get(VodJob, job_id)
    if job is None:
        raise IngestError("vod_job_not_found", job=job_id)
    return job


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they are UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def error_detail(values: dict[str, object]) -> str:
    """What ``error_detail`` keeps: the values of the error's message, as JSON."""
    return json.dumps(values, ensure_ascii=False, default=str)


def error_messages(code: str, detail: str | None) -> dict[str, str]:
    """A job's or an asset's error in both languages, from its code and kept values."""
    try:
        values = json.loads(detail) if detail else {}
        return both(code, **values)
    except (ValueError, TypeError, KeyError, IndexError):  # a message whose values changed
        return {"en": code, "zh-CN": code}


def remove_tree(path: Path) -> None:
    """Remove a folder if it is there (a rendition, a work folder)."""
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        os.unlink(path)
