"""The demo's newsroom: Sichuan, two zones, three county centres, staff of every role and
published stories of every type, through the real workflow; a restart adds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.newsroom.conftest import CHEAP
from yunjin.config import load_settings
from yunjin.db.engine import Database
from yunjin.db.models import (
    Channel,
    NewsroomAudit,
    NewsroomGrant,
    NewsroomMedia,
    NewsroomStaff,
    NewsroomStory,
    NewsroomTip,
    VodAsset,
)
from yunjin.media.ffmpeg import ffmpeg_binary
from yunjin.newsroom import demo
from yunjin.newsroom.staff import login
from yunjin.newsroom.zones import zone_page
from yunjin.subscribers import passwords
from yunjin.subscribers.accounts import create_household
from yunjin.subscribers.regions import seed_regions
from yunjin.vod.catalog import TitleDraft, TitleKind, add_title

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'demo.db'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", lambda: CHEAP)
        with database.session() as session:
            seed_regions(session)
            channel = Channel(tvg_id="SCTV4.cn", number=24, name_zh="四川新闻", name_en="SC News")
            channel.source_url = "testsrc:"
            session.add(channel)
            create_household(session, "demo001", demo.JINJIANG, password="demo-pass-1")
            clip = add_title(session, TitleDraft("nr-clip", TitleKind.MOVIE, "新闻短片"))
            session.add(
                VodAsset(
                    code="nrclip01", title_id=clip.id, state="ready", filename="clip.mp4",
                    source_path="vod/sources/nrclip01/clip.mp4", size_bytes=1000,
                )
            )  # fmt: skip
        yield database
    database.close()


def test_the_demo_newsroom_is_there_once(db: Database) -> None:
    first = demo.ensure_demo_newsroom(
        db, NOW, live_channel="SCTV4.cn", video_asset="nrclip01", tip_from="demo001"
    )
    assert first.staff_added == len(demo.CENTRES) * len(demo.ROLES)
    assert len(first.stories_added) >= 12
    assert first.recommended
    assert first.tip_added
    assert first.poll_added
    assert first.library_added  # the clip is an item of Jinjiang's media library
    with db.session() as session:
        roles = set(session.execute(select(NewsroomGrant.tenant_code, NewsroomGrant.role)))
        assert roles == {(c, r.value) for c in demo.CENTRES for r in demo.ROLES.values()}
        states = set(session.scalars(select(NewsroomStory.state)))
        assert states == {"published"}
        # through the workflow: every story was created, submitted and approved three times
        actions = session.scalars(
            select(NewsroomAudit.action).where(NewsroomAudit.story_id.is_not(None))
        ).all()
        assert actions.count("approve") >= 3 * len(first.stories_added) - 3
        person = login(session, "jinjiang-reporter", demo.PASSWORD, NOW)
        assert person.username == "jinjiang-reporter"
        county = zone_page(session, demo.JINJIANG, NOW)
        kinds = {s["kind"] for s in county["stories"]}
        assert kinds == {"news", "notice", "service", "live_event"}
        categories = {s["details"]["category"] for s in county["stories"] if s["kind"] == "service"}
        assert len(categories) >= 3
        news = next(s for s in county["stories"] if s["title"] == "锦江区今冬供暖启动")
        assert news["video_asset"] == "nrclip01"
        chengdu = zone_page(session, demo.CHENGDU, NOW)
        assert [s["title"] for s in chengdu["front"] if s.get("recommended")] == [
            "锦江区今冬供暖启动"
        ]
        assert {s["code"] for s in chengdu["sections"]} == {demo.JINJIANG, demo.WUHOU}
        sichuan = zone_page(session, demo.SICHUAN, NOW)
        assert {z["code"] for z in sichuan["zones"]} == {demo.CHENGDU, demo.MIANYANG}
        tip = session.scalars(select(NewsroomTip)).one()
        assert (tip.tenant_code, tip.state) == (demo.JINJIANG, "new")
        stories = session.scalar(select(func.count()).select_from(NewsroomStory))
        people = session.scalar(select(func.count()).select_from(NewsroomStaff))
    again = demo.ensure_demo_newsroom(
        db, NOW, live_channel="SCTV4.cn", video_asset="nrclip01", tip_from="demo001"
    )
    assert (again.staff_added, again.stories_added, again.recommended) == (0, [], False)
    assert (again.tip_added, again.poll_added, again.library_added) == (False, False, False)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(NewsroomStory)) == stories
        assert session.scalar(select(func.count()).select_from(NewsroomStaff)) == people


def test_a_picture_in_jinjiangs_library_once(db: Database, tmp_path: Path) -> None:
    demo.ensure_demo_newsroom(db, NOW, live_channel=None, video_asset="nrclip01")
    settings = load_settings(data_dir=tmp_path / "data")
    assert demo.ensure_library_image(settings, db, NOW)
    assert not demo.ensure_library_image(settings, db, NOW)  # a restart adds nothing
    with db.session() as session:
        items = session.scalars(select(NewsroomMedia).order_by(NewsroomMedia.id)).all()
        assert [(i.tenant_code, i.kind) for i in items] == [
            (demo.JINJIANG, "video"),  # the clip
            (demo.JINJIANG, "image"),
        ]
        picture = items[1]
    assert picture.content_type == "image/jpeg"
    assert (picture.width, picture.height) == (960, 540)
    assert picture.image_path is not None
    assert (settings.data_dir / picture.image_path).is_file()
    assert not any((settings.data_dir / "newsroom" / "library" / "incoming").iterdir())


def test_without_a_channel_there_is_no_live_event(db: Database) -> None:
    done = demo.ensure_demo_newsroom(db, NOW, live_channel=None, video_asset=None)
    assert not any("直播" in title for title in done.stories_added)


class Queue:
    def __init__(self) -> None:
        self.queued: list[str] = []

    def enqueue(self, asset_code: str) -> None:
        self.queued.append(asset_code)


def test_the_news_clip_is_made_once(db: Database, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, record=False)
    queue = Queue()
    code = demo.ensure_newsroom_clip(settings, db, queue, ffmpeg_binary())
    assert code is not None
    assert queue.queued == [code]
    assert demo.ensure_newsroom_clip(settings, db, queue, ffmpeg_binary()) == code
    assert queue.queued == [code]
    with db.session() as session:
        asset = session.scalar(select(VodAsset).where(VodAsset.code == code))
        assert asset is not None
        assert asset.duration_s == pytest.approx(demo.CLIP.seconds, abs=0.5)
