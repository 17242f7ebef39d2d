"""Channel sources as an outsider meets them: credentials that must not reach a log line,
an error, the API or the CLI (``redact_source``), and a newsroom writer's live-event
source aimed at the operator's own hosts (SSRF), refused by address unless the operator
allows the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import Server, free_port, yunjin
from tests.helpers import wait_for
from yunjin.live.sources import redact_source, redact_text

JINJIANG = "510104"


# -- redaction (pure) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "http://user:pa%40ss@cdn.example.cn:8080/live/index.m3u8?token=abc&live_start_index=-1",
            "http://user:***@cdn.example.cn:8080/live/index.m3u8?token=***&live_start_index=-1",
        ),
        ("https://TOKEN123@cdn.example.cn/x.m3u8", "https://***@cdn.example.cn/x.m3u8"),
        (
            "udp://@239.1.1.1:5000?fifo_size=1000000&overrun_nonfatal=1",
            "udp://@239.1.1.1:5000?fifo_size=1000000&overrun_nonfatal=1",
        ),
        (
            "srt://10.0.0.5:9000?mode=caller&passphrase=secret123&streamid=live/abc",
            "srt://10.0.0.5:9000?mode=caller&passphrase=***&streamid=***",
        ),
        ("rtmp://live.example.cn/app/secret-key", "rtmp://live.example.cn/app/***"),
        ("rtmp://live.example.cn/app", "rtmp://live.example.cn/app"),
        ("http://[::1]:80/a?key=1#sig", "http://[::1]:80/a?key=***#***"),
        ("http://h:99999/x?token=1", "http://***"),  # unreadable: only its scheme
        ("testsrc:?size=640x360", "testsrc:?size=640x360"),
        ("/srv/media/film.ts", "/srv/media/film.ts"),
    ],
)
def test_a_source_is_shown_without_its_credentials(url: str, shown: str) -> None:
    assert redact_source(url) == shown


def test_urls_in_free_text_are_redacted() -> None:
    line = (
        "[error] Error opening input file http://u:SECRET@h/a.m3u8?token=T0KEN: "
        "Server returned 403 Forbidden (access denied)"
    )
    assert redact_text(line) == (
        "[error] Error opening input file http://u:***@h/a.m3u8?token=***: "
        "Server returned 403 Forbidden (access denied)"
    )


SECRETS = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=8, max_size=24)


@settings(max_examples=200, deadline=None)
@given(secret=SECRETS, shape=st.integers(min_value=0, max_value=5))
def test_no_secret_survives_redaction(secret: str, shape: int) -> None:
    url = [
        f"http://operator:{secret}@cdn.example.cn/live.m3u8",
        f"https://{secret}@cdn.example.cn/live.m3u8",
        f"https://cdn.example.cn/live.m3u8?expires=1&token={secret}",
        f"srt://1.2.3.4:9000?mode=caller&passphrase={secret}",
        f"rtmp://ingest.example.cn/live/{secret}",
        f"http://cdn.example.cn/live.m3u8#{secret}",
    ][shape]
    assert secret not in redact_source(url)
    assert secret not in redact_text(f"[error] {url}: Connection refused")


# -- end to end: what an operator and a client of the API see ------------------------------


def test_a_sources_credentials_reach_no_log_api_or_listing(
    server_factory: type[Server], data_dir: Path
) -> None:
    closed = free_port()  # nothing listens: ffmpeg fails and says so, naming its input
    source = f"http://operator:PASSW0RDX@127.0.0.1:{closed}/live.m3u8?token=T0KENXYZ"
    yunjin(data_dir, "channel", "add", "--id", "UP2.cn", "--name", "上游", "--number", "8",
           "--source", source)  # fmt: skip
    server = server_factory(data_dir).start()

    def failed() -> dict[str, Any] | None:
        channel = server.channel("UP2.cn")
        recorder = channel.get("recorder") or {}
        return channel if recorder.get("last_error") else None

    channel = wait_for(failed, 40, "the recorder to report its source's failure")
    listed = yunjin(data_dir, "channel", "list", env={"COLUMNS": "400"}).stdout  # no wrapping
    server.stop()
    for seen, where in (
        (str(channel), "/api/v1/channels"),
        (server.output(), "the server's log"),
        (listed, "yunjin channel list"),
    ):
        assert "PASSW0RDX" not in seen, where
        assert "T0KENXYZ" not in seen, where
    assert f"127.0.0.1:{closed}" in listed
