"""A published story's video for everyone: the rule over every combination, and the route
on SQLite and PostgreSQL — a newsroom clip plays without a package through a URL the signed
delivery serves; a film of the paid catalogue, an unready clip, a draft's clip do not."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.newsroom.conftest import (
    CHEAP,
    CHENGDU,
    JINJIANG,
    PASSWORD,
    PROVINCE,
    STAFF,
    Client,
    Newsroom,
    _urls,
)
from yunjin.app import create_app
from yunjin.config import load_settings
from yunjin.db.models import (
    NewsroomMedia,
    NewsroomStaff,
    Product,
    ProductCategory,
    ProductTitle,
    VodAsset,
)
from yunjin.newsroom.media import VideoFacts, may_play_publicly
from yunjin.newsroom.staff import grant
from yunjin.newsroom.tenants import add_tenant
from yunjin.subscribers import passwords
from yunjin.vod.catalog import TitleDraft, TitleKind, add_category, add_title

MASTER = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p/index.m3u8\n"
# asset code → (title, category, ready)
ASSETS = {
    "nrclip": ("nr-heating", "newsroom", True),  # newsroom media: public
    "nrwait": ("nr-waiting", "newsroom", False),  # still transcoding
    "paidfilm": ("a-film", "movies", True),  # a category the films bundle opens
    "ppvfilm": ("a-match", "newsroom", True),  # named by a pay-per-view product
}


def test_the_rule_over_every_combination() -> None:
    """Exactly one combination plays; every other names the first thing that fails."""
    allowed = 0
    for shown, has_video, exists, ready, sold in itertools.product([False, True], repeat=5):
        facts = VideoFacts(shown, "clip" if has_video else None, exists, ready, sold)
        refusal = may_play_publicly(facts, 7)
        expected = (
            "newsroom_story_not_found"
            if not shown
            else "newsroom_no_video"
            if not has_video
            else "newsroom_video_not_found"
            if not exists
            else "newsroom_video_not_ready"
            if not ready
            else "newsroom_video_sold"
            if sold
            else None
        )
        assert (refusal.code if refusal else None) == expected, facts
        if refusal is not None:
            assert refusal.messages()["zh-CN"]
        allowed += refusal is None
    assert allowed == 1  # shown, with a video that exists, is ready and is not sold


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def public(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Newsroom, Path]]:
    tmp = tmp_path_factory.mktemp("public-video")
    urls = _urls(request, tmp)
    url = next(urls)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", lambda: CHEAP)
        settings = load_settings(
            data_dir=tmp, record=False, database_url=url, token_secret="zone-video-secret"
        )
        app = create_app(settings)
        with app.state.runtime.db.session() as session:
            for code in (PROVINCE, CHENGDU, JINJIANG):
                add_tenant(session, code)
            for username in ("lina", "wang", "zhao", "chen"):
                for tenant, role in STAFF[username]:
                    grant(session, username, tenant, role, password=PASSWORD)
            _catalogue(session, settings.vod_dir)
        room = Newsroom(Client(app))
        for username in ("lina", "wang", "zhao", "chen"):
            room.tokens[username] = room.login(username).json()["session"]
        yield room, settings.vod_dir
    app.state.runtime.db.close()
    next(urls, None)


def _catalogue(session: Session, vod_dir: Path) -> None:
    now = datetime.now(UTC)
    for code in ("newsroom", "movies"):
        add_category(session, code, code, code)
    films = Product(code="films", name_zh="影视包", name_en="Films", kind="vod")
    ppv = Product(code="match", name_zh="赛事", name_en="Match", kind="ppv")
    session.add_all([films, ppv])
    session.flush()
    session.add(ProductCategory(product_id=films.id, category_code="movies"))
    session.add(ProductTitle(product_id=ppv.id, title_code="a-match"))
    for asset, (title_code, category, ready) in ASSETS.items():
        title = add_title(
            session,
            TitleDraft(title_code, TitleKind.MOVIE, title_code, title_code, categories=(category,)),
        )
        session.add(
            VodAsset(
                code=asset,
                title_id=title.id,
                state="ready" if ready else "transcoding",
                filename=f"{asset}.mp4",
                source_path=f"vod/sources/{asset}/{asset}.mp4",
                size_bytes=1000,
                duration_s=12.0,
                ready_at=now if ready else None,
            )
        )
        folder = vod_dir / "media" / asset
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "master.m3u8").write_text(MASTER, encoding="utf-8")
    session.flush()
    lina = session.scalar(select(NewsroomStaff.id).where(NewsroomStaff.username == "lina"))
    assert lina is not None
    for asset in ASSETS:  # each in Jinjiang's media library, so a story there may carry it
        session.add(
            NewsroomMedia(
                tenant_code=JINJIANG, kind="video", title_zh=asset, filename=f"{asset}.mp4",
                uploaded_by=lina, created_at=now, asset_code=asset,
            )
        )  # fmt: skip


def _published(room: Newsroom, title: str, video: str | None, *, publish: bool = True) -> int:
    story = room.story("lina", title=title, video_asset=video)
    if publish:
        room.act("lina", story, "submit")
        for who in ("wang", "zhao", "chen"):
            room.act(who, story, "approve")
    return story


def test_a_newsroom_clip_plays_without_a_package(public: tuple[Newsroom, Path]) -> None:
    room, _ = public
    story = _published(room, "供暖启动", "nrclip")
    for page in (JINJIANG, CHENGDU):  # its section, and its zone (the section's parent)
        answer = room.ok(None, "POST", f"/api/v1/zones/{page}/stories/{story}/video")
        assert answer["asset"] == "nrclip"
        assert answer["title"] == "供暖启动"
        path = urlsplit(answer["url"]).path
        assert path.startswith("/t/")
        assert "/vod/nrclip/" in path  # never the .uhd scope
        served = room.client.request("GET", path)
        assert served.status_code == 200, served.text
        assert "360p/index.m3u8" in served.text
        forged = room.client.request("GET", path.replace("/vod/nrclip/", "/vod/paidfilm/"))
        assert forged.status_code == 403
    # not shown on the province's front page (nobody recommended it there)
    assert room.refused(None, "POST", f"/api/v1/zones/{PROVINCE}/stories/{story}/video") == (
        404,
        "newsroom_story_not_found",
    )


def test_what_does_not_play_publicly(public: tuple[Newsroom, Path]) -> None:
    room, _ = public
    cases = {
        "paidfilm": (403, "newsroom_video_sold"),
        "ppvfilm": (403, "newsroom_video_sold"),
        "nrwait": (409, "newsroom_video_not_ready"),
        None: (404, "newsroom_no_video"),
    }
    for asset, refusal in cases.items():
        story = _published(room, f"带视频 {asset}", asset)
        path = f"/api/v1/zones/{JINJIANG}/stories/{story}/video"
        assert room.refused(None, "POST", path) == refusal, asset
    # an asset no library of the centre holds cannot be attached at all
    body = {"kind": "news", "title": "别处的视频", "video_asset": "nosuch"}
    assert room.refused("lina", "POST", f"/tenants/{JINJIANG}/stories", body) == (
        400,
        "newsroom_video_not_in_library",
    )
    draft = _published(room, "草稿的视频", "nrclip", publish=False)
    assert room.refused(None, "POST", f"/api/v1/zones/{JINJIANG}/stories/{draft}/video") == (
        404,
        "newsroom_story_not_found",
    )
    answer = room.call(
        None,
        "POST",
        f"/api/v1/zones/{JINJIANG}/stories/{draft}/video",
        headers={"Accept-Language": "en"},
    )
    assert answer.json()["error"]["message"] == f"No story {draft}."


def test_a_story_qr_opens_it_on_the_phone_and_the_front_pages_are_listed(
    public: tuple[Newsroom, Path],
) -> None:
    room, _ = public
    story = _published(room, "办事指南", None)
    answer = room.ok(None, "GET", f"/api/v1/zones/{JINJIANG}/stories/{story}/qr")
    assert answer["url"].endswith(f"/m#story={JINJIANG}/{story}")
    assert answer["svg"].startswith("<svg")
    assert room.refused(None, "GET", f"/api/v1/zones/{JINJIANG}/stories/999999/qr")[0] == 404
    fronts = room.ok(None, "GET", "/api/v1/zones")["front_pages"]
    assert [f["code"] for f in fronts] == [PROVINCE]
    assert fronts[0]["name"]["zh-CN"] == "四川省融媒体"
