"""Issue #6 end to end: an operator drops a film into the watch folder and, without further
steps, a subscriber with the right package finds it by its pinyin initials, plays it in
adaptive quality and resumes it where they stopped — on a real ``yunjin serve``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import m3u8
import pytest

from tests.conftest import Server, yunjin
from tests.helpers import decode, wait_for
from tests.vod.ingest_clips import make_clip

CONFIG = """[yunjin]
token_secret = "done-when-secret"
require_tokens = true
vod_watch_categories = ["movies"]
"""
MAC = "00:11:22:66:77:01"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("done-when")
    (data / "yunjin.toml").write_text(CONFIG, encoding="utf-8")
    for args in (
        ["vod", "category", "movies", "--name", "电影", "--name-en", "Films"],
        ["household", "add", "hh601", "--region", "510104", "--password", "pass-601"],
        ["household", "add", "hh602", "--region", "510104", "--password", "pass-602"],
        ["device", "add", "hh601", "--mac", MAC, "--serial", "SN-601"],
        ["product", "add", "films", "--name", "影视包", "--kind", "vod", "--category", "movies"],
        ["subscription", "add", "hh601", "films"],
    ):
        yunjin(data, *args)
    running = Server(data).start()
    yield running
    running.stop()


def _login(server: Server, account: str, password: str) -> dict[str, str]:
    answer = httpx.post(
        f"{server.base}/api/v1/auth/login",
        json={"account": account, "password": password, "device": "phone"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['session']}"}


def _post(server: Server, path: str, body: dict[str, Any], who: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{server.base}{path}", json=body, headers=who, timeout=10)


def test_a_dropped_film_is_found_played_adaptively_and_resumed(
    server: Server, tmp_path: Path
) -> None:
    film = make_clip(tmp_path / "film.mp4", seconds=10, size="960x540")
    partial = server.data / "vod" / "watch" / "熊猫基地.mp4.part"  # copied, then renamed
    partial.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(film, partial)
    partial.rename(partial.with_suffix(""))

    def shelved() -> str | None:
        hits = server.get("/api/v1/vod/search", params={"q": "XMJD"}).json()["titles"]
        shelves = server.get("/api/v1/vod/shelves").json()["shelves"]
        ready = {t["code"] for shelf in shelves for t in shelf["titles"]}
        return next((hit["code"] for hit in hits if hit["code"] in ready), None)

    code = wait_for(shelved, 180, "the dropped film to be transcoded and shelved")
    assert code == "xiongmaojidi"
    phone = _login(server, "hh601", "pass-601")
    answer = _post(server, "/api/v1/vod/play", {"title": code}, phone)
    assert answer.status_code == 200, answer.text
    played = answer.json()
    assert played["start_s"] == 0.0
    master = m3u8.loads(httpx.get(played["url"], timeout=10).text)
    assert master.is_variant
    heights = sorted(p.stream_info.resolution[1] for p in master.playlists)
    assert heights == [360, 540]  # adaptive: every rung up to the source, none above
    frames, log = decode(played["url"])
    assert frames >= 10 * 25 * 0.9, log
    # stop at 6.5 s; the next playback starts there
    saved = httpx.put(
        f"{server.base}/api/v1/vod/resume",
        json={"asset": played["asset"], "position_s": 6.5},
        headers=phone,
        timeout=10,
    )
    assert saved.status_code == 200, saved.text
    _post(server, "/api/v1/play/stop", {"channel": ""}, phone)
    again = _post(server, "/api/v1/vod/play", {"title": code}, phone).json()
    assert again["start_s"] == pytest.approx(6.5)
    # another household without the package is refused, in both languages
    other = _login(server, "hh602", "pass-602")
    refused = _post(server, "/api/v1/vod/play", {"title": code}, other)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_subscribed"
    assert refused.json()["error"]["messages"]["zh-CN"]
