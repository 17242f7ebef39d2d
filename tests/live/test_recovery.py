"""The recorder survives its ffmpeg dying, the server restarting, and never leaves orphans."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import m3u8
import pytest

from tests.conftest import Server, alive, children_of, yunjin
from tests.helpers import wait_for

SMALL = "testsrc:?size=320x180&rate=25&kbps=200"


def _add(data: Path, tvg_id: str, number: int, source: str = SMALL) -> None:
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
        source,
    )


def _all_segments(server: Server, tvg_id: str) -> m3u8.M3U8:
    archive = server.channel(tvg_id)["archive"]
    duration = archive["end"] - archive["start"] + 2
    response = server.get(f"/hls/{tvg_id}/archive-{archive['start']}-{duration}.m3u8")
    assert response.status_code == 200, response.text
    return m3u8.loads(response.text)


def test_killed_ffmpeg_is_restarted_and_the_gap_is_a_discontinuity(
    server_factory: type[Server], data_dir: Path
) -> None:
    _add(data_dir, "K.cn", 1)
    server = server_factory(data_dir).start()
    before = server.wait_segments("K.cn", 4)
    pid = before["recorder"]["pid"]
    os.kill(pid, signal.SIGKILL)
    after = wait_for(
        lambda: (
            (c := server.channel("K.cn"))["recorder"]["restarts"] >= 1
            and c["recorder"]["pid"] not in (None, pid)
            and c["archive"]["segments"] >= before["archive"]["segments"] + 4
            and c
        ),
        40,
        "recording to resume after ffmpeg was killed",
    )
    assert after["state"] == "recording"
    playlist = _all_segments(server, "K.cn")
    assert sum(1 for s in playlist.segments if s.discontinuity) >= 1
    for segment in playlist.segments:  # every listed segment is there
        response = httpx.head(f"{server.base}/hls/K.cn/{segment.uri}", timeout=5)
        assert response.status_code == 200, segment.uri
    times = [s.program_date_time.timestamp() for s in playlist.segments]
    assert times == sorted(times)


def test_a_failing_source_does_not_stop_the_others(
    server_factory: type[Server], data_dir: Path
) -> None:
    _add(data_dir, "OK.cn", 1)
    _add(data_dir, "BAD.cn", 2, "srt://127.0.0.1:9?mode=caller")
    server = server_factory(data_dir).start()
    bad = wait_for(
        lambda: (c := server.channel("BAD.cn"))["state"] == "error" and c,
        40,
        "the failing source to show as an error",
    )
    assert bad["recorder"]["last_error"]
    good = server.wait_segments("OK.cn", 4)
    assert good["state"] == "recording"


def test_restart_loses_no_segment(server_factory: type[Server], data_dir: Path) -> None:
    _add(data_dir, "R.cn", 1)
    server = server_factory(data_dir).start()
    server.wait_segments("R.cn", 5)
    before = [s.uri for s in _all_segments(server, "R.cn").segments]
    # uvicorn shuts down in order, then re-raises the signal as the exit status
    assert server.stop(signal.SIGTERM) in (0, -signal.SIGTERM)
    assert "stopped recording R.cn" in server.output()
    again = server_factory(data_dir, port=server.port).start()
    after = [s.uri for s in _all_segments(again, "R.cn").segments]
    assert before == after[: len(before)]
    # the segment ffmpeg was writing at SIGTERM was finished and kept as well
    assert len(after) > len(before)
    wait_for(
        lambda: len(_all_segments(again, "R.cn").segments) > len(after),
        20,
        "recording to continue after the restart",
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_no_ffmpeg_outlives_the_server(
    server_factory: type[Server], data_dir: Path, sig: int
) -> None:
    _add(data_dir, "O1.cn", 1)
    _add(data_dir, "O2.cn", 2)
    server = server_factory(data_dir).start()
    server.wait_segments("O1.cn", 1)
    server.wait_segments("O2.cn", 1)
    assert server.process is not None
    ffmpegs = [
        pid
        for pid in children_of(server.process.pid)
        if "ffmpeg" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="ignore")
    ]
    assert len(ffmpegs) == 2
    server.stop(sig)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in ffmpegs) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in ffmpegs if alive(pid)], f"orphaned ffmpeg after signal {sig}"
