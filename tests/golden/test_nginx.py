"""Golden nginx edge configuration, from a fixed :class:`EdgeConfig`, and ``nginx -t`` on it
when nginx is installed (``make test`` installs Debian's nginx-light; CI must have it)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Final

import pytest

from tests.golden.compare import Golden
from yunjin.delivery.nginx import EdgeConfig, render_nginx_config

RUNTIME: Final = Path("/run/yunjin-edge")
EDGE: Final = EdgeConfig(
    listen="127.0.0.1:8080",
    upstream="http://127.0.0.1:8000",
    archive_dir=Path("/srv/yunjin/archive"),
    secret="golden-edge-secret",
    runtime_dir=RUNTIME,
)
EDGE_WITH_VOD: Final = EdgeConfig(
    listen="8080",
    upstream="http://10.0.0.5:8000/",
    archive_dir=Path("/srv/yunjin/archive/"),
    secret="golden-edge-secret",
    runtime_dir=RUNTIME,
    vod_media_dir=Path("/srv/yunjin/vod/media"),
)


def _nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail("nginx is missing; make test installs Debian's nginx-light")
    pytest.skip("nginx is not installed (make test installs Debian's nginx-light)")


def nginx_accepts(config: str, folder: Path) -> None:
    """``nginx -t`` on ``config``, its pid, logs and temp files moved into ``folder``."""
    conf = folder / "nginx.conf"
    conf.write_text(config.replace(str(RUNTIME), str(folder)), encoding="utf-8")
    result = subprocess.run(
        [_nginx(), "-t", "-c", str(conf), "-p", str(folder), "-e", str(folder / "error.log")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("name", "edge"), [("edge", EDGE), ("edge-vod", EDGE_WITH_VOD)])
def test_edge_config(golden: Golden, tmp_path: Path, name: str, edge: EdgeConfig) -> None:
    config = render_nginx_config(edge)
    golden.check(f"nginx/{name}.conf", config.encode())
    nginx_accepts(config, tmp_path)
