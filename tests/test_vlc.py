"""VLC opens ``/playlist.m3u`` and plays a channel (issue #3's "done when"), with Debian's VLC.

VLC refuses to run as root, so as root it runs as ``nobody``. It records what it plays to a
file, which ffmpeg then decodes: VLC found the channel in the M3U and played its HLS.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import Server, yunjin
from tests.helpers import decode

CVLC = shutil.which("cvlc") or "/usr/bin/cvlc"
PLAY_S = 8


def _vlc_available() -> None:
    if os.access(CVLC, os.X_OK):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"VLC is missing at {CVLC}; make test installs Debian's vlc-bin")
    pytest.skip(f"VLC is not installed ({CVLC}); make test installs it")


def test_vlc_opens_the_m3u_and_plays_a_channel(
    server_factory: type[Server], data_dir: Path
) -> None:
    _vlc_available()
    yunjin(data_dir, "channel", "add", "--id", "A.cn", "--name", "频道一", "--number", "1",
           "--source", "testsrc:?size=320x180&rate=25&kbps=200")  # fmt: skip
    server = server_factory(data_dir).start()
    server.wait_segments("A.cn", 4)
    out_dir = Path(tempfile.mkdtemp(prefix="yunjin-vlc-"))
    out_dir.chmod(0o777)  # VLC runs as nobody
    recorded = out_dir / "played.ts"
    as_user = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
    try:
        result = subprocess.run(
            [*as_user, CVLC, "--intf", "dummy", "--no-video-title-show",
             "--run-time", str(PLAY_S), "--play-and-exit",
             "--sout", f"#std{{access=file,mux=ts,dst={recorded}}}",
             f"{server.base}/playlist.m3u", "vlc://quit"],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )  # fmt: skip
        assert recorded.exists(), result.stdout + result.stderr
        frames, log = decode(str(recorded))
        assert frames >= (PLAY_S - 3) * 25, (frames, log, result.stderr[-2000:])
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
