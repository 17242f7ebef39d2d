"""The demo's VOD: a few generated films, a short 4K clip and a series, ingested through the
same path as an operator's files and transcoded by the demo's own worker.

Sources are made with ffmpeg from its test patterns (no network), once: a title already in the
catalog is left alone, so a restarted demo does not transcode again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from yunjin.config import Settings
from yunjin.db.engine import Database
from yunjin.db.models import VodCategory, VodTitle
from yunjin.media.process import run
from yunjin.vod.assets import IngestError, IngestTarget, JobQueue, ingest_file
from yunjin.vod.catalog import (
    TitleDraft,
    TitleKind,
    add_category,
    add_episode,
    add_season,
    add_title,
)

log = logging.getLogger(__name__)

CATEGORIES = (
    ("movies", "电影", "Films"),
    ("series", "电视剧", "Series"),
    ("uhd", "4K 专区", "4K"),
)
# the category a film dropped into the demo's watch folder lands in (a bundle opens it)
WATCH_CATEGORY = "movies"


@dataclass(frozen=True, slots=True)
class Clip:
    pattern: str  # an ffmpeg lavfi video source
    size: str
    seconds: int
    tone_hz: int


@dataclass(frozen=True, slots=True)
class DemoTitle:
    draft: TitleDraft
    clips: tuple[Clip, ...]  # a movie's one file, or a series' episodes in order
    episode_names: tuple[tuple[str, str], ...] = ()


TITLES = (
    DemoTitle(
        TitleDraft(
            "jincheng-gushi",
            TitleKind.MOVIE,
            "锦城故事",
            "A Tale of Jincheng",
            "成都一家三代人的日常，演示用的生成影片。",
            "Three generations of a Chengdu family; a generated demo film.",
            year=2026,
            cast=("云锦",),
            categories=("movies",),
        ),
        (Clip("testsrc2", "1280x720", 90, 440),),
    ),
    DemoTitle(
        TitleDraft(
            "xiongmao-yitian",
            TitleKind.MOVIE,
            "熊猫的一天",
            "A Day of the Panda",
            "从清晨到黄昏的大熊猫基地。",
            "The panda base from dawn to dusk.",
            year=2025,
            age_rating=0,
            categories=("movies",),
        ),
        (Clip("smptehdbars", "1920x1080", 45, 523),),
    ),
    DemoTitle(
        TitleDraft(
            "jiuzhaigou-4k",
            TitleKind.MOVIE,
            "九寨沟 4K",
            "Jiuzhaigou in 4K",
            "一段 4K 短片：有 4K 附加包和 4K 机顶盒的家庭看到 2160p（H.264 与 HEVC）。",
            "A short 4K clip: households with the 4K add-on and a 4K box get 2160p "
            "(H.264 and HEVC).",
            year=2026,
            categories=("uhd", "movies"),
        ),
        (Clip("testsrc2", "3840x2160", 6, 660),),
    ),
    DemoTitle(
        TitleDraft(
            "shudao",
            TitleKind.SERIES,
            "蜀道",
            "The Shu Roads",
            "三集纪录短片。",
            "A documentary in three short episodes.",
            year=2026,
            categories=("series",),
        ),
        tuple(Clip("testsrc2", "960x540", 30, hz) for hz in (392, 494, 587)),
        (
            ("金牛道", "The Golden Ox Road"),
            ("米仓道", "The Micang Road"),
            ("荔枝道", "The Lychee Road"),
        ),
    ),
)


def make_clip(binary: str, clip: Clip, path: Path) -> Path:
    """Render a source file: the pattern with a moving timestamp, and a tone."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part.mp4")
    run(
        [
            binary,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"{clip.pattern}=size={clip.size}:rate=25",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={clip.tone_hz}:sample_rate=48000",
            "-t",
            str(clip.seconds),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "20",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            str(partial),
        ],
        check=True,
        timeout=600,
        capture=False,
    )
    partial.replace(path)
    return path


def ensure_categories(db: Database) -> None:
    with db.session() as session:
        have = set(session.scalars(select(VodCategory.code)))
        for code, zh, en in CATEGORIES:
            if code not in have:
                add_category(session, code, zh, en)


def ensure_demo_vod(settings: Settings, db: Database, queue: JobQueue, binary: str) -> int:
    """Generate and ingest the demo titles not yet in the catalog; returns how many."""
    ensure_categories(db)
    sources = settings.vod_dir / "demo-sources"
    added = 0
    for title in TITLES:
        with db.session() as session:
            if session.scalar(select(VodTitle.id).where(VodTitle.code == title.draft.code)):
                continue
            add_title(session, title.draft)
            series = title.draft.kind is TitleKind.SERIES
            if series:
                add_season(session, title.draft.code, 1, "第一季", "Season 1")
                for number, (zh, en) in enumerate(title.episode_names, start=1):
                    seconds = title.clips[number - 1].seconds
                    add_episode(session, title.draft.code, 1, number, zh, en, duration_s=seconds)
        for number, clip in enumerate(title.clips, start=1):
            path = make_clip(binary, clip, sources / f"{title.draft.code}-{number}.mp4")
            target = IngestTarget(
                title.draft.code,
                season=1 if series else None,
                episode=number if series else None,
            )
            try:
                ingest_file(settings, db, queue, path, target, move=True)
            except IngestError as error:
                log.warning("demo title %s not ingested: %s", title.draft.code, error)
        added += 1
    return added
