"""Golden M3U: ``/playlist.m3u`` in every catch-up mode and Xtream's ``get.php``, read back
by the ``m3u8`` library as IPTV players read extended M3U."""

from __future__ import annotations

import re
from typing import Any

import m3u8
import pytest
from m3u8.parser import save_segment_custom_value

from tests.golden.compare import Golden
from tests.golden.conftest import Lineup
from tests.golden.lineup import PUBLIC_URL, XTREAM_PASSWORD, XTREAM_USER
from yunjin.interop.m3u import CatchupMode

LISTED = ["CCTV1.cn", "SCTV.cn", "CDTV3.cn"]  # enabled, by number; OLD.cn is not
ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')


def _iptv_extinf(line: str, lineno: int, data: dict[str, Any], state: dict[str, Any]) -> bool:
    """IPTV's ``#EXTINF:-1 key="value" …,Title`` for the m3u8 library's parser."""
    if not line.startswith("#EXTINF:"):
        return False
    head, _, title = line.partition(",")
    segment = state.setdefault("segment", {})
    segment["duration"] = float(head.removeprefix("#EXTINF:").split()[0])
    segment["title"] = title
    for key, value in ATTRIBUTE.findall(head):
        save_segment_custom_value(state, key, value)
    state["expect_segment"] = True
    return True


def read_m3u(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """(URL, title, attributes) of every entry, as the m3u8 library reads them."""
    parsed = m3u8.loads(text, custom_tags_parser=_iptv_extinf)
    return [(s.uri, s.title, dict(s.custom_parser_values)) for s in parsed.segments]


@pytest.mark.parametrize(
    "mode",
    [
        CatchupMode.DEFAULT,
        CatchupMode.APPEND,
        CatchupMode.SHIFT,
        CatchupMode.FLUSSONIC,
        CatchupMode.PLAYSEEK,
    ],
)
def test_playlist_in_each_catchup_mode(
    fixed_lineup: Lineup, golden: Golden, mode: CatchupMode
) -> None:
    body = fixed_lineup.get("/playlist.m3u", mode=mode.value)
    golden.check(f"m3u/playlist-{mode.value}.m3u", body)
    text = body.decode()
    assert text.splitlines()[0] == (
        f'#EXTM3U x-tvg-url="{PUBLIC_URL}/xmltv.xml" url-tvg="{PUBLIC_URL}/xmltv.xml"'
    )
    entries = read_m3u(text)
    assert [attributes["tvg-id"] for _, _, attributes in entries] == LISTED
    for url, _, attributes in entries:
        assert url == f"{PUBLIC_URL}/hls/{attributes['tvg-id']}/index.m3u8"
    catchup = {a["tvg-id"]: a.get("catchup") for _, _, a in entries}
    announced = "append" if mode is CatchupMode.PLAYSEEK else mode.value
    assert catchup == {"CCTV1.cn": announced, "SCTV.cn": announced, "CDTV3.cn": None}


@pytest.mark.parametrize("output", ["ts", "hls"])
def test_xtream_get_php(fixed_lineup: Lineup, golden: Golden, output: str) -> None:
    body = fixed_lineup.get(
        "/get.php",
        username=XTREAM_USER,
        password=XTREAM_PASSWORD,
        type="m3u_plus",
        output=output,
    )
    golden.check(f"m3u/get-php-{output}.m3u", body)
    entries = read_m3u(body.decode())
    extension = "ts" if output == "ts" else "m3u8"
    channels = entries[: len(LISTED)]
    assert [a["tvg-id"] for _, _, a in channels] == LISTED
    assert {a.get("catchup") for _, _, a in channels} == {"xc", None}
    login = f"{XTREAM_USER}/{XTREAM_PASSWORD}"
    assert channels[0][0] == f"{PUBLIC_URL}/live/{login}/1.{extension}"
    # then the catalog: two movies and the two episodes that play, HLS whatever ``output``
    catalog = [(url.split("/")[3], title) for url, title, _ in entries[len(LISTED) :]]
    assert catalog == [
        ("movie", "夜晚"),
        ("movie", "流浪地球"),
        ("series", "繁花 S01 E01"),
        ("series", "繁花 S01 E02"),
    ]
