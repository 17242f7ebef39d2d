"""The ladder chosen for a source, the master playlist, bandwidths, codec strings, the VTT."""

from __future__ import annotations

import re
from fractions import Fraction

import m3u8
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yunjin.vod.ladder import (
    STEPS,
    SegmentFormat,
    SegmentSize,
    StreamInf,
    VideoCodec,
    aac_codec,
    annexb_units,
    avc1_codec,
    choose_ladder,
    hvc1_codec,
    parse_master,
    plan_images,
    playback_order,
    render_master,
    render_sprite_vtt,
    segment_bandwidth,
    video_kbps,
    vtt_time,
)
from yunjin.vod.probe import AudioTrack, MediaInfo, VideoRange


def source(
    width: int,
    height: int,
    *,
    rate: float = 25.0,
    sar: Fraction = Fraction(1),
    rotation: int = 0,
    transfer: str | None = None,
    primaries: str | None = None,
    duration: float = 120.0,
    audio: bool = True,
) -> MediaInfo:
    return MediaInfo(
        size_bytes=1_000_000,
        container="mov,mp4,m4a,3gp,3g2,mj2",
        duration_s=duration,
        video_index=0,
        video_codec="h264",
        video_profile="High",
        pix_fmt="yuv420p",
        bit_depth=8,
        width=width,
        height=height,
        sample_aspect=sar,
        rotation=rotation,
        frame_rate=rate,
        color_transfer=transfer,
        color_primaries=primaries,
        color_matrix=None,
        audio=(AudioTrack(1, "aac", 6, 48000, "chi", True),) if audio else (),
    )


def names(info: MediaInfo) -> list[str]:
    return [rung.name for rung in choose_ladder(info).rungs]


def sizes(info: MediaInfo) -> list[tuple[int, int]]:
    return [(rung.width, rung.height) for rung in choose_ladder(info).rungs]


def test_a_720p_source_gets_three_h264_rungs_in_mpegts() -> None:
    ladder = choose_ladder(source(1280, 720))
    assert [r.name for r in ladder.rungs] == ["360p-h264", "540p-h264", "720p-h264"]
    assert [(r.width, r.height) for r in ladder.rungs] == [(640, 360), (960, 540), (1280, 720)]
    assert {r.segments for r in ladder.rungs} == {SegmentFormat.MPEGTS}
    assert [r.video_kbps for r in ladder.rungs] == [800, 2000, 3000]
    assert ladder.audio_index == 1
    assert ladder.segment_s == 4


def test_a_1080p_source_stops_at_1080p() -> None:
    assert names(source(1920, 1080)) == ["360p-h264", "540p-h264", "720p-h264", "1080p-h264"]


def test_a_2160p_source_adds_2160p_h264_and_hevc_in_fmp4() -> None:
    ladder = choose_ladder(source(3840, 2160))
    assert [r.name for r in ladder.rungs][-3:] == ["1080p-h264", "2160p-h264", "2160p-hevc"]
    hevc = ladder.rungs[-1]
    assert (hevc.codec, hevc.segments, hevc.width, hevc.height) == (
        VideoCodec.HEVC,
        SegmentFormat.FMP4,
        3840,
        2160,
    )
    assert hevc.video_kbps < ladder.rungs[-2].video_kbps  # HEVC needs fewer bits
    assert not hevc.keeps_hdr


def test_dci_4k_and_slightly_cropped_uhd_count_as_2160p() -> None:
    assert sizes(source(4096, 2160))[-1] == (3840, 2024)
    assert names(source(3836, 2156))[-2:] == ["2160p-h264", "2160p-hevc"]
    assert sizes(source(3836, 2156))[-1] == (3836, 2156)  # within 5 %: its own size


def test_a_source_below_360p_gets_one_rung_at_its_own_even_size() -> None:
    ladder = choose_ladder(source(321, 241))
    assert [(r.name, r.width, r.height) for r in ladder.rungs] == [("240p-h264", 320, 240)]
    assert ladder.rungs[0].video_kbps < 800


def test_no_upscaling_and_widths_follow_the_aspect_ratio() -> None:
    assert sizes(source(1920, 800)) == [(640, 266), (960, 400), (1280, 534), (1920, 800)]
    assert sizes(source(1440, 1080)) == [(480, 360), (720, 540), (960, 720), (1440, 1080)]


def test_portrait_video_fits_portrait_boxes() -> None:
    assert sizes(source(1080, 1920)) == [(360, 640), (540, 960), (720, 1280), (1080, 1920)]
    assert sizes(source(1920, 1080, rotation=90))[-1] == (1080, 1920)


def test_anamorphic_pixels_are_made_square() -> None:
    pal_wide = source(720, 576, sar=Fraction(64, 45))  # shown as 1024×576
    assert sizes(pal_wide) == [(640, 360), (960, 540)]


def test_a_source_well_above_its_top_rung_keeps_its_own_size() -> None:
    assert names(source(854, 480)) == ["360p-h264", "480p-h264"]
    assert names(source(2560, 1440))[-2:] == ["1080p-h264", "1440p-h264"]
    assert names(source(7680, 4320))[-2:] == ["2160p-h264", "2160p-hevc"]  # no 8K H.264
    # named by the 16:9 box the size fits exactly, so never after a smaller rung
    assert names(source(540, 1568)) == ["360p-h264", "540p-h264", "720p-h264", "882p-h264"]


def test_high_frame_rates_are_halved_on_small_rungs_and_cost_more_bits() -> None:
    ladder = choose_ladder(source(1920, 1080, rate=50))
    assert [r.rate_divisor for r in ladder.rungs] == [2, 2, 1, 1]
    assert [r.frame_rate for r in ladder.rungs] == [25, 25, 50, 50]
    assert ladder.rungs[2].video_kbps == 4500  # 720p at 50 fps: 1.5 × 3000
    assert [r.rate_divisor for r in choose_ladder(source(1280, 720, rate=120)).rungs] == [4, 4, 2]


def test_hdr_sources_are_tone_mapped_for_h264_and_kept_in_hevc() -> None:
    pq = choose_ladder(source(3840, 2160, transfer="smpte2084", primaries="bt2020"))
    assert pq.tone_map
    assert pq.source_range is VideoRange.PQ
    assert [r.keeps_hdr for r in pq.rungs] == [False] * 5 + [True]
    hlg = choose_ladder(source(1920, 1080, transfer="arib-std-b67", primaries="bt2020"))
    assert hlg.tone_map
    assert not any(r.keeps_hdr for r in hlg.rungs)
    wide = choose_ladder(source(1920, 1080, transfer="bt2020-10", primaries="bt2020"))
    assert (wide.tone_map, wide.wide_gamut) == (False, True)


def test_a_silent_source_has_no_audio_stream_to_map() -> None:
    assert choose_ladder(source(1280, 720, audio=False)).audio_index is None


@given(
    width=st.integers(16, 8192),
    height=st.integers(16, 8192),
    sar=st.sampled_from([Fraction(1), Fraction(4, 3), Fraction(64, 45), Fraction(8, 9)]),
    rotation=st.sampled_from([0, 90, 180, 270]),
    rate=st.sampled_from([0.0, 23.976, 25.0, 29.97, 50.0, 59.94, 120.0]),
)
def test_every_ladder_is_sane(
    width: int, height: int, sar: Fraction, rotation: int, rate: float
) -> None:
    info = source(width, height, sar=sar, rotation=rotation, rate=rate)
    shown_w, shown_h = info.display_size
    ladder = choose_ladder(info)
    rungs = ladder.rungs
    assert rungs
    assert len({r.name for r in rungs}) == len(rungs)
    h264 = [r for r in rungs if r.codec is VideoCodec.H264]
    hevc = [r for r in rungs if r.codec is VideoCodec.HEVC]
    assert rungs[: len(h264)] == tuple(h264)  # H.264 first
    assert all(r.segments is SegmentFormat.MPEGTS for r in h264)
    assert all(r.segments is SegmentFormat.FMP4 and r.name == "2160p-hevc" for r in hevc)
    assert bool(hevc) == any(r.name == "2160p-h264" for r in h264)
    for rung in rungs:
        assert rung.width % 2 == 0
        assert rung.height % 2 == 0
        assert rung.width <= max(2, shown_w)  # never upscaled
        assert rung.height <= max(2, shown_h)
        if min(rung.width, rung.height) >= 64:  # aspect ratio kept within rounding
            assert abs(rung.width / rung.height - shown_w / shown_h) < 0.02 * shown_w / shown_h
        assert re.fullmatch(r"\d+p-(h264|hevc)", rung.name)
        assert rung.video_kbps >= 150
        assert rung.maxrate_kbps > rung.video_kbps
        assert rung.frame_rate <= 60.5
    pixels = [r.width * r.height for r in h264]
    assert pixels == sorted(pixels)


@given(st.integers(2, 4000), st.integers(2, 4000), st.integers(2, 4000), st.integers(2, 4000))
def test_bitrate_grows_with_picture_size(w1: int, h1: int, w2: int, h2: int) -> None:
    if w1 * h1 <= w2 * h2:
        assert video_kbps(w1, h1, False) <= video_kbps(w2, h2, False)
    assert video_kbps(w1, h1, True) >= video_kbps(w1, h1, False)


def test_the_table_is_the_documented_one() -> None:
    assert [(s.short, s.long, s.h264_kbps) for s in STEPS] == [
        (360, 640, 800),
        (540, 960, 2000),
        (720, 1280, 3000),
        (1080, 1920, 6000),
        (2160, 3840, 16000),
    ]


# -- images ---------------------------------------------------------------------------------


def test_image_plan_for_a_film_and_a_clip() -> None:
    film = plan_images(7200.0, 1920, 1080)
    assert (film.interval_s, film.capacity, film.columns, film.rows) == (10, 720, 10, 72)
    assert (film.poster_at_s, film.poster_width, film.poster_height) == (720.0, 1920, 1080)
    assert (film.tile_width, film.tile_height) == (160, 90)
    clip = plan_images(8.0, 3840, 2160)
    assert (clip.interval_s, clip.capacity, clip.columns, clip.rows) == (1, 8, 8, 1)
    assert (clip.poster_width, clip.poster_height) == (1920, 1080)
    assert (plan_images(60.0, 1080, 1920).tile_width, plan_images(60, 1080, 1920).tile_height) == (
        90,
        160,
    )


def test_sprite_vtt_points_at_each_tile() -> None:
    images = plan_images(25.0, 1280, 720)  # every 2 s, 13 tiles, 10 columns
    text = render_sprite_vtt(images, 13, 25.0, "sprite.jpg")
    assert text.startswith("WEBVTT\n\n")
    cues = re.findall(r"(\S+) --> (\S+)\n(\S+)", text)
    assert len(cues) == 13
    assert cues[0] == ("00:00:00.000", "00:00:02.000", "sprite.jpg#xywh=0,0,160,90")
    assert cues[9][2] == "sprite.jpg#xywh=1440,0,160,90"
    assert cues[10] == ("00:00:20.000", "00:00:22.000", "sprite.jpg#xywh=0,90,160,90")
    assert cues[-1][:2] == ("00:00:24.000", "00:00:25.000")


def test_vtt_times() -> None:
    assert vtt_time(0) == "00:00:00.000"
    assert vtt_time(3725.5) == "01:02:05.500"


# -- bandwidth ------------------------------------------------------------------------------


def test_peak_is_the_busiest_run_of_half_to_one_and_a_half_targets() -> None:
    segments = [SegmentSize(4.0, 500_000), SegmentSize(4.0, 1_500_000), SegmentSize(2.0, 100_000)]
    peak, average = segment_bandwidth(segments, 4)
    assert peak == 3_000_000  # the second segment alone: 12 Mb over 4 s
    assert average == 1_680_000  # 16.8 Mb over 10 s


def test_a_clip_shorter_than_half_a_target_has_its_average_as_peak() -> None:
    assert segment_bandwidth([SegmentSize(1.0, 1000)], 4) == (8000, 8000)
    assert segment_bandwidth([], 4) == (0, 0)


segment_lists = st.lists(
    st.builds(SegmentSize, st.floats(0.1, 4.0), st.integers(0, 5_000_000)), min_size=1
)


@given(segment_lists)
def test_peak_is_never_below_average(segments: list[SegmentSize]) -> None:
    peak, average = segment_bandwidth(segments, 4)
    assert peak >= average >= 0
    for segment in segments:
        if segment.duration_s >= 2.0:  # a run of its own
            assert peak >= int(8 * segment.size_bytes / segment.duration_s)


@given(st.integers(1, 30), st.floats(0.5, 4.0), st.integers(1, 3_000_000))
def test_a_constant_rate_gives_equal_peak_and_average(
    count: int, seconds: float, size: int
) -> None:
    peak, average = segment_bandwidth([SegmentSize(seconds, size)] * count, 4)
    assert abs(peak - average) <= 1


# -- codec strings --------------------------------------------------------------------------


def test_avc1_from_sps() -> None:
    assert avc1_codec(bytes.fromhex("6764001facd9")) == "avc1.64001f"
    assert avc1_codec(bytes.fromhex("6742c033da00f0")) == "avc1.42c033"
    with pytest.raises(ValueError, match="sequence parameter set"):
        avc1_codec(bytes.fromhex("68ce3c80"))


def test_annexb_units_split_on_three_and_four_byte_start_codes() -> None:
    stream = bytes.fromhex("0000000109f0 000000016742c033da 00000168ce3c8000 00000165888480")
    units = list(annexb_units(stream))
    assert [unit[0] & 0x1F for unit in units] == [9, 7, 8, 5]
    assert units[1] == bytes.fromhex("6742c033da")
    assert units[2] == bytes.fromhex("68ce3c80")


def test_hvc1_from_decoder_configuration() -> None:
    main = bytes.fromhex("01016000000090000000000096f000fcfdf8f800000f04")
    assert hvc1_codec(main) == "hvc1.1.6.L150.90"
    main10_high_tier = bytes.fromhex("01222000000090000000000099f000")
    assert hvc1_codec(main10_high_tier) == "hvc1.2.4.H153.90"
    no_constraints = bytes.fromhex("0101600000000000000000005df000")
    assert hvc1_codec(no_constraints, "hev1") == "hev1.1.6.L93"
    with pytest.raises(ValueError, match="HEVC"):
        hvc1_codec(b"\x00" * 23)


def test_aac_profiles() -> None:
    assert aac_codec("LC") == "mp4a.40.2"
    assert aac_codec(None) == "mp4a.40.2"
    assert aac_codec("HE-AAC") == "mp4a.40.5"


# -- master playlist ------------------------------------------------------------------------

variants = st.builds(
    StreamInf,
    uri=st.from_regex(r"[0-9]{3,4}p-(h264|hevc)/index\.m3u8", fullmatch=True),
    bandwidth=st.integers(1, 10**9),
    average_bandwidth=st.integers(1, 10**9),
    codecs=st.sampled_from(["avc1.64001f,mp4a.40.2", "avc1.42c01e", "hvc1.2.4.L153.B0,mp4a.40.2"]),
    width=st.integers(2, 8192),
    height=st.integers(2, 8192),
    frame_rate=st.integers(1, 120_000).map(lambda millis: millis / 1000),
    video_range=st.sampled_from(list(VideoRange)),
)


@given(st.lists(variants, min_size=1, max_size=8))
def test_master_round_trips(listed: list[StreamInf]) -> None:
    assert parse_master(render_master(listed)) == tuple(listed)


@given(st.lists(variants, min_size=1, max_size=8))
def test_master_reads_the_same_in_the_m3u8_library(listed: list[StreamInf]) -> None:
    text = render_master(listed)
    parsed = m3u8.loads(text)
    assert parsed.is_variant
    assert "#EXT-X-INDEPENDENT-SEGMENTS" in text.splitlines()
    for variant, playlist in zip(listed, parsed.playlists, strict=True):
        info = playlist.stream_info
        assert playlist.uri == variant.uri
        assert info.bandwidth == variant.bandwidth
        assert info.average_bandwidth == variant.average_bandwidth
        assert info.codecs == variant.codecs
        assert info.resolution == (variant.width, variant.height)
        assert info.frame_rate == pytest.approx(variant.frame_rate)


def test_master_lists_h264_first_then_by_bandwidth() -> None:
    def variant(uri: str, codecs: str, bandwidth: int) -> StreamInf:
        return StreamInf(uri, bandwidth, bandwidth, codecs, 1920, 1080, 25.0)

    ordered = playback_order(
        [
            variant("2160p-hevc/index.m3u8", "hvc1.1.6.L150.90,mp4a.40.2", 11_000_000),
            variant("1080p-h264/index.m3u8", "avc1.640028,mp4a.40.2", 6_000_000),
            variant("2160p-h264/index.m3u8", "avc1.640033,mp4a.40.2", 17_000_000),
            variant("360p-h264/index.m3u8", "avc1.64001e,mp4a.40.2", 900_000),
        ]
    )
    assert [v.uri.split("/")[0] for v in ordered] == [
        "360p-h264",
        "1080p-h264",
        "2160p-h264",
        "2160p-hevc",
    ]
    text = render_master(ordered)
    assert 'CODECS="hvc1.1.6.L150.90,mp4a.40.2",RESOLUTION=1920x1080,FRAME-RATE=25.000' in text
