"""Subscribers end to end: logins, the gate, concurrency, suspension — over real HTTP."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import m3u8
import pytest

from tests.conftest import Server, yunjin
from tests.helpers import wait_for

SMALL = "testsrc:?size=320x180&rate=25&kbps=200"
MAC = "00:11:22:AA:BB:01"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("play")
    (data / "yunjin.toml").write_text(
        '[yunjin]\ntoken_secret = "play-test-secret"\nrequire_tokens = true\n', encoding="utf-8"
    )
    for args in (
        ["channel", "add", "--id", "A.cn", "--name", "A", "--number", "1", "--source", SMALL],
        [
            "channel",
            "add",
            "--id",
            "K.cn",
            "--name",
            "4K",
            "--number",
            "2",
            "--source",
            SMALL,
            "--uhd",
        ],
        [
            "channel",
            "add",
            "--id",
            "R.cn",
            "--name",
            "R",
            "--number",
            "3",
            "--source",
            SMALL,
            "--min-age",
            "18",
        ],
        [
            "household",
            "add",
            "hh001",
            "--region",
            "511402",
            "--password",
            "s3cret-pass",
            "--pin",
            "1234",
            "--streams",
            "2",
        ],
        ["device", "add", "hh001", "--mac", MAC, "--serial", "SN-0001"],
        [
            "product",
            "add",
            "basic",
            "--name",
            "基本包",
            "--kind",
            "channels",
            "--channel",
            "A.cn",
            "--channel",
            "R.cn",
        ],
        [
            "product",
            "add",
            "premium4k",
            "--name",
            "4K 频道",
            "--kind",
            "channels",
            "--channel",
            "K.cn",
        ],
        ["product", "add", "uhd", "--name", "4K 增值包", "--kind", "uhd"],
        ["product", "add", "replay", "--name", "回看", "--kind", "catchup"],
        ["subscription", "add", "hh001", "basic"],
        ["subscription", "add", "hh001", "replay"],
    ):
        yunjin(data, *args)
    running = Server(data).start()
    running.wait_segments("A.cn", 6)
    running.wait_segments("R.cn", 2)
    yield running
    running.stop()


def _post(
    server: Server, path: str, body: dict[str, Any], token: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{server.base}{path}", json=body, headers=headers, timeout=10)


def _stb(server: Server) -> str:
    answer = _post(
        server, "/api/v1/auth/stb", {"mac": MAC.lower().replace(":", "-"), "serial": "SN-0001"}
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["session"]
    return token


def _phone(server: Server, device: str) -> str:
    answer = _post(
        server,
        "/api/v1/auth/login",
        {"account": "hh001", "password": "s3cret-pass", "device": device},
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["session"]
    return token


def _play(server: Server, token: str, **body: Any) -> httpx.Response:
    return _post(server, "/api/v1/play", body, token)


def test_the_basic_package_plays_its_channels_but_not_4k(server: Server) -> None:
    box = _stb(server)
    answer = _play(server, box, channel="A.cn")
    assert answer.status_code == 200, answer.text
    url = answer.json()["url"]
    playlist = httpx.get(url, timeout=10)
    assert playlist.status_code == 200
    segment = m3u8.loads(playlist.text).segments[0].uri
    base = url.rsplit("/", 1)[0]
    assert httpx.get(f"{base}/{segment}", timeout=10).status_code == 200
    # the lease is signed: leaving it off (to dodge the gate's re-check and the stream limit)
    # leaves a forged token
    assert "/l/" in url
    stripped = re.sub(r"/l/[^/]+/", "/", url)
    for unleased in (stripped, f"{stripped.rsplit('/', 1)[0]}/{segment}"):
        answer = httpx.get(unleased, timeout=10)
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "token_forged"
    refused = _play(server, box, channel="K.cn")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_subscribed"
    assert refused.json()["error"]["messages"]["zh-CN"]
    assert _play(server, box, channel="R.cn").json()["error"]["code"] == ("parental_pin_required")
    assert _play(server, box, channel="R.cn", pin="0000").status_code == 403
    assert _play(server, box, channel="R.cn", pin="1234").status_code == 200
    _post(server, "/api/v1/play/stop", {"channel": "R.cn"}, box)


def test_catchup_from_the_gate(server: Server) -> None:
    box = _stb(server)
    start = server.channel("A.cn")["archive"]["start"]
    answer = _play(server, box, channel="A.cn", start=start, duration=3)
    assert answer.status_code == 200, answer.text
    playlist = m3u8.loads(httpx.get(answer.json()["url"], timeout=10).text)
    assert playlist.is_endlist
    _post(server, "/api/v1/play/stop", {"channel": "A.cn"}, box)


def test_a_third_screen_is_refused_naming_the_limit_and_holders(server: Server) -> None:
    box, phone, tablet = _stb(server), _phone(server, "phone"), _phone(server, "tablet")
    assert _play(server, box, channel="A.cn").status_code == 200
    assert _play(server, phone, channel="A.cn").status_code == 200
    third = _play(server, tablet, channel="A.cn")
    assert third.status_code == 409
    error = third.json()["error"]
    assert error["code"] == "stream_limit"
    assert error["limit"] == 2
    assert len(error["holders"]) == 2
    assert "2" in error["messages"]["zh-CN"]
    _post(server, "/api/v1/play/stop", {"channel": "A.cn"}, phone)
    assert _play(server, tablet, channel="A.cn").status_code == 200
    for token in (box, tablet):
        _post(server, "/api/v1/play/stop", {"channel": "A.cn"}, token)


def test_logins_fail_alike_and_lock_out(server: Server) -> None:
    wrong = _post(server, "/api/v1/auth/stb", {"mac": MAC, "serial": "SN-9999"})
    unknown = _post(server, "/api/v1/auth/stb", {"mac": "00:00:00:00:00:99", "serial": "x"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["error"]["code"] == unknown.json()["error"]["code"] == "login_failed"
    # from an address of its own (the test client is a trusted edge that names it), so the
    # lock-out of that address leaves the other tests' logins alone
    stranger = {"X-Real-IP": "203.0.113.77"}
    codes = [
        httpx.post(
            f"{server.base}/api/v1/auth/login",
            json={"account": "hh001' OR '1'='1", "password": "x"},
            headers=stranger,
            timeout=10,
        ).status_code
        for _ in range(11)
    ]
    assert codes[:9] == [401] * 9
    assert codes[-2:] == [429, 429]
    assert (
        _post(server, "/api/v1/auth/login", {"account": "hh001", "password": "x" * 500}).status_code
        == 400
    )


def test_unsigned_and_logged_out_playback_is_refused(server: Server) -> None:
    assert httpx.get(f"{server.base}/hls/A.cn/index.m3u8", timeout=5).status_code == 403
    box = _stb(server)
    assert _post(server, "/api/v1/auth/logout", {}, box).json() == {"logged_out": True}
    assert _play(server, box, channel="A.cn").status_code == 401
    assert _play(server, "forged", channel="A.cn").status_code == 401


def test_suspension_refuses_the_next_playlist(server: Server) -> None:
    box = _stb(server)
    url = _play(server, box, channel="A.cn").json()["url"]
    assert httpx.get(url, timeout=10).status_code == 200
    yunjin(server.data, "household", "suspend", "hh001")
    try:
        refused = wait_for(
            lambda: (r := httpx.get(url, timeout=10)).status_code == 403 and r,
            15,
            "the next playlist to be refused",
        )
        assert refused.json()["error"]["code"] == "household_suspended"
        assert _play(server, box, channel="A.cn").json()["error"]["code"] == ("household_suspended")
    finally:
        yunjin(server.data, "household", "resume", "hh001")


def test_xtream_logins_are_households_and_go_through_the_gate(server: Server) -> None:
    account = httpx.get(
        f"{server.base}/player_api.php",
        params={"username": "hh001", "password": "s3cret-pass"},
        timeout=10,
    )
    assert account.json()["user_info"]["auth"] == 1
    wrong = httpx.get(
        f"{server.base}/player_api.php",
        params={"username": "hh001", "password": "nope"},
        timeout=10,
    )
    assert wrong.json() == {"user_info": {"auth": 0}}
    # rights are cached for 5 s: the previous test's suspension may still be in effect
    live = wait_for(
        lambda: (
            (
                r := httpx.get(
                    f"{server.base}/live/hh001/s3cret-pass/1.m3u8",
                    timeout=10,
                    follow_redirects=True,
                )
            ).status_code
            == 200
            and r
        ),
        15,
        "the resumed household to play",
    )
    assert "/t/" in str(live.url)
    leased_live = r"/l/\d+\.xc-127\.0\.0\.1-1/s/live-\d{13}-now/hls/A\.cn/index\.m3u8$"
    assert re.search(leased_live, str(live.url))
    assert m3u8.loads(live.text).segments
    refused = httpx.get(f"{server.base}/live/hh001/s3cret-pass/2.m3u8", timeout=10)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_subscribed"
    # the Xtream app holds one of the two places: a box and a phone make three
    box, phone = _stb(server), _phone(server, "phone")
    assert _play(server, box, channel="A.cn").status_code == 200
    third = _play(server, phone, channel="A.cn")
    assert third.status_code == 409
    assert any(holder.startswith("xc-") for holder in third.json()["error"]["holders"])
    _post(server, "/api/v1/play/stop", {"channel": "A.cn"}, box)


def test_a_subscription_that_ends_mid_programme_stops_the_next_playlist(server: Server) -> None:
    yunjin(server.data, "subscription", "add", "hh001", "premium4k")  # an unrelated extra
    box = _stb(server)
    url = _play(server, box, channel="A.cn").json()["url"]
    assert httpx.get(url, timeout=10).status_code == 200
    database = sqlite3.connect(server.data / "yunjin.db")
    with database:  # the basic package ends now, as if its term ran out
        database.execute(
            "UPDATE subscriptions SET valid_to = ? WHERE product_id = "
            "(SELECT id FROM products WHERE code = 'basic')",
            (datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),),
        )
    database.close()
    refused = wait_for(
        lambda: (r := httpx.get(url, timeout=10)).status_code == 403 and r,
        15,
        "the next playlist to be refused",
    )
    assert refused.json()["error"]["code"] == "not_subscribed"


EVENT_MAC = "00:11:22:AA:BB:77"


@pytest.fixture
def ppv_server(server_factory: type[Server], data_dir: Any, database_url: str) -> Server:
    """A server on SQLite or PostgreSQL with an event channel and a rated one, sold per view."""
    (data_dir / "yunjin.toml").write_text(
        '[yunjin]\ntoken_secret = "ppv-secret"\nrequire_tokens = true\n'
        f'database_url = "{database_url}"\n',
        encoding="utf-8",
    )
    now = int(time.time())
    for args in (
        ["channel", "add", "--id", "E.cn", "--name", "赛事", "--number", "7", "--source", SMALL],
        [
            "channel",
            "add",
            "--id",
            "X.cn",
            "--name",
            "X",
            "--number",
            "8",
            "--source",
            SMALL,
            "--min-age",
            "18",
        ],
        ["household", "add", "hh100", "--region", "510104", "--pin", "1234"],
        ["device", "add", "hh100", "--mac", EVENT_MAC, "--serial", "SN-0777"],
        [
            "product",
            "add",
            "match",
            "--name",
            "决赛",
            "--name-en",
            "The final",
            "--kind",
            "ppv",
            "--channel",
            "E.cn",
            "--price-cents",
            "3000",
            "--starts",
            _iso(now - 3600),
            "--ends",
            _iso(now + 7200),
        ],
        [
            "product",
            "add",
            "night",
            "--name",
            "午夜场",
            "--kind",
            "ppv",
            "--channel",
            "X.cn",
            "--price-cents",
            "1500",
            "--hours",
            "24",
        ],
        [
            "product",
            "add",
            "old",
            "--name",
            "昨天的比赛",
            "--kind",
            "ppv",
            "--channel",
            "E.cn",
            "--starts",
            "2020-01-01T20:00",
            "--ends",
            "2020-01-01T22:00",
        ],
    ):
        yunjin(data_dir, *args)
    running = server_factory(data_dir).start()
    running.wait_segments("E.cn", 2)
    return running


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def _order(server: Server, token: str, key: str | None, **body: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return httpx.post(f"{server.base}/api/v1/orders", json=body, headers=headers, timeout=30)


def _code(answer: httpx.Response) -> str:
    code: str = answer.json()["error"]["code"]
    return code


def test_pay_per_view_is_bought_once_plays_in_its_window_and_stops_when_refunded(
    ppv_server: Server,
) -> None:
    server = ppv_server
    box = _post(server, "/api/v1/auth/stb", {"mac": EVENT_MAC, "serial": "SN-0777"}).json()[
        "session"
    ]
    refused = _play(server, box, channel="E.cn")
    assert _code(refused) == "not_subscribed"
    assert [(o["product"], o["price_cents"]) for o in refused.json()["error"]["offers"]] == [
        ("match", 3000)
    ]
    keyless = _order(server, box, None, product="match")
    assert keyless.status_code == 400
    assert "Idempotency-Key" in keyless.json()["error"]["messages"]["zh-CN"]
    bought = _order(server, box, "stb-click-0001", product="match")
    assert bought.status_code == 201, bought.text
    order = bought.json()["order"]
    assert (order["status"], order["price_cents"], order["placed_by"]) == ("paid", 3000, "device:1")
    # the double click answers the same order; another key is told it was bought
    again = _order(server, box, "stb-click-0001", product="match")
    assert again.status_code == 200
    assert again.json() == {"order": order, "replayed": True}
    twice = _order(server, box, "stb-click-0002", product="match")
    assert (twice.status_code, _code(twice)) == (409, "ppv_already_bought")
    assert str(order["id"]) in twice.json()["error"]["messages"]["zh-CN"]
    reused = _order(server, box, "stb-click-0001", product="night", pin="1234")
    assert _code(reused) == "idempotency_key_reused"
    assert _code(_order(server, box, "stb-click-0003", product="old")) == "ppv_event_over"
    assert _code(_order(server, box, "stb-click-0003", product="nope")) == "product_not_found"
    # rated content asks the parental PIN to buy (and again to watch)
    assert _code(_order(server, box, "stb-click-0004", product="night")) == (
        "parental_pin_required"
    )
    assert _order(server, box, "stb-click-0004", product="night", pin="0000").status_code == 403
    rental = _order(server, box, "stb-click-0004", product="night", pin="1234").json()["order"]
    assert rental["valid_to"] - rental["valid_from"] == 24 * 3600
    mine = httpx.get(
        f"{server.base}/api/v1/orders", headers={"Authorization": f"Bearer {box}"}, timeout=10
    ).json()["orders"]
    assert [o["product"] for o in mine] == ["night", "match"]
    # bought: the event plays at once (the purchase dropped the cached rights)
    url = _play(server, box, channel="E.cn").json()["url"]
    assert httpx.get(url, timeout=10).status_code == 200
    listed = yunjin(server.data, "order", "list", "--account", "hh100").stdout
    assert "match" in listed
    assert "paid" in listed
    yunjin(server.data, "order", "refund", str(order["id"]), "--note", "match postponed")
    stopped = wait_for(
        lambda: (r := httpx.get(url, timeout=10)).status_code == 403 and r,
        15,
        "the next playlist to be refused after the refund",
    )
    assert _code(stopped) == "not_subscribed"
    closed = yunjin(server.data, "order", "refund", str(order["id"]), check=False)
    assert closed.returncode != 0
    assert "已退款" in closed.stderr + closed.stdout
    _post(server, "/api/v1/play/stop", {"channel": "E.cn"}, box)


def test_racing_purchases_with_one_key_buy_once(ppv_server: Server) -> None:
    server = ppv_server
    box = _post(server, "/api/v1/auth/stb", {"mac": EVENT_MAC, "serial": "SN-0777"}).json()[
        "session"
    ]
    with ThreadPoolExecutor(6) as pool:
        answers = list(
            pool.map(lambda _: _order(server, box, "race-key-01", product="match"), range(6))
        )
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201]
    assert len({a.json()["order"]["id"] for a in answers}) == 1
    listed = yunjin(server.data, "order", "list", "--status", "paid").stdout
    assert listed.count("match") == 1
