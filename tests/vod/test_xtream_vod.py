"""The Xtream-Codes VOD and series actions answer the catalog, and /movie and /series play
through the gate, over real HTTP against ``yunjin serve``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import m3u8
import pytest

from tests.conftest import Server
from tests.helpers import decode
from tests.vod.playback_setup import CLIP_SECONDS, FRAME_RATE, publish, render_clip
from yunjin.config import load_settings
from yunjin.db.engine import Database
from yunjin.db.models import VodEpisode, VodTitle
from yunjin.subscribers.accounts import create_household, create_product, subscribe
from yunjin.subscribers.entitlements import ProductKind
from yunjin.subscribers.regions import seed_regions
from yunjin.vod.catalog import (
    TitleDraft,
    TitleKind,
    add_category,
    add_episode,
    add_season,
    add_title,
)

PASSWORD = "xc-vod-pass"


@dataclass
class Panel:
    server: Server
    ids: dict[str, int]  # title codes and "fanhua/1/2" → Xtream ids

    def api(self, account: str = "hhxc", **params: Any) -> Any:
        answer = httpx.get(
            f"{self.server.base}/player_api.php",
            params={"username": account, "password": PASSWORD, **params},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def stream(self, kind: str, number: int, ext: str, account: str = "hhxc") -> httpx.Response:
        return httpx.get(
            f"{self.server.base}/{kind}/{account}/{PASSWORD}/{number}.{ext}", timeout=10
        )


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Panel]:
    data = tmp_path_factory.mktemp("xcvod")
    (data / "yunjin.toml").write_text(
        '[yunjin]\ntoken_secret = "xc-vod-secret"\nrequire_tokens = true\n', encoding="utf-8"
    )
    settings = load_settings(data_dir=data)
    rendered = render_clip(tmp_path_factory.mktemp("xcvodclip"))
    db = Database(settings.database)
    since = datetime.now(UTC) - timedelta(days=1)
    with db.session() as session:
        seed_regions(session)
        add_category(session, "scifi", "科幻", "Science fiction")
        add_category(session, "drama", "电视剧", "Drama")
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
            TitleDraft("fanhua", TitleKind.SERIES, "繁花", year=2023, categories=("drama",)),
        )
        add_season(session, "fanhua", 1, "第一季")
        add_episode(session, "fanhua", 1, 1, "第一集")
        add_episode(session, "fanhua", 1, 2, "第二集")
        for account in ("hhxc", "hhbare"):
            create_household(session, account, "511402", password=PASSWORD, pin="1234")
        create_product(
            session,
            "films",
            "影视包",
            "Films and series",
            ProductKind.VOD,
            [],
            titles=["yewan"],
            categories=["scifi", "drama"],
        )
        subscribe(session, "hhxc", "films", valid_from=since)
    with db.session() as session:
        ids = {
            code: session.query(VodTitle.id).filter_by(code=code).scalar()
            for code in ("liulang", "yewan", "fanhua")
        }
        for number in (1, 2):
            ids[f"fanhua/1/{number}"] = (
                session.query(VodEpisode.id).filter_by(number=number).scalar()
            )
    db.close()
    publish(settings, rendered, "xcliulang001", "liulang")
    publish(settings, rendered, "xcyewan00001", "yewan")
    publish(settings, rendered, "xcfanhua0101", "fanhua", episode=(1, 1))
    publish(settings, rendered, "xcfanhua0102", "fanhua", episode=(1, 2))
    server = Server(data).start()
    yield Panel(server, ids)
    server.stop()


def test_vod_categories_and_streams(panel: Panel) -> None:
    categories = {
        c["category_name"]: c["category_id"] for c in panel.api(action="get_vod_categories")
    }
    assert set(categories) == {"科幻", "其他"}  # drama holds only a series; yewan is unshelved
    streams = panel.api(action="get_vod_streams")
    assert [s["name"] for s in streams] == ["夜晚", "流浪地球"]
    movie = streams[1]
    assert movie["stream_type"] == "movie"
    assert movie["stream_id"] == panel.ids["liulang"]
    assert movie["category_id"] == categories["科幻"]
    assert movie["container_extension"] == "m3u8"
    assert movie["stream_icon"] == "/posters/liulang.jpg"
    assert int(movie["added"]) > 0
    assert streams[0]["is_adult"] == 1
    shelf = panel.api(action="get_vod_streams", category_id=categories["科幻"])
    assert [s["stream_id"] for s in shelf] == [panel.ids["liulang"]]


def test_vod_info(panel: Panel) -> None:
    answer = panel.api(action="get_vod_info", vod_id=panel.ids["liulang"])
    info, data = answer["info"], answer["movie_data"]
    assert info["name"] == "流浪地球"
    assert info["o_name"] == "The Wandering Earth"
    assert info["plot"] == "太阳即将毁灭。"
    assert info["cast"] == "吴京, 屈楚萧"
    assert info["genre"] == "科幻"
    assert info["releasedate"] == "2019"
    assert info["duration_secs"] == CLIP_SECONDS
    assert info["duration"] == f"00:00:{CLIP_SECONDS:02d}"
    assert data["stream_id"] == panel.ids["liulang"]
    assert data["container_extension"] == "m3u8"
    assert panel.api(action="get_vod_info", vod_id=999_999) == {}


def test_series_actions(panel: Panel) -> None:
    categories = panel.api(action="get_series_categories")
    assert [c["category_name"] for c in categories] == ["电视剧"]
    (series,) = panel.api(action="get_series")
    assert series["series_id"] == panel.ids["fanhua"]
    assert series["name"] == "繁花"
    assert series["category_id"] == categories[0]["category_id"]
    info = panel.api(action="get_series_info", series_id=panel.ids["fanhua"])
    assert info["info"]["name"] == "繁花"
    assert [(s["season_number"], s["episode_count"], s["name"]) for s in info["seasons"]] == [
        (1, 2, "第一季")
    ]
    episodes = info["episodes"]["1"]
    assert [(e["id"], e["episode_num"], e["title"]) for e in episodes] == [
        (str(panel.ids["fanhua/1/1"]), 1, "第一集"),
        (str(panel.ids["fanhua/1/2"]), 2, "第二集"),
    ]
    assert episodes[0]["container_extension"] == "m3u8"
    assert episodes[0]["info"]["duration_secs"] == CLIP_SECONDS
    assert panel.api(action="get_series_info", series_id=panel.ids["liulang"]) == {}


def test_a_movie_plays_through_the_gate_as_hls(panel: Panel) -> None:
    redirect = panel.stream("movie", panel.ids["liulang"], "m3u8")
    assert redirect.status_code == 302
    location = redirect.headers["location"]
    assert re.match(
        r"^/t/[\w-]{22}/\d+/l/\d+\.xc-127\.0\.0\.1-v\d+/vod/xcliulang001/master\.m3u8$", location
    )
    master = m3u8.loads(httpx.get(f"{panel.server.base}{location}", timeout=10).text)
    assert [p.uri for p in master.playlists] == ["180p-h264/index.m3u8"]
    frames, _ = decode(f"{panel.server.base}/movie/hhxc/{PASSWORD}/{panel.ids['liulang']}.m3u8")
    assert frames >= CLIP_SECONDS * FRAME_RATE * 0.9


def test_a_movie_plays_as_one_mpeg_ts_stream(panel: Panel) -> None:
    url = f"{panel.server.base}/movie/hhxc/{PASSWORD}/{panel.ids['liulang']}.ts"
    with httpx.stream("GET", url, timeout=10) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "video/mp2t"
        first = next(answer.iter_bytes())
        assert first[0] == 0x47  # an MPEG-TS sync byte
    frames, _ = decode(url)
    assert frames >= CLIP_SECONDS * FRAME_RATE * 0.9


def test_an_episode_plays(panel: Panel) -> None:
    url = f"{panel.server.base}/series/hhxc/{PASSWORD}/{panel.ids['fanhua/1/2']}.m3u8"
    frames, _ = decode(url)
    assert frames >= CLIP_SECONDS * FRAME_RATE * 0.9


def test_refusals(panel: Panel) -> None:
    bare = panel.stream("movie", panel.ids["liulang"], "m3u8", account="hhbare")
    assert bare.status_code == 403
    assert bare.json()["error"]["code"] == "not_subscribed"
    assert "流浪地球" in bare.json()["error"]["messages"]["zh-CN"]
    rated = panel.stream("movie", panel.ids["yewan"], "m3u8")  # an app cannot send the PIN
    assert rated.status_code == 403
    assert rated.json()["error"]["code"] == "parental_pin_required"
    wrong = panel.stream("movie", panel.ids["liulang"], "mkv")
    assert wrong.status_code == 404
    assert wrong.json()["error"]["code"] == "vod_bad_extension"
    assert panel.stream("movie", 999_999, "m3u8").status_code == 404
    assert panel.stream("movie", panel.ids["fanhua"], "m3u8").status_code == 404  # a series
    denied = httpx.get(
        f"{panel.server.base}/movie/hhxc/wrong-pass/{panel.ids['liulang']}.m3u8", timeout=10
    )
    assert denied.status_code == 404


def test_get_php_lists_movies_and_episodes(panel: Panel) -> None:
    text = httpx.get(
        f"{panel.server.base}/get.php",
        params={"username": "hhxc", "password": PASSWORD, "type": "m3u_plus", "output": "ts"},
        timeout=10,
    ).text
    base = panel.server.base
    assert f"{base}/movie/hhxc/{PASSWORD}/{panel.ids['liulang']}.m3u8" in text
    assert f"{base}/series/hhxc/{PASSWORD}/{panel.ids['fanhua/1/1']}.m3u8" in text
    assert 'group-title="科幻",流浪地球' in text
    assert 'tvg-name="繁花 S01 E02"' in text
