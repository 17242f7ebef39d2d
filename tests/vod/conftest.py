"""Fixtures of the VOD ingest tests: real clips made once, a catalog in a fresh folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.vod.ingest_clips import Clips, make_clip, seed_titles, settings_for
from yunjin.config import Settings
from yunjin.db.engine import Database


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    folder = tmp_path_factory.mktemp("clips")
    good = make_clip(folder / "good.mp4")
    long = make_clip(folder / "long.mp4", seconds=12, size="1280x720")
    text = folder / "notes.mp4"
    text.write_text("这不是视频 / this is not a video\n" * 50, encoding="utf-8")
    data = good.read_bytes()
    truncated = folder / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    empty = folder / "empty.mp4"
    empty.touch()
    audio_only = make_clip(folder / "radio.mp4", video=False)
    return Clips(good, long, text, truncated, empty, audio_only)


@pytest.fixture
def catalog_db(tmp_path: Path) -> Iterator[tuple[Settings, Database]]:
    """Settings on SQLite in a fresh data folder, with a movie and a series' episode."""
    settings = settings_for(tmp_path / "data")
    db = Database(settings.database)
    seed_titles(db)
    yield settings, db
    db.close()
