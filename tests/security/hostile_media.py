"""Files an attacker uploads as media, made for the tests: playlists that name local
files, markup dressed as an image, a picture header that claims billions of pixels."""

from __future__ import annotations

import struct
import subprocess
import zlib
from pathlib import Path

from yunjin.media.ffmpeg import ffmpeg_binary


def local_segments(folder: Path, seconds: int = 12) -> list[Path]:
    """Transport-stream segments on the server's disk, as an archive holds them."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            ffmpeg_binary(),
            *("-hide_banner", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25"),
            *("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"),
            *("-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25"),
            *("-c:a", "aac", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod"),
            *("-hls_segment_filename", str(folder / "seg_%03d.ts"), str(folder / "index.m3u8")),
        ],
        check=True,
        timeout=120,
    )
    return sorted(folder.glob("seg_*.ts"))


def hls_naming(segments: list[Path]) -> bytes:
    """A VOD playlist whose segments are the server's own files, by absolute path."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:2", "#EXT-X-MEDIA-SEQUENCE:0"]
    lines.append("#EXT-X-PLAYLIST-TYPE:VOD")
    for segment in segments:
        lines += ["#EXTINF:2.000000,", str(segment)]
    return ("\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n").encode()


def ffconcat_naming(segments: list[Path]) -> bytes:
    return ("ffconcat version 1.0\n" + "".join(f"file '{s}'\n" for s in segments)).encode()


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    b'<script>fetch("/api/v1/admin/households")</script><rect width="64" height="64"/></svg>\n'
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"


def png_bomb(width: int, height: int) -> bytes:
    """A valid PNG whose header claims ``width`` × ``height`` pixels, in a few hundred bytes:
    one row of zeros compressed, repeated by nothing but the decoder's trust."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    pixels = zlib.compress(b"\x00" * (width + 1) * 64, 9)  # the first rows only
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
