"""The master playlist each viewer gets: no 4K renditions without the right, H.264 first."""

from __future__ import annotations

import m3u8
from hypothesis import given
from hypothesis import strategies as st

from yunjin.vod.master import (
    best_h264,
    filter_master,
    for_viewer,
    is_uhd_rung,
    parse_master,
    render_master,
)

LADDER = """#EXTM3U
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-STREAM-INF:BANDWIDTH=11000000,AVERAGE-BANDWIDTH=9000000,CODECS="hvc1.2.4.L150.B0,mp4a.40.2",RESOLUTION=3840x2160,FRAME-RATE=25.000
2160p-hevc/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=800000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=25.000
360p-h264/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=6600000,AVERAGE-BANDWIDTH=6000000,CODECS="avc1.640028,mp4a.40.2",RESOLUTION=1920x1080,FRAME-RATE=25.000
1080p-h264/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=17000000,AVERAGE-BANDWIDTH=16000000,CODECS="avc1.640033,mp4a.40.2",RESOLUTION=3840x2160,FRAME-RATE=25.000
2160p-h264/index.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=300000,RESOLUTION=3840x2160,URI="2160p-h264/iframes.m3u8"
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,RESOLUTION=640x360,URI="360p-h264/iframes.m3u8"
"""


def _uris(text: str) -> list[str]:
    return [playlist.uri for playlist in m3u8.loads(text).playlists]


def test_without_the_4k_right_up_to_1080p_h264_first() -> None:
    text = filter_master(LADDER, uhd=False)
    assert _uris(text) == ["360p-h264/index.m3u8", "1080p-h264/index.m3u8"]
    assert [p.uri for p in m3u8.loads(text).iframe_playlists] == ["360p-h264/iframes.m3u8"]
    assert text.startswith("#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n")


def test_with_the_4k_right_every_rendition_h264_first() -> None:
    text = filter_master(LADDER, uhd=True)
    assert _uris(text) == [
        "360p-h264/index.m3u8",
        "1080p-h264/index.m3u8",
        "2160p-h264/index.m3u8",
        "2160p-hevc/index.m3u8",
    ]
    parsed = m3u8.loads(text).playlists
    assert parsed[-1].stream_info.codecs == "hvc1.2.4.L150.B0,mp4a.40.2"
    assert parsed[-1].stream_info.resolution == (3840, 2160)


def test_rung_names() -> None:
    for name in ("2160p-hevc", "2160p-h264", "1440p-h264", "1081p-h264", "4320p-hevc"):
        assert is_uhd_rung(name), name
    for name in ("1080p-h264", "360p-h264", "720p-hevc", "2160p", "2160p-../x", "02160p-h264"):
        assert not is_uhd_rung(name), name


def test_a_portrait_1080p_rendition_is_not_4k() -> None:
    portrait = (
        '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=5000000,CODECS="avc1.640028",'
        "RESOLUTION=1080x1920\n1080p-h264/index.m3u8\n"
    )
    assert _uris(filter_master(portrait, uhd=False)) == ["1080p-h264/index.m3u8"]


rungs = st.tuples(
    st.sampled_from([360, 540, 720, 1080, 1440, 2160]),
    st.sampled_from(["h264", "hevc"]),
    st.integers(100_000, 30_000_000),
)


def _master(ladder: list[tuple[int, str, int]]) -> str:
    lines = ["#EXTM3U", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for short, codec, bandwidth in ladder:
        codecs = "avc1.640028" if codec == "h264" else "hvc1.1.6.L120.90"
        lines += [
            f'#EXT-X-STREAM-INF:BANDWIDTH={bandwidth},CODECS="{codecs},mp4a.40.2",'
            f"RESOLUTION={short * 16 // 9}x{short}",
            f"{short}p-{codec}/index.m3u8",
        ]
    return "\n".join(lines) + "\n"


@given(st.lists(rungs, max_size=8, unique_by=lambda r: (r[0], r[1])), st.booleans())
def test_filtering_keeps_what_the_viewer_may_have_h264_first(
    ladder: list[tuple[int, str, int]], uhd: bool
) -> None:
    text = _master(ladder)
    assert render_master(parse_master(text)) == text
    seen = for_viewer(parse_master(text), uhd)
    expected = {f"{s}p-{c}/index.m3u8" for s, c, _ in ladder if uhd or s <= 1080}
    assert {v.uri for v in seen.variants} == expected
    codecs = [v.h264 for v in seen.variants]
    assert codecs == sorted(codecs, reverse=True)  # every H.264 variant before any other
    assert not any(v.uhd for v in seen.variants) or uhd
    assert len(m3u8.loads(render_master(seen)).playlists) == len(expected)


def test_the_best_h264_rendition_for_one_continuous_stream() -> None:
    hd = best_h264(parse_master(LADDER))
    assert hd is not None
    assert hd.uri == "1080p-h264/index.m3u8"
    uhd = best_h264(parse_master(LADDER), uhd=True)
    assert uhd is not None
    assert uhd.uri == "2160p-h264/index.m3u8"
    assert best_h264(parse_master("#EXTM3U\n")) is None
