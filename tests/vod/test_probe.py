"""Probing real files made by ffmpeg: what a source holds, and every kind of bad input."""

from __future__ import annotations

import re
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from yunjin.media.ffmpeg import ffmpeg_binary
from yunjin.vod.probe import MediaInfo, ProbeError, VideoRange, probe

CLIP_S = 3


def make(path: Path, *args: str) -> Path:
    """Run ffmpeg quietly with ``args`` writing ``path``."""
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-nostdin", "-y", *args, str(path)],
        check=True,
        timeout=60,
    )
    return path


def clip(path: Path, *extra: str, size: str = "320x240", seconds: int = CLIP_S) -> Path:
    """A test picture with a tone: H.264 + AAC, a keyframe every second."""
    return make(
        path,
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        str(seconds),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        "25",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-ac",
        "2",
        *extra,
    )


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("probe")


@pytest.fixture(scope="module")
def mp4(media: Path) -> Path:
    return clip(media / "good.mp4", "-metadata:s:a:0", "language=chi", "-movflags", "+faststart")


def cut(source: Path, target: Path, fraction: float) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


def refused(path: Path, code: str) -> ProbeError:
    with pytest.raises(ProbeError) as caught:
        probe(path)
    assert caught.value.code == code, caught.value
    messages = caught.value.messages()
    assert path.name in messages["en"]
    assert re.search(r"[\u4e00-\u9fff]", messages["zh-CN"]), messages["zh-CN"]
    assert "{" not in messages["en"] + messages["zh-CN"]
    return caught.value


def test_a_good_file_is_described(mp4: Path) -> None:
    info = probe(mp4)
    assert "mp4" in info.container
    assert info.duration_s == pytest.approx(CLIP_S, abs=0.1)
    assert (info.video_codec, info.width, info.height) == ("h264", 320, 240)
    assert info.frame_rate == 25.0
    assert (info.pix_fmt, info.bit_depth) == ("yuv420p", 8)
    assert info.video_profile
    assert info.size_bytes == mp4.stat().st_size
    assert info.display_size == (320, 240)
    assert info.video_range is VideoRange.SDR
    assert not info.hdr
    [track] = info.audio
    assert (track.codec, track.channels, track.sample_rate, track.language) == (
        "aac",
        2,
        48000,
        "chi",
    )
    assert info.main_audio == track
    assert MediaInfo.from_json(info.as_json()) == info


def test_other_containers_are_read(mp4: Path, media: Path) -> None:
    for suffix in ("ts", "mkv", "mov"):
        copy = make(media / f"copy.{suffix}", "-i", str(mp4), "-c", "copy")
        info = probe(copy)
        assert (info.width, info.height) == (320, 240)
        assert info.duration_s == pytest.approx(CLIP_S, abs=0.2)


def test_hdr_is_recognised_by_its_transfer_and_primaries(media: Path) -> None:
    pq = media / "pq.mp4"
    make(
        pq,
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=25",
        "-t",
        "1",
        "-vf",
        "setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc,"
        "format=yuv420p10le",
        "-c:v",
        "libx265",
        "-preset",
        "ultrafast",
        "-x265-params",
        "log-level=error",
    )
    info = probe(pq)
    assert (info.video_codec, info.bit_depth) == ("hevc", 10)
    assert (info.color_transfer, info.color_primaries, info.color_matrix) == (
        "smpte2084",
        "bt2020",
        "bt2020nc",
    )
    assert info.video_range is VideoRange.PQ
    assert info.hdr
    assert info.audio == ()
    assert info.main_audio is None


def test_rotation_and_anamorphic_pixels_give_the_shown_size(mp4: Path, media: Path) -> None:
    turned = make(media / "turned.mp4", "-display_rotation", "90", "-i", str(mp4), "-c", "copy")
    info = probe(turned)
    assert info.rotation in (90, 270)
    assert info.display_size == (240, 320)
    wide = clip(media / "wide.mp4", "-vf", "setsar=4/3", seconds=1)
    assert probe(wide).sample_aspect == Fraction(4, 3)
    assert probe(wide).display_size == (427, 240)


def test_a_text_file_named_mp4_is_not_media(media: Path) -> None:
    text = media / "notes.mp4"
    text.write_text("这不是视频 — just some notes\n" * 50)
    refused(text, "vod_not_media")


def test_an_empty_file_is_refused(media: Path) -> None:
    empty = media / "empty.mp4"
    empty.touch()
    refused(empty, "vod_empty_file")


def test_an_mp4_cut_in_its_media_data_is_truncated(mp4: Path, media: Path) -> None:
    error = refused(cut(mp4, media / "half.mp4", 0.5), "vod_truncated")
    assert "mdat" in str(error)


def test_an_mp4_cut_before_its_index_is_truncated(media: Path) -> None:
    moov_last = clip(media / "moov-last.mp4")  # no faststart: the index is written at the end
    refused(cut(moov_last, media / "no-index.mp4", 0.7), "vod_truncated")


def test_a_matroska_file_cut_short_is_truncated_by_its_declared_duration(
    mp4: Path, media: Path
) -> None:
    mkv = clip(media / "long.mkv", seconds=12)
    error = refused(cut(mkv, media / "short.mkv", 0.4), "vod_truncated")
    assert "declares 12.0 s" in str(error)


def test_a_transport_stream_cut_inside_a_packet_is_truncated(mp4: Path, media: Path) -> None:
    ts = make(media / "whole.ts", "-i", str(mp4), "-c", "copy")
    assert probe(ts).duration_s > 0
    size = ts.stat().st_size // 2 // 188 * 188 + 100
    partial = media / "partial.ts"
    partial.write_bytes(ts.read_bytes()[:size])
    refused(partial, "vod_truncated")


def test_audio_only_is_refused_as_having_no_video(media: Path) -> None:
    song = make(media / "song.m4a", "-f", "lavfi", "-i", "sine", "-t", "1", "-c:a", "aac")
    error = refused(song, "vod_no_video")
    assert "1 audio stream" in str(error)


def test_a_cover_picture_is_not_video(media: Path) -> None:
    cover = make(media / "cover.png", "-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1")
    song = make(
        media / "song.mp3",
        "-f",
        "lavfi",
        "-i",
        "sine",
        "-i",
        str(cover),
        "-map",
        "0",
        "-map",
        "1",
        "-t",
        "1",
        "-c:v",
        "png",
        "-disposition:v",
        "attached_pic",
    )
    error = refused(song, "vod_no_video")
    assert "cover picture" in str(error)
    still = media / "still.mp4"
    still.write_bytes(cover.read_bytes())
    refused(still, "vod_still_image")


def test_unreadable_paths_are_refused(media: Path) -> None:
    refused(media / "missing.mp4", "vod_unreadable")
    folder = media / "folder.mp4"
    folder.mkdir()
    refused(folder, "vod_unreadable")
