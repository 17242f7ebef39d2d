"""`yunjin demo`: six generated channels, a rendered past, the URLs printed, a clean stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import m3u8

from tests.conftest import alive, children_of, free_port, yunjin
from tests.helpers import wait_for
from yunjin.demo import DEMO_CHANNELS


def test_demo_renders_the_past_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "demo.log"
    with open(log, "wb") as out:
        demo = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "yunjin",
                "demo",
                "--data",
                str(tmp_path / "data"),
                "--port",
                str(port),
                "--backfill-minutes",
                "2",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "200"},
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: "Archive ready" in log.read_text(), 120, "the demo's archive")
        printed = log.read_text()
        assert f"{base}/get.php?username=demo001&password=demo1234" in printed
        assert "/s/win" in printed  # the printed catch-up URLs are signed
        channels = httpx.get(f"{base}/api/v1/channels", timeout=5).json()["channels"]
        assert {c["id"] for c in channels} == {c[0] for c in DEMO_CHANNELS}
        for channel in channels:
            archive = channel["archive"]
            assert archive["end"] - archive["start"] >= 120, channel["id"]
            assert channel["state"] == "recording"
        first = channels[0]
        start, end = first["archive"]["start"], first["archive"]["end"]
        window = f"archive-{start}-{end - start}.m3u8"
        # households exist: unsigned URLs play nothing, a signed one exactly its window
        unsigned = httpx.get(f"{base}/hls/{first['id']}/{window}", timeout=5)
        assert unsigned.status_code == 403
        secret = (tmp_path / "data" / "token_secret").read_text(encoding="ascii").strip()
        signed = yunjin(
            tmp_path / "data",
            "sign",
            first["id"],
            "--start",
            str(start),
            "--duration",
            str(end - start),
            env={"YUNJIN_TOKEN_SECRET": secret, "YUNJIN_PORT": str(port)},
        ).stdout.strip()
        assert signed.startswith(base)
        assert signed.endswith(window)
        playlist = m3u8.loads(httpx.get(signed, timeout=5).text)
        assert playlist.is_endlist
        # the rendered past and the live recording meet at a discontinuity
        assert any(s.discontinuity for s in playlist.segments)
        times = [s.program_date_time.timestamp() for s in playlist.segments]
        assert times == sorted(times)
        m3u = httpx.get(f"{base}/playlist.m3u", timeout=5).text
        assert m3u.count("#EXTINF") == 0  # no channel is free-to-air in the demo
        household = {"username": "demo001", "password": "demo1234", "output": "m3u8"}
        theirs = httpx.get(f"{base}/get.php", params=household, timeout=5).text
        assert theirs.count("#EXTINF") >= len(DEMO_CHANNELS)
        guide = httpx.get(f"{base}/api/v1/epg/now", timeout=5).json()["channels"]
        assert len(guide) == len(DEMO_CHANNELS)
        for entry in guide:  # a bilingual guide for every channel, now and next
            assert entry["now"]["titles"].keys() == {"zh", "en"}
            assert entry["next"]["start"] == entry["now"]["stop"]
        box = httpx.post(
            f"{base}/api/v1/auth/stb",
            timeout=5,
            json={"mac": "00:11:22:33:44:55", "serial": "YJ-DEMO-0001"},
        ).json()
        played = httpx.post(
            f"{base}/api/v1/play",
            json={"channel": "CCTV1.cn"},
            timeout=5,
            headers={"Authorization": f"Bearer {box['session']}"},
        ).json()
        assert httpx.get(played["url"], timeout=5).status_code == 200
        # the VOD titles are generated and queued for the demo's own worker
        wait_for(lambda: "generated titles queued" in log.read_text(), 180, "the demo's films")
        found = httpx.get(f"{base}/api/v1/vod/search", params={"q": "XMDYT"}, timeout=5).json()
        assert [t["code"] for t in found["titles"]] == ["xiongmao-yitian"]
        ffmpegs = children_of(demo.pid)
        assert ffmpegs
    finally:
        demo.send_signal(signal.SIGINT)
        code = demo.wait(30)
    assert code in (0, 130, -signal.SIGINT), log.read_text()[-2000:]
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in ffmpegs) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in ffmpegs if alive(pid)]
