"""AES-128: keys per channel-hour, segments encrypted at rest, key tags in playlists."""

from __future__ import annotations

import m3u8
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers import T0_MS, contiguous, index_of
from yunjin.archive.encryption import (
    ChannelKeys,
    decrypt_segment,
    encrypt_segment,
    hour_of_key,
)
from yunjin.archive.segment import HOUR_MS
from yunjin.archive.windows import archive_window, render_window


@given(st.binary(max_size=5000), st.integers(0, 2**64))
def test_encrypt_then_decrypt(data: bytes, seq: int) -> None:
    key = ChannelKeys("secret", "A.cn").key(500_000)
    sealed = encrypt_segment(data, key, seq)
    assert len(sealed) == (len(data) // 16 + 1) * 16
    assert decrypt_segment(sealed, key, seq) == data


def test_keys_differ_by_channel_hour_and_secret() -> None:
    keys = ChannelKeys("secret", "A.cn")
    assert keys.key(1) == ChannelKeys("secret", "A.cn").key(1)
    assert len(keys.key(1)) == 16
    assert (
        len(
            {
                keys.key(1),
                keys.key(2),
                ChannelKeys("secret", "B.cn").key(1),
                ChannelKeys("other", "A.cn").key(1),
            }
        )
        == 4
    )


def test_key_names() -> None:
    hour = T0_MS // HOUR_MS
    assert hour_of_key("2026111811.key") == hour
    for bad in ("2026111824.key", "../../x.key", "2026111811.bin", "20261118.key"):
        assert hour_of_key(bad) is None


def test_keyed_playlists_name_each_hours_key() -> None:
    segments = contiguous(3700)  # two hours and a bit, starting on the hour
    index = index_of(segments)
    window = archive_window(index, T0_MS + 30 * 60_000, 2 * 3_600_000, segments[-1].end_ms)
    parsed = m3u8.loads(render_window(index, window, keyed=True))
    uris = [key.uri for key in parsed.keys if key is not None]
    assert uris == ["keys/2026111811.key", "keys/2026111812.key", "keys/2026111813.key"]
    assert all(key.method == "AES-128" and key.iv is None for key in parsed.keys if key)
    assert parsed.segments[0].key.uri == "keys/2026111811.key"
    assert parsed.segments[-1].key.uri == "keys/2026111813.key"
    clear = m3u8.loads(render_window(index, window))
    assert [key for key in clear.keys if key is not None] == []
