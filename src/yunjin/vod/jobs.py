"""The VOD task queue: huey on SQLite or Redis, the transcode task, and its reclaim.

The queue only carries the asset's code; the ``vod_jobs`` row is the truth (ADR 0018). A
task claims its job with a conditional update (so a job already running elsewhere with a
fresh heartbeat is not doubled, and a done one is a no-op), beats while ffmpeg runs (the
beat carries progress, fps and ETA and reads ``cancel_requested``), and ends the job and its
asset in one transaction after the rendition has been renamed into place. A worker that
dies stops beating; :func:`reclaim` puts its job back in the queue.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from redis.exceptions import RedisError
from sqlalchemy import or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from yunjin.config import ConfigError, Settings
from yunjin.db.engine import Database
from yunjin.db.models import VodAsset, VodJob
from yunjin.i18n import both
from yunjin.media.ffmpeg import ffmpeg_binary
from yunjin.vod.assets import (
    AssetState,
    JobState,
    QueueUnavailable,
    as_utc,
    error_detail,
    finish_job,
    hand_over,
    media_dir,
    rows_changed,
    utcnow,
)
from yunjin.vod.ladder import choose_ladder
from yunjin.vod.probe import ProbeError
from yunjin.vod.sandbox import Limits, inspect_video
from yunjin.vod.transcode import Progress, Rendered, TranscodeCancelled, TranscodeError, transcode

log = logging.getLogger(__name__)

TASK_NAME: Final = "vod.transcode"
MAX_ATTEMPTS: Final = 3  # a job whose worker died this often fails instead of looping


def worker_id() -> str:
    """``host:pid`` of this process, as the job rows name their worker."""
    return f"{socket.gethostname()}:{os.getpid()}"


def make_huey(settings: Settings) -> Huey:
    """SqliteHuey in the data folder by default; RedisHuey for ``redis://…``."""
    url = settings.task_queue_url
    name = settings.task_queue_name
    if url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(name, filename=str(settings.data_dir / "queue.db"), results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False)
    if url.startswith("sqlite:///"):
        return SqliteHuey(name, filename=url.removeprefix("sqlite:///"), results=False)
    raise ConfigError(f"task_queue_url: use redis://… or sqlite:///…, not {url!r}")


class HueyQueue:
    """The :class:`~yunjin.vod.assets.JobQueue` of huey, with the transcode task registered.

    The same object enqueues (API, CLI) and runs (a consumer): both sides register the task
    under one name.
    """

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.huey = make_huey(settings)
        self.runner = TranscodeRunner(settings, db, self)
        self._task = self.huey.task(name=TASK_NAME)(self.runner.run)

    def enqueue(self, asset_code: str) -> None:
        try:
            self._task(asset_code)
        except (RedisError, sqlite3.Error, OSError) as error:
            raise QueueUnavailable(str(error)) from error

    def pending(self) -> int:
        """Messages waiting in the queue (not jobs: a message may be a duplicate)."""
        return int(self.huey.pending_count())

    def flush(self) -> None:
        self.huey.flush()


@dataclass
class Claim:
    job_id: int
    attempt: int
    asset_code: str
    source: str


@dataclass
class Heartbeat:
    """Beats for a running job: heartbeat, progress, and whether to stop.

    ``lost`` turns true when the row is no longer this attempt's (reclaimed after a stall),
    ``cancel_requested`` when an operator asked to cancel.
    """

    db: Database
    job_id: int
    attempt: int
    interval_s: float
    stopping: threading.Event
    latest: Progress | None = None
    lost: bool = False
    cancel_requested: bool = False
    _done: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"beat-{self.job_id}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        self.beat()  # the last progress, before the job is ended

    def progress(self, progress: Progress) -> None:
        self.latest = progress

    def should_stop(self) -> bool:
        return self.lost or self.cancel_requested or self.stopping.is_set()

    def _run(self) -> None:
        while not self._done.wait(self.interval_s):
            self.beat()

    def beat(self) -> None:
        values: dict[str, Any] = {"heartbeat_at": utcnow()}
        if self.latest is not None:
            values |= {
                "progress": max(0.0, min(1.0, self.latest.fraction)),
                "fps": self.latest.fps,
                "speed": self.latest.speed,
                "eta_s": self.latest.eta_s,
            }
        try:
            with self.db.session() as session:
                changed = rows_changed(
                    session.execute(
                        update(VodJob).where(*_mine(self.job_id, self.attempt)).values(**values)
                    )
                )
                asked = session.scalar(
                    select(VodJob.cancel_requested).where(VodJob.id == self.job_id)
                )
        except SQLAlchemyError as error:  # the database is away: beat again next time
            log.warning("job %s: heartbeat not written: %s", self.job_id, error)
            return
        if changed == 0:
            self.lost = True
        self.cancel_requested = bool(asked)


def _mine(job_id: int, attempt: int) -> tuple[Any, ...]:
    """The fence: the row is still running this attempt."""
    return (VodJob.id == job_id, VodJob.attempts == attempt, VodJob.state == JobState.RUNNING)


class TranscodeRunner:
    """Runs the transcode task of one asset (called by huey in a consumer thread)."""

    def __init__(self, settings: Settings, db: Database, queue: HueyQueue) -> None:
        self.settings = settings
        self.db = db
        self.queue = queue
        self.stopping = threading.Event()  # set when the consumer shuts down
        self.threads: int | None = None  # ffmpeg threads per encode; None lets ffmpeg choose

    @property
    def beat_interval_s(self) -> float:
        return max(0.5, min(2.0, self.settings.vod_job_stale_s / 4))

    def run(self, asset_code: str) -> None:
        claim = self.claim(asset_code)
        if claim is None:
            return
        try:
            self._transcode(claim)
        except Exception as error:  # a bug or an unforeseen failure: the job says so
            self._finish(claim, JobState.FAILED, "vod_job_error", {"detail": repr(error)[:500]})
            raise

    def claim(self, asset_code: str) -> Claim | None:
        """Take the job of an asset, or None: done, cancelled, or alive elsewhere."""
        now = utcnow()
        fresh_after = now - timedelta(seconds=self.settings.vod_job_stale_s)
        with self.db.session() as session:
            row = session.execute(
                select(VodJob, VodAsset.source_path)
                .join(VodAsset, VodAsset.id == VodJob.asset_id)
                .where(VodAsset.code == asset_code)
            ).first()
            if row is None:
                log.warning("asset %s: no job (nothing to do)", asset_code)
                return None
            job, source = row
            beat = as_utc(job.heartbeat_at)
            if job.state == JobState.RUNNING and beat is not None and beat > fresh_after:
                log.info("asset %s: already running on %s", asset_code, job.worker_id)
                return None
            if job.state not in (JobState.QUEUED, JobState.RUNNING):
                log.info("asset %s: job is %s, nothing to do", asset_code, job.state)
                return None
            if job.cancel_requested:
                finish_job(session, job, JobState.CANCELLED)
                return None
            attempt = job.attempts + 1
            taken = rows_changed(
                session.execute(
                    update(VodJob)
                    .where(
                        VodJob.id == job.id,
                        VodJob.attempts == job.attempts,
                        VodJob.state == job.state,
                    )
                    .values(
                        state=JobState.RUNNING.value,
                        attempts=attempt,
                        worker_id=worker_id(),
                        heartbeat_at=now,
                        started_at=now,
                        progress=0.0,
                        fps=None,
                        speed=None,
                        eta_s=None,
                    )
                )
            )
            if taken != 1:
                return None
            session.execute(
                update(VodAsset)
                .where(VodAsset.id == job.asset_id)
                .values(state=AssetState.TRANSCODING.value)
            )
            return Claim(job.id, attempt, asset_code, source)

    def _transcode(self, claim: Claim) -> None:
        beat = Heartbeat(self.db, claim.job_id, claim.attempt, self.beat_interval_s, self.stopping)
        beat.start()
        try:
            source = self.settings.data_dir / claim.source
            info = inspect_video(source, Limits.for_probe(self.settings))
            rendered = transcode(
                source,
                info,
                choose_ladder(info),
                media_dir(self.settings, claim.asset_code),
                binary=ffmpeg_binary(self.settings.ffmpeg),
                on_progress=beat.progress,
                cancelled=beat.should_stop,
                threads=self.threads,
                limits=Limits.for_transcode(self.settings, info.duration_s),
            )
        except TranscodeCancelled:
            beat.stop()
            self._stopped(claim, beat)
            return
        except (TranscodeError, ProbeError) as error:
            beat.stop()
            self._finish(claim, JobState.FAILED, error.code, dict(error.values))
            return
        except OSError as error:
            beat.stop()
            self._finish(claim, JobState.FAILED, "vod_job_error", {"detail": str(error)})
            return
        except BaseException:
            beat.stop()
            raise
        beat.stop()
        self._finish(claim, JobState.DONE, rungs=rungs_summary(rendered))

    def _stopped(self, claim: Claim, beat: Heartbeat) -> None:
        if beat.lost:
            log.warning("job %s: reclaimed by another worker; this attempt stops", claim.job_id)
        elif beat.cancel_requested:
            self._finish(claim, JobState.CANCELLED)
        else:  # the consumer is shutting down: hand the job back
            with self.db.session() as session:
                requeued = rows_changed(
                    session.execute(
                        update(VodJob)
                        .where(*_mine(claim.job_id, claim.attempt))
                        .values(
                            state=JobState.QUEUED.value,
                            worker_id=None,
                            heartbeat_at=None,
                            enqueued_at=None,
                            attempts=claim.attempt - 1,  # a clean hand-back is no attempt
                        )
                    )
                )
                if requeued:
                    session.execute(
                        update(VodAsset)
                        .where(VodAsset.code == claim.asset_code)
                        .values(state=AssetState.QUEUED.value)
                    )
            if requeued:
                hand_over(self.db, self.queue, claim.asset_code)

    def _finish(
        self,
        claim: Claim,
        state: JobState,
        code: str | None = None,
        values: dict[str, object] | None = None,
        rungs: list[dict[str, Any]] | None = None,
    ) -> None:
        with self.db.session() as session:
            job = session.scalar(select(VodJob).where(*_mine(claim.job_id, claim.attempt)))
            if job is None:
                log.warning("job %s: no longer this worker's; not ended as %s", claim.job_id, state)
                return
            finish_job(
                session, job, state, code, None if code is None else error_detail(values or {})
            )
            if rungs is not None:
                asset = session.get_one(VodAsset, job.asset_id)
                asset.rungs = rungs
        if code is None:
            log.info("asset %s: %s", claim.asset_code, state.value)
        else:
            reason = both(code, **(values or {}))["en"]
            log.warning("asset %s: %s (%s) %s", claim.asset_code, state.value, code, reason)


def rungs_summary(rendered: Rendered) -> list[dict[str, Any]]:
    """What ``vod_assets.rungs`` keeps of a rendition."""
    return [dict(rung) for rung in rendered.summary()]


@dataclass(frozen=True, slots=True)
class ReclaimReport:
    requeued: tuple[str, ...] = ()
    cancelled: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    enqueued: tuple[str, ...] = ()


def reclaim(
    settings: Settings, db: Database, queue: HueyQueue, now: datetime | None = None
) -> ReclaimReport:
    """Put back the jobs of dead workers, and enqueue committed jobs the queue never got.

    A running job whose heartbeat is older than ``vod_job_stale_s`` is queued again (or
    cancelled if that was asked, or failed after ``MAX_ATTEMPTS``); a queued job with no
    ``enqueued_at`` is enqueued. Safe to run in every worker at once: each change is a
    conditional update, and a duplicate message is a no-op.
    """
    now = now or utcnow()
    stale_before = now - timedelta(seconds=settings.vod_job_stale_s)
    ended: dict[str, list[str]] = {"requeued": [], "cancelled": [], "failed": []}
    with db.session() as session:
        dead = session.execute(
            select(VodJob.id, VodJob.attempts, VodJob.cancel_requested, VodJob.worker_id).where(
                VodJob.state == JobState.RUNNING,
                or_(VodJob.heartbeat_at.is_(None), VodJob.heartbeat_at < stale_before),
            )
        ).all()
    for job_id, attempts, cancel, worker in dead:
        if cancel:
            outcome, job_state, asset_state = "cancelled", JobState.CANCELLED, AssetState.CANCELLED
        elif attempts >= MAX_ATTEMPTS:
            outcome, job_state, asset_state = "failed", JobState.FAILED, AssetState.FAILED
        else:
            outcome, job_state, asset_state = "requeued", JobState.QUEUED, AssetState.QUEUED
        values: dict[str, Any] = {"state": job_state.value, "worker_id": None}
        if job_state == JobState.QUEUED:
            values |= {"heartbeat_at": None, "enqueued_at": None}
        else:
            values |= {"finished_at": now, "cancel_requested": False}
        error: dict[str, Any] = {}
        if job_state == JobState.FAILED:
            error = {"error_code": "vod_worker_lost", "error_detail": error_detail({})}
        with db.session() as session:
            # conditional: a job that beat (or ended) since the read above is left alone
            changed = rows_changed(
                session.execute(
                    update(VodJob)
                    .where(
                        VodJob.id == job_id,
                        VodJob.attempts == attempts,
                        VodJob.state == JobState.RUNNING,
                        or_(VodJob.heartbeat_at.is_(None), VodJob.heartbeat_at < stale_before),
                    )
                    .values(**values, **error)
                )
            )
            if changed != 1:
                continue
            asset_id = select(VodJob.asset_id).where(VodJob.id == job_id).scalar_subquery()
            session.execute(
                update(VodAsset)
                .where(VodAsset.id == asset_id)
                .values(state=asset_state.value, **error)
            )
            code = session.scalar(select(VodAsset.code).where(VodAsset.id == asset_id))
        log.warning("job %s of %s: worker %s went silent; %s", job_id, code, worker, outcome)
        ended[outcome].append(str(code))
    with db.session() as session:
        lost = session.scalars(
            select(VodAsset.code)
            .join(VodJob, VodJob.asset_id == VodAsset.id)
            .where(VodJob.state == JobState.QUEUED, VodJob.enqueued_at.is_(None))
        ).all()
    enqueued = [code for code in lost if hand_over(db, queue, code)]
    return ReclaimReport(
        tuple(ended["requeued"]), tuple(ended["cancelled"]), tuple(ended["failed"]), tuple(enqueued)
    )
