"""Signed URLs: the app and a real nginx edge with stock secure_link decide alike."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import m3u8
import pytest

from tests.conftest import Server, edge_data_dir, free_port, yunjin
from tests.helpers import decode, live_now, wait_for, window_of
from yunjin.archive.segment import parse_segment_name
from yunjin.delivery.tokens import sign

SECRET = "edge-test-secret-0123"
SMALL = "testsrc:?size=320x180&rate=25&kbps=200"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass
class Edge:
    app: Server
    base: str


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Edge]:
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (make test installs Debian's nginx-light)")
    with edge_data_dir("edge") as data:
        (data / "yunjin.toml").write_text(
            f'[yunjin]\ntoken_secret = "{SECRET}"\nrequire_tokens = true\n', encoding="utf-8"
        )
        for tvg_id, number in (("A.cn", 1), ("B.cn", 2)):
            yunjin(
                data,
                "channel",
                "add",
                "--id",
                tvg_id,
                "--name",
                tvg_id,
                "--number",
                str(number),
                "--source",
                SMALL,
            )
        app = Server(data).start()
        app.wait_segments("A.cn", 8)
        app.wait_segments("B.cn", 2)
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
        assert conf.stat().st_mode & 0o777 == 0o600
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


def _get(base: str, path: str, source: str = "127.0.0.1") -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=10) as client:
        return client.get(f"{base}{path}")


def _both(edge: Edge, path: str, source: str = "127.0.0.1") -> tuple[int, int]:
    return _get(edge.app.base, path, source).status_code, _get(edge.base, path, source).status_code


def test_unsigned_urls_are_refused_when_tokens_are_required(edge: Edge) -> None:
    answer = _get(edge.app.base, "/hls/A.cn/index.m3u8")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "token_required"


def test_valid_token_plays_through_app_and_edge(edge: Edge) -> None:
    prefix = sign(SECRET, "A.cn", live_now(), int(time.time()) + 600).path
    app_list = _get(edge.app.base, f"{prefix}/index.m3u8")
    edge_list = _get(edge.base, f"{prefix}/index.m3u8")
    assert app_list.status_code == edge_list.status_code == 200
    playlist = m3u8.loads(edge_list.text)
    segment = f"{prefix}/{playlist.segments[0].uri}"
    from_edge = _get(edge.base, segment)  # served by nginx from the archive
    assert from_edge.status_code == 200
    assert from_edge.headers["content-type"] == "video/mp2t"
    assert from_edge.content == _get(edge.app.base, segment).content


def test_expired_forged_and_cross_channel_tokens(edge: Edge) -> None:
    now = int(time.time())
    expired = sign(SECRET, "A.cn", live_now(), now - 5).path
    assert _both(edge, f"{expired}/index.m3u8") == (410, 410)
    good = sign(SECRET, "A.cn", live_now(), now + 600)
    forged_token = ("A" if good.token[0] != "A" else "B") + good.token[1:]
    forged = good.path.replace(good.token, forged_token)
    assert _both(edge, f"{forged}/index.m3u8") == (403, 403)
    stretched = good.path.replace(str(good.expires), str(good.expires + 3600))
    assert _both(edge, f"{stretched}/index.m3u8") == (403, 403)
    other_channel = good.path.replace("/hls/A.cn", "/hls/B.cn")
    assert _both(edge, f"{other_channel}/index.m3u8") == (403, 403)
    wrong_secret = sign("another-secret", "A.cn", live_now(), now + 600).path
    assert _both(edge, f"{wrong_secret}/index.m3u8") == (403, 403)
    playlist = m3u8.loads(_get(edge.base, f"{good.path}/index.m3u8").text)
    segment = playlist.segments[0].uri
    assert _both(edge, f"{other_channel}/{segment}") == (403, 403)
    assert _both(edge, f"{expired}/{segment}") == (410, 410)


def test_address_bound_tokens(edge: Edge) -> None:
    bound = sign(SECRET, "A.cn", live_now(), int(time.time()) + 600, address="127.0.0.2").path
    assert _both(edge, f"{bound}/index.m3u8", source="127.0.0.1") == (403, 403)
    assert _both(edge, f"{bound}/index.m3u8", source="127.0.0.2") == (200, 200)
    playlist = m3u8.loads(_get(edge.base, f"{bound}/index.m3u8", "127.0.0.2").text)
    segment = f"{bound}/{playlist.segments[-1].uri}"
    assert _both(edge, segment, source="127.0.0.2") == (200, 200)
    assert _both(edge, segment, source="127.0.0.1") == (403, 403)


def test_leased_tokens_keep_their_lease(edge: Edge) -> None:
    """The edge checks the signed lease like the app; without it the token is forged."""
    expires = int(time.time()) + 600
    leased = sign(SECRET, "A.cn", live_now(), expires, lease="7.xc-127.0.0.1")
    unleased = sign(SECRET, "A.cn", live_now(), expires).path
    segment = m3u8.loads(_get(edge.base, f"{unleased}/index.m3u8").text).segments[-1].uri
    assert _both(edge, f"{leased.path}/{segment}") == (200, 200)
    # the edge passes a leased playlist to the app, which asks the gate again before renewing
    # the lease: household 7 does not exist, so it has no active account
    refused = _get(edge.base, f"{leased.path}/index.m3u8")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "household_suspended"
    stripped = leased.path.replace("/l/7.xc-127.0.0.1", "")
    assert _both(edge, f"{stripped}/{segment}") == (403, 403)
    swapped = leased.path.replace("/l/7.", "/l/8.")
    assert _both(edge, f"{swapped}/{segment}") == (403, 403)


def test_traversal_through_the_edge(edge: Edge) -> None:
    prefix = sign(SECRET, "A.cn", live_now(), int(time.time()) + 600).path
    for tail in ("../../yunjin.db", "%2e%2e/%2e%2e/yunjin.db", "20261126/00/../../../yunjin.db"):
        app_status, edge_status = _both(edge, f"{prefix}/{tail}")
        assert app_status in (400, 403, 404)
        assert edge_status in (400, 403, 404)


def test_ffmpeg_plays_a_catchup_window_through_nginx(edge: Edge) -> None:
    start = edge.app.channel("A.cn")["archive"]["start"]
    prefix = sign(SECRET, "A.cn", window_of(start + 1, 4), int(time.time()) + 600).path
    url = f"{edge.base}{prefix}/archive-{start + 1}-4.m3u8"
    frames, _ = decode(url)
    assert frames >= 4 * 25 * 0.9


def _segments(edge: Edge, path: str) -> list[str]:
    listed = _get(edge.app.base, path)
    assert listed.status_code == 200, listed.text
    return [segment.uri for segment in m3u8.loads(listed.text).segments]


def test_a_live_url_opens_no_archive_through_app_or_edge(edge: Edge) -> None:
    """#12's first hole: a live URL rewritten to catch-up, time-shift or an old segment."""
    start = edge.app.channel("A.cn")["archive"]["start"]
    everything = _segments(
        edge,
        f"{sign(SECRET, 'A.cn', window_of(start, 600), _later()).path}/archive-{start}-600.m3u8",
    )
    live = sign(SECRET, "A.cn", live_now(back_s=4), _later()).path
    assert _both(edge, f"{live}/index.m3u8") == (200, 200)
    for name in (
        f"archive-{start}-60.m3u8",
        f"archive-{start}-now.m3u8",
        f"timeshift_abs-{start}.m3u8",
        "timeshift_rel-5.m3u8",
    ):
        assert _both(edge, f"{live}/{name}") == (403, 403), name
    answer = _get(edge.base, f"{live}/archive-{start}-60.m3u8")
    assert answer.json()["error"]["code"] == "outside_grant"
    oldest, newest = everything[0], _segments(edge, f"{live}/index.m3u8")[-1]
    assert _both(edge, f"{live}/{oldest}") == (403, 403)  # nginx refuses it by itself
    assert _both(edge, f"{live}/{newest}") == (200, 200)


def test_a_window_opens_its_own_segments_only(edge: Edge) -> None:
    start = edge.app.channel("A.cn")["archive"]["start"]
    whole = sign(SECRET, "A.cn", window_of(start, 600), _later()).path
    everything = _segments(edge, f"{whole}/archive-{start}-600.m3u8")
    window = window_of(start + 3, 2)
    prefix = sign(SECRET, "A.cn", window, _later()).path
    inside = _segments(edge, f"{prefix}/archive-{start + 3}-2.m3u8")
    assert inside
    refused = 0
    for uri in everything:
        named = parse_segment_name(uri.rsplit("/", 1)[1])
        assert named is not None
        opened = window.opens_segment(named.start_ms)
        assert opened or uri not in inside
        assert _both(edge, f"{prefix}/{uri}") == ((200, 200) if opened else (403, 403)), uri
        refused += not opened
    assert refused >= len(everything) - 6  # before the window and after it
    for name in (f"archive-{start}-60.m3u8", f"archive-{start + 3}-now.m3u8", "index.m3u8"):
        assert _both(edge, f"{prefix}/{name}") == (403, 403), name


def test_the_edge_workers_are_not_root(edge: Edge) -> None:
    conf = (edge.app.data / "edge" / "nginx.conf").read_text(encoding="utf-8")
    assert "user www-data;" in conf
    assert "user root" not in conf


def _later() -> int:
    return int(time.time()) + 600


def test_cli_signs_urls(edge: Edge) -> None:
    url = yunjin(edge.app.data, "sign", "A.cn").stdout.strip()
    path = "/" + url.split("/", 3)[3]  # the CLI prints the configured public base
    assert path.startswith("/t/")
    assert "/s/live-" in path
    assert _both(edge, path) == (200, 200)
    start = edge.app.channel("A.cn")["archive"]["start"]
    window = yunjin(edge.app.data, "sign", "A.cn", "--start", str(start + 1), "--duration", "4")
    path = "/" + window.stdout.strip().split("/", 3)[3]
    assert path.endswith(f"/archive-{start + 1}-4.m3u8")
    assert _both(edge, path) == (200, 200)
    assert _both(edge, path.replace(f"archive-{start + 1}-4", f"archive-{start}-60")) == (403, 403)
    assert yunjin(edge.app.data, "sign", "../x", check=False).returncode == 1
    mixed = yunjin(edge.app.data, "sign", "A.cn", "--start", "1", "--delay", "5", check=False)
    assert mixed.returncode == 2
