"""Uploads as an attacker crafts them: playlists that name the server's own files, markup
dressed as a picture, a picture header that claims billions of pixels, and probes that
would run away. Each is refused by its bytes, with a reason in both languages, and the
child that reads untrusted media is held by its limits and has no network.
"""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.helpers import run_async
from tests.security.hostile_media import (
    HTML,
    SVG,
    ffconcat_naming,
    hls_naming,
    local_segments,
    png_bomb,
)
from tests.vod.ingest_clips import FakeQueue, make_clip, seed_titles, settings_for
from yunjin.app import create_app
from yunjin.config import load_settings
from yunjin.db.engine import Database
from yunjin.db.models import NewsroomTip, NewsroomTipAttempt, VodAsset
from yunjin.media import process
from yunjin.media.ffmpeg import ffmpeg_binary
from yunjin.newsroom import library_files, tip_media, tips
from yunjin.newsroom.citizens import address_key
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.tenants import add_tenant
from yunjin.vod import sandbox
from yunjin.vod.assets import IngestError, IngestTarget, ingest_file
from yunjin.vod.probe import ProbeError
from yunjin.vod.sandbox import Demuxer, Limits, inspect_video, sniff

JINJIANG = "510104"
LIMITS = Limits(memory_mb=1024, cpu_s=30, file_mb=0, wall_s=60)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The server's own files (an archive's segments), and what names them."""
    root = tmp_path_factory.mktemp("hostile")
    segments = local_segments(root / "archive" / "CCTV1" / "2026" / "seg")
    made = {"good.mp4": make_clip(root / "good.mp4", seconds=2)}
    for name, data in {
        "playlist.m3u8": hls_naming(segments),
        "playlist-renamed.mp4": hls_naming(segments),
        "list.ffconcat": ffconcat_naming(segments),
        "list-renamed.mkv": ffconcat_naming(segments),
        "image.svg.mp4": SVG,
        "data.mp4": b"data:video/mp4;base64,AAAAIGZ0eXBpc29t\n",
    }.items():
        (root / name).write_bytes(data)
        made[name] = root / name
    made["segment.ts"] = segments[0]
    made["good.mkv"] = root / "good.mkv"
    copy = ["-i", str(made["good.mp4"]), "-c", "copy", str(made["good.mkv"])]
    subprocess.run([ffmpeg_binary(), "-loglevel", "error", "-y", *copy], check=True, timeout=60)
    return made


# -- the allow-list, by the bytes (pure) ---------------------------------------------------


def test_the_container_is_told_by_its_first_bytes(media: dict[str, Path]) -> None:
    head = {name: path.read_bytes()[:4096] for name, path in media.items()}
    assert sniff(head["good.mp4"]) is Demuxer.MOV
    assert sniff(head["good.mkv"]) is Demuxer.MATROSKA
    assert sniff(head["segment.ts"]) is Demuxer.MPEGTS
    assert sniff(head["playlist.m3u8"]) == sniff(head["playlist-renamed.mp4"]) == "hls"
    assert sniff(head["list.ffconcat"]) == sniff(head["list-renamed.mkv"]) == "ffconcat"
    assert sniff(head["image.svg.mp4"]) == sniff(HTML) == "markup"
    assert sniff(head["data.mp4"]) == "data_uri"
    assert sniff(b"\xef\xbb\xbf#EXTM3U\n") == "hls"  # a byte-order mark changes nothing
    assert sniff("字幕文件 / subtitles\n".encode() * 20) == "text"
    assert sniff(png_bomb(64, 64)) == "image"
    assert sniff(b"\x00\x01\x02\x03" * 64) == "other"


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("playlist.m3u8", "an HLS playlist"),
        ("playlist-renamed.mp4", "an HLS playlist"),
        ("list.ffconcat", "an ffconcat list"),
        ("list-renamed.mkv", "an ffconcat list"),
        ("image.svg.mp4", "SVG, HTML or XML"),
        ("data.mp4", "a data: URI"),
    ],
)
def test_an_indirection_is_refused_before_ffmpeg_sees_it(
    media: dict[str, Path], name: str, found: str
) -> None:
    with pytest.raises(ProbeError) as refused:
        inspect_video(media[name], LIMITS)
    assert refused.value.code == "media_container_refused"
    messages = refused.value.messages()
    assert found in messages["en"]
    assert "MP4, MOV, MKV, WebM or MPEG-TS" in messages["en"]
    assert name in messages["zh-CN"]
    assert "只接受 MP4、MOV、MKV、WebM 或 MPEG-TS 文件" in messages["zh-CN"]


def test_allowed_containers_are_probed_in_the_child(media: dict[str, Path]) -> None:
    for name, demuxer in (("good.mp4", "mov"), ("good.mkv", "matroska"), ("segment.ts", "mpegts")):
        info = inspect_video(media[name], LIMITS)
        assert (info.container, info.width) == (demuxer, 320), name
    assert inspect_video(media["good.mp4"], LIMITS).duration_s == pytest.approx(2, abs=0.1)


def test_the_probes_own_refusals_come_back_from_the_child(tmp_path: Path) -> None:
    good = make_clip(tmp_path / "whole.mp4", seconds=2).read_bytes()
    (tmp_path / "cut.mp4").write_bytes(good[: len(good) // 2])
    with pytest.raises(ProbeError) as refused:
        inspect_video(tmp_path / "cut.mp4", LIMITS)
    assert refused.value.code == "vod_truncated"
    assert "cut.mp4" in refused.value.messages()["zh-CN"]
    (tmp_path / "empty.mp4").touch()
    with pytest.raises(ProbeError, match="empty"):
        inspect_video(tmp_path / "empty.mp4", LIMITS)


def test_an_editors_ingest_never_transcodes_the_archive(
    media: dict[str, Path], tmp_path: Path
) -> None:
    """The second half of the attack: staff take the tip's "video" into VOD."""
    settings = settings_for(tmp_path / "data")
    db = Database(settings.database)
    seed_titles(db)
    queue = FakeQueue()
    try:
        for name in ("playlist.m3u8", "playlist-renamed.mp4", "list.ffconcat"):
            with pytest.raises(IngestError) as refused:
                ingest_file(settings, db, queue, media[name], IngestTarget("tip-1", "爆料"))
            assert refused.value.code == "media_container_refused"
        assert queue.codes == []
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(VodAsset)) == 0
    finally:
        db.close()


# -- the child's confinement -----------------------------------------------------------------


def run_confined(code: str, limits: Limits) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-I", "-S", "-c", code]
    ran = process.run(argv, confinement=limits.confinement, timeout=60)
    return subprocess.CompletedProcess(
        ran.args, ran.returncode, ran.stdout.decode(), ran.stderr.decode()
    )


def test_the_child_runs_out_of_memory_at_its_limit() -> None:
    ran = run_confined("b = bytearray(600 * 1024 * 1024)", Limits(memory_mb=256, cpu_s=10))
    assert ran.returncode != 0
    assert "MemoryError" in ran.stderr


def test_the_child_is_stopped_at_its_cpu_time() -> None:
    ran = run_confined("while True: pass", Limits(memory_mb=256, cpu_s=1))
    assert ran.returncode < 0  # SIGXCPU, or SIGKILL at the hard limit


def test_the_child_writes_no_file(tmp_path: Path) -> None:
    target = tmp_path / "written"
    code = f"with open({str(target)!r}, 'w') as f:\n    f.write('x')\n    f.flush()"
    ran = run_confined(code, Limits(256, 10, file_mb=0))
    assert ran.returncode != 0  # Python ignores SIGXFSZ: its write fails with EFBIG
    assert "File too large" in ran.stderr
    assert not target.exists() or target.stat().st_size == 0


def test_the_child_has_no_network() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        code = (
            "import socket\n"
            f"try: socket.create_connection(('127.0.0.1', {port}), timeout=5)\n"
            "except OSError as e: print('refused', e.errno)\n"
            "else: print('connected')\n"
        )
        ran = run_confined(code, Limits(memory_mb=256, cpu_s=10))
    if "connected" in ran.stdout and not Path("/proc/self/ns/user").exists():
        pytest.skip("this kernel offers no network namespaces")
    assert ran.stdout.startswith("refused"), ran.stdout + ran.stderr


def test_a_probe_that_runs_out_of_its_limits_is_refused(media: dict[str, Path]) -> None:
    with pytest.raises(ProbeError) as refused:
        inspect_video(media["good.mp4"], Limits(memory_mb=64, cpu_s=10, file_mb=0, wall_s=30))
    assert refused.value.code in ("media_check_limit", "media_check_failed")
    assert refused.value.messages()["zh-CN"]


@pytest.mark.parametrize(
    "report",
    [
        b'{"refused": {"code": "admin_required", "values": {}}}',  # not a probe's code
        b'{"refused": {"code": "vod_truncated", "values": {"name": "x"}}}',  # no reason
        b'{"info": {"width": "all of them"}}',
        b"not json",
    ],
)
def test_the_parent_believes_no_odd_report_from_the_child(report: bytes) -> None:
    """The child read an untrusted file: what it says is checked like any input."""
    completed = subprocess.CompletedProcess(["probe"], 0, stdout=report, stderr=b"")
    with pytest.raises(ProbeError) as refused:
        sandbox._answer("clip.mp4", completed)
    assert refused.value.code == "media_check_failed"
    assert "clip.mp4" in refused.value.messages()["zh-CN"]


def test_a_transcode_gets_cpu_in_proportion_to_its_source(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, media_transcode_memory_mb=4096)
    short, long = Limits.for_transcode(settings, 4), Limits.for_transcode(settings, 7200)
    assert (short.memory_mb, short.cpu_s) == (4096, 600)
    assert long.cpu_s == 7200 * 60


# -- pictures, by their bytes ----------------------------------------------------------------


def test_markup_dressed_as_a_photo_is_refused(tmp_path: Path) -> None:
    for index, data in enumerate((SVG, HTML)):
        path = tmp_path / f"{index}-photo.png"
        path.write_bytes(data)
        with pytest.raises(NewsroomError) as tip:
            tip_media.check_photo(path, "photo.png")
        assert tip.value.code == "newsroom_tip_not_photo"
        with pytest.raises(NewsroomError) as library:
            library_files.store_image(path, "photo.png", tmp_path / f"stored-{index}")
        assert library.value.code == "newsroom_media_not_image"


@pytest.mark.parametrize("side", [20_000, 100_000, 65_535 * 4])
def test_a_picture_claiming_billions_of_pixels_is_refused_unread(tmp_path: Path, side: int) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bomb(side, side))
    assert path.stat().st_size < 100_000
    with pytest.raises(NewsroomError) as tip:
        tip_media.check_photo(path, "bomb.png")
    assert tip.value.code == "newsroom_tip_photo_too_large"
    with pytest.raises(NewsroomError) as library:
        library_files.store_image(path, "bomb.png", tmp_path / "stored")
    assert library.value.code == "newsroom_media_too_many_pixels"
    assert list(tmp_path.glob("stored*")) == []


# -- the done-when: a tip whose video is a playlist ------------------------------------------


class Citizen:
    def __init__(self, app: Any) -> None:
        self.app = app

    def tip(
        self,
        files: list[tuple[str, tuple[str, bytes, str]]],
        address: str = "198.51.100.7",
        **headers: str,
    ) -> Any:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, client=(address, 4000))
            async with httpx.AsyncClient(transport=transport, base_url="http://yunjin") as c:
                data = {
                    "text": "东大街路灯坏了",
                    "contact_phone": "13800001234",
                    "region": JINJIANG,
                }
                return await c.post("/api/v1/tips", data=data, files=files, headers=headers)

        return run_async(go())


@pytest.fixture(scope="module")
def citizen(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Citizen]:
    app = create_app(load_settings(data_dir=tmp_path_factory.mktemp("tips"), record=False))
    with app.state.runtime.db.session() as session:
        for code in ("510000", "510100", JINJIANG):
            add_tenant(session, code)
    yield Citizen(app)
    app.state.runtime.db.close()


def tips_stored(citizen: Citizen) -> int:
    with citizen.app.state.runtime.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(NewsroomTip)) or 0)


def test_an_hls_playlist_sent_as_a_tips_video_is_refused_in_both_languages(
    citizen: Citizen, media: dict[str, Path]
) -> None:
    playlist = media["playlist.m3u8"].read_bytes()
    answer = citizen.tip([("video", ("street.m3u8", playlist, "video/mp4"))])
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "media_container_refused"
    assert "HLS playlist" in error["messages"]["en"]
    assert "HLS 播放列表" in error["messages"]["zh-CN"]
    zh = citizen.tip(
        [("video", ("street.mp4", playlist, "video/mp4"))], **{"Accept-Language": "zh-CN"}
    )
    assert zh.json()["error"]["message"] == zh.json()["error"]["messages"]["zh-CN"]
    assert tips_stored(citizen) == 0
    tips_dir = citizen.app.state.runtime.settings.data_dir / "newsroom" / "tips"
    assert not tips_dir.exists() or not any(p.is_file() for p in tips_dir.rglob("*"))


def test_a_real_video_and_photo_still_make_a_tip(citizen: Citizen, media: dict[str, Path]) -> None:
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 30)).save(photo, "JPEG")
    answer = citizen.tip(
        [
            ("photos", ("lamp.jpg", photo.getvalue(), "image/jpeg")),
            ("video", ("street.mp4", media["good.mp4"].read_bytes(), "video/mp4")),
        ]
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["media"] == 2


def test_refused_uploads_count_against_the_address_before_the_body_is_read(
    citizen: Citizen,
) -> None:
    address = "203.0.113.9"
    not_video = [("video", ("clip.mp4", b"not a video at all\n" * 100, "video/mp4"))]
    for _ in range(tips.ATTEMPTS_PER_HOUR):
        assert citizen.tip(not_video, address).status_code == 422
    read: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        read.append(1)
        yield b"x" * 1024

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=citizen.app, client=(address, 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://yunjin") as client:
            return await client.post(
                "/api/v1/tips",
                content=body(),
                headers={
                    "Content-Type": "multipart/form-data; boundary=x",
                    "Content-Length": "1024",
                },
            )

    limited = run_async(go())
    assert limited.status_code == 429, limited.text
    error = limited.json()["error"]
    assert error["code"] == "newsroom_rate_limited"
    assert "秒后再试" in error["messages"]["zh-CN"]
    assert read == []  # refused before a byte of the upload was read, let alone probed
    assert citizen.tip(not_video, "203.0.113.10").status_code == 422  # another address
    with citizen.app.state.runtime.db.session() as session:
        counted = session.scalar(
            select(func.count())
            .select_from(NewsroomTipAttempt)
            .where(NewsroomTipAttempt.client_key == address_key(address))
        )
    assert counted == tips.ATTEMPTS_PER_HOUR  # the refusal itself is not counted
