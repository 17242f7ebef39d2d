"""An encrypted channel end to end: encrypted at rest, keys only for its token holders."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import m3u8
import pytest

from tests.conftest import Server, yunjin
from tests.helpers import decode, live_now, window_of
from yunjin.archive.encryption import ChannelKeys, decrypt_segment, hour_of_key
from yunjin.archive.playlist import key_file_name
from yunjin.archive.segment import parse_segment_name
from yunjin.delivery.tokens import sign

TOKEN_SECRET = "enc-token-secret"
KEY_SECRET = "enc-key-secret"
SMALL = "testsrc:?size=320x180&rate=25&kbps=200"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("encrypted")
    (data / "yunjin.toml").write_text(
        f'[yunjin]\ntoken_secret = "{TOKEN_SECRET}"\nencryption_secret = "{KEY_SECRET}"\n'
        "require_tokens = true\n",
        encoding="utf-8",
    )
    yunjin(
        data,
        "channel",
        "add",
        "--id",
        "E.cn",
        "--name",
        "E",
        "--number",
        "1",
        "--source",
        SMALL,
        "--encrypt",
    )
    yunjin(
        data, "channel", "add", "--id", "F.cn", "--name", "F", "--number", "2", "--source", SMALL
    )
    running = Server(data).start()
    running.wait_segments("E.cn", 6)
    yield running
    running.stop()


def test_segments_are_encrypted_at_rest(server: Server) -> None:
    archive = server.data / "archive" / "E.cn"
    files = sorted(p for p in archive.glob("*/*/*.ts") if parse_segment_name(p.name))
    assert files
    sealed = files[0].read_bytes()
    assert sealed[0] != 0x47 or sealed[188] != 0x47
    start_ms, _duration, seq, _run = (int(n) for n in files[0].stem.split("_"))
    clear = decrypt_segment(sealed, ChannelKeys(KEY_SECRET, "E.cn").key_at(start_ms), seq)
    assert clear[0] == clear[188] == 0x47


def test_an_entitled_token_decodes_a_catchup_window(server: Server) -> None:
    start = server.channel("E.cn")["archive"]["start"]
    window = window_of(start + 1, 4)
    prefix = sign(TOKEN_SECRET, "E.cn", window, int(time.time()) + 600).path
    url = f"{server.base}{prefix}/archive-{start + 1}-4.m3u8"
    playlist = m3u8.loads(httpx.get(url, timeout=10).text)
    assert playlist.keys[0] is not None
    assert playlist.keys[0].method == "AES-128"
    frames, _ = decode(url)
    assert frames >= 4 * 25 * 0.9
    # the window's token opens no key of another hour
    hour = hour_of_key(Path(playlist.keys[0].uri).name)
    assert hour is not None
    for elsewhere in (hour - 1, hour + 1):
        outside = httpx.get(f"{server.base}{prefix}/keys/{key_file_name(elsewhere)}", timeout=10)
        assert outside.status_code == 403
        assert outside.json()["error"]["code"] == "outside_grant"


def test_keys_are_refused_without_the_channels_token(server: Server) -> None:
    live = live_now()
    prefix = sign(TOKEN_SECRET, "E.cn", live, int(time.time()) + 600).path
    playlist = m3u8.loads(httpx.get(f"{server.base}{prefix}/index.m3u8", timeout=10).text)
    key_uri = playlist.keys[0].uri
    assert hour_of_key(Path(key_uri).name) is not None
    good = httpx.get(f"{server.base}{prefix}/{key_uri}", timeout=10)
    assert good.status_code == 200
    assert len(good.content) == 16
    other = sign(TOKEN_SECRET, "F.cn", live, int(time.time()) + 600).path.replace("F.cn", "E.cn")
    assert httpx.get(f"{server.base}{other}/{key_uri}", timeout=10).status_code == 403
    expired = sign(TOKEN_SECRET, "E.cn", live, int(time.time()) - 5).path
    assert httpx.get(f"{server.base}{expired}/{key_uri}", timeout=10).status_code == 410
    unsigned = httpx.get(f"{server.base}/hls/E.cn/{key_uri}", timeout=10)
    assert unsigned.status_code == 403
    assert unsigned.json()["error"]["code"] == "token_required"
