"""Issue #12's "done when", on a fresh ``yunjin demo`` with a generated nginx edge in front.

Each item also has its own module in this folder (grants, credentials, body limits, hostile
uploads); here they are tried together, as an outsider would try the demo an operator
installed: the demo's published household, a household that subscribed only now, strangers.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import m3u8
import pytest

from tests.conftest import edge_data_dir, free_port, yunjin
from tests.helpers import wait_for
from tests.security.hostile_media import hls_naming, local_segments
from tests.security.test_body_limits import MB, hostile_post, rss_bytes
from yunjin.demo import DEMO_ACCOUNT, DEMO_PASSWORD
from yunjin.newsroom.demo import JINJIANG

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "done-when-pass"


@dataclass
class Demo:
    data: Path
    process: subprocess.Popen[bytes]
    base: str  # the app
    edge: str  # nginx in front of it
    start_s: int  # the demo's rendered past begins here

    def cli(self, *args: str) -> str:
        secret = (self.data / "token_secret").read_text(encoding="ascii").strip()
        env = {"YUNJIN_TOKEN_SECRET": secret}
        return yunjin(self.data, *args, env=env).stdout


def _get(base: str, path: str, source: str = "127.0.0.1", **kwargs: Any) -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=20) as client:
        return client.get(f"{base}{path}", **kwargs)


def _both(demo: Demo, path: str) -> tuple[int, int]:
    return _get(demo.base, path).status_code, _get(demo.edge, path).status_code


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    if not Path(NGINX).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed (make test installs Debian's nginx-light)")
        pytest.skip("nginx is not installed (make test installs Debian's nginx-light)")
    with edge_data_dir("done-when") as folder:
        data = folder / "data"
        port = free_port()
        log = folder / "demo.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "yunjin", "demo", "--data", str(data),
                 "--port", str(port), "--backfill-minutes", "2"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "COLUMNS": "250"},
            )  # fmt: skip
        nginx: subprocess.Popen[bytes] | None = None
        try:
            wait_for(lambda: "Archive ready" in log.read_text(), 180, "the demo's archive")
            base = f"http://127.0.0.1:{port}"
            start = httpx.get(f"{base}/api/v1/channels/CCTV1.cn", timeout=10).json()
            demo = Demo(data, process, base, "", start["archive"]["start"])
            edge_port = free_port()
            run = folder / "edge"
            conf = run / "nginx.conf"
            demo.cli(
                "nginx-config", "--listen", f"127.0.0.1:{edge_port}", "--upstream", base,
                "--runtime-dir", str(run), "--out", str(conf),
            )  # fmt: skip
            nginx = subprocess.Popen(
                [NGINX, "-c", str(conf), "-p", str(run), "-e", str(run / "error.log")],
                stderr=subprocess.PIPE,
            )
            demo.edge = f"http://127.0.0.1:{edge_port}"
            wait_for(lambda: _listening(demo.edge), 20, "nginx to listen")
            yield demo
        finally:
            if nginx is not None:
                nginx.send_signal(signal.SIGQUIT)
                nginx.wait(15)
                if nginx.stderr is not None:
                    nginx.stderr.close()
            process.send_signal(signal.SIGINT)
            process.wait(60)


def _listening(base: str) -> bool:
    try:
        return httpx.get(f"{base}/", timeout=2).status_code == 404
    except httpx.HTTPError:
        return False


def _session(demo: Demo, account: str, password: str) -> str:
    answer = httpx.post(
        f"{demo.base}/api/v1/auth/login",
        json={"account": account, "password": password, "device": "done-when phone"},
        timeout=20,
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["session"]
    return token


def _play(demo: Demo, session: str, **body: Any) -> httpx.Response:
    return httpx.post(
        f"{demo.base}/api/v1/play",
        json=body,
        headers={"Authorization": f"Bearer {session}"},
        timeout=20,
    )


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _rename(path: str, playlist: str) -> str:
    return path.rsplit("/", 1)[0] + "/" + playlist


def test_a_live_url_rewritten_opens_nothing_else_through_app_or_edge(demo: Demo) -> None:
    session = _session(demo, DEMO_ACCOUNT, DEMO_PASSWORD)
    live = _path(_play(demo, session, channel="CCTV1.cn").json()["url"])
    assert _both(demo, live) == (200, 200)
    start = demo.start_s
    for playlist in (
        f"archive-{start + 10}-60.m3u8",
        f"archive-{start + 10}-now.m3u8",
        f"timeshift_abs-{start + 10}.m3u8",
        "timeshift_rel-60.m3u8",
    ):
        assert _both(demo, _rename(live, playlist)) == (403, 403), playlist
    # the household may watch that past through a URL of its own, not through the live one
    window = _path(
        _play(demo, session, channel="CCTV1.cn", start=start + 10, duration=60).json()["url"]
    )
    past = m3u8.loads(_get(demo.base, window).text).segments[0].uri
    assert _both(demo, _rename(window, past)) == (200, 200)
    assert _both(demo, _rename(live, past)) == (403, 403)


def test_a_household_not_entitled_at_broadcast_plays_that_window_by_no_url(demo: Demo) -> None:
    demo.cli("household", "add", "late001", "--region", "510104", "--password", PASSWORD)
    demo.cli("subscription", "add", "late001", "demo-basic")  # from now on
    demo.cli("subscription", "add", "late001", "demo-replay")
    session = _session(demo, "late001", PASSWORD)
    start = demo.start_s + 10
    refused = _play(demo, session, channel="CCTV1.cn", start=start, duration=60)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_entitled_at_broadcast"
    live = _path(_play(demo, session, channel="CCTV1.cn").json()["url"])
    assert _both(demo, _rename(live, f"archive-{start}-60.m3u8")) == (403, 403)
    minute = datetime.fromtimestamp(start, SHANGHAI).strftime("%Y-%m-%d:%H-%M")
    for extension in ("m3u8", "ts"):
        xtream = _get(demo.base, f"/timeshift/late001/{PASSWORD}/1/{minute}/1.{extension}")
        assert xtream.status_code == 403, extension
    assert _get(demo.base, f"/hls/CCTV1.cn/archive-{start}-60.m3u8").status_code == 403


def test_unsigned_hls_is_refused_while_households_exist(demo: Demo) -> None:
    for path in ("/hls/CCTV1.cn/index.m3u8", f"/hls/CCTV1.cn/archive-{demo.start_s}-60.m3u8"):
        answer = _get(demo.base, path)
        assert answer.status_code == 403, path
        assert answer.json()["error"]["code"] == "token_required"


def test_twenty_wrong_xtream_passwords_from_one_address_get_429_before_the_20th(
    demo: Demo,
) -> None:
    stranger = "127.0.0.77"
    statuses = [
        _get(
            demo.base,
            "/player_api.php",
            stranger,
            params={"username": DEMO_ACCOUNT, "password": f"guess-{n}"},
        ).status_code
        for n in range(20)
    ]
    assert 429 in statuses[:19], statuses
    # the household itself, from home, is not locked out by the stranger
    mine = _get(
        demo.base, "/player_api.php", params={"username": DEMO_ACCOUNT, "password": DEMO_PASSWORD}
    )
    assert mine.json()["user_info"]["auth"] == 1


def test_a_200_mb_anonymous_post_is_refused_without_the_server_growing(demo: Demo) -> None:
    port = int(demo.base.rsplit(":", 1)[1])
    before = rss_bytes(demo.process.pid)
    for chunked in (False, True):
        assert hostile_post(port, "/api/v1/auth/login", 200 * MB, chunked=chunked) == 413
    grown = rss_bytes(demo.process.pid) - before
    assert grown < 20 * MB, f"the server grew by {grown / MB:.0f} MB"


def test_an_hls_playlist_sent_as_a_tips_video_is_refused_in_both_languages(
    demo: Demo, tmp_path: Path
) -> None:
    playlist = hls_naming(local_segments(tmp_path / "segments", seconds=4))
    answer = httpx.post(
        f"{demo.base}/api/v1/tips",
        data={"text": "东大街路灯坏了", "contact_phone": "13800001234", "region": JINJIANG},
        files=[("video", ("street.mp4", playlist, "video/mp4"))],
        timeout=60,
    )
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "media_container_refused"
    assert "HLS" in error["messages"]["en"]
    assert "HLS" in error["messages"]["zh-CN"]


def test_a_suspended_households_running_xtream_stream_ends_within_30_s(demo: Demo) -> None:
    demo.cli("household", "add", "cut001", "--region", "510104", "--password", PASSWORD)
    demo.cli("subscription", "add", "cut001", "demo-basic")
    received = 0
    ended = threading.Event()

    def watch() -> None:
        nonlocal received
        url = f"{demo.base}/live/cut001/{PASSWORD}/1.ts"
        with httpx.stream("GET", url, timeout=60) as stream:
            if stream.status_code == 200:
                for chunk in stream.iter_bytes():
                    received += len(chunk)
        ended.set()

    threading.Thread(target=watch, daemon=True).start()
    wait_for(lambda: received > 0, 30, "the stream to flow")
    demo.cli("household", "suspend", "cut001")
    suspended_at = time.monotonic()
    assert ended.wait(45), "the suspended household's stream still flows"
    assert time.monotonic() - suspended_at <= 30
