"""What a media file holds, read with PyAV; anything that is not a playable video is refused.

:func:`probe` returns a :class:`MediaInfo` (duration, container, the video stream's codec,
size, frame rate and colour, the audio tracks) or raises :class:`ProbeError` whose ``code``
names a bilingual message. A truncated file is found from its own structure, never from its
name: an MP4/MOV whose boxes run past the end of the file or that has no index (``moov``), a
transport stream that stops inside a packet, and any file whose last packets end well before
the duration its container declares, or whose last frames do not decode.
"""

from __future__ import annotations

import os
import stat
from dataclasses import asdict, dataclass
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any, Final

import av
import av.container
import av.error
import av.stream
import av.video.stream

from yunjin.i18n import Refusal, register

# How far before the declared end the truncation check starts reading, and how much shorter
# than declared the readable media may end (streams of a file rarely end together exactly).
TAIL_WINDOW_S: Final = 6.0
END_TOLERANCE_S: Final = 2.0
# Packets read from the start to find the first decodable picture; x264's default GOP is 250.
FIRST_FRAME_PACKETS: Final = 600
TS_PACKET_SIZES: Final = (188, 192, 204)
TS_HEAD_BYTES: Final = 204 * 4 + 4
LOCAL_ONLY: Final = {"protocol_whitelist": "file"}  # a playlist in a file opens no URL
ISO_TOP_LEVEL: Final = frozenset(
    {"ftyp", "styp", "moov", "mdat", "free", "skip", "wide", "uuid", "meta", "pdin", "moof"}
    | {"mfra", "sidx", "ssix", "prft", "emsg", "junk", "pnot", "PICT", "beam"}
)
STILL_IMAGE_FORMATS: Final = frozenset({"image2", "gif", "apng"})  # and every ``*_pipe``
STREAM_TYPES_ZH: Final = {"audio": "音频流", "subtitle": "字幕流", "data": "数据流"}
TEXT_FORMATS: Final = frozenset({"tty"})  # ANSI art: ffmpeg renders any .txt as "video"

# H.273 code points (what ffmpeg stores) for the colours that matter to a ladder
TRANSFERS: Final = {
    1: "bt709",
    4: "gamma22",
    5: "gamma28",
    6: "smpte170m",
    7: "smpte240m",
    8: "linear",
    13: "iec61966-2-1",
    14: "bt2020-10",
    15: "bt2020-12",
    16: "smpte2084",
    18: "arib-std-b67",
}
PRIMARIES: Final = {
    1: "bt709",
    4: "bt470m",
    5: "bt470bg",
    6: "smpte170m",
    7: "smpte240m",
    9: "bt2020",
    11: "smpte431",
    12: "smpte432",
}
MATRICES: Final = {1: "bt709", 5: "bt470bg", 6: "smpte170m", 9: "bt2020nc", 10: "bt2020c"}

PROBE_MESSAGES: dict[str, tuple[str, str]] = {
    # ``reason``/``reason_zh`` and ``found``/``found_zh`` are filled per language by this module
    "vod_unreadable": (
        "{name} cannot be read: {reason}.",
        "无法读取 {name}：{reason_zh}。",
    ),
    "vod_empty_file": (
        "{name} is empty (0 bytes): the upload or copy did not finish.",
        "{name} 是空文件（0 字节）：上传或复制未完成。",
    ),
    "vod_not_media": (
        "{name} is not a video file that ffmpeg can read: {reason}.",
        "{name} 不是 ffmpeg 能识别的视频文件：{reason_zh}。",
    ),
    "vod_still_image": (
        "{name} is a still image ({container}), not a video.",
        "{name} 是静态图片（{container}），不是视频。",
    ),
    "vod_no_video": (
        "{name} has no video stream; it holds {found}.",
        "{name} 没有视频流，只有 {found_zh}。",
    ),
    "vod_truncated": (
        "{name} is truncated: {reason}. Upload or copy the whole file again.",
        "{name} 不完整（被截断）：{reason_zh}。请重新上传或复制完整文件。",
    ),
    "vod_undecodable": (
        "The video of {name} ({codec}) cannot be decoded: {reason}.",
        "{name} 的视频（{codec}）无法解码：{reason_zh}。",
    ),
}
# Reasons inside those messages, (en, zh-CN) again
REASONS: dict[str, tuple[str, str]] = {
    "box_short": (
        "its '{box}' box needs {missing:,} bytes more than the file has",
        "其 '{box}' 数据块比文件实际多出 {missing:,} 字节",
    ),
    "header_short": ("it ends inside a box header", "文件在数据块头部中间结束"),
    "no_index": (
        "it has no 'moov' index (the encoder or the upload did not finish)",
        "缺少 'moov' 索引（编码或上传未完成）",
    ),
    "ts_packet": (
        "it stops in the middle of a transport packet",
        "文件在传输流分组中间结束",
    ),
    "ends_early": (
        "it declares {declared:.1f} s but its media stops at {end:.1f} s",
        "文件声明时长 {declared:.1f} 秒，但媒体数据在 {end:.1f} 秒处中断",
    ),
    "corrupt_tail": (
        "{count} of its last packets are incomplete",
        "最后有 {count} 个数据包不完整",
    ),
    "tail_unreadable": (
        "its last packets cannot be read ({detail})",
        "最后的数据包无法读取（{detail}）",
    ),
    "ffmpeg": ("{detail}", "{detail}"),
    "os": ("{detail}", "{detail}"),
    "not_file": ("it is not a regular file", "这不是普通文件"),
    "invalid_data": (
        "ffmpeg recognises no audio or video format in it",
        "ffmpeg 无法识别其中的音视频格式",
    ),
    "text": ("it is text", "这是文本文件"),
    "no_duration": ("it has no duration", "没有时长"),
    "no_picture": ("no picture in its first packets", "开头的数据包中没有可解码的画面"),
}
register(PROBE_MESSAGES)


class ProbeError(Refusal, ValueError):
    """A file refused as a VOD source; ``code`` names the message, ``values`` fill it."""


def _because(why: str, **values: object) -> dict[str, str]:
    """A reason in both languages, as the ``reason``/``reason_zh`` values of a message."""
    en, zh = REASONS[why]
    return {"reason": en.format(**values), "reason_zh": zh.format(**values)}


def _ffmpeg_reason(error: av.error.FFmpegError) -> dict[str, str]:
    if isinstance(error, av.error.InvalidDataError):
        return _because("invalid_data")
    return _because("ffmpeg", detail=(error.strerror or str(error)).rstrip("."))


class VideoRange(StrEnum):
    """The HLS ``VIDEO-RANGE`` of a picture: standard, or high dynamic range by its transfer."""

    SDR = "SDR"
    PQ = "PQ"  # SMPTE ST 2084, HDR10 and Dolby Vision's base
    HLG = "HLG"  # ARIB STD-B67, broadcast HDR


@dataclass(frozen=True, slots=True)
class AudioTrack:
    index: int  # the stream's index in the container, as ffmpeg's ``-map 0:N`` takes it
    codec: str
    channels: int
    sample_rate: int
    language: str | None  # as tagged (ISO 639-2, ``chi``, ``eng`` …); None when untagged
    default: bool


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """A probed source. ``width``/``height`` are the coded picture's; see ``display_size``."""

    size_bytes: int
    container: str  # ffmpeg's demuxer name, e.g. ``mov,mp4,m4a,3gp,3g2,mj2``
    duration_s: float
    video_index: int
    video_codec: str
    video_profile: str | None
    pix_fmt: str | None
    bit_depth: int
    width: int
    height: int
    sample_aspect: Fraction  # 1 for square pixels; 16:11 and the like for anamorphic SD
    rotation: int  # display rotation in degrees: 0, 90, 180 or 270
    frame_rate: float
    color_transfer: str | None
    color_primaries: str | None
    color_matrix: str | None
    audio: tuple[AudioTrack, ...]

    @property
    def video_range(self) -> VideoRange:
        if self.color_transfer == "smpte2084":
            return VideoRange.PQ
        if self.color_transfer == "arib-std-b67":
            return VideoRange.HLG
        return VideoRange.SDR

    @property
    def hdr(self) -> bool:
        """HDR transfer, or BT.2020 primaries (wide colour gamut), either needs conversion."""
        return self.video_range is not VideoRange.SDR or self.color_primaries == "bt2020"

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as shown: square pixels, rotation applied."""
        width = round(self.width * self.sample_aspect) if self.sample_aspect else self.width
        if self.rotation in (90, 270):
            return self.height, width
        return width, self.height

    @property
    def main_audio(self) -> AudioTrack | None:
        """The track a player starts with: the one marked default, else the first."""
        return next((t for t in self.audio if t.default), self.audio[0] if self.audio else None)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["sample_aspect"] = f"{self.sample_aspect.numerator}:{self.sample_aspect.denominator}"
        data["audio"] = [asdict(track) for track in self.audio]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MediaInfo:
        numerator, denominator = str(data["sample_aspect"]).split(":")
        return cls(
            **{
                **data,
                "sample_aspect": Fraction(int(numerator), int(denominator)),
                "audio": tuple(AudioTrack(**track) for track in data["audio"]),
            }
        )


def probe(path: Path, *, demuxer: str | None = None) -> MediaInfo:
    """Read what ``path`` holds, or raise :class:`ProbeError` saying why it is not usable.

    ``demuxer`` pins ffmpeg's demuxer (``mov``, ``matroska``, ``mpegts``) instead of letting
    it guess from the bytes and the name: an untrusted file is read by no other
    (``vod.sandbox``). Whatever the demuxer, it opens nothing but local files.
    """
    name = path.name
    size = readable_size(path)
    truncation = _iso_bmff_truncation(path)
    try:
        container = av.open(
            str(path), format=demuxer, metadata_errors="ignore", container_options=LOCAL_ONLY
        )
    except av.error.FFmpegError as error:
        if truncation:
            raise ProbeError("vod_truncated", name=name, **truncation) from error
        if isinstance(error, OSError) and not isinstance(error, av.error.InvalidDataError):
            raise ProbeError("vod_unreadable", name=name, **_ffmpeg_reason(error)) from error
        raise ProbeError("vod_not_media", name=name, **_ffmpeg_reason(error)) from error
    with container:
        if truncation:
            raise ProbeError("vod_truncated", name=name, **truncation)
        return _describe(path, container, size)


def readable_size(path: Path) -> int:
    """The size of a regular, readable, non-empty file; :class:`ProbeError` otherwise."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise ProbeError("vod_unreadable", name=path.name, **_because("not_file"))
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as error:
        detail = error.strerror or str(error)
        raise ProbeError(
            "vod_unreadable", name=path.name, **_because("os", detail=detail)
        ) from error
    if status.st_size == 0:
        raise ProbeError("vod_empty_file", name=path.name)
    return status.st_size


def _describe(path: Path, container: av.container.InputContainer, size: int) -> MediaInfo:
    name = path.name
    format_name = container.format.name
    videos = [
        stream
        for stream in container.streams.video
        if not stream.disposition & av.stream.Disposition.attached_pic
    ]
    if format_name in TEXT_FORMATS:
        raise ProbeError("vod_not_media", name=name, **_because("text"))
    if videos and (format_name in STILL_IMAGE_FORMATS or format_name.endswith("_pipe")):
        raise ProbeError("vod_still_image", name=name, container=format_name)
    if not videos:
        raise ProbeError("vod_no_video", name=name, **_what_else(container))
    video = videos[0]
    context = video.codec_context
    first = _first_frame(name, container, video)
    declared = _declared_duration(container, video)
    readable_end = _check_tail(name, container, video, declared)
    if format_name == "mpegts" and (packet := _ts_packet_size(path)) and size % packet:
        raise ProbeError("vod_truncated", name=name, **_because("ts_packet"))
    duration = declared if declared is not None else readable_end
    if duration <= 0:
        raise ProbeError("vod_not_media", name=name, **_because("no_duration"))
    pix_fmt = context.format.name if context.format is not None else None
    depth = context.format.components[0].bits if context.format is not None else 8
    rate = video.average_rate or video.guessed_rate or video.base_rate
    return MediaInfo(
        size_bytes=size,
        container=format_name,
        duration_s=round(duration, 3),
        video_index=video.index,
        video_codec=context.name,
        video_profile=context.profile,
        pix_fmt=pix_fmt,
        bit_depth=depth,
        width=context.width,
        height=context.height,
        sample_aspect=Fraction(video.sample_aspect_ratio or context.sample_aspect_ratio or 1),
        rotation=round(first.rotation) % 360,
        frame_rate=round(float(rate), 3) if rate else 0.0,
        color_transfer=TRANSFERS.get(int(first.color_trc)),
        color_primaries=PRIMARIES.get(int(first.color_primaries)),
        color_matrix=MATRICES.get(int(first.colorspace)),
        audio=tuple(
            AudioTrack(
                index=stream.index,
                codec=stream.codec_context.name,
                channels=stream.codec_context.layout.nb_channels,
                sample_rate=stream.codec_context.sample_rate,
                language=_language(stream.language),
                default=bool(stream.disposition & av.stream.Disposition.default),
            )
            for stream in container.streams.audio
        ),
    )


def _what_else(container: av.container.InputContainer) -> dict[str, str]:
    """What a file without video holds, as ``found``/``found_zh``."""
    kinds: dict[tuple[str, str], int] = {}
    for stream in container.streams:
        if stream.disposition & av.stream.Disposition.attached_pic:
            kind = ("cover picture", "封面图片")
        else:
            kind = (f"{stream.type} stream", STREAM_TYPES_ZH.get(stream.type, stream.type))
        kinds[kind] = kinds.get(kind, 0) + 1
    if not kinds:
        return {"found": "no streams at all", "found_zh": "任何流都没有"}
    return {
        "found": ", ".join(f"{n} {en}{'s' if n > 1 else ''}" for (en, _), n in kinds.items()),
        "found_zh": "、".join(f"{n} 个{zh}" for (_, zh), n in kinds.items()),
    }


def _language(tag: str | None) -> str | None:
    return None if not tag or tag == "und" else tag


def _first_frame(
    name: str, container: av.container.InputContainer, video: av.video.stream.VideoStream
) -> av.VideoFrame:
    """The first picture, decoded: proof the codec is readable, and its colour and rotation."""
    codec = video.codec_context.name
    reason = _because("no_picture")
    try:
        for count, packet in enumerate(container.demux(video)):
            if count >= FIRST_FRAME_PACKETS:
                break
            for frame in packet.decode():
                if isinstance(frame, av.VideoFrame):
                    return frame
    except av.error.FFmpegError as error:
        reason = _ffmpeg_reason(error)
    raise ProbeError("vod_undecodable", name=name, codec=codec, **reason)


def _declared_duration(
    container: av.container.InputContainer, video: av.video.stream.VideoStream
) -> float | None:
    if container.duration and container.duration > 0:
        return container.duration / av.time_base
    if video.duration and video.time_base:
        return float(video.duration * video.time_base)
    return None


def _check_tail(
    name: str,
    container: av.container.InputContainer,
    video: av.video.stream.VideoStream,
    declared: float | None,
) -> float:
    """Read the last seconds; the time where readable media ends.

    Every packet there is demuxed and the video's keyframes decoded (decoding every frame from
    the last keyframe would cost seconds on a 4K HEVC source). Raises ``vod_truncated`` when
    the media ends well short of ``declared``, or when the last packets are corrupt or fail.
    """
    start = container.start_time or 0
    target = max(0.0, declared - TAIL_WINDOW_S) if declared is not None else 0.0
    container.seek(start + int(target * av.time_base), backward=True)
    context = video.codec_context
    context.flush_buffers()
    context.skip_frame = "NONKEY"
    end = 0.0
    corrupt = 0
    try:
        for packet in container.demux():
            stamp = packet.pts if packet.pts is not None else packet.dts
            if stamp is None or packet.time_base is None:
                continue
            finish = float((stamp + (packet.duration or 0)) * packet.time_base) - start / 1e6
            end = max(end, finish)
            corrupt += packet.is_corrupt
            if packet.stream is video and packet.is_keyframe:
                packet.decode()
    except av.error.FFmpegError as error:
        detail = _ffmpeg_reason(error)["reason"]
        raise ProbeError(
            "vod_truncated", name=name, **_because("tail_unreadable", detail=detail)
        ) from error
    if corrupt:
        raise ProbeError("vod_truncated", name=name, **_because("corrupt_tail", count=corrupt))
    if declared is not None and end < declared - END_TOLERANCE_S:
        raise ProbeError(
            "vod_truncated", name=name, **_because("ends_early", declared=declared, end=end)
        )
    return end


def _ts_packet_size(path: Path) -> int | None:
    try:
        with path.open("rb") as handle:
            return ts_packet_size(handle.read(TS_HEAD_BYTES))
    except OSError:
        return None


def ts_packet_size(head: bytes) -> int | None:
    """188, 192 (M2TS, with a time code before each packet) or 204 (with FEC) by the sync
    bytes at the start of a file; None if it does not start like a transport stream."""
    for size in TS_PACKET_SIZES:
        for prefix in (0, 4):
            offsets = [prefix + size * n for n in range(4)]
            if all(offset < len(head) and head[offset] == 0x47 for offset in offsets):
                return size
    return None


def _iso_bmff_truncation(path: Path) -> dict[str, str] | None:
    """For an MP4/MOV (ISO base media) file, why its box structure is incomplete, or None.

    Walks the top-level boxes (size and type headers only). A box running past the end of the
    file, or no ``moov`` (the index, written last by most encoders), means the file was cut.
    Files that do not start like ISO BMFF give None.
    """
    seen: set[str] = set()
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            offset = 0
            while offset < size:
                handle.seek(offset)
                header = handle.read(16)
                kind = header[4:8].decode("latin-1")
                if len(header) < 8 or kind not in ISO_TOP_LEVEL:
                    return _because("header_short") if seen and len(header) < 8 else None
                box_size = int.from_bytes(header[:4], "big")
                if box_size == 1:
                    if len(header) < 16:
                        return _because("header_short")
                    box_size = int.from_bytes(header[8:16], "big")
                elif box_size == 0:  # "to the end of the file"
                    box_size = size - offset
                if box_size < 8:
                    return None
                seen.add(kind)
                if offset + box_size > size:
                    return _because("box_short", box=kind, missing=offset + box_size - size)
                offset += box_size
    except OSError:
        return None
    if seen and not seen & {"moov", "moof"}:
        return _because("no_index")
    return None
