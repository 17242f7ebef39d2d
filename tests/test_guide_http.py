"""The guide and client interfaces over HTTP, read by real clients: m3u8, ipytv, ffmpeg, lxml."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import m3u8
import pytest
from lxml import etree
from m3u8.parser import save_segment_custom_value

from tests.conftest import Server, yunjin
from tests.helpers import decode

SMALL = "testsrc:?size=320x180&rate=25&kbps=200"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _xmltv_time(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y%m%d%H%M%S %z")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("guide")
    yunjin(
        data,
        "channel",
        "add",
        "--id",
        "SCTV.cn",
        "--name",
        "四川卫视",
        "--name-en",
        "Sichuan TV",
        "--number",
        "21",
        "--source",
        SMALL,
        "--group",
        "卫视",
    )
    running = Server(data).start()
    running.wait_segments("SCTV.cn", 12)
    # a guide written by another system: traditional script, its own id, +0800 times
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(seconds=10)
    programmes = [
        (start - timedelta(hours=1), start, "早間新聞"),
        (start, start + timedelta(seconds=6), "熊貓故事"),
        (start + timedelta(seconds=6), now + timedelta(hours=1), "天府夜話"),
        (now + timedelta(hours=1), now + timedelta(hours=2), "晚間新聞"),
    ]
    body = "".join(
        f'<programme channel="sc-ws" start="{_xmltv_time(a)}" stop="{_xmltv_time(b)}">'
        f'<title lang="zh">{title}</title><desc lang="zh">{title}的介紹</desc></programme>'
        for a, b, title in programmes
    )
    guide = data / "guide.xml.gz"
    guide.write_bytes(
        gzip.compress(
            f'<?xml version="1.0" encoding="UTF-8"?><tv><channel id="sc-ws">'
            f"<display-name>四川衛視</display-name></channel>{body}</tv>".encode()
        )
    )
    out = yunjin(data, "epg", "import", str(guide)).stdout
    assert "imported" in out
    yield running
    running.stop()


def test_now_next_in_one_call(server: Server) -> None:
    listing = server.get("/api/v1/epg/now").json()
    (entry,) = listing["channels"]
    assert entry["channel"] == "SCTV.cn"
    assert entry["now"]["title"] == "天府夜話"
    assert entry["now"]["live"]
    assert entry["next"]["title"] == "晚間新聞"
    assert not entry["next"]["in_archive"]
    assert entry["next"]["catchup_url"] is None


def test_day_schedule_and_catchup_from_the_guide(server: Server) -> None:
    day = server.get("/api/v1/epg/SCTV.cn").json()
    titles = [p["title"] for p in day["programmes"]]
    assert "熊貓故事" in titles
    story = day["programmes"][titles.index("熊貓故事")]
    assert story["in_archive"]
    assert story["stop"] - story["start"] == 6
    frames, _ = decode(story["catchup_url"])
    assert frames >= 0.9 * 6 * 25
    assert server.get("/api/v1/epg/SCTV.cn?date=yesterday").status_code == 400
    assert server.get("/api/v1/epg/NOPE").json()["error"]["code"] == "channel_not_found"


def test_search_folds_script_and_case(server: Server) -> None:
    simplified = server.get("/api/v1/epg/search", params={"q": "熊猫"}).json()
    assert [p["title"] for p in simplified["programmes"]] == ["熊貓故事"]
    assert server.get("/api/v1/epg/search", params={"q": "新闻"}).json()["programmes"]
    assert server.get("/api/v1/epg/search", params={"q": "100%"}).json()["programmes"] == []


def test_xmltv_export_is_valid_and_keeps_the_past(
    server: Server, xmltv_valid: Callable[[bytes], Any]
) -> None:
    plain = server.get("/xmltv.xml")
    assert plain.headers["content-type"].startswith("application/xml")
    document = xmltv_valid(plain.content)
    titles = document.xpath("//programme/title/text()")
    assert "早間新聞" in titles  # an hour ago, still in the export
    assert document.xpath("//channel/@id") == ["SCTV.cn"]
    zipped = server.get("/xmltv.xml.gz")
    assert gzip.decompress(zipped.content) == server.get("/xmltv.xml").content
    with_ids = etree.fromstring(server.get("/xmltv.xml?catchup-id=1").content)
    first = with_ids.xpath("//programme")[0]
    start, duration = first.get("catchup-id").split("-")
    assert int(duration) == 3600
    assert first.get("start") == datetime.fromtimestamp(int(start), UTC).strftime(
        "%Y%m%d%H%M%S +0000"
    )


def _entry(server: Server, mode: str) -> tuple[str, dict[str, str]]:
    """The channel's URL and attributes from the M3U; tvg-* as a third-party parser reads them."""
    # m3u-parser leaves its event loop open; run it in a process of its own
    reader = subprocess.run(
        [
            sys.executable,
            "-W",
            "ignore",
            "-c",
            "import json, sys; from m3u_parser import M3uParser; p = M3uParser(timeout=5); "
            "p.parse_m3u(sys.argv[1], check_live=False); print(json.dumps(p.get_list()))",
            f"{server.base}/playlist.m3u?mode={mode}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    (stream,) = json.loads(reader.stdout)
    assert stream["tvg"]["id"] == "SCTV.cn"
    assert stream["tvg"]["name"] == "四川卫视"
    assert stream["tvg"]["chno"] == "21"
    text = server.get(f"/playlist.m3u?mode={mode}").text
    assert stream["category"] == "卫视"
    header = text.splitlines()[0]
    assert f'x-tvg-url="{server.base}/xmltv.xml"' in header
    info = text.splitlines()[1]
    attributes = dict(re.findall(r'([a-z-]+)="([^"]*)"', info))
    return stream["url"], attributes


def _expand(template: str, start: int, duration: int, now: int) -> str:
    """Kodi IPTV Simple's placeholders, and the (b)/(e) style of TiviMate-like apps."""
    local = SHANGHAI
    begin = datetime.fromtimestamp(start, local).strftime("%Y%m%d%H%M%S")
    end = datetime.fromtimestamp(start + duration, local).strftime("%Y%m%d%H%M%S")
    return (
        template.replace("{utc}", str(start))
        .replace("${start}", str(start))
        .replace("{utcend}", str(start + duration))
        .replace("{lutc}", str(now))
        .replace("{duration}", str(duration))
        .replace("${(b)yyyyMMddHHmmss}", begin)
        .replace("${(e)yyyyMMddHHmmss}", end)
    )


def _catchup_url(server: Server, mode: str, start: int, duration: int) -> str:
    url, attributes = _entry(server, mode)
    now = int(time.time())
    assert attributes["tvg-id"] == "SCTV.cn"
    assert attributes["tvg-chno"] == "21"
    assert attributes["group-title"] == "卫视"
    assert attributes["catchup-days"] == "7"
    kind = attributes["catchup"]
    if kind == "default":
        return _expand(attributes["catchup-source"], start, duration, now)
    if kind == "append":
        return url + _expand(attributes["catchup-source"], start, duration, now)
    if kind == "shift":
        return url + _expand("?utc={utc}&lutc={lutc}", start, duration, now)
    if kind == "flussonic":
        return url.replace("index.m3u8", f"archive-{start}-{duration}.m3u8")
    raise AssertionError(kind)


@pytest.mark.parametrize("mode", ["default", "append", "shift", "flussonic", "playseek"])
def test_each_catchup_mode_plays(server: Server, mode: str) -> None:
    archive = server.channel("SCTV.cn")["archive"]
    start = archive["start"] + 2
    url = _catchup_url(server, mode, start, 4)
    response = server.get(url.removeprefix(server.base))
    assert response.status_code == 200, response.text
    playlist = m3u8.loads(response.text)
    first = playlist.segments[0].program_date_time.timestamp()
    assert first <= start < first + 2
    # shift plays on from the moment to live, so it is read for 4 s; the others are windows
    frames, log = decode(url, 4 if mode == "shift" else None)
    assert frames >= 4 * 25 * 0.9, (response.text, log[-1500:])


def _iptv_extinf(line: str, lineno: int, data: dict[str, Any], state: dict[str, Any]) -> bool:
    """IPTV's ``#EXTINF:-1 key="value" …,Title`` for the m3u8 library's parser."""
    if not line.startswith("#EXTINF:"):
        return False
    head, _, title = line.partition(",")
    segment = state.setdefault("segment", {})
    segment["duration"] = float(head.removeprefix("#EXTINF:").split()[0])
    segment["title"] = title
    for key, value in re.findall(r'([a-z-]+)="([^"]*)"', head):
        save_segment_custom_value(state, key, value)
    state["expect_segment"] = True
    return True


def test_m3u_reads_with_the_m3u8_library(server: Server) -> None:
    parsed = m3u8.loads(server.get("/playlist.m3u").text, custom_tags_parser=_iptv_extinf)
    (segment,) = parsed.segments
    assert segment.uri == f"{server.base}/hls/SCTV.cn/index.m3u8"
    assert segment.title == "四川卫视"
    values = segment.custom_parser_values
    assert values["tvg-id"] == "SCTV.cn"
    assert values["catchup"] == "default"
    assert values["catchup-source"].endswith("/archive-{utc}-{duration}.m3u8")
    assert server.get("/playlist.m3u?mode=bogus").status_code == 400


def test_bad_playseek_is_a_clear_error(server: Server) -> None:
    for query, code in [
        ("playseek=2026-11-26", "bad_time"),
        ("playseek=20261126120000-20261126110000", "bad_duration"),
        ("utc=soon", "bad_time"),
    ]:
        response = server.get(f"/hls/SCTV.cn/index.m3u8?{query}")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == code


def test_broken_guide_changes_nothing(server: Server, tmp_path: Path) -> None:
    before = server.get("/api/v1/epg/SCTV.cn").json()["programmes"]
    broken = tmp_path / "broken.xml"
    broken.write_text('<tv><programme channel="sc-ws" start="2026', encoding="utf-8")
    result = yunjin(server.data, "epg", "import", str(broken), check=False)
    assert result.returncode == 1
    assert "unchanged" in result.stderr
    assert server.get("/api/v1/epg/SCTV.cn").json()["programmes"] == before
