"""Small real inputs for the ingest tests, made once per session with ffmpeg, and fakes."""

from __future__ import annotations

import os
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from yunjin.config import Settings, load_settings
from yunjin.db.engine import Database
from yunjin.media.ffmpeg import ffmpeg_binary
from yunjin.vod.catalog import TitleDraft, TitleKind, add_episode, add_season, add_title

REDIS_URL = os.environ.get("YUNJIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def make_clip(
    path: Path,
    *,
    seconds: float = 4,
    size: str = "320x180",
    audio: bool = True,
    video: bool = True,
) -> Path:
    """An H.264/AAC MP4 of a test pattern and a tone (or only one of them)."""
    inputs: list[str] = []
    codecs: list[str] = []
    if video:
        inputs += ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25"]
        codecs += ["-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p"]
    if audio:
        inputs += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
        codecs += ["-c:a", "aac", "-b:a", "64k"]
    subprocess.run(
        [
            ffmpeg_binary(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            *inputs,
            "-t",
            str(seconds),
            *codecs,
            str(path),
        ],
        check=True,
        timeout=120,
    )
    return path


@dataclass(frozen=True)
class Clips:
    good: Path
    long: Path  # long enough to be caught mid-transcode
    text: Path  # a text file named .mp4
    truncated: Path
    empty: Path
    audio_only: Path

    def bad(self) -> dict[str, tuple[Path, str]]:
        return {
            "text": (self.text, "media_container_refused"),  # by its bytes, not its name
            "truncated": (self.truncated, "vod_truncated"),
            "empty": (self.empty, "vod_empty_file"),
            "audio_only": (self.audio_only, "vod_no_video"),
        }


@dataclass
class FakeQueue:
    """Records what is enqueued; ``check`` runs at enqueue time (to look at the database)."""

    codes: list[str] = field(default_factory=list)
    check: object = None

    def enqueue(self, asset_code: str) -> None:
        if callable(self.check):
            self.check(asset_code)
        self.codes.append(asset_code)


def settings_for(data: Path, database_url: str | None = None, **more: object) -> Settings:
    return load_settings(data_dir=data, record=False, database_url=database_url, **more)


def seed_titles(db: Database) -> None:
    with db.session() as session:
        add_title(session, TitleDraft("fanhua", TitleKind.SERIES, "繁花", "Blossoms Shanghai"))
        add_season(session, "fanhua", 1)
        add_episode(session, "fanhua", 1, 1, "第一集")
        add_title(session, TitleDraft("liulang", TitleKind.MOVIE, "流浪地球"))


def redis_or_skip() -> str:
    """The test Redis URL, or skip (fail under CI=true) when no Redis answers."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is not reachable at {REDIS_URL} (CI requires it): {error}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    return REDIS_URL


def queue_name() -> str:
    """A queue name of its own, so tests never see another run's messages."""
    return f"yunjin-test-{uuid.uuid4().hex[:10]}"
