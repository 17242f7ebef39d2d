"""The files of a centre's media library, checked by their bytes before anything is kept.

An upload is copied into a folder of its own under ``newsroom/library/incoming/`` with its
size counted as it comes (refused past the limit without reading further); the caller
removes that folder whatever happens, so a refused or broken upload leaves nothing. A
name that holds a path, ``..`` or control characters is refused, not silently renamed.

An image must be a JPEG, PNG or WebP as Pillow reads it (the name and the declared type
count for nothing), whole, at most :data:`MAX_PIXELS`; it is then re-encoded (EXIF
orientation applied, metadata dropped): JPEG, or PNG when it has transparency. Videos are
checked by the VOD pipeline's own probe when they are ingested (``vod.assets.ingest_file``).
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from PIL import Image, ImageOps, UnidentifiedImageError

from yunjin.config import Settings
from yunjin.i18n import register
from yunjin.newsroom.errors import NewsroomError
from yunjin.vod.assets import IngestError, safe_filename

MAX_IMAGE_BYTES: Final = 20 * 1024 * 1024
MAX_VIDEO_BYTES: Final = 2 * 1024 * 1024 * 1024
MAX_PIXELS: Final = 40_000_000
MAX_SIDE: Final = 4096  # a stored image is at most this wide and high
IMAGE_FORMATS: Final = frozenset({"JPEG", "PNG", "WEBP"})
CHUNK: Final = 1 << 20
MB: Final = 1024 * 1024

register(
    {
        "newsroom_media_bad_filename": (
            "The file name {name!r} is not allowed: a name may not hold a path, '..' or "
            "control characters.",
            "文件名 {name!r} 无效：文件名不能包含路径、“..”或控制字符。",
        ),
        "newsroom_media_empty": (
            "{name} is empty (0 bytes): nothing was kept.",
            "{name} 是空文件（0 字节），未保存任何内容。",
        ),
        "newsroom_media_file_too_large": (
            "{name} is larger than {limit} MB.",
            "{name} 超过 {limit} MB。",
        ),
        "newsroom_media_not_image": (
            "{name} is not a JPEG, PNG or WebP image{found}.",
            "{name} 不是 JPEG、PNG 或 WebP 图片{found}。",
        ),
        "newsroom_media_image_broken": (
            "{name} is a damaged or incomplete image.",
            "{name} 是损坏或不完整的图片。",
        ),
        "newsroom_media_too_many_pixels": (
            "{name} has more than {limit} million pixels.",
            "{name} 超过 {limit} 百万像素。",
        ),
    }
)


@dataclass(frozen=True, slots=True)
class StoredImage:
    """An image that passed its checks, re-encoded where it is kept."""

    path: Path
    content_type: str
    extension: str
    size_bytes: int
    width: int
    height: int


def library_dir(settings: Settings) -> Path:
    return settings.data_dir / "newsroom" / "library"


def incoming_dir(settings: Settings) -> Path:
    """Where uploads are received before their checks; each in a folder of its own."""
    return library_dir(settings) / "incoming"


def images_dir(settings: Settings, tenant_code: str) -> Path:
    return library_dir(settings) / "images" / tenant_code


def checked_name(filename: str) -> str:
    """The name to keep for an uploaded file; a path, '..' or a control character is
    refused with a clear message."""
    try:
        return safe_filename(filename)
    except IngestError:
        raise NewsroomError("newsroom_media_bad_filename", name=filename[:80]) from None


def receive(source: BinaryIO, name: str, folder: Path, limit: int) -> Path:
    """Copy ``source`` to ``folder/name``, refusing it past ``limit`` bytes without reading
    further, and an empty one."""
    target = folder / name
    written = 0
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise NewsroomError("newsroom_media_file_too_large", name=name, limit=limit // MB)
            out.write(chunk)
    if written == 0:
        raise NewsroomError("newsroom_media_empty", name=name)
    return target


def store_image(source: Path, name: str, target: Path) -> StoredImage:
    """Check ``source`` and write it re-encoded to ``target`` (its extension chosen here:
    ``.jpg`` or ``.png``); refused with a clear reason otherwise."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as probe:
                found = probe.format or ""
                if found not in IMAGE_FORMATS:
                    raise NewsroomError("newsroom_media_not_image", name=name, found=f" ({found})")
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise NewsroomError(
                        "newsroom_media_too_many_pixels", name=name, limit=MAX_PIXELS // 1_000_000
                    )
                probe.verify()
            with Image.open(source) as image:  # verify() leaves the image unusable
                image.load()
                upright = ImageOps.exif_transpose(image)
                upright.thumbnail((MAX_SIDE, MAX_SIDE))
                return _write(upright, target)
    except UnidentifiedImageError:
        raise NewsroomError("newsroom_media_not_image", name=name, found="") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NewsroomError(
            "newsroom_media_too_many_pixels", name=name, limit=MAX_PIXELS // 1_000_000
        ) from None
    except (OSError, SyntaxError, ValueError) as error:  # what Pillow raises for bad data
        if isinstance(error, NewsroomError):
            raise
        raise NewsroomError("newsroom_media_image_broken", name=name) from None


def _write(image: Image.Image, target: Path) -> StoredImage:
    transparent = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if transparent:
        path, content_type, extension = target.with_suffix(".png"), "image/png", "png"
        image.convert("RGBA").save(path, "PNG", optimize=True)
    else:
        path, content_type, extension = target.with_suffix(".jpg"), "image/jpeg", "jpg"
        image.convert("RGB").save(path, "JPEG", quality=88, optimize=True)
    width, height = image.size
    return StoredImage(path, content_type, extension, path.stat().st_size, width, height)


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
