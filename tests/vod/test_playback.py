"""VOD playback end to end: the gate, leases, signed URLs, 4K renditions and resume points,
over real HTTP against ``yunjin serve``, with a real transcode decoded by ffmpeg."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import m3u8
import pytest

from tests.conftest import Server, yunjin
from tests.helpers import decode, wait_for
from tests.vod.playback_setup import CLIP_SECONDS, FAKE_UHD_RUNG, FRAME_RATE, publish, render_clip
from yunjin.config import load_settings
from yunjin.db.engine import Database
from yunjin.subscribers.accounts import (
    create_household,
    create_product,
    household_by_account,
    register_device,
)
from yunjin.subscribers.entitlements import ProductKind
from yunjin.subscribers.regions import seed_regions
from yunjin.vod.assets import AssetState
from yunjin.vod.catalog import (
    TitleDraft,
    TitleKind,
    add_category,
    add_episode,
    add_season,
    add_title,
)

PASSWORD = "vod-pass-1"
BOX_4K = "00:11:22:CC:00:01"
BOX_HD = "00:11:22:CC:00:02"


@dataclass
class Vod:
    server: Server

    def post(
        self, path: str, body: dict[str, Any], token: str | None = None, **kw: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", **kw.pop("headers", {})} if token else {}
        return httpx.post(f"{self.server.base}{path}", json=body, headers=headers, timeout=10, **kw)

    def box(self, mac: str) -> str:
        answer = self.post("/api/v1/auth/stb", {"mac": mac, "serial": f"SN-{mac[-2:]}"})
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["session"]
        return token

    def phone(self, account: str, device: str = "phone") -> str:
        body = {"account": account, "password": PASSWORD, "device": device}
        answer = self.post("/api/v1/auth/login", body)
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["session"]
        return token

    def play(self, token: str, **body: Any) -> httpx.Response:
        return self.post("/api/v1/vod/play", body, token)

    def stop(self, token: str) -> None:
        self.post("/api/v1/play/stop", {"channel": "-"}, token)

    def report(self, token: str, **body: Any) -> dict[str, Any]:
        answer = httpx.put(
            f"{self.server.base}/api/v1/vod/resume",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        kept: dict[str, Any] = answer.json()
        return kept


@pytest.fixture(scope="module")
def vod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vod]:
    data = tmp_path_factory.mktemp("vodplay")
    (data / "yunjin.toml").write_text(
        '[yunjin]\ntoken_secret = "vod-play-secret"\nrequire_tokens = true\n', encoding="utf-8"
    )
    settings = load_settings(data_dir=data)
    rendered = render_clip(tmp_path_factory.mktemp("vodclip"))
    db = Database(settings.database)
    with db.session() as session:
        seed_regions(session)
        add_category(session, "docs", "纪录片", "Documentaries")
        add_title(
            session, TitleDraft("liulang", TitleKind.MOVIE, "流浪地球", "The Wandering Earth")
        )
        add_title(session, TitleDraft("yewan", TitleKind.MOVIE, "夜晚", age_rating=18))
        add_title(session, TitleDraft("shijie", TitleKind.MOVIE, "地球脉动", categories=("docs",)))
        add_title(session, TitleDraft("weiwan", TitleKind.MOVIE, "未完成"))
        add_title(session, TitleDraft("fanhua", TitleKind.SERIES, "繁花", "Blossoms Shanghai"))
        add_season(session, "fanhua", 1)
        add_episode(session, "fanhua", 1, 1, "第一集")
        for account in ("hh4k", "hhhd", "hhnone"):  # two streams; a phone per test
            create_household(
                session, account, "511402", password=PASSWORD, pin="1234", device_limit=20
            )
        register_device(
            session,
            household_by_account(session, "hh4k"),
            "stb",
            mac=BOX_4K,
            serial="SN-01",
            uhd=True,
        )
        register_device(
            session,
            household_by_account(session, "hhhd"),
            "stb",
            mac=BOX_HD,
            serial="SN-02",
            uhd=True,
        )
        create_product(session, "uhd", "4K 增值包", "4K", ProductKind.UHD, [])
        create_product(
            session,
            "fanhua-48h",
            "繁花 48 小时",
            "Blossoms, 48 h",
            ProductKind.PPV,
            [],
            500,
            rental_hours=48,
            titles=["fanhua"],
        )
    db.close()
    publish(settings, rendered, "liulang4k0001", "liulang", uhd=True)
    publish(settings, rendered, "yewan0000001", "yewan")
    publish(settings, rendered, "shijie000001", "shijie")
    publish(settings, rendered, "fanhua010001", "fanhua", episode=(1, 1))
    publish(settings, rendered, "weiwan000001", "weiwan", state=AssetState.TRANSCODING)
    # the VOD bundle through the command line: titles and a whole category
    yunjin(
        data,
        "product",
        "add",
        "films",
        "--name",
        "电影包",
        "--kind",
        "vod",
        "--title",
        "liulang",
        "--title",
        "yewan",
        "--title",
        "weiwan",
        "--category",
        "docs",
    )
    since = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0).isoformat()
    for account, product in (("hh4k", "films"), ("hh4k", "uhd"), ("hhhd", "films")):
        yunjin(data, "subscription", "add", account, product, "--from", since)
    server = Server(data).start()
    yield Vod(server)
    server.stop()


def _master(url: str) -> m3u8.M3U8:
    answer = httpx.get(url, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    return m3u8.loads(answer.text)


def _error(answer: httpx.Response) -> str:
    code: str = answer.json()["error"]["code"]
    return code


def test_the_vod_bundle_plays_a_film_in_every_rendition_on_a_4k_box(vod: Vod) -> None:
    box = vod.box(BOX_4K)
    answer = vod.play(box, title="liulang")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["uhd"] is True
    assert body["uhd_withheld"] is None
    assert re.search(
        r"/t/[\w-]{22}/\d+/l/\d+\.\d+/vod/liulang4k0001\.uhd/master\.m3u8$", body["url"]
    )
    assert body["start_s"] == 0
    assert body["resume"] is None
    assert body["duration_s"] == pytest.approx(CLIP_SECONDS, abs=0.2)
    master = _master(body["url"])
    uris = [p.uri for p in master.playlists]
    assert uris[-1] == f"{FAKE_UHD_RUNG}/index.m3u8"
    assert master.playlists[0].stream_info.codecs.startswith("avc1")
    frames, _ = decode(body["url"])
    assert frames >= CLIP_SECONDS * FRAME_RATE * 0.9
    base = body["url"].rsplit("/", 1)[0]
    for name, kind in (("poster.jpg", "image/jpeg"), ("sprite.vtt", "text/vtt")):
        picture = httpx.get(f"{base}/{name}", timeout=10)
        assert picture.status_code == 200
        assert picture.headers["content-type"].startswith(kind)
    vod.stop(box)


def test_without_the_4k_add_on_a_4k_film_plays_up_to_1080p(vod: Vod) -> None:
    box = vod.box(BOX_HD)
    body = vod.play(box, title="liulang").json()
    assert body["uhd"] is False
    assert body["uhd_withheld"] == "uhd_product_required"
    assert "/vod/liulang4k0001/master.m3u8" in body["url"]
    master = _master(body["url"])
    assert [p.uri for p in master.playlists] == ["180p-h264/index.m3u8"]
    base = body["url"].rsplit("/", 1)[0]
    guessed = httpx.get(f"{base}/{FAKE_UHD_RUNG}/index.m3u8", timeout=10)
    assert guessed.status_code == 403
    assert _error(guessed) == "vod_uhd_not_allowed"
    assert httpx.get(f"{base}/{FAKE_UHD_RUNG}/seg_00000.ts", timeout=10).status_code == 403
    widened = httpx.get(base.replace("liulang4k0001", "liulang4k0001.uhd") + "/master.m3u8")
    assert widened.status_code == 403
    assert _error(widened) == "token_forged"
    frames, _ = decode(body["url"])
    assert frames >= CLIP_SECONDS * FRAME_RATE * 0.9
    vod.stop(box)
    # a phone of the 4K household: the add-on, but not a 4K device
    phone = vod.phone("hh4k", "phone-hd")
    body = vod.play(phone, title="liulang").json()
    assert (body["uhd"], body["uhd_withheld"]) == (False, "device_not_uhd")
    vod.stop(phone)


def test_a_household_without_the_bundle_is_refused_and_offered_a_rental(vod: Vod) -> None:
    phone = vod.phone("hhnone")
    refused = vod.play(phone, title="fanhua", season=1, episode=1)
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "not_subscribed"
    assert "繁花" in error["messages"]["zh-CN"]
    assert "Channel" not in error["messages"]["en"]
    assert [offer["product"] for offer in error["offers"]] == ["fanhua-48h"]
    assert _error(vod.play(phone, title="liulang")) == "not_subscribed"


def test_a_rental_bought_through_the_api_plays(vod: Vod) -> None:
    phone = vod.phone("hhnone", "phone-rent")
    bought = vod.post(
        "/api/v1/orders", {"product": "fanhua-48h"}, phone, headers={"Idempotency-Key": "rent-0001"}
    )
    assert bought.status_code == 201, bought.text
    episode = vod.play(phone, title="fanhua", season=1, episode=1)
    assert episode.status_code == 200, episode.text
    assert (episode.json()["season"], episode.json()["episode"]) == (1, 1)
    assert _master(episode.json()["url"]).playlists
    whole = vod.play(phone, title="fanhua")
    assert whole.status_code == 400
    assert _error(whole) == "vod_episode_required"
    missing = vod.play(phone, title="fanhua", season=1, episode=9)
    assert missing.status_code == 404
    vod.stop(phone)


def test_a_rated_film_needs_the_pin(vod: Vod) -> None:
    phone = vod.phone("hh4k", "phone-pin")
    assert _error(vod.play(phone, title="yewan")) == "parental_pin_required"
    assert _error(vod.play(phone, title="yewan", pin="0000")) == "parental_pin_required"
    assert vod.play(phone, title="yewan", pin="1234").status_code == 200
    vod.stop(phone)


def test_a_whole_category_is_in_the_bundle(vod: Vod) -> None:
    phone = vod.phone("hhhd", "phone-docs")
    assert vod.play(phone, title="shijie").status_code == 200
    vod.stop(phone)


def test_a_title_without_a_ready_asset_says_so_in_both_languages(vod: Vod) -> None:
    phone = vod.phone("hh4k", "phone-wait")
    refused = vod.play(phone, title="weiwan")
    assert refused.status_code == 404
    error = refused.json()["error"]
    assert error["code"] == "vod_not_ready"
    assert "未完成" in error["messages"]["zh-CN"]
    assert "未完成" in error["messages"]["en"]
    assert vod.play(phone, title="nope").status_code == 404


def test_a_third_stream_is_refused_at_a_limit_of_two(vod: Vod) -> None:
    box, phone, tablet = vod.box(BOX_4K), vod.phone("hh4k", "p1"), vod.phone("hh4k", "p2")
    assert vod.play(box, title="liulang").status_code == 200
    assert vod.play(phone, title="yewan", pin="1234").status_code == 200
    third = vod.play(tablet, title="liulang")
    assert third.status_code == 409
    assert third.json()["error"]["code"] == "stream_limit"
    assert third.json()["error"]["limit"] == 2
    vod.stop(phone)
    assert vod.play(tablet, title="liulang").status_code == 200
    for token in (box, tablet):
        vod.stop(token)


def test_the_lease_cannot_be_stripped_or_swapped(vod: Vod) -> None:
    phone = vod.phone("hhhd", "phone-lease")
    url = vod.play(phone, title="shijie").json()["url"]
    stripped = re.sub(r"/l/[^/]+/", "/", url)
    swapped = re.sub(r"/l/(\d+)\.", lambda m: f"/l/{int(m.group(1)) + 1}.", url)
    for forged in (stripped, swapped, stripped.replace("master.m3u8", "180p-h264/seg_00000.ts")):
        answer = httpx.get(forged, timeout=10)
        assert answer.status_code == 403
        assert _error(answer) == "token_forged"
    vod.stop(phone)


def test_traversal_and_unknown_names_are_refused(vod: Vod) -> None:
    phone = vod.phone("hhhd", "phone-walk")
    base = vod.play(phone, title="shijie").json()["url"].rsplit("/", 1)[0]
    for tail in (
        "../../../yunjin.db",
        "%2e%2e/%2e%2e/yunjin.db",
        "180p-h264/..%2f..%2fmanifest.json",
        "manifest.json",
        "180p-h264/index.m3u8.bak",
        "thumbs/00001.jpg",
        "..%2f/index.m3u8",
    ):
        assert httpx.get(f"{base}/{tail}", timeout=10).status_code in (400, 403, 404), tail
    segment = httpx.get(f"{base}/180p-h264/seg_00000.ts", timeout=10)
    assert segment.status_code == 200
    assert segment.headers["content-type"] == "video/mp2t"
    vod.stop(phone)


def test_resume_is_kept_per_household_and_returned(vod: Vod) -> None:
    box, phone = vod.box(BOX_4K), vod.phone("hh4k", "phone-resume")
    body = vod.play(box, title="liulang").json()
    kept = vod.report(box, asset=body["asset"], position_s=2.5)
    assert kept["resume"]["position_s"] == 2.5
    assert kept["start_s"] == 2.5
    vod.stop(box)
    again = vod.play(phone, title="liulang").json()  # another device of the household
    assert again["start_s"] == 2.5
    assert again["resume"]["finished"] is False
    title = httpx.get(
        f"{vod.server.base}/api/v1/vod/titles/liulang",
        headers={"Authorization": f"Bearer {phone}"},
        timeout=10,
    ).json()
    assert title["resume"][0]["position_s"] == 2.5
    assert "resume" not in httpx.get(f"{vod.server.base}/api/v1/vod/titles/liulang").json()
    listed = httpx.get(
        f"{vod.server.base}/api/v1/vod/continue",
        headers={"Authorization": f"Bearer {phone}"},
        timeout=10,
    ).json()["continue"]
    assert [(item["title"], item["resume"]["position_s"]) for item in listed] == [("liulang", 2.5)]
    home = httpx.get(
        f"{vod.server.base}/api/v1/portal/home",
        headers={"Authorization": f"Bearer {phone}"},
        timeout=10,
    ).json()
    assert [item["title"] for item in home["vod"]] == ["liulang"]  # the portals' "continue"
    done = vod.report(phone, asset=again["asset"], position_s=CLIP_SECONDS)
    assert done["resume"]["finished"] is True
    assert done["start_s"] == 0
    assert vod.play(phone, title="liulang").json()["start_s"] == 0
    listed = httpx.get(
        f"{vod.server.base}/api/v1/vod/continue",
        headers={"Authorization": f"Bearer {phone}"},
        timeout=10,
    ).json()["continue"]
    assert listed == []
    other = vod.phone("hhhd", "phone-other")  # another household has its own
    assert vod.play(other, title="liulang").json()["resume"] is None
    for token in (phone, other):
        vod.stop(token)


def test_a_suspension_stops_the_next_playlist(vod: Vod) -> None:
    phone = vod.phone("hhhd", "phone-stop")
    url = vod.play(phone, title="shijie").json()["url"]
    assert httpx.get(url, timeout=10).status_code == 200
    yunjin(vod.server.data, "household", "suspend", "hhhd")
    try:
        refused = wait_for(
            lambda: (r := httpx.get(url, timeout=10)).status_code == 403 and r,
            15,
            "the next playlist to be refused",
        )
        assert _error(refused) == "household_suspended"
    finally:
        yunjin(vod.server.data, "household", "resume", "hhhd")
