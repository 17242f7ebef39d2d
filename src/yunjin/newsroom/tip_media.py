"""The photos and video of a citizen's tip, checked by their bytes before anything is kept.

A photo must be a JPEG or a PNG as Pillow reads it (the name and the declared type count
for nothing), at most :data:`MAX_PHOTO_BYTES` and :data:`MAX_PIXELS`, and whole (Pillow's
``verify``). A video must be in a container of ``vod.sandbox``'s allow-list by its bytes and
goes through the VOD pipeline's probe in a confined child: a playlist, a file that is not
a playable video, or a truncated one is refused with the reason. Files are
copied in with their size counted as they come, so a part larger than allowed stops at
the limit, and they land in a folder that the caller removes when anything fails.
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from PIL import Image, UnidentifiedImageError

from yunjin.i18n import register
from yunjin.newsroom.errors import NewsroomError
from yunjin.vod.assets import IngestError, safe_filename
from yunjin.vod.probe import ProbeError
from yunjin.vod.sandbox import Limits, inspect_video

MAX_PHOTOS: Final = 9
MAX_VIDEOS: Final = 1
MAX_PHOTO_BYTES: Final = 10 * 1024 * 1024
MAX_VIDEO_BYTES: Final = 300 * 1024 * 1024
MAX_PIXELS: Final = 50_000_000
PHOTO_TYPES: Final = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
CHUNK: Final = 1 << 20

register(
    {
        "newsroom_tip_not_photo": (
            "{name} is not a JPEG or PNG photo{found}.",
            "{name} 不是 JPEG 或 PNG 照片{found}。",
        ),
        "newsroom_tip_photo_broken": (
            "{name} is a damaged or incomplete image.",
            "{name} 是损坏或不完整的图片。",
        ),
        "newsroom_tip_file_too_large": (
            "{name} is larger than {limit} MB.",
            "{name} 超过 {limit} MB。",
        ),
        "newsroom_tip_photo_too_large": (
            "{name} has more than {limit} million pixels.",
            "{name} 超过 {limit} 百万像素。",
        ),
        "newsroom_tip_too_many_files": (
            "A tip has at most {photos} photos and {videos} video.",
            "一条爆料最多 {photos} 张照片和 {videos} 段视频。",
        ),
        "newsroom_tip_empty_file": ("{name} is empty.", "{name} 是空文件。"),
        "newsroom_tip_too_large": (
            "A tip with its files is at most {limit} MB and states its size (Content-Length).",
            "一条爆料连同文件最多 {limit} MB，且须声明大小（Content-Length）。",
        ),
    }
)


@dataclass(frozen=True, slots=True)
class CheckedMedia:
    """A file that passed its checks, where it was kept."""

    kind: str  # photo | video
    filename: str
    content_type: str
    size_bytes: int
    path: Path
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None


def keep(source: BinaryIO, filename: str, folder: Path, number: int, limit: int) -> Path:
    """Copy ``source`` into ``folder`` (as ``{number}-{name}``), refusing it past ``limit``
    bytes without reading further."""
    try:
        name = safe_filename(filename or f"file-{number}")
    except IngestError:
        name = f"file-{number}"
    target = folder / f"{number:02d}-{name}"
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise NewsroomError(
                    "newsroom_tip_file_too_large", name=name, limit=limit // (1024 * 1024)
                )
            out.write(chunk)
    if written == 0:
        raise NewsroomError("newsroom_tip_empty_file", name=name)
    return target


def check_photo(path: Path, shown_name: str) -> CheckedMedia:
    """A JPEG or PNG by its bytes, whole, of a sensible size."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                found = image.format or ""
                width, height = image.size
                if found not in PHOTO_TYPES:
                    raise NewsroomError(
                        "newsroom_tip_not_photo", name=shown_name, found=f" ({found})"
                    )
                if width * height > MAX_PIXELS:
                    raise NewsroomError(
                        "newsroom_tip_photo_too_large",
                        name=shown_name,
                        limit=MAX_PIXELS // 1_000_000,
                    )
                image.verify()
    except UnidentifiedImageError:
        raise NewsroomError("newsroom_tip_not_photo", name=shown_name, found="") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NewsroomError(
            "newsroom_tip_photo_too_large", name=shown_name, limit=MAX_PIXELS // 1_000_000
        ) from None
    except (OSError, SyntaxError, ValueError) as error:  # what Pillow raises for bad data
        if isinstance(error, NewsroomError):
            raise
        raise NewsroomError("newsroom_tip_photo_broken", name=shown_name) from None
    content_type, _ = PHOTO_TYPES[found]
    return CheckedMedia("photo", shown_name, content_type, path.stat().st_size, path, width, height)


def check_video(path: Path, shown_name: str, limits: Limits) -> CheckedMedia:
    """A playable video in an allowed container, by the VOD pipeline's confined probe;
    refused with the probe's reason."""
    try:
        info = inspect_video(path, limits, shown_name)
    except ProbeError as error:
        raise NewsroomError(error.code, **error.values) from None
    width, height = info.display_size
    container = info.container.split(",")[0] if info.container else "video"
    return CheckedMedia(
        "video",
        shown_name,
        _video_type(container),
        info.size_bytes,
        path,
        width,
        height,
        info.duration_s,
    )


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _video_type(container: str) -> str:
    return {
        "mov": "video/mp4",
        "mp4": "video/mp4",
        "matroska": "video/x-matroska",
        "webm": "video/webm",
        "mpegts": "video/mp2t",
    }.get(container, "application/octet-stream")
