"""Attacks on what a playback URL grants (#12, ADR 0029), over real HTTP against ``yunjin
serve``: rewriting a live URL into the archive, a window nobody was entitled to at broadcast,
a pay-per-view window, unsigned URLs once households exist, a suspended household's Xtream
stream, parallel streams from one address, a URL after logout.

The past is planted with ``live.backfill`` (real segments, no recorder needed for it); the
recorders run for what is live.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import m3u8
import pytest

from tests.conftest import Server, free_port, yunjin
from tests.helpers import AppClient, plant_archive, wait_for
from yunjin.app import create_app
from yunjin.config import load_settings
from yunjin.db.engine import Database
from yunjin.demo import DEMO_ACCOUNT, DEMO_PASSWORD
from yunjin.live.channels import ChannelSpec, add_channel
from yunjin.subscribers.accounts import (
    create_household,
    create_product,
    set_status,
    subscribe,
)
from yunjin.subscribers.entitlements import ProductKind
from yunjin.subscribers.regions import seed_regions

SMALL = "testsrc:?size=320x180&rate=25&kbps=200"
PAST_S = 240  # planted before the server starts
PASSWORD = "grant-pass-1"
SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass
class Setup:
    server: Server
    start_s: int  # when the planted past begins
    now_s: int  # when the server started: the planted past ends here
    event_start_s: int  # the pay-per-view event began a minute before that


def _seed(data: Path, now: datetime) -> None:
    settings = load_settings(data_dir=data)
    db = Database(settings.database)
    event = (now - timedelta(seconds=60), now + timedelta(hours=1))
    with db.session() as session:
        seed_regions(session)
        for tvg_id, number, free in (("A.cn", 1, False), ("P.cn", 2, False), ("F.cn", 3, True)):
            spec = ChannelSpec(
                tvg_id=tvg_id,
                number=number,
                name_zh=tvg_id,
                name_en=tvg_id,
                source=SMALL,
                free_to_air=free,
            )
            add_channel(session, spec)
        create_product(session, "basic", "基本包", "Basic", ProductKind.CHANNELS, ["A.cn"])
        create_product(session, "replay", "回看", "Catch-up", ProductKind.CATCHUP, [])
        create_product(session, "match", "决赛", "Final", ProductKind.PPV, ["P.cn"], event=event)
        long_ago = now - timedelta(days=30)
        for account, streams, since in (
            ("hh-full", 2, long_ago),
            ("hh-late", 2, now - timedelta(seconds=60)),  # subscribed a minute ago
            ("hh-ppv", 2, long_ago),
            ("hh-one", 1, long_ago),
            ("hh-cut", 2, long_ago),
        ):
            create_household(session, account, "510104", password=PASSWORD, stream_limit=streams)
            subscribe(session, account, "basic", valid_from=since)
            subscribe(session, account, "replay", valid_from=long_ago)
        subscribe(session, "hh-ppv", "match", valid_from=event[0], valid_to=event[1])
    db.close()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    data = tmp_path_factory.mktemp("grants")
    (data / "yunjin.toml").write_text(
        '[yunjin]\ntoken_secret = "grants-secret"\n', encoding="utf-8"
    )
    now_s = int(time.time())
    _seed(data, datetime.fromtimestamp(now_s, UTC))
    for channel in ("A.cn", "P.cn"):
        plant_archive(data, channel, now_s * 1000, PAST_S)
    server = Server(data).start()
    server.wait_segments("A.cn", PAST_S + 4)
    server.wait_segments("P.cn", PAST_S + 4)
    server.wait_segments("F.cn", 2)
    yield Setup(server, now_s - PAST_S, now_s, now_s - 60)
    server.stop()


def _login(server: Server, account: str) -> str:
    answer = httpx.post(
        f"{server.base}/api/v1/auth/login",
        json={"account": account, "password": PASSWORD, "device": f"{account} phone"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    session: str = answer.json()["session"]
    return session


def _play(server: Server, session: str, **body: Any) -> httpx.Response:
    return httpx.post(
        f"{server.base}/api/v1/play",
        json=body,
        headers={"Authorization": f"Bearer {session}"},
        timeout=10,
    )


def _url(answer: httpx.Response) -> str:
    assert answer.status_code == 200, answer.text
    url: str = answer.json()["url"]
    return url


def _code(answer: httpx.Response) -> str:
    code: str = answer.json()["error"]["code"]
    return code


def _segments(url: str) -> list[str]:
    listed = httpx.get(url, timeout=10)
    assert listed.status_code == 200, listed.text
    return [segment.uri for segment in m3u8.loads(listed.text).segments]


def _rename(url: str, playlist: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + playlist


def _local(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, SHANGHAI).strftime("%Y-%m-%d:%H-%M")


def _playseek(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, SHANGHAI).strftime("%Y%m%d%H%M%S")


def test_a_live_url_rewritten_to_the_archive_is_refused(setup: Setup) -> None:
    server, start = setup.server, setup.start_s
    session = _login(server, "hh-full")
    live = _url(_play(server, session, channel="A.cn"))
    assert "/s/live-" in live
    assert _segments(live)
    for playlist in (
        f"archive-{start + 10}-60.m3u8",
        f"archive-{start + 10}-now.m3u8",
        f"timeshift_abs-{start + 10}.m3u8",
        "timeshift_rel-30.m3u8",
        f"index.m3u8?utc={start + 10}&duration=60",
        f"index.m3u8?playseek={_playseek(start + 60)}-",
    ):
        answer = httpx.get(_rename(live, playlist), timeout=10)
        assert answer.status_code == 403, playlist
        assert _code(answer) == "outside_grant"
    # the household may watch that past, but through its own URL: not through the live one
    window = _url(_play(server, session, channel="A.cn", start=start + 10, duration=60))
    past = _segments(window)
    assert past
    assert httpx.get(_rename(window, past[0]), timeout=10).status_code == 200
    refused = httpx.get(_rename(live, past[0]), timeout=10)
    assert refused.status_code == 403
    assert _code(refused) == "outside_grant"
    # the window's URL opens neither live nor a wider window
    for playlist in ("index.m3u8", f"archive-{start}-600.m3u8", f"archive-{start + 10}-now.m3u8"):
        assert httpx.get(_rename(window, playlist), timeout=10).status_code == 403, playlist


def test_an_xtream_live_url_opens_live_only(setup: Setup) -> None:
    server, start = setup.server, setup.start_s
    redirect = httpx.get(f"{server.base}/live/hh-full/{PASSWORD}/1.m3u8", timeout=10)
    assert redirect.status_code == 302
    location = redirect.headers["location"]
    assert location.startswith("/t/")  # on whatever host the app asked
    live = f"{server.base}{location}"
    assert _segments(live)
    answer = httpx.get(_rename(live, f"archive-{start + 10}-60.m3u8"), timeout=10)
    assert answer.status_code == 403
    assert _code(answer) == "outside_grant"


def test_not_entitled_at_broadcast_means_by_no_url(setup: Setup) -> None:
    """hh-late subscribed a minute before the server started: what came before is not theirs."""
    server, start, now = setup.server, setup.start_s, setup.now_s
    session = _login(server, "hh-late")
    before = _play(server, session, channel="A.cn", start=start + 10, duration=60)
    assert before.status_code == 403
    assert _code(before) == "not_entitled_at_broadcast"
    # a window that begins after the subscription but reaches back before it: the same
    straddling = _play(server, session, channel="A.cn", start=now - 120, duration=90)
    assert _code(straddling) == "not_entitled_at_broadcast"
    assert _play(server, session, channel="A.cn", start=now - 30, duration=20).status_code == 200
    live = _url(_play(server, session, channel="A.cn"))
    assert httpx.get(_rename(live, f"archive-{start + 10}-60.m3u8")).status_code == 403
    minute = _local(start + 60)
    for extension in ("m3u8", "ts"):
        xtream = httpx.get(
            f"{server.base}/timeshift/hh-late/{PASSWORD}/1/{minute}/1.{extension}", timeout=10
        )
        assert xtream.status_code == 403, extension
        assert _code(xtream) == "not_entitled_at_broadcast"
    unsigned = httpx.get(f"{server.base}/hls/A.cn/archive-{start + 10}-60.m3u8", timeout=10)
    assert unsigned.status_code == 403


def test_a_pay_per_view_window_opens_nothing_before_it(setup: Setup) -> None:
    server, start, event = setup.server, setup.start_s, setup.event_start_s
    session = _login(server, "hh-ppv")
    played = _play(server, session, channel="P.cn")
    live = _url(played)
    assert played.json()["expires"] <= event + 3600  # the URL ends with the event, if not before
    before = _play(server, session, channel="P.cn", start=start + 10, duration=60)
    assert _code(before) == "not_entitled_at_broadcast"
    assert httpx.get(_rename(live, f"archive-{start + 10}-60.m3u8")).status_code == 403
    within = _url(_play(server, session, channel="P.cn", start=event, duration=30))
    assert _segments(within)


def test_unsigned_urls_play_only_free_to_air_once_households_exist(setup: Setup) -> None:
    server, start = setup.server, setup.start_s
    for path in ("/hls/A.cn/index.m3u8", f"/hls/A.cn/archive-{start}-60.m3u8"):
        answer = server.get(path)
        assert answer.status_code == 403, path
        assert _code(answer) == "token_required"
    free = server.get("/hls/F.cn/index.m3u8")
    assert free.status_code == 200
    segment = m3u8.loads(free.text).segments[0].uri
    assert server.get(f"/hls/F.cn/{segment}").status_code == 200
    planted = _segments(_url(_play(server, _login(server, "hh-full"), channel="A.cn")))
    assert server.get(f"/hls/A.cn/{planted[0]}").status_code == 403
    listed = server.get("/playlist.m3u").text
    assert "F.cn" in listed
    assert "A.cn" not in listed


def test_the_platform_is_open_only_while_it_protects_nobody(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = load_settings(data_dir=data, record=False, token_secret="s")
    db = Database(settings.database)
    channel = ChannelSpec(tvg_id="A.cn", number=1, name_zh="A", name_en="A", source=SMALL)
    with db.session() as session:
        add_channel(session, channel)
    app = create_app(settings)
    client = AppClient(app)
    # nothing recorded, nobody to protect: the URL is let through to the empty archive
    assert _code(client.request("GET", "/hls/A.cn/index.m3u8")) == "archive_empty"
    with db.session() as session:
        seed_regions(session)
        create_household(session, "hh1", "510104", password=PASSWORD)
    app.state.runtime.refresh_catalog()  # what the catalog loop does every 2 s
    assert _code(client.request("GET", "/hls/A.cn/index.m3u8")) == "token_required"
    app.state.runtime.db.close()
    db.close()


def test_a_suspended_households_xtream_stream_ends(setup: Setup) -> None:
    server = setup.server
    received = 0
    ended = threading.Event()

    def watch() -> None:
        nonlocal received
        url = f"{server.base}/live/hh-cut/{PASSWORD}/1.ts"
        with httpx.stream("GET", url, timeout=60) as stream:
            assert stream.status_code == 200
            for chunk in stream.iter_bytes():
                received += len(chunk)
        ended.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    wait_for(lambda: received > 0, 20, "the stream to flow")
    db = Database(load_settings(data_dir=server.data).database)
    with db.session() as session:
        set_status(session, "hh-cut", active=False)
    db.close()
    suspended_at = time.monotonic()
    assert ended.wait(40), "the stream still flows"
    assert time.monotonic() - suspended_at <= 30


def test_every_xtream_stream_counts_in_the_limit(setup: Setup) -> None:
    """hh-one may watch one stream: a second from the same address is not the same one."""
    server = setup.server
    url = f"{server.base}/live/hh-one/{PASSWORD}/1.ts"
    with httpx.stream("GET", url, timeout=30) as first:
        assert first.status_code == 200
        flowing = first.iter_bytes()  # held: dropping it would close the first stream
        assert next(flowing)
        with httpx.stream("GET", url, timeout=10) as second:
            assert second.status_code == 409
            second.read()
            assert _code(second) == "stream_limit"


def test_logging_out_ends_the_signed_url(setup: Setup) -> None:
    server = setup.server
    session = _login(server, "hh-full")
    live = _url(_play(server, session, channel="A.cn"))
    assert httpx.get(live, timeout=10).status_code == 200
    out = httpx.post(
        f"{server.base}/api/v1/auth/logout",
        headers={"Authorization": f"Bearer {session}"},
        timeout=10,
    )
    assert out.json() == {"logged_out": True}
    after = httpx.get(live, timeout=10)
    assert after.status_code == 403
    assert _code(after) == "lease_lost"


def test_catch_up_windows_are_bounded(setup: Setup) -> None:
    server, start = setup.server, setup.start_s
    session = _login(server, "hh-full")
    too_long = _play(server, session, channel="A.cn", start=start, duration=7 * 3600)
    assert too_long.status_code == 400
    assert _code(too_long) == "window_too_long"
    days = server.get(f"/hls/F.cn/archive-{start}-{7 * 86_400}.m3u8")
    assert days.status_code == 400
    assert _code(days) == "window_too_long"
    minute = _local(start + 60)
    week = httpx.get(f"{server.base}/timeshift/hh-full/{PASSWORD}/10080/{minute}/1.m3u8")
    assert week.status_code == 400


def test_serve_refuses_the_demos_known_logins(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = Database(load_settings(data_dir=data).database)
    with db.session() as session:
        seed_regions(session)
        create_household(session, DEMO_ACCOUNT, "510104", password=DEMO_PASSWORD)
    db.close()
    refused = yunjin(data, "serve", "--port", str(free_port()), "--no-record", check=False)
    assert refused.returncode == 1
    assert f"household {DEMO_ACCOUNT} / {DEMO_PASSWORD}" in refused.stderr
    assert "--demo" in refused.stderr
    port = free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "yunjin", "serve", "--data", str(data), "--port", str(port),
         "--no-record", "--demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:

        def healthy() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).is_success
            except httpx.HTTPError:
                return demo.poll() is None and False

        wait_for(healthy, 30, "serve --demo to answer")
    finally:
        demo.terminate()
        said = demo.communicate(timeout=20)[0].decode()
    assert "closed / 关闭" in said
