"""Signed VOD URLs: the app and a real nginx edge with stock secure_link decide alike, and a
subscriber's film plays through the edge."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import m3u8
import pytest

from tests.conftest import Server, edge_data_dir, free_port, yunjin
from tests.helpers import decode, wait_for
from tests.vod.playback_setup import CLIP_SECONDS, FAKE_UHD_RUNG, FRAME_RATE, publish, render_clip
from yunjin.config import load_settings
from yunjin.db.engine import Database
from yunjin.delivery.tokens import VodScope, sign_vod
from yunjin.subscribers.accounts import create_household, create_product, subscribe
from yunjin.subscribers.entitlements import ProductKind
from yunjin.subscribers.regions import seed_regions
from yunjin.vod.catalog import TitleDraft, TitleKind, add_title

SECRET = "vod-edge-secret-0123"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
FILM = "edgefilm0001"
OTHER = "edgeother001"


@dataclass
class Edge:
    app: Server
    base: str


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (make test installs Debian's nginx-light)")
    with edge_data_dir("vodedge") as data:
        (data / "yunjin.toml").write_text(
            f'[yunjin]\ntoken_secret = "{SECRET}"\nrequire_tokens = true\n', encoding="utf-8"
        )
        settings = load_settings(data_dir=data)
        rendered = render_clip(tmp_path_factory.mktemp("vodedgeclip"))
        db = Database(settings.database)
        with db.session() as session:
            seed_regions(session)
            add_title(session, TitleDraft("edge", TitleKind.MOVIE, "边缘"))
            add_title(session, TitleDraft("other", TitleKind.MOVIE, "另一部"))
            create_household(session, "hhedge", "511402", password="edge-pass-1")
            create_product(
                session, "films", "电影包", "Films", ProductKind.VOD, [], titles=["edge"]
            )
            subscribe(session, "hhedge", "films", valid_from=datetime.now(UTC) - timedelta(days=1))
        db.close()
        publish(settings, rendered, FILM, "edge", uhd=True)
        publish(settings, rendered, OTHER, "other")
        app = Server(data).start()
        port = free_port()
        run = data / "edge"
        conf = run / "nginx.conf"
        yunjin(
            data,
            "nginx-config",
            "--listen",
            f"127.0.0.1:{port}",
            "--upstream",
            app.base,
            "--runtime-dir",
            str(run),
            "--out",
            str(conf),
        )
        nginx = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(run), "-e", str(run / "error.log")],
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            if nginx.poll() is not None:
                raise AssertionError(f"nginx exited: {nginx.stderr.read() if nginx.stderr else ''}")
            try:
                return httpx.get(f"{base}/", timeout=2).status_code == 404
            except httpx.HTTPError:
                return False

        wait_for(up, 15, "nginx to listen")
        yield Edge(app, base)
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(15)
        if nginx.stderr is not None:
            nginx.stderr.close()
        app.stop()


def _get(base: str, path: str) -> httpx.Response:
    return httpx.get(f"{base}{path}", timeout=10)


def _both(edge: Edge, path: str) -> tuple[int, int]:
    return _get(edge.app.base, path).status_code, _get(edge.base, path).status_code


def _prefix(asset: str = FILM, *, uhd: bool = False, ttl: int = 600) -> str:
    return sign_vod(SECRET, VodScope(asset, uhd), int(time.time()) + ttl).path


def test_a_valid_token_plays_through_app_and_edge(edge: Edge) -> None:
    prefix = _prefix()
    from_app = _get(edge.app.base, f"{prefix}/master.m3u8")
    from_edge = _get(edge.base, f"{prefix}/master.m3u8")  # passed to the app, filtered there
    assert from_app.status_code == from_edge.status_code == 200
    assert from_app.text == from_edge.text
    variant = m3u8.loads(from_edge.text).playlists[0].uri
    assert variant == "180p-h264/index.m3u8"
    playlist = m3u8.loads(_get(edge.base, f"{prefix}/{variant}").text)
    segment = f"{prefix}/180p-h264/{playlist.segments[0].uri}"
    served = _get(edge.base, segment)  # straight from the published media
    assert served.status_code == 200
    assert served.headers["content-type"] == "video/mp2t"
    assert served.content == _get(edge.app.base, segment).content
    poster = _get(edge.base, f"{prefix}/poster.jpg")
    assert poster.status_code == 200
    assert poster.headers["content-type"] == "image/jpeg"


def test_expired_forged_and_other_asset_tokens(edge: Edge) -> None:
    segment = "180p-h264/seg_00000.ts"
    expired = _prefix(ttl=-5)
    assert _both(edge, f"{expired}/master.m3u8") == (410, 410)
    assert _both(edge, f"{expired}/{segment}") == (410, 410)
    good = sign_vod(SECRET, VodScope(FILM), int(time.time()) + 600)
    forged = good.path.replace(good.token, ("A" if good.token[0] != "A" else "B") + good.token[1:])
    other_asset = good.path.replace(f"/vod/{FILM}", f"/vod/{OTHER}")
    stretched = good.path.replace(str(good.expires), str(good.expires + 3600))
    wrong_secret = sign_vod("another-secret", VodScope(FILM), good.expires).path
    for path in (forged, other_asset, stretched, wrong_secret):
        assert _both(edge, f"{path}/master.m3u8") == (403, 403), path
        assert _both(edge, f"{path}/{segment}") == (403, 403), path
        assert _both(edge, f"{path}/poster.jpg") == (403, 403), path


def test_4k_renditions_only_under_a_4k_scope(edge: Edge) -> None:
    hd, uhd = _prefix(), _prefix(uhd=True)
    for tail in (f"{FAKE_UHD_RUNG}/seg_00000.ts", f"{FAKE_UHD_RUNG}/index.m3u8"):
        assert _both(edge, f"{hd}/{tail}") == (403, 403)
        assert _both(edge, f"{uhd}/{tail}") == (200, 200)
    widened = hd.replace(f"/vod/{FILM}", f"/vod/{FILM}.uhd")
    assert _both(edge, f"{widened}/{FAKE_UHD_RUNG}/seg_00000.ts") == (403, 403)
    assert FAKE_UHD_RUNG not in _get(edge.base, f"{hd}/master.m3u8").text
    assert FAKE_UHD_RUNG in _get(edge.base, f"{uhd}/master.m3u8").text


def test_a_leased_token_keeps_its_lease(edge: Edge) -> None:
    expires = int(time.time()) + 600
    leased = sign_vod(SECRET, VodScope(FILM), expires, lease="7.xc-127.0.0.1")
    segment = "180p-h264/seg_00000.ts"
    assert _both(edge, f"{leased.path}/{segment}") == (200, 200)
    stripped = leased.path.replace("/l/7.xc-127.0.0.1", "")
    swapped = leased.path.replace("/l/7.", "/l/8.")
    for path in (stripped, swapped):
        assert _both(edge, f"{path}/{segment}") == (403, 403)
    # a leased playlist asks the gate again: household 7 does not exist
    refused = _get(edge.base, f"{leased.path}/master.m3u8")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "household_suspended"


def test_traversal_through_the_edge(edge: Edge) -> None:
    prefix = _prefix()
    for tail in (
        "../../yunjin.db",
        "%2e%2e/%2e%2e/yunjin.db",
        "180p-h264/../../../yunjin.db",
        "180p-h264/..%2f..%2fmanifest.json",
        "manifest.json",
        "thumbs/00001.jpg",
    ):
        app_status, edge_status = _both(edge, f"{prefix}/{tail}")
        assert app_status in (400, 403, 404), tail
        assert edge_status in (400, 403, 404), tail


def test_ffmpeg_plays_a_subscribers_film_through_nginx(edge: Edge) -> None:
    login = httpx.post(
        f"{edge.app.base}/api/v1/auth/login",
        json={"account": "hhedge", "password": "edge-pass-1", "device": "phone"},
        timeout=10,
    ).json()["session"]
    answer = httpx.post(
        f"{edge.app.base}/api/v1/vod/play",
        json={"title": "edge"},
        headers={"Authorization": f"Bearer {login}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    path = "/" + answer.json()["url"].split("/", 3)[3]
    assert "/l/" in path
    frames, _ = decode(f"{edge.base}{path}")
    assert frames >= CLIP_SECONDS * FRAME_RATE * 0.9
