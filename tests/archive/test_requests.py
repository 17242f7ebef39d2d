"""The public playlist names and what is wrong with bad ones."""

from __future__ import annotations

import pytest

from yunjin.archive.requests import BadRequest, Catchup, Live, StartOver, parse_playlist_name

NOW = 1_795_000_000


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("index.m3u8", Live()),
        ("timeshift_rel-90.m3u8", Live(90)),
        (f"timeshift_abs-{NOW - 600}.m3u8", StartOver(NOW - 600)),
        (f"archive-{NOW - 3600}-1800.m3u8", Catchup(NOW - 3600, 1800)),
        (f"archive-{NOW - 3600}-now.m3u8", Catchup(NOW - 3600, None)),
    ],
)
def test_names(name: str, expected: object) -> None:
    assert parse_playlist_name(name, NOW) == expected


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("live.m3u8", "bad_playlist_name"),
        ("index.m3u", "bad_playlist_name"),
        ("archive-abc-60.m3u8", "bad_time"),
        (f"archive-{NOW}-x.m3u8", "bad_duration"),
        (f"archive-{NOW}-0.m3u8", "bad_duration"),
        (f"archive-{NOW}-99999999.m3u8", "bad_duration"),
        ("archive-12-60.m3u8", "bad_time"),
        (f"archive-{NOW + 200000}-60.m3u8", "bad_time"),
        ("timeshift_rel--5.m3u8", "bad_duration"),
        ("timeshift_abs-١٢٣.m3u8", "bad_time"),
        ("../../etc/passwd", "bad_playlist_name"),
    ],
)
def test_bad_names(name: str, code: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_playlist_name(name, NOW)
    assert caught.value.code == code
