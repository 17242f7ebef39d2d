"""Untrusted media: the containers a video may be, decided by its bytes, and the confined
children that read it (ADR 0028).

A video from outside — a citizen's tip, an upload, the watch folder — reaches ffmpeg only
as one of :data:`ALLOWED` (MP4/MOV, Matroska/WebM, MPEG-TS), recognised by the magic bytes
at its start (:func:`sniff`), never by its name. ffmpeg then opens it with that demuxer
pinned, so a playlist (HLS ``#EXTM3U``, ``ffconcat``, an ``image2`` pattern …) is never
read as one and never opens the files it names; the probe's report must name the same
demuxer. The probe runs in a child process (:func:`inspect_video`), the transcode too
(``vod.transcode`` with :class:`Limits`): each started by ``media.process`` under the
launcher's address-space and CPU-time limits, in a network namespace of its own where the
kernel allows one, and with ffmpeg's protocol whitelist at ``file``.
"""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from yunjin.i18n import both
from yunjin.media.process import Confinement, run
from yunjin.vod.probe import (
    PROBE_MESSAGES,
    MediaInfo,
    ProbeError,
    readable_size,
    ts_packet_size,
)

if TYPE_CHECKING:  # the probe's child imports this module: it starts without pydantic
    from yunjin.config import Settings

log = logging.getLogger(__name__)

# the folder that holds the ``yunjin`` package: the child (``-I``: no PYTHONPATH) finds it
# there whether Yunjin is installed or run from a checkout
PACKAGE_ROOT: Final = Path(__file__).resolve().parents[2]
CHILD: Final = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from yunjin.vod.probe_child import main; sys.exit(main(sys.argv[2:]))"
)
HEAD_BYTES: Final = 4096
ALLOWED_TEXT: Final = ("MP4, MOV, MKV, WebM or MPEG-TS", "MP4、MOV、MKV、WebM 或 MPEG-TS")
# what refusing codes a router answers 422 for, beside the probe's own
REFUSAL_CODES: Final = ("media_container_refused", "media_check_limit", "media_check_failed")
ISO_FIRST_BOXES: Final = frozenset({b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"})
EBML: Final = b"\x1a\x45\xdf\xa3"
# the CPU a transcode may use per second of source (4K HEVC on 2 cores is ~6), and a floor
TRANSCODE_CPU_PER_MEDIA_S: Final = 60
TRANSCODE_CPU_FLOOR_S: Final = 600


class Demuxer(StrEnum):
    """ffmpeg's demuxers of the allowed containers, by their short names."""

    MOV = "mov"  # ISO base media: MP4, MOV, M4V, 3GP
    MATROSKA = "matroska"  # Matroska and WebM
    MPEGTS = "mpegts"  # MPEG transport stream, M2TS


# what a refused file looks like, (en, zh-CN), by the key :func:`sniff` gives
FOUND: Final = {
    "hls": (
        "an HLS playlist (#EXTM3U) that names other files",
        "一个 HLS 播放列表（#EXTM3U），其中引用了其他文件",
    ),
    "ffconcat": (
        "an ffconcat list that names other files",
        "一个 ffconcat 列表，其中引用了其他文件",
    ),
    "markup": ("SVG, HTML or XML text", "SVG、HTML 或 XML 文本"),
    "data_uri": ("a data: URI", "一个 data: URI"),
    "text": ("text", "文本"),
    "image": ("a still image", "静态图片"),
    "other": ("in no container this server accepts", "本服务器不接受的封装格式"),
    "demuxer": ("read by ffmpeg as {demuxer}", "被 ffmpeg 识别为 {demuxer} 格式的文件"),
}
IMAGE_MAGIC: Final = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM")


def sniff(head: bytes) -> Demuxer | str:
    """The demuxer of an allowed container by the first bytes of a file, or the key of
    :data:`FOUND` that says what the file looks like instead."""
    if len(head) >= 8 and head[4:8] in ISO_FIRST_BOXES:
        return Demuxer.MOV
    if head.startswith(EBML):
        return Demuxer.MATROSKA
    if ts_packet_size(head):
        return Demuxer.MPEGTS
    return _looks_like(head)


def _looks_like(head: bytes) -> str:
    if head.startswith(IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"#extm3u"):
        return "hls"
    if text.startswith(b"ffconcat"):
        return "ffconcat"
    if text.startswith((b"<?xml", b"<svg", b"<!doctype", b"<html", b"<")):
        return "markup"
    if text.startswith(b"data:"):
        return "data_uri"
    if b"\x00" not in head and _decodes(head):
        return "text"
    return "other"


def _decodes(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:  # a character cut by the end of the head is fine
        return error.start >= len(head) - 3
    return True


def refused(name: str, found: str, **values: str) -> ProbeError:
    en, zh = FOUND[found]
    return ProbeError(
        "media_container_refused",
        name=name,
        found=en.format(**values),
        found_zh=zh.format(**values),
        allowed=ALLOWED_TEXT[0],
        allowed_zh=ALLOWED_TEXT[1],
    )


# -- confined children ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Limits:
    """What a child reading an untrusted file may use."""

    memory_mb: int  # address space
    cpu_s: int  # CPU time
    file_mb: int | None = None  # the largest file it may write; None: no limit
    wall_s: float | None = None  # wall-clock time, enforced by the parent

    @classmethod
    def for_probe(cls, settings: Settings) -> Limits:
        cpu = settings.media_probe_cpu_s
        return cls(settings.media_probe_memory_mb, cpu, file_mb=0, wall_s=2.0 * cpu + 10)

    @classmethod
    def for_transcode(cls, settings: Settings, duration_s: float) -> Limits:
        """CPU time in proportion to the source's (probed) duration, above a floor."""
        cpu = max(TRANSCODE_CPU_FLOOR_S, round(duration_s * TRANSCODE_CPU_PER_MEDIA_S))
        return cls(settings.media_transcode_memory_mb, cpu)

    @property
    def confinement(self) -> Confinement:
        """The launcher's terms for a child reading untrusted media: these, and no network."""
        return Confinement(self.memory_mb, self.cpu_s, self.file_mb, network=False)


def inspect_video(path: Path, limits: Limits, name: str | None = None) -> MediaInfo:
    """Probe an untrusted video: its container by its bytes, then the probe in a confined
    child with that demuxer pinned. :class:`ProbeError` when it is refused, either here
    (``media_container_refused``, ``media_check_limit``, ``media_check_failed``) or by the
    probe itself (``vod_truncated`` and the rest)."""
    shown = name or path.name
    readable_size(path)
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    found = sniff(head)
    if not isinstance(found, Demuxer):
        raise refused(shown, found)
    child = [sys.executable, "-I", "-B", "-c", CHILD, str(PACKAGE_ROOT), found.value, str(path)]
    try:
        completed = run(child, confinement=limits.confinement, timeout=limits.wall_s)
    except subprocess.TimeoutExpired:
        raise ProbeError("media_check_limit", name=shown, limit="time", limit_zh="时间") from None
    info = _answer(shown, completed)
    reported = info.container.split(",")[0]
    if reported != found.value:  # the child pins the demuxer: this never happens
        raise refused(shown, "demuxer", demuxer=reported)
    return info


def _answer(name: str, completed: subprocess.CompletedProcess[bytes]) -> MediaInfo:
    """What the child printed (``vod.probe_child``), or why it printed nothing usable."""
    status = completed.returncode
    if status in (-signal.SIGXCPU, -signal.SIGKILL):
        raise ProbeError("media_check_limit", name=name, limit="CPU time", limit_zh="CPU 时间")
    try:
        answer: dict[str, Any] = json.loads(completed.stdout) if status == 0 else {}
    except ValueError:
        answer = {}
    if answer.get("limit") == "memory":
        raise ProbeError("media_check_limit", name=name, limit="memory", limit_zh="内存")
    if "refused" in answer:
        raise _child_refusal(name, answer["refused"])
    if "info" in answer:
        try:
            return MediaInfo.from_json(answer["info"])
        except (TypeError, ValueError, KeyError, AttributeError):
            raise ProbeError("media_check_failed", name=name, detail="a malformed report") from None
    tail = completed.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
    detail = tail[0] if tail else _signal_name(status)
    log.warning("probe of %s failed (status %s): %s", name, status, detail)
    raise ProbeError("media_check_failed", name=name, detail=detail[:200])


def _signal_name(status: int) -> str:
    if status < 0:
        try:
            return f"stopped by {signal.Signals(-status).name}"
        except ValueError:
            pass
    return f"exit status {status}"


def _child_refusal(name: str, refusal: Any) -> ProbeError:
    """The probe's refusal as the child reported it; the child read an untrusted file, so
    only a code of the probe's own with plain values that fill its message is believed."""
    code = refusal.get("code") if isinstance(refusal, dict) else None
    values = refusal.get("values") if isinstance(refusal, dict) else None
    if code in PROBE_MESSAGES and isinstance(values, dict):
        plain = {str(k): v for k, v in values.items() if isinstance(v, str | int | float)}
        try:
            both(code, **plain)
        except (KeyError, IndexError, ValueError):
            pass
        else:
            return ProbeError(code, **plain)
    return ProbeError("media_check_failed", name=name, detail="a malformed report")
