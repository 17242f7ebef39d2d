"""Transcode jobs through huey: to a playable ladder on SQLite and on Redis; idempotent;
cancelled and retried; reclaimed from a worker that was killed mid-job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import m3u8
import pytest
from sqlalchemy import select, update

from tests.conftest import FAST_ENV, alive, children_of
from tests.helpers import wait_for
from tests.vod.ingest_clips import (
    Clips,
    queue_name,
    redis_or_skip,
    seed_titles,
    settings_for,
)
from yunjin.config import Settings
from yunjin.db.engine import Database
from yunjin.db.models import VodAsset, VodJob
from yunjin.vod.assets import (
    AssetState,
    AssetView,
    IngestTarget,
    JobState,
    JobView,
    asset_view,
    cancel_job,
    ingest_file,
    job_view,
    media_dir,
    retry_job,
    utcnow,
)
from yunjin.vod.jobs import MAX_ATTEMPTS, HueyQueue, reclaim
from yunjin.vod.schemas import Job
from yunjin.vod.worker import Consumer


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[Settings, Database, HueyQueue]]:
    settings = settings_for(tmp_path / "data", vod_job_stale_s=3)
    db = Database(settings.database)
    seed_titles(db)
    yield settings, db, HueyQueue(settings, db)
    db.close()


def _job(db: Database, asset: AssetView) -> JobView:
    assert asset.job is not None
    return job_view(db, asset.job.id)


def _until(db: Database, asset: AssetView, *states: JobState, timeout: float = 60) -> JobView:
    def reached() -> JobView | None:
        job = _job(db, asset)
        return job if job.state in states else None

    return wait_for(reached, timeout, f"job of {asset.code} to be {states}", every=0.1)


def _assert_playable(settings: Settings, code: str) -> None:
    """The master parses (m3u8) and every variant's playlist and segments are there."""
    folder = media_dir(settings, code)
    master = m3u8.load(str(folder / "master.m3u8"))
    assert master.is_variant
    assert master.playlists
    for variant in master.playlists:
        assert variant.stream_info.bandwidth > 0
        assert variant.stream_info.resolution
        playlist = m3u8.load(str(folder / variant.uri))
        assert playlist.is_endlist
        assert playlist.segments
        for segment in playlist.segments:
            assert (folder / Path(variant.uri).parent / segment.uri).stat().st_size > 0
    assert (folder / "poster.jpg").stat().st_size > 0


def _no_leftovers(settings: Settings, code: str) -> None:
    """Only the published folder (if any) is left of the asset under media/ and work/."""
    media = settings.vod_dir / "media"
    extra = [p.name for p in media.iterdir() if p.name != code] if media.exists() else []
    assert extra == []
    work = settings.vod_dir / "work"
    assert not work.exists() or not any(work.iterdir())


def _run_to_ready(settings: Settings, db: Database, queue: HueyQueue, clips: Clips) -> None:
    consumer = Consumer(settings, db, queue, housekeeping=False)
    consumer.start()
    try:
        asset = ingest_file(settings, db, queue, clips.good, IngestTarget("liulang"))
        job = _until(db, asset, JobState.DONE, JobState.FAILED)
    finally:
        consumer.stop()
    assert job.state == JobState.DONE, job
    assert (job.percent, job.attempts) == (100.0, 1)
    ready = asset_view(db, asset.code)
    assert ready.state == AssetState.READY
    assert ready.ready_at is not None
    assert ready.rungs
    assert all("name" in rung for rung in ready.rungs)
    _assert_playable(settings, asset.code)
    _no_leftovers(settings, asset.code)
    assert queue.pending() == 0


def test_a_file_is_transcoded_to_a_playable_ladder_on_sqlite_huey(
    setup: tuple[Settings, Database, HueyQueue], clips: Clips
) -> None:
    settings, db, queue = setup
    assert type(queue.huey).__name__ == "SqliteHuey"
    _run_to_ready(settings, db, queue, clips)
    assert (settings.data_dir / "queue.db").exists()


def test_a_file_is_transcoded_to_a_playable_ladder_on_redis_huey(
    tmp_path: Path, clips: Clips
) -> None:
    url = redis_or_skip()
    settings = settings_for(tmp_path / "data", task_queue_url=url, task_queue_name=queue_name())
    db = Database(settings.database)
    seed_titles(db)
    queue = HueyQueue(settings, db)
    try:
        assert type(queue.huey).__name__ == "RedisHuey"
        _run_to_ready(settings, db, queue, clips)
    finally:
        queue.flush()
        db.close()


def test_jobs_are_idempotent(setup: tuple[Settings, Database, HueyQueue], clips: Clips) -> None:
    settings, db, queue = setup
    asset = ingest_file(settings, db, queue, clips.good, IngestTarget("liulang"))
    assert asset.job is not None
    # a job running elsewhere with a fresh heartbeat is not doubled
    with db.session() as session:
        session.execute(
            update(VodJob)
            .where(VodJob.id == asset.job.id)
            .values(state="running", worker_id="elsewhere:1", heartbeat_at=utcnow(), attempts=1)
        )
    queue.runner.run(asset.code)
    assert _job(db, asset).worker == "elsewhere:1"
    # its heartbeat goes stale: the next message takes it over
    with db.session() as session:
        session.execute(
            update(VodJob)
            .where(VodJob.id == asset.job.id)
            .values(heartbeat_at=utcnow() - timedelta(seconds=10))
        )
    queue.runner.run(asset.code)
    done = _job(db, asset)
    assert (done.state, done.attempts) == (JobState.DONE, 2)
    made = (media_dir(settings, asset.code) / "master.m3u8").stat().st_mtime_ns
    # a done asset is a no-op, however many messages arrive
    queue.enqueue(asset.code)
    queue.runner.run(asset.code)
    assert _job(db, asset).attempts == 2
    assert (media_dir(settings, asset.code) / "master.m3u8").stat().st_mtime_ns == made


def test_a_running_job_is_cancelled_and_retried(
    setup: tuple[Settings, Database, HueyQueue], clips: Clips
) -> None:
    settings, db, queue = setup
    consumer = Consumer(settings, db, queue, housekeeping=False, ffmpeg_threads=1)
    consumer.start()
    try:
        asset = ingest_file(settings, db, queue, clips.long, IngestTarget("liulang"))
        assert asset.job is not None
        wait_for(lambda: _job(db, asset).progress > 0, 60, "progress")
        asked = cancel_job(db, asset.job.id)
        assert asked.cancel_requested
        assert asked.state == JobState.RUNNING
        cancelled = _until(db, asset, JobState.CANCELLED, JobState.DONE, timeout=20)
        assert cancelled.state == JobState.CANCELLED
        assert asset_view(db, asset.code).state == AssetState.CANCELLED
        assert not media_dir(settings, asset.code).exists()
        _no_leftovers(settings, asset.code)
        queue.runner.threads = None  # the retry at full speed
        retried = retry_job(db, queue, asset.job.id)
        assert retried.state == JobState.QUEUED
        assert retried.percent == 0
        done = _until(db, asset, JobState.DONE, JobState.FAILED, timeout=120)
    finally:
        consumer.stop()
    assert done.state == JobState.DONE
    _assert_playable(settings, asset.code)


def test_a_queued_job_is_cancelled_at_once_and_its_message_is_a_no_op(
    setup: tuple[Settings, Database, HueyQueue], clips: Clips
) -> None:
    settings, db, queue = setup
    asset = ingest_file(settings, db, queue, clips.good, IngestTarget("liulang"))
    assert asset.job is not None
    assert cancel_job(db, asset.job.id).state == JobState.CANCELLED
    queue.runner.run(asset.code)  # the message still in the queue
    assert _job(db, asset).state == JobState.CANCELLED
    assert not media_dir(settings, asset.code).exists()


def test_the_reclaim_puts_back_the_jobs_of_silent_workers(
    setup: tuple[Settings, Database, HueyQueue], clips: Clips
) -> None:
    settings, db, queue = setup
    assets = [
        ingest_file(settings, db, queue, clips.good, IngestTarget("liulang")) for _ in range(4)
    ]
    queue.flush()
    old = utcnow() - timedelta(seconds=60)
    silent = {"state": "running", "worker_id": "gone:1", "heartbeat_at": old}
    changes = [
        silent | {"attempts": 1},  # requeued
        silent | {"attempts": 1, "cancel_requested": True},  # cancelled
        silent | {"attempts": MAX_ATTEMPTS},  # failed: it keeps killing workers
        {"enqueued_at": None},  # committed, never enqueued (the queue was down)
    ]
    with db.session() as session:
        for asset, values in zip(assets, changes, strict=True):
            assert asset.job is not None
            session.execute(update(VodJob).where(VodJob.id == asset.job.id).values(**values))
    report = reclaim(settings, db, queue)
    codes = [a.code for a in assets]
    assert report.requeued == (codes[0],)
    assert report.cancelled == (codes[1],)
    assert report.failed == (codes[2],)
    assert sorted(report.enqueued) == sorted([codes[0], codes[3]])
    assert queue.pending() == 2
    assert [_job(db, a).state for a in assets] == ["queued", "cancelled", "failed", "queued"]
    failed = Job.of(_job(db, assets[2])).error
    assert failed is not None
    assert failed.code == "vod_worker_lost"
    assert "转码" in failed.messages.zh_cn
    assert reclaim(settings, db, queue) == type(report)()  # nothing left to do


def _worker(data: Path, log: Path, *slow: str) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "yunjin", "worker", "--data", str(data), *slow],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **FAST_ENV, "YUNJIN_VOD_JOB_STALE_S": "3"},
        )


def _descendants(pid: int) -> list[int]:
    found = []
    for child in children_of(pid):
        found += [child, *_descendants(child)]
    return found


@pytest.mark.slow
def test_a_job_of_a_killed_worker_is_finished_by_another(
    setup: tuple[Settings, Database, HueyQueue], clips: Clips
) -> None:
    settings, db, queue = setup
    asset = ingest_file(settings, db, queue, clips.long, IngestTarget("liulang"))
    log = settings.data_dir / "workers.log"
    first = _worker(settings.data_dir, log, "--ffmpeg-threads", "1")
    second = None
    try:
        wait_for(lambda: _job(db, asset).progress > 0.05, 60, "the first worker's progress")
        ffmpegs = _descendants(first.pid)
        assert ffmpegs, "the first worker runs ffmpeg"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        wait_for(lambda: not any(alive(p) for p in ffmpegs), 10, "its ffmpeg to die with it")
        assert _job(db, asset).state == JobState.RUNNING  # the row still says so: stale soon
        second = _worker(settings.data_dir, log)
        done = _until(db, asset, JobState.DONE, JobState.FAILED, timeout=120)
        assert done.state == JobState.DONE, log.read_text()
        assert done.attempts == 2
        assert done.worker
        assert done.worker.endswith(f":{second.pid}")
        _assert_playable(settings, asset.code)
        _no_leftovers(settings, asset.code)
        helpers = _descendants(second.pid)
        second.send_signal(signal.SIGTERM)
        assert second.wait(20) == 0
        assert not any(alive(p) for p in helpers)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    with db.session() as session:
        state = session.scalar(select(VodAsset.state).where(VodAsset.code == asset.code))
    assert state == "ready"
