"""A fixed lineup, guide and VOD catalog for the golden files of M3U, Xtream JSON and XMLTV.

Everything is fixed: the channels, the programmes (UTC milliseconds around :data:`NOW_MS`),
the catalog and when its assets became ready. The routes read the wall clock through
``_now_ms`` of ``yunjin.api.epg`` and ``yunjin.api.xtream``; the tests pin both to
:data:`NOW_MS`. Channels, titles, seasons and episodes are added with the catalog's own
actions; programmes and ready assets are rows, as an import or a transcode leaves them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.db.models import Programme, VodAsset, VodEpisode, VodSeason, VodTitle
from yunjin.folding import fold
from yunjin.live.channels import ChannelSpec, add_channel
from yunjin.vod.assets import AssetState
from yunjin.vod.catalog import (
    TitleDraft,
    TitleKind,
    add_category,
    add_episode,
    add_season,
    add_title,
)

NOW_MS: Final = 1_795_003_200_000  # 2026-11-18T12:00:00Z, 20:00 in Shanghai
HOUR_MS: Final = 3_600_000
DAY_MS: Final = 24 * HOUR_MS
PUBLIC_URL: Final = "http://iptv.example.net:8000"
XTREAM_USER: Final = "golden"
XTREAM_PASSWORD: Final = "golden-pass"
SOURCE: Final = "testsrc:?size=320x180&rate=25&kbps=200"

CHANNELS: Final = (
    ChannelSpec(
        tvg_id="CCTV1.cn",
        number=1,
        name_zh="中央一套",
        name_en="CCTV-1",
        group="央视",
        logo="http://logos.example.net/cctv1.png",
        source=SOURCE,
        catchup_days=7,
    ),
    ChannelSpec(
        tvg_id="SCTV.cn",
        number=21,
        name_zh="四川卫视",
        name_en="Sichuan TV",
        group="卫视",
        source=SOURCE,
        catchup_days=3,
    ),
    # a comma and quotes in names: M3U attributes and titles cannot hold them as they are
    ChannelSpec(
        tvg_id="CDTV3.cn",
        number=23,
        name_zh='成都"新闻",综合',
        name_en="Chengdu News",
        group="地方",
        source=SOURCE,
        catchup_days=0,
    ),
    ChannelSpec(
        tvg_id="OLD.cn",
        number=99,
        name_zh="停播频道",
        name_en="Closed channel",
        group="地方",
        source=SOURCE,
        enabled=False,
    ),
)


def _programme(
    channel: str,
    start_ms: int,
    minutes: int,
    title: str,
    *,
    titles: dict[str, str] | None = None,
    descriptions: dict[str, str] | None = None,
    subtitle: str = "",
    category: str = "",
    episode: str = "",
    icon: str = "",
) -> Programme:
    return Programme(
        channel_id=channel,
        start_ms=start_ms,
        stop_ms=start_ms + minutes * 60_000,
        title=title,
        title_folded=fold(title),
        titles=titles or {},
        descriptions=descriptions or {},
        subtitle=subtitle,
        description=next(iter((descriptions or {}).values()), ""),
        category=category,
        episode=episode,
        icon=icon,
    )


def programmes() -> list[Programme]:
    news = {"zh": "新闻联播", "en": "Network News"}
    return [
        # eight days ago: past every channel's catch-up window, out of the export
        _programme("CCTV1.cn", NOW_MS - 8 * DAY_MS, 30, "新闻联播", titles=news),
        _programme(
            "CCTV1.cn",
            NOW_MS - DAY_MS,
            30,
            "新闻联播",
            titles=news,
            descriptions={"zh": "昨日要闻。", "en": "Yesterday's news."},
            category="新闻",
            episode="S2026E321",
        ),
        _programme(
            "CCTV1.cn",
            NOW_MS - 30 * 60_000,
            60,
            "今日说法",
            titles={"zh": "今日说法"},
            subtitle="邻里之间",
            category="法治, 社会",
        ),
        _programme(
            "CCTV1.cn",
            NOW_MS + 30 * 60_000,
            30,
            "焦点访谈",
            titles={"zh": "焦点访谈", "en": "Focus Report"},
            icon="http://img.example.net/jdft.jpg",
        ),
        _programme("CCTV1.cn", NOW_MS + HOUR_MS, 90, "电视剧：繁花"),
        _programme("SCTV.cn", NOW_MS - 2 * HOUR_MS, 120, "熊猫 & 朋友 <特别节目>"),
        _programme(
            "SCTV.cn",
            NOW_MS,
            60,
            "天府夜话",
            descriptions={"zh": "四川的夜晚。"},
        ),
        _programme("CDTV3.cn", NOW_MS - HOUR_MS, 120, "成都新闻"),
        _programme("OLD.cn", NOW_MS - HOUR_MS, 120, "停播公告"),
    ]


def _ready(
    session: Session,
    code: str,
    title: str,
    duration_s: float,
    ready_at: datetime,
    episode: tuple[int, int] | None = None,
) -> None:
    title_id = session.scalar(select(VodTitle.id).where(VodTitle.code == title))
    episode_id = None
    if episode is not None:
        episode_id = session.scalar(
            select(VodEpisode.id)
            .join(VodSeason, VodSeason.id == VodEpisode.season_id)
            .where(
                VodSeason.title_id == title_id,
                VodSeason.number == episode[0],
                VodEpisode.number == episode[1],
            )
        )
    assert title_id is not None
    session.add(
        VodAsset(
            code=code,
            title_id=title_id,
            episode_id=episode_id,
            state=AssetState.READY.value,
            filename=f"{code}.mp4",
            source_path=f"vod/sources/{code}/{code}.mp4",
            size_bytes=1_000_000,
            duration_s=duration_s,
            width=1920,
            height=1080,
            created_at=ready_at,
            ready_at=ready_at,
        )
    )


def seed(session: Session) -> None:
    """The lineup, its guide and the catalog, into an empty database."""
    for spec in CHANNELS:
        add_channel(session, spec)
    session.add_all(programmes())
    add_category(session, "scifi", "科幻", "Science fiction")
    add_category(session, "drama", "电视剧", "Drama")
    add_category(session, "docs", "纪录片", "Documentaries")  # nothing on it: not listed
    add_title(
        session,
        TitleDraft(
            "liulang",
            TitleKind.MOVIE,
            "流浪地球",
            "The Wandering Earth",
            description_zh="太阳即将毁灭。",
            year=2019,
            cast=("吴京", "屈楚萧"),
            poster_url="/posters/liulang.jpg",
            categories=("scifi",),
        ),
    )
    add_title(session, TitleDraft("yewan", TitleKind.MOVIE, "夜晚", age_rating=18))
    add_title(session, TitleDraft("kong", TitleKind.MOVIE, "空"))  # no asset: not listed
    add_title(
        session,
        TitleDraft(
            "fanhua",
            TitleKind.SERIES,
            "繁花",
            "Blossoms Shanghai",
            description_zh="上海，九十年代。",
            year=2023,
            cast=("胡歌",),
            poster_url="/posters/fanhua.jpg",
            categories=("drama",),
        ),
    )
    add_season(session, "fanhua", 1, "第一季")
    add_episode(session, "fanhua", 1, 1, "第一集", description_zh="阿宝。")
    add_episode(session, "fanhua", 1, 2, "第二集")
    add_episode(session, "fanhua", 1, 3, "第三集")  # no asset yet: not listed
    session.flush()
    ready = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    _ready(session, "gdliulang001", "liulang", 7200.0, ready)
    _ready(session, "gdyewan00001", "yewan", 5400.5, ready.replace(day=2))
    _ready(session, "gdfanhua0101", "fanhua", 2712.0, ready.replace(day=3), episode=(1, 1))
    _ready(session, "gdfanhua0102", "fanhua", 2655.0, ready.replace(day=4), episode=(1, 2))


def xtream_ids(session: Session) -> dict[str, int]:
    """The Xtream ids of the catalog: a movie or series by its title's id."""
    return {row.code: row.id for row in session.execute(select(VodTitle.code, VodTitle.id))}
