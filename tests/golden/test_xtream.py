"""Golden Xtream-Codes JSON: every ``player_api.php`` action IPTV apps call, from the fixed
lineup and catalog at a fixed moment, read back with ``json``."""

from __future__ import annotations

import base64
import json

import pytest

from tests.golden.compare import Golden, served_json
from tests.golden.conftest import Lineup
from tests.golden.lineup import NOW_MS, XTREAM_USER

ACTIONS = [
    "get_live_categories",
    "get_live_streams",
    "get_vod_categories",
    "get_vod_streams",
    "get_series_categories",
    "get_series",
]


def test_account(fixed_lineup: Lineup, golden: Golden) -> None:
    body = fixed_lineup.xtream()
    golden.check("xtream/account.json", served_json(body))
    account = json.loads(body)
    assert account["user_info"]["auth"] == 1
    assert account["user_info"]["username"] == XTREAM_USER
    assert account["server_info"]["timestamp_now"] == NOW_MS // 1000


def test_a_wrong_login(fixed_lineup: Lineup, golden: Golden) -> None:
    body = fixed_lineup.get("/player_api.php", username=XTREAM_USER, password="wrong")
    golden.check("xtream/denied.json", served_json(body))


@pytest.mark.parametrize("action", ACTIONS)
def test_listings(fixed_lineup: Lineup, golden: Golden, action: str) -> None:
    body = fixed_lineup.xtream(action=action)
    golden.check(f"xtream/{action}.json", served_json(body))
    assert isinstance(json.loads(body), list)


def test_live_streams_of_a_category(fixed_lineup: Lineup, golden: Golden) -> None:
    categories = json.loads(fixed_lineup.xtream(action="get_live_categories"))
    satellite = next(c["category_id"] for c in categories if c["category_name"] == "卫视")
    body = fixed_lineup.xtream(action="get_live_streams", category_id=satellite)
    golden.check("xtream/get_live_streams-category.json", served_json(body))
    assert [s["epg_channel_id"] for s in json.loads(body)] == ["SCTV.cn"]


@pytest.mark.parametrize("action", ["get_short_epg", "get_simple_data_table"])
def test_guide(fixed_lineup: Lineup, golden: Golden, action: str) -> None:
    body = fixed_lineup.xtream(action=action, stream_id=1)
    golden.check(f"xtream/{action}.json", served_json(body))
    listings = json.loads(body)["epg_listings"]
    titles = [base64.b64decode(listing["title"]).decode() for listing in listings]
    assert "今日说法" in titles
    assert [listing["now_playing"] for listing in listings].count(1) == 1


def test_vod_info(fixed_lineup: Lineup, golden: Golden) -> None:
    body = fixed_lineup.xtream(action="get_vod_info", vod_id=fixed_lineup.ids["liulang"])
    golden.check("xtream/get_vod_info.json", served_json(body))
    assert json.loads(body)["movie_data"]["stream_id"] == fixed_lineup.ids["liulang"]


def test_series_info(fixed_lineup: Lineup, golden: Golden) -> None:
    body = fixed_lineup.xtream(action="get_series_info", series_id=fixed_lineup.ids["fanhua"])
    golden.check("xtream/get_series_info.json", served_json(body))
    episodes = json.loads(body)["episodes"]
    assert [e["episode_num"] for e in episodes["1"]] == [1, 2]
