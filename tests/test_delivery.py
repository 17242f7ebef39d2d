"""Live, time-shift and catch-up over real HTTP from a real recording, read by real players."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import m3u8
import pytest

from tests.conftest import Server, free_port, yunjin
from tests.helpers import decode, wait_for
from yunjin.media.ffmpeg import ffmpeg_binary

SMALL = "testsrc:?size=320x180&rate=25&kbps=200"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One recording server for the read-only checks of this module."""
    data = tmp_path_factory.mktemp("delivery")
    yunjin(
        data,
        "channel",
        "add",
        "--id",
        "A.cn",
        "--name",
        "频道A",
        "--name-en",
        "Channel A",
        "--number",
        "1",
        "--source",
        SMALL,
    )
    yunjin(
        data,
        "channel",
        "add",
        "--id",
        "DEAD.cn",
        "--name",
        "坏信源",
        "--number",
        "2",
        "--source",
        f"http://127.0.0.1:{free_port()}/gone/index.m3u8",
    )
    running = Server(data).start()
    running.wait_segments("A.cn", 8)
    yield running
    running.stop()


def _playlist(server: Server, path: str) -> m3u8.M3U8:
    response = server.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.apple.mpegurl"
    return m3u8.loads(response.text, uri=f"{server.base}{path}")


def test_health_and_channel_state(server: Server) -> None:
    assert server.get("/healthz").json()["status"] == "ok"
    channel = server.channel("A.cn")
    assert channel["state"] == "recording"
    assert channel["name"] == {"zh-CN": "频道A", "en": "Channel A"}
    assert channel["archive"]["end"] - channel["archive"]["start"] >= 7
    dead = wait_for(
        lambda: (c := server.channel("DEAD.cn"))["state"] == "error" and c,
        30,
        "the dead source to show as an error",
    )
    assert dead["recorder"]["last_error"]
    assert dead["archive"]["segments"] == 0


def test_live_playlist_slides_and_keeps_numbers(server: Server) -> None:
    first = _playlist(server, "/hls/A.cn/index.m3u8")
    assert len(first.segments) == 6
    assert first.playlist_type is None
    assert not first.is_endlist
    assert all(s.program_date_time is not None for s in first.segments)
    numbered = {first.media_sequence + i: s.uri for i, s in enumerate(first.segments)}
    later = wait_for(
        lambda: (
            (p := _playlist(server, "/hls/A.cn/index.m3u8")).media_sequence > first.media_sequence
            and p
        ),
        10,
        "the live window to slide",
    )
    for i, segment in enumerate(later.segments):
        if later.media_sequence + i in numbered:
            assert numbered[later.media_sequence + i] == segment.uri
    # the live edge is close to now
    edge = later.segments[-1].program_date_time.timestamp() + later.segments[-1].duration
    assert time.time() - edge < 5


def test_catchup_window_decodes_whole(server: Server) -> None:
    start = server.channel("A.cn")["archive"]["start"]
    path = f"/hls/A.cn/archive-{start + 1}-5.m3u8"
    playlist = _playlist(server, path)
    assert playlist.is_endlist
    assert playlist.playlist_type == "vod"
    covered = sum(s.duration for s in playlist.segments)
    assert 5 <= covered <= 7
    frames, _ = decode(f"{server.base}{path}")
    assert frames >= 0.9 * covered * 25


def test_other_playlists_parse(server: Server) -> None:
    archive = server.channel("A.cn")["archive"]
    delayed = _playlist(server, "/hls/A.cn/timeshift_rel-4.m3u8")
    edge = delayed.segments[-1].program_date_time.timestamp() + delayed.segments[-1].duration
    assert edge <= time.time() - 4 + 0.5
    start_over = _playlist(server, f"/hls/A.cn/timeshift_abs-{archive['start'] + 2}.m3u8")
    assert start_over.playlist_type is None
    assert start_over.start.time_offset is not None
    event = _playlist(server, f"/hls/A.cn/archive-{archive['start'] + 2}-now.m3u8")
    assert event.playlist_type == "event"
    assert not event.is_endlist
    assert len(event.segments) >= len(start_over.segments) - 1


def test_segments_have_types_and_ranges(server: Server) -> None:
    playlist = _playlist(server, "/hls/A.cn/index.m3u8")
    path = f"/hls/A.cn/{playlist.segments[0].uri}"
    whole = server.get(path)
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "video/mp2t"
    assert whole.content[0] == 0x47  # MPEG-TS sync byte
    part = server.get(path, headers={"Range": "bytes=188-375"})
    assert part.status_code == 206
    assert part.content == whole.content[188:376]
    assert part.headers["content-range"] == f"bytes 188-375/{len(whole.content)}"


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert error["messages"]["en"]
    assert error["messages"]["zh-CN"]
    return error


def test_bad_requests_get_clear_errors(server: Server) -> None:
    now = int(time.time())
    _error(server.get("/hls/NOPE/index.m3u8"), 404, "channel_not_found")
    _error(server.get("/api/v1/channels/NOPE"), 404, "channel_not_found")
    _error(server.get("/hls/A.cn/archive-yesterday-60.m3u8"), 400, "bad_time")
    _error(server.get(f"/hls/A.cn/archive-{now - 60}-forever.m3u8"), 400, "bad_duration")
    _error(server.get("/hls/A.cn/whatever.m3u8"), 400, "bad_playlist_name")
    outside = _error(server.get(f"/hls/A.cn/archive-{now - 86400}-60.m3u8"), 404, "outside_archive")
    assert outside["available"]["start"] == server.channel("A.cn")["archive"]["start"]
    chinese = server.get("/hls/NOPE/index.m3u8", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert chinese.json()["error"]["message"] == "频道 NOPE 不存在。"
    _error(server.get("/hls/DEAD.cn/index.m3u8"), 404, "archive_empty")


@pytest.mark.parametrize(
    "path",
    [
        "/hls/A.cn/../../../../etc/passwd",
        "/hls/A.cn/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/hls/A.cn/..%2f..%2f..%2fetc/passwd",
        "/hls/A.cn/20261118/11/..%2f..%2f..%2fyunjin.db",
        "/hls/..%2f..%2fyunjin.db/x/y/z",
        "/hls/A.cn/%2e%2e/%2e%2e/yunjin.db",
    ],
)
def test_traversal_never_leaves_the_archive(server: Server, path: str) -> None:
    response = server.get(path)
    assert response.status_code in (400, 404)
    assert b"SQLite" not in response.content
    assert b"root:" not in response.content


def test_m3u_lists_the_channels(server: Server) -> None:
    text = server.get("/playlist.m3u").text
    assert text.startswith("#EXTM3U")
    assert f"{server.base}/hls/A.cn/index.m3u8" in text
    assert 'tvg-id="A.cn"' in text


def test_cli_archive_status(server: Server) -> None:
    out = yunjin(server.data, "archive", "status").stdout
    assert "A.cn" in out
    assert "DEAD.cn" in out


def test_udp_source_is_repackaged_without_encoding(
    server_factory: type[Server], data_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    sender = subprocess.Popen(
        [
            ffmpeg_binary(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-re",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x180:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=500",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "25",
            "-b:v",
            "300k",
            "-c:a",
            "aac",
            "-f",
            "mpegts",
            f"udp://127.0.0.1:{port}?pkt_size=1316",
        ],
        stdin=subprocess.DEVNULL,
    )
    try:
        yunjin(
            data_dir,
            "channel",
            "add",
            "--id",
            "UDP.cn",
            "--name",
            "UDP",
            "--number",
            "5",
            "--source",
            f"udp://127.0.0.1:{port}",
        )
        running = server_factory(data_dir).start()
        channel = running.wait_segments("UDP.cn", 4)
        start = channel["archive"]["start"]
        frames, log = decode(f"{running.base}/hls/UDP.cn/archive-{start}-3.m3u8")
        assert frames >= 50
        assert "h264" in log
        assert "aac" in log
    finally:
        sender.terminate()
        sender.wait()


def test_file_source_loops(server_factory: type[Server], data_dir: Path, tmp_path: Path) -> None:
    clip = tmp_path / "clip.ts"
    subprocess.run(
        [
            ffmpeg_binary(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x180:rate=25",
            "-f",
            "lavfi",
            "-i",
            "sine",
            "-t",
            "2",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "25",
            "-c:a",
            "aac",
            str(clip),
        ],
        check=True,
        timeout=60,
    )
    yunjin(
        data_dir,
        "channel",
        "add",
        "--id",
        "LOOP.cn",
        "--name",
        "Loop",
        "--number",
        "6",
        "--source",
        str(clip),
    )
    running = server_factory(data_dir).start()
    channel = running.wait_segments("LOOP.cn", 5)  # 2 s of file, more than 4 s recorded
    assert channel["archive"]["end"] - channel["archive"]["start"] >= 4


def test_hls_source_added_while_running(server: Server) -> None:
    """A channel added from the command line to a running server records an HLS source."""
    yunjin(
        server.data,
        "channel",
        "add",
        "--id",
        "RELAY.cn",
        "--name",
        "Relay",
        "--number",
        "9",
        "--source",
        f"{server.base}/hls/A.cn/index.m3u8",
    )
    relay = server.wait_segments("RELAY.cn", 3, timeout=60)
    assert relay["state"] == "recording"
    playlist = _playlist(server, "/hls/RELAY.cn/index.m3u8")
    frames, log = decode(f"{server.base}/hls/RELAY.cn/{playlist.segments[-1].uri}")
    assert frames > 0
    assert "h264" in log
