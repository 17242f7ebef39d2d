"""Ingest: a file becomes an asset with a queued job, committed before it is enqueued; a bad
file is refused with its code and leaves nothing behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from tests.conftest import yunjin
from tests.vod.ingest_clips import (
    Clips,
    FakeQueue,
    seed_titles,
    settings_for,
)
from yunjin.config import Settings
from yunjin.db.engine import Database
from yunjin.db.models import VodAsset, VodJob, VodTitle
from yunjin.vod.assets import (
    AssetState,
    IngestError,
    IngestTarget,
    JobState,
    asset_view,
    ingest_file,
    safe_filename,
)


def _count(db: Database, model: Any) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_file_becomes_an_asset_and_its_job_is_enqueued_after_the_commit(
    clips: Clips, tmp_path: Path, database_url: str
) -> None:
    settings = settings_for(tmp_path / "data", database_url)
    db = Database(settings.database)
    seed_titles(db)
    seen_by_another_connection: list[str] = []

    def committed(code: str) -> None:  # the worker's view when the message arrives
        other = Database(settings.database, migrate_schema=False)
        with other.session() as session:
            state = session.scalar(select(VodAsset.state).where(VodAsset.code == code))
        other.close()
        seen_by_another_connection.append(str(state))

    queue = FakeQueue(check=committed)
    try:
        asset = ingest_file(settings, db, queue, clips.good, IngestTarget("liulang"))
        assert queue.codes == [asset.code]
        assert seen_by_another_connection == ["queued"]
        assert len(asset.code) == 12
        assert asset.code.isalnum()
        assert asset.code.islower()
        assert asset.state == AssetState.QUEUED
        assert (asset.width, asset.height, asset.uhd) == (320, 180, False)
        assert asset.duration_s == pytest.approx(4, abs=0.2)
        assert asset.job is not None
        assert asset.job.state == JobState.QUEUED
        kept = settings.vod_dir / "sources" / asset.code / "good.mp4"
        assert kept.read_bytes() == clips.good.read_bytes()
        assert clips.good.exists()  # copied, not moved
        with db.session() as session:
            row = session.scalar(select(VodAsset).where(VodAsset.code == asset.code))
            assert row is not None
            assert row.source_path == f"vod/sources/{asset.code}/good.mp4"
            assert row.probe is not None
            assert row.probe["video_codec"] == "h264"
            job = session.scalar(select(VodJob).where(VodJob.asset_id == row.id))
            assert job is not None
            assert job.enqueued_at is not None
    finally:
        db.close()


def test_an_episode_and_a_new_title(catalog_db: tuple[Settings, Database], clips: Clips) -> None:
    settings, db = catalog_db
    queue = FakeQueue()
    episode = ingest_file(
        settings, db, queue, clips.good, IngestTarget("fanhua", season=1, episode=1)
    )
    assert (episode.title, episode.season, episode.episode) == ("fanhua", 1, 1)
    created = ingest_file(
        settings, db, queue, clips.good, IngestTarget("xin-pian", "新片", "New Film")
    )
    assert created.title == "xin-pian"
    with db.session() as session:
        title = session.scalar(select(VodTitle).where(VodTitle.code == "xin-pian"))
        assert title is not None
        assert (title.kind, title.title_zh) == ("movie", "新片")
    assert len(queue.codes) == 2


@pytest.mark.parametrize("bad", ["text", "truncated", "empty", "audio_only"])
def test_a_bad_file_is_refused_and_leaves_nothing(
    catalog_db: tuple[Settings, Database], clips: Clips, bad: str
) -> None:
    settings, db = catalog_db
    path, code = clips.bad()[bad]
    before = path.read_bytes()
    queue = FakeQueue()
    titles = _count(db, VodTitle)
    with pytest.raises(IngestError) as refused:
        # a title to create: it must not appear either
        ingest_file(settings, db, queue, path, IngestTarget("new-title", "新片"))
    assert refused.value.code == code
    messages = refused.value.messages()
    assert path.name in messages["en"]
    assert path.name in messages["zh-CN"]
    assert queue.codes == []
    assert _count(db, VodAsset) == 0
    assert _count(db, VodJob) == 0
    assert _count(db, VodTitle) == titles
    assert _files(settings.vod_dir) == []
    assert path.read_bytes() == before  # the operator's file is untouched


def test_a_failing_commit_enqueues_nothing_and_removes_the_copy(
    catalog_db: tuple[Settings, Database], clips: Clips
) -> None:
    settings, db = catalog_db
    queue = FakeQueue()

    def refuse(session: Any) -> None:
        if any(isinstance(row, VodJob) for row in session.new):
            raise RuntimeError("the database went away at commit")

    event.listen(db._sessions, "before_commit", refuse)
    with pytest.raises(RuntimeError, match="went away"):
        ingest_file(settings, db, queue, clips.good, IngestTarget("liulang"))
    event.remove(db._sessions, "before_commit", refuse)
    assert queue.codes == []
    assert _count(db, VodAsset) == 0
    assert _files(settings.vod_dir) == []


def test_a_failing_commit_puts_a_moved_file_back(
    catalog_db: tuple[Settings, Database], clips: Clips, tmp_path: Path
) -> None:
    settings, db = catalog_db
    dropped = tmp_path / "dropped.mp4"
    dropped.write_bytes(clips.good.read_bytes())

    def refuse(session: Any) -> None:
        if any(isinstance(row, VodJob) for row in session.new):
            raise RuntimeError("no commit")

    event.listen(db._sessions, "before_commit", refuse)
    with pytest.raises(RuntimeError):
        ingest_file(settings, db, FakeQueue(), dropped, IngestTarget("liulang"), move=True)
    event.remove(db._sessions, "before_commit", refuse)
    assert dropped.read_bytes() == clips.good.read_bytes()
    assert _files(settings.vod_dir) == []


def test_a_queue_that_is_down_leaves_the_job_to_the_reclaim(
    catalog_db: tuple[Settings, Database], clips: Clips
) -> None:
    from yunjin.vod.assets import QueueUnavailable

    settings, db = catalog_db

    class Down:
        def enqueue(self, asset_code: str) -> None:
            raise QueueUnavailable("connection refused")

    asset = ingest_file(settings, db, Down(), clips.good, IngestTarget("liulang"))
    assert asset.state == AssetState.QUEUED  # committed: the reclaim enqueues it later
    with db.session() as session:
        job = session.scalar(select(VodJob))
        assert job is not None
        assert job.enqueued_at is None


@pytest.mark.parametrize(
    ("target", "code"),
    [
        (IngestTarget("nobody"), "vod_title_not_found"),
        (IngestTarget("liulang", season=1, episode=1), "vod_not_a_series"),
        (IngestTarget("fanhua", season=1), "vod_episode_needs_season"),
        (IngestTarget("fanhua", season=1, episode=9), "vod_episode_not_found"),
        (IngestTarget("Bad Code", "片"), "vod_bad_code"),
    ],
)
def test_a_bad_target_is_refused_before_anything_is_kept(
    catalog_db: tuple[Settings, Database], clips: Clips, target: IngestTarget, code: str
) -> None:
    settings, db = catalog_db
    with pytest.raises(IngestError) as refused:
        ingest_file(settings, db, FakeQueue(), clips.good, target)
    assert refused.value.code == code
    assert _count(db, VodAsset) == 0
    assert _files(settings.vod_dir) == []


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "a/b.mp4", "..\\x.mp4", "..", ".", "", "C:film.mp4", "bad\x00.mp4", " "],
)
def test_path_traversal_names_are_refused(name: str) -> None:
    with pytest.raises(IngestError) as refused:
        safe_filename(name)
    assert refused.value.code == "vod_bad_filename"


def test_names_are_kept_readable() -> None:
    assert safe_filename("  繁花 第1集.mp4 ") == "繁花 第1集.mp4"
    long = safe_filename("x" * 300 + ".mkv")
    assert len(long) == 200
    assert long.endswith(".mkv")


def test_the_cli_ingests_and_refuses_in_both_languages(
    tmp_path: Path, clips: Clips, catalog_db: tuple[Settings, Database]
) -> None:
    settings, _db = catalog_db
    data = settings.data_dir
    answer = yunjin(
        data, "vod", "ingest", str(clips.good), str(clips.text), "--title", "liulang", check=False
    )
    assert answer.returncode == 1
    assert "good.mp4 → asset" in answer.stdout
    assert "media_container_refused" in answer.stderr
    assert "只接受" in answer.stderr
    listed = yunjin(data, "vod", "jobs")
    assert "liulang" in listed.stdout
    assert "queued" in listed.stdout
    db = Database(settings.database)
    with db.session() as session:
        code = session.scalar(select(VodAsset.code))
    assert code is not None
    assert asset_view(db, code).state == AssetState.QUEUED
    db.close()
