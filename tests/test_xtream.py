"""The Xtream-Codes-compatible API, driven by a third-party client library (pyxtream)."""

from __future__ import annotations

import base64
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import Server, yunjin
from yunjin.media.ffmpeg import ffmpeg_binary

SMALL = "testsrc:?size=320x180&rate=25&kbps=200"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("xtream")
    yunjin(
        data,
        "channel",
        "add",
        "--id",
        "SCTV.cn",
        "--name",
        "四川卫视",
        "--number",
        "21",
        "--source",
        SMALL,
        "--group",
        "卫视",
    )
    (data / "yunjin.toml").write_text(
        '[yunjin]\nxtream_username = "alice"\nxtream_password = "s3cret"\n', encoding="utf-8"
    )
    running = Server(data).start()
    running.wait_segments("SCTV.cn", 8)
    now = int(time.time())
    start = datetime.fromtimestamp(now - 4, ZoneInfo("UTC")).strftime("%Y%m%d%H%M%S +0000")
    stop = datetime.fromtimestamp(now + 3600, ZoneInfo("UTC")).strftime("%Y%m%d%H%M%S +0000")
    guide = data / "guide.xml"
    guide.write_text(
        f'<tv><programme channel="SCTV.cn" start="{start}" stop="{stop}">'
        f'<title lang="zh">天府夜话</title><desc>川味</desc></programme></tv>',
        encoding="utf-8",
    )
    yunjin(data, "epg", "import", str(guide))
    yield running
    running.stop()


def test_a_client_library_logs_in_and_lists_everything(server: Server, tmp_path: Path) -> None:
    from pyxtream import XTream

    client = XTream(
        "yunjin", "alice", "s3cret", server.base, cache_path=str(tmp_path), reload_time_sec=-1
    )
    client.authenticate()
    assert client.state["authenticated"]
    assert client.auth_data["user_info"]["auth"] == 1
    assert client.auth_data["server_info"]["timezone"] == "Asia/Shanghai"
    assert client.load_iptv()
    (channel,) = client.channels
    assert channel.name == "四川卫视"
    assert channel.epg_channel_id == "SCTV.cn"
    assert channel.group_title == "卫视"
    assert channel.url == f"{server.base}/live/alice/s3cret/21.ts"
    epg = client.liveEpgByStream(21)
    (listing,) = epg["epg_listings"]
    assert base64.b64decode(listing["title"]).decode() == "天府夜话"
    table = client.allLiveEpgByStream(21)["epg_listings"]
    assert table[0]["has_archive"] == 1
    assert table[0]["now_playing"] == 1


def test_wrong_credentials_answer_auth_0(server: Server) -> None:
    answer = httpx.get(
        f"{server.base}/player_api.php",
        params={"username": "alice", "password": "wrong"},
        timeout=5,
    )
    assert answer.status_code == 200
    assert answer.json() == {"user_info": {"auth": 0}}
    streams = httpx.get(
        f"{server.base}/player_api.php",
        params={"username": "x", "password": "y", "action": "get_live_streams"},
        timeout=5,
    )
    assert streams.json() == {"user_info": {"auth": 0}}
    assert httpx.get(f"{server.base}/live/alice/wrong/21.ts", timeout=5).status_code == 404


def test_live_streams_fields(server: Server) -> None:
    streams = httpx.get(
        f"{server.base}/player_api.php",
        params={"username": "alice", "password": "s3cret", "action": "get_live_streams"},
        timeout=5,
    ).json()
    (stream,) = streams
    assert stream["num"] == 1
    assert stream["stream_id"] == 21
    assert stream["tv_archive"] == 1
    assert stream["tv_archive_duration"] == 7
    empty = httpx.get(
        f"{server.base}/player_api.php",
        params={"username": "alice", "password": "s3cret", "action": "get_vod_streams"},
        timeout=5,
    ).json()
    assert empty == []


def _probe(url: str, seconds: int) -> str:
    result = subprocess.run(
        [
            ffmpeg_binary(),
            "-hide_banner",
            "-nostdin",
            "-i",
            url,
            "-t",
            str(seconds),
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-1500:]
    return result.stderr


def test_live_and_timeshift_ts_streams_play(server: Server) -> None:
    log = _probe(f"{server.base}/live/alice/s3cret/21.ts", 2)
    assert "mpegts" in log
    archive = server.channel("SCTV.cn")["archive"]
    # the archive is young: ask for the minute in which it starts
    moment = datetime.fromtimestamp(archive["start"], ZoneInfo("Asia/Shanghai"))
    path = f"/timeshift/alice/s3cret/1/{moment:%Y-%m-%d:%H-%M}/21"
    log = _probe(f"{server.base}{path}.ts", 3)
    assert "h264" in log
    hls = httpx.get(f"{server.base}{path}.m3u8", timeout=5, follow_redirects=True)
    assert hls.status_code == 200
    assert "#EXT-X-PROGRAM-DATE-TIME" in hls.text
    bad = httpx.get(f"{server.base}/timeshift/alice/s3cret/1/yesterday/21.ts", timeout=5)
    assert bad.json()["error"]["code"] == "bad_time"


def test_get_php_and_xmltv_php(server: Server) -> None:
    m3u = httpx.get(
        f"{server.base}/get.php",
        params={"username": "alice", "password": "s3cret", "type": "m3u_plus", "output": "hls"},
        timeout=5,
    ).text
    assert f"{server.base}/live/alice/s3cret/21.m3u8" in m3u
    assert 'catchup="xc"' in m3u
    guide = httpx.get(
        f"{server.base}/xmltv.php", params={"username": "alice", "password": "s3cret"}, timeout=5
    )
    assert "天府夜话" in guide.text
    assert httpx.get(f"{server.base}/xmltv.php", timeout=5).status_code == 401


def test_xmltv_php_is_valid_xmltv(server: Server, xmltv_valid: Callable[[bytes], Any]) -> None:
    guide = httpx.get(
        f"{server.base}/xmltv.php", params={"username": "alice", "password": "s3cret"}, timeout=5
    )
    assert guide.headers["content-type"].startswith("application/xml")
    document = xmltv_valid(guide.content)
    assert document.xpath("//channel/@id") == ["SCTV.cn"]
    assert document.xpath("//programme/title/text()") == ["天府夜话"]
