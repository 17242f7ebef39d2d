"""Real transcodes of generated clips: the ladder on disk, played back by ffmpeg and m3u8."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import av
import m3u8
import pytest

from tests.conftest import alive, children_of
from tests.helpers import wait_for
from yunjin.media.ffmpeg import ffmpeg_binary
from yunjin.vod.ladder import Ladder, Rung, SegmentFormat, VideoCodec, choose_ladder
from yunjin.vod.probe import MediaInfo, VideoRange, probe
from yunjin.vod.transcode import (
    Progress,
    Rendered,
    TranscodeCancelled,
    TranscodeError,
    command,
    parse_progress,
    transcode,
)

CLIP_S = 7
NOWHERE = "/nonexistent/ffmpeg"  # a transcode that must not run ffmpeg fails with this


def make(path: Path, *args: str) -> Path:
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-nostdin", "-y", *args, str(path)], check=True, timeout=60
    )
    return path


def generated(path: Path, size: str, seconds: int, rate: int = 25, *video: str) -> Path:
    """testsrc2 with a 440 Hz tone; ``video`` replaces the default H.264 encoding."""
    encode = video or ("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p")
    return make(
        path,
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate={rate}",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        str(seconds),
        *encode,
        "-c:a",
        "aac",
    )


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MediaInfo]:
    path = generated(tmp_path_factory.mktemp("source") / "clip.mp4", "1280x720", CLIP_S)
    return path, probe(path)


def fast(info: MediaInfo) -> Ladder:
    return choose_ladder(info, h264_preset="ultrafast", hevc_preset="ultrafast")


def ffmpeg_children(parent: int | None = None) -> list[int]:
    found = []
    for pid in children_of(parent or os.getpid()):
        try:
            if Path(f"/proc/{pid}/comm").read_text().startswith("ffmpeg") and alive(pid):
                found.append(pid)
        except OSError:
            continue
    return found


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def attempts(out: Path) -> list[str]:
    """The work folders of transcodes into ``out`` (``.{name}.tmp-…`` beside it)."""
    return [name for name in leftovers(out.parent) if name.startswith(f".{out.name}.tmp-")]


def decodes_to_the_end(playlist: Path) -> None:
    result = subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-nostdin", "-i", str(playlist), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def test_a_720p_clip_becomes_an_aligned_three_rung_ladder(
    clip: tuple[Path, MediaInfo], tmp_path: Path
) -> None:
    source, info = clip
    out = tmp_path / "assets" / "clip"
    seen: list[Progress] = []
    rendered = transcode(
        source, info, fast(info), out, binary=ffmpeg_binary(), on_progress=seen.append
    )

    assert leftovers(out.parent) == ["clip"]  # no work folder, no lock file
    assert rendered == Rendered.load(out)
    assert rendered.duration_s == pytest.approx(CLIP_S, abs=0.1)
    assert [r.name for r in rendered.rungs] == ["360p-h264", "540p-h264", "720p-h264"]
    for name in ("master.m3u8", "manifest.json", "poster.jpg", "sprite.jpg", "sprite.vtt"):
        assert (out / name).is_file(), name

    master = m3u8.load(str(out / "master.m3u8"))
    assert master.is_variant
    assert "#EXT-X-INDEPENDENT-SEGMENTS" in (out / "master.m3u8").read_text()
    sizes = [(640, 360), (960, 540), (1280, 720)]
    targets = [896_000, 2_128_000, 3_128_000]  # video + audio kb/s of each rung
    timelines = []
    for variant, rung, size, target in zip(
        master.playlists, rendered.rungs, sizes, targets, strict=True
    ):
        stream = variant.stream_info
        assert variant.uri == f"{rung.name}/index.m3u8"
        assert stream.resolution == size
        assert stream.frame_rate == 25.0
        assert stream.codecs == rung.codecs
        video, audio = stream.codecs.split(",")
        assert re.fullmatch(r"avc1\.[0-9a-f]{6}", video)
        assert audio == "mp4a.40.2"
        assert 0.5 * target < stream.average_bandwidth <= stream.bandwidth < 2 * target
        media = m3u8.load(str(out / variant.uri))
        assert media.is_endlist
        assert media.playlist_type == "vod"
        assert all("/" not in segment.uri for segment in media.segments)  # relative URIs
        timelines.append([segment.duration for segment in media.segments])
        for segment in media.segments:
            with av.open(str(out / rung.name / segment.uri)) as container:
                first = next(container.demux(video=0))
                assert first.is_keyframe, f"{segment.uri} of {rung.name} starts without a keyframe"
        decodes_to_the_end(out / variant.uri)
    assert timelines[0] == timelines[1] == timelines[2]  # aligned: same count and lengths
    assert timelines[0][:-1] == [4.0] * (len(timelines[0]) - 1)

    with av.open(str(out / "poster.jpg")) as poster:
        assert poster.streams.video[0].codec_context.width == 1280
    cues = (out / "sprite.vtt").read_text().count("#xywh=")
    assert cues == len(rendered.thumbnails) == CLIP_S  # one a second for a short clip
    assert rendered.thumbnails[-1] == f"thumbs/{CLIP_S:05d}.jpg"
    with av.open(str(out / "sprite.jpg")) as sprite:
        context = sprite.streams.video[0].codec_context
        assert (context.width, context.height) == (160 * CLIP_S, 90)

    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert any(p.eta_s is not None and p.speed > 0 for p in seen)

    again = transcode(source, info, fast(info), out, binary=NOWHERE)  # done: no work at all
    assert again == rendered


def test_a_2160p_source_gets_a_hevc_rung_in_fmp4(tmp_path: Path) -> None:
    upscale = ("-vf", "scale=3840:2160:flags=neighbor", "-c:v", "libx264", "-preset", "ultrafast")
    source = generated(tmp_path / "uhd.mp4", "960x540", 2, 5, *upscale)  # 4K is slow here
    info = probe(source)
    full = fast(info)
    assert [r.name for r in full.rungs][-2:] == ["2160p-h264", "2160p-hevc"]
    # Only the smallest and the HEVC rung: the others are the same code, and 4K is slow here.
    ladder = dataclasses.replace(full, rungs=(full.rungs[0], full.rungs[-1]))
    out = tmp_path / "uhd"
    rendered = transcode(source, info, ladder, out, binary=ffmpeg_binary())

    hevc = rendered.rungs[-1]
    assert (hevc.name, hevc.container, hevc.codecs) == (
        "2160p-hevc",
        SegmentFormat.FMP4,
        "hvc1.1.6.L150.90,mp4a.40.2",
    )
    assert (out / "2160p-hevc" / "init.mp4").is_file()
    with av.open(str(out / hevc.playlist)) as container:
        video = container.streams.video[0].codec_context
        assert (video.name, video.width, video.height) == ("hevc", 3840, 2160)
    decodes_to_the_end(out / hevc.playlist)
    master = m3u8.load(str(out / "master.m3u8"))
    assert [p.uri for p in master.playlists] == ["360p-h264/index.m3u8", "2160p-hevc/index.m3u8"]


def test_hdr_is_tone_mapped_for_h264_and_kept_for_hevc(tmp_path: Path) -> None:
    source = generated(
        tmp_path / "pq.mp4",
        "640x360",
        1,
        25,
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
    info = probe(source)
    ladder = fast(info)
    assert ladder.tone_map
    hdr_rung = Rung(
        "360p-hevc", VideoCodec.HEVC, SegmentFormat.FMP4, 640, 360, 500, 96, 25.0, keeps_hdr=True
    )
    ladder = dataclasses.replace(ladder, rungs=(*ladder.rungs, hdr_rung))
    rendered = transcode(source, info, ladder, tmp_path / "pq", binary=ffmpeg_binary())

    sdr, hdr = rendered.rungs
    assert (sdr.video_range, hdr.video_range) == (VideoRange.SDR, VideoRange.PQ)
    assert hdr.codecs.startswith("hvc1.2.4.")  # Main 10
    assert "VIDEO-RANGE=PQ" in (tmp_path / "pq" / "master.m3u8").read_text()
    for rung, expected in (
        (sdr, ("bt709", "bt709", "yuv420p")),
        (hdr, ("smpte2084", "bt2020", "yuv420p10le")),
    ):
        with av.open(str(tmp_path / "pq" / rung.playlist)) as container:
            frame = next(container.decode(video=0))
            names = {1: "bt709", 9: "bt2020", 16: "smpte2084"}
            assert (
                names.get(int(frame.color_trc)),
                names.get(int(frame.color_primaries)),
                frame.format.name,
            ) == expected


def test_cancel_kills_ffmpeg_and_leaves_nothing(
    clip: tuple[Path, MediaInfo], tmp_path: Path
) -> None:
    source, info = clip
    out = tmp_path / "assets" / "clip"
    progressed = threading.Event()
    with pytest.raises(TranscodeCancelled) as caught:
        transcode(
            source,
            info,
            fast(info),
            out,
            binary=ffmpeg_binary(),
            on_progress=lambda _: progressed.set(),
            cancelled=progressed.is_set,
        )
    assert caught.value.code == "vod_transcode_cancelled"
    assert leftovers(out.parent) == []
    assert ffmpeg_children() == []


def test_a_failing_ffmpeg_reports_its_last_words(
    clip: tuple[Path, MediaInfo], tmp_path: Path
) -> None:
    _, info = clip
    fake = tmp_path / "fake.mp4"
    fake.write_text("not a video at all\n")
    with pytest.raises(TranscodeError) as caught:
        transcode(fake, info, fast(info), tmp_path / "out" / "fake", binary=ffmpeg_binary())
    assert caught.value.code == "vod_transcode_failed"
    assert "Invalid data" in str(caught.value.values["detail"])
    assert "转码失败" in caught.value.messages()["zh-CN"]
    assert leftovers(tmp_path / "out") == []


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs (needs root and a kernel that allows the mount; skipped otherwise)."""
    folder = tmp_path / "small"
    folder.mkdir()
    mount, umount = shutil.which("mount"), shutil.which("umount")
    if mount is None or umount is None:
        pytest.skip("no mount command")
    mounted = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=2m", "yunjin-test", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run([umount, "-l", str(folder)], check=False)


def test_a_full_disk_is_reported_and_the_work_folder_freed(
    clip: tuple[Path, MediaInfo], small_disk: Path
) -> None:
    source, info = clip
    with pytest.raises(TranscodeError) as caught:
        transcode(source, info, fast(info), small_disk / "clip", binary=ffmpeg_binary())
    assert caught.value.code == "vod_disk_full"
    assert "磁盘已满" in caught.value.messages()["zh-CN"]
    assert leftovers(small_disk) == []
    assert ffmpeg_children() == []


WORKER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from yunjin.media.ffmpeg import ffmpeg_binary
    from yunjin.vod.ladder import choose_ladder
    from yunjin.vod.probe import probe
    from yunjin.vod.transcode import transcode

    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    info = probe(source)
    slow = choose_ladder(info, h264_preset="veryslow")
    transcode(source, info, slow, out, binary=ffmpeg_binary())
    """
)


def test_ffmpeg_dies_with_a_killed_worker_and_a_retry_cleans_up(
    clip: tuple[Path, MediaInfo], tmp_path: Path
) -> None:
    source, info = clip
    out = tmp_path / "assets" / "clip"
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(source), str(out)])
    try:
        # the work folder first: ffmpeg_binary() may run `ffmpeg -version` before transcode()
        wait_for(lambda: attempts(out), 30, "the worker's work folder")
        [ffmpeg] = wait_for(lambda: ffmpeg_children(worker.pid), 30, "the worker's ffmpeg")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        wait_for(lambda: not alive(ffmpeg), 10, "ffmpeg to die with its parent")
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert attempts(out)  # the dead attempt's work folder is still there
    assert not out.exists()

    ladder = dataclasses.replace(fast(info), rungs=fast(info).rungs[:1])
    rendered = transcode(source, info, ladder, out, binary=ffmpeg_binary())
    assert [r.name for r in rendered.rungs] == ["360p-h264"]
    assert leftovers(out.parent) == ["clip"]  # the dead attempt's folder is gone


def test_a_second_worker_on_the_same_folder_waits_and_takes_the_result(
    clip: tuple[Path, MediaInfo], tmp_path: Path
) -> None:
    source, info = clip
    out = tmp_path / "clip"
    ladder = dataclasses.replace(fast(info), rungs=fast(info).rungs[:1])
    started = threading.Event()
    results: dict[str, Rendered] = {}

    def first() -> None:
        results["first"] = transcode(
            source, info, ladder, out, binary=ffmpeg_binary(), on_progress=lambda _: started.set()
        )

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert started.wait(30)
        results["second"] = transcode(source, info, ladder, out, binary=NOWHERE)
    finally:
        thread.join(60)
    assert results["second"] == results["first"]


def test_progress_blocks_are_parsed() -> None:
    block = {"out_time_us": "2500000", "fps": "48.5", "speed": "2.5x", "progress": "continue"}
    assert parse_progress(block, 10.0) == Progress(0.25, 48.5, 2.5, 3.0)
    early = {"out_time_us": "N/A", "fps": "0.00", "speed": "N/A", "progress": "continue"}
    assert parse_progress(early, 10.0) == Progress(0.0, 0.0, 0.0, None)
    assert parse_progress({"out_time_us": "9990000", "progress": "end"}, 10.0).fraction == 1.0


def test_an_unfinished_folder_is_not_a_rendition(tmp_path: Path) -> None:
    with pytest.raises(TranscodeError) as caught:
        Rendered.load(tmp_path)
    assert caught.value.code == "vod_rendition_missing"


def test_the_command_line_decodes_once_and_aligns_every_rung(clip: tuple[Path, MediaInfo]) -> None:
    source, info = clip
    uhd = dataclasses.replace(info, width=3840, height=2160)
    argv = command("ffmpeg", source, uhd, fast(uhd), Path("/work"), threads=2)
    assert argv.count("-i") == 1
    source_at = argv.index("-i")  # read by the probe's demuxer, pinned, opening no URL
    assert argv[source_at - 4 : source_at] == ["-protocol_whitelist", "file", "-f", "mov"]
    assert argv.count("-f") == 1 + 6  # and one HLS muxer per rung
    assert argv.count("expr:gte(t,n_forced*4)") == 6
    assert argv.count("-threads") == 7  # the decoder and six encoders
    graph = argv[argv.index("-filter_complex") + 1]
    assert graph.startswith("[0:0]split=8")  # six rungs, the poster, the thumbnails
    hevc = argv.index("libx265")
    assert argv[hevc : hevc + 5] == ["libx265", "-preset", "ultrafast", "-tag:v", "hvc1"]
    assert "/work/2160p-hevc/seg_%05d.m4s" in argv
    assert "/work/1080p-h264/seg_%05d.ts" in argv
