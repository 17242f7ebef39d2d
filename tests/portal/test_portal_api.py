"""The portals' own routes over real HTTP: pages, the EPG grid, events, hand-off and the PIN."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import httpx
import pytest

from tests.conftest import Server, yunjin
from tests.portal.conftest import ACCOUNT, MAC, PASSWORD, SERIAL


def _post(server: Server, path: str, body: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{server.base}{path}", json=body, headers=headers, timeout=10)


def _get(server: Server, path: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{server.base}{path}", headers=headers, timeout=10)


def _session(server: Server, path: str, body: dict[str, str]) -> str:
    answer = _post(server, path, body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["session"])


@pytest.fixture(scope="module")
def tv_token(portal_server: Server) -> str:
    return _session(portal_server, "/api/v1/auth/stb", {"mac": MAC, "serial": SERIAL})


@pytest.fixture(scope="module")
def phone_token(portal_server: Server) -> str:
    body = {"account": ACCOUNT, "password": PASSWORD, "device": "api-test phone"}
    return _session(portal_server, "/api/v1/auth/login", body)


def _events(server: Server) -> int:
    with sqlite3.connect(server.data / "yunjin.db") as db:
        return int(db.execute("select count(*) from viewing_events").fetchone()[0])


def _beat(**changes: Any) -> dict[str, Any]:
    now_ms = int(time.time() * 1000)
    event = {"kind": "heartbeat", "play_id": "api1", "channel": "A.cn", "mode": "live"}
    event.update(at=now_ms, position=now_ms - 4000)
    event.update(changes)
    return event


def test_the_pages_and_hls_js_are_served_from_yunjin(portal_server: Server) -> None:
    for path in ("/tv", "/m"):
        page = _get(portal_server, path)
        assert page.status_code == 200
        assert "/portal/static/vendor/hls.min.js" in page.text
    script = _get(portal_server, "/portal/static/vendor/hls.min.js")
    assert script.status_code == 200
    assert "MediaSource" in script.text


def test_the_guide_grid_has_every_channel_in_number_order(portal_server: Server) -> None:
    start = int(time.time()) - 3600
    grid = _get(portal_server, f"/api/v1/portal/guide?start={start}&hours=2").json()
    assert [c["number"] for c in grid["channels"]] == [1, 5, 13]
    for channel in grid["channels"]:
        assert channel["programmes"], channel["id"]
        for programme in channel["programmes"]:
            assert programme["stop"] > start
            assert programme["start"] < start + 7200
    assert _get(portal_server, f"/api/v1/portal/guide?start={start}&hours=0").status_code == 400
    far = _get(portal_server, "/api/v1/portal/guide?start=100&hours=3")
    assert far.status_code == 400
    assert far.json()["error"]["code"] == "bad_time"


def test_events_are_kept_whole_or_not_at_all(portal_server: Server, tv_token: str) -> None:
    an_hour_ago = int(time.time() * 1000) - 3_600_000
    batch = {
        "portal": "tv",
        "events": [_beat(at=an_hour_ago), _beat(kind="play_stop", at=an_hour_ago)],
    }
    assert _post(portal_server, "/api/v1/events", batch).status_code == 401
    before = _events(portal_server)
    kept = _post(portal_server, "/api/v1/events", batch, tv_token)
    assert kept.json() == {"kept": 2}
    assert _events(portal_server) == before + 2
    bad = {"portal": "tv", "events": [_beat(), _beat(channel="nope.cn"), _beat()]}
    refused = _post(portal_server, "/api/v1/events", bad, tv_token)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "bad_event"
    assert "nope.cn" in error["messages"]["en"]
    assert "第 1 条" in error["messages"]["zh-CN"]
    assert _events(portal_server) == before + 2
    shapeless = {"portal": "tv", "events": [{**_beat(), "kind": "explode"}]}
    assert _post(portal_server, "/api/v1/events", shapeless, tv_token).status_code == 400
    assert _events(portal_server) == before + 2


def test_the_phone_continues_where_the_tv_is_and_no_one_else_can(
    portal_server: Server, tv_token: str, phone_token: str
) -> None:
    handoff = _post(portal_server, "/api/v1/portal/handoff", {}, tv_token).json()
    assert handoff["svg"].startswith("<svg")
    code = handoff["code"]
    now_ms = int(time.time() * 1000)
    position = now_ms - 86_400_000
    report = _beat(mode="catchup", channel="N.cn", position=position, at=now_ms - 5000)
    _post(portal_server, "/api/v1/events", {"portal": "tv", "events": [report]}, tv_token)
    where = _get(portal_server, f"/api/v1/portal/handoff/{code}", phone_token).json()
    assert where["channel"] == "N.cn"
    assert where["mode"] == "catchup"
    assert 4000 <= where["position"] - position <= 8000  # moved on since the report
    # another household, a forged code, a stopped TV
    yunjin(portal_server.data, "household", "add", "hh999", "--region", "510104",
           "--password", "other-pass-9")  # fmt: skip
    other = _session(
        portal_server, "/api/v1/auth/login", {"account": "hh999", "password": "other-pass-9"}
    )
    assert _get(portal_server, f"/api/v1/portal/handoff/{code}", other).status_code == 403
    forged = code[:-2] + ("AA" if not code.endswith("AA") else "BB")
    assert _get(portal_server, f"/api/v1/portal/handoff/{forged}", phone_token).status_code == 404
    stop = _beat(kind="play_stop", mode="catchup", channel="N.cn", position=position)
    _post(portal_server, "/api/v1/events", {"portal": "tv", "events": [stop]}, tv_token)
    stopped = _get(portal_server, f"/api/v1/portal/handoff/{code}", phone_token)
    assert stopped.status_code == 404
    assert stopped.json()["error"]["code"] == "handoff_not_playing"


def test_unfinished_catch_up_is_offered_to_continue(
    portal_server: Server, phone_token: str
) -> None:
    grid = _get(portal_server, f"/api/v1/portal/guide?start={int(time.time()) - 7200}&hours=1")
    programme = grid.json()["channels"][0]["programmes"][0]
    start_ms = programme["start"] * 1000
    watched = _beat(
        mode="catchup",
        channel=programme["channel"],
        position=start_ms + 60_000,
        programme_start=start_ms,
    )
    _post(portal_server, "/api/v1/events", {"portal": "m", "events": [watched]}, phone_token)
    offered = _get(portal_server, "/api/v1/portal/home", phone_token).json()["continue"]
    mine = [o for o in offered if o["programme"]["start"] == programme["start"]]
    assert mine
    assert mine[0]["position"] == start_ms + 60_000


def test_the_parental_pin_changes_only_with_the_current_one(
    portal_server: Server, phone_token: str
) -> None:
    wrong = _post(
        portal_server, "/api/v1/household/pin", {"current": "0000", "new": "4321"}, phone_token
    )
    assert wrong.status_code == 403
    assert wrong.json()["error"]["messages"]["zh-CN"] == "原家长锁密码不正确。"
    bad = _post(
        portal_server, "/api/v1/household/pin", {"current": "1234", "new": "12ab"}, phone_token
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "bad_pin"
    for current, new in (("1234", "4321"), ("4321", "1234")):
        changed = _post(
            portal_server, "/api/v1/household/pin", {"current": current, "new": new}, phone_token
        )
        assert changed.json() == {"changed": True}
