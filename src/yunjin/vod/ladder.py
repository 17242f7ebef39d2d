"""The adaptive ladder of a VOD source, and the master playlist of what was produced (pure).

:func:`choose_ladder` turns a probed source into a :class:`Ladder`: H.264 rungs in MPEG-TS
segments at 360p/540p/720p/1080p up to the source (never upscaled), a 2160p source adding
2160p H.264 and 2160p HEVC (fMP4 segments, RFC 8216 §3.3), and the plan for the poster and
the trick-play sprite. Once the transcoder has made the rungs, :func:`render_master` writes
the master playlist (RFC 8216 §4.3.4.2) from figures measured on the segments
(:func:`segment_bandwidth`) and codec strings read from the bitstreams (RFC 6381):
:func:`avc1_codec` from an H.264 SPS, :func:`hvc1_codec` from an HEVC ``hvcC`` record.
Nothing here reads a file or runs a process.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Final

from yunjin.vod.probe import MediaInfo, VideoRange

SEGMENT_S: Final = 4
H264_PRESET: Final = "veryfast"
HEVC_PRESET: Final = "ultrafast"
AAC_LC: Final = "mp4a.40.2"


class VideoCodec(StrEnum):
    H264 = "h264"
    HEVC = "hevc"


class SegmentFormat(StrEnum):
    MPEGTS = "mpegts"  # every set-top box plays it
    FMP4 = "fmp4"  # CMAF-style fragmented MP4: what HEVC in HLS needs


@dataclass(frozen=True, slots=True)
class Step:
    """A row of the bitrate table: a 16:9 box by its short side, and rates at ≤30 fps."""

    short: int
    h264_kbps: int
    hevc_kbps: int | None
    audio_kbps: int

    @property
    def long(self) -> int:
        return self.short * 16 // 9


# About 0.1 bit per pixel per frame at 720p30 for H.264, less as pictures grow; HEVC at about
# 60 % of H.264. Above 30 fps every video rate is 1.5×. AAC-LC stereo at 48 kHz.
STEPS: Final = (
    Step(360, 800, None, 96),
    Step(540, 2000, None, 128),
    Step(720, 3000, None, 128),
    Step(1080, 6000, None, 128),
    Step(2160, 16000, 10000, 160),
)
HIGH_RATE_FACTOR: Final = 1.5
MAXRATE_FACTOR: Final = 1.1  # capped VBR: -maxrate 110 % of the target, -bufsize 2× target
REACH: Final = 0.95  # a source within 5 % of a box gets that rung (at its own size)
NATIVE_ABOVE: Final = 1.5  # a source with 1.5× the pixels of its top rung gets its own size
MIN_VIDEO_KBPS: Final = 150

POSTER_AT: Final = 0.1
POSTER_BOX: Final = 1080  # short side of the poster's box
TILE_LONG: Final = 160  # trick-play tiles: 160×90 for 16:9
SPRITE_COLUMNS: Final = 10
MAX_THUMB_INTERVAL_S: Final = 10


@dataclass(frozen=True, slots=True)
class Rung:
    """One rendition to encode. ``rate_divisor`` 2 halves the source's frame rate."""

    name: str  # "720p-h264": the folder and the playlist's name
    codec: VideoCodec
    segments: SegmentFormat
    width: int
    height: int
    video_kbps: int
    audio_kbps: int
    frame_rate: float  # what the rung will have; 0 when the source's is unknown
    rate_divisor: int = 1
    keeps_hdr: bool = False  # the HEVC rung of an HDR source stays 10-bit PQ/HLG

    @property
    def maxrate_kbps(self) -> int:
        return round(self.video_kbps * MAXRATE_FACTOR)

    @property
    def bufsize_kbps(self) -> int:
        return self.video_kbps * 2


@dataclass(frozen=True, slots=True)
class Images:
    """The poster (one frame at ``poster_at_s``) and the trick-play thumbnails and sprite."""

    poster_at_s: float
    poster_width: int
    poster_height: int
    interval_s: int  # one thumbnail per interval, from 0
    capacity: int  # at most this many thumbnails: as many as the duration can give
    tile_width: int
    tile_height: int
    columns: int
    rows: int

    @property
    def sprite_width(self) -> int:
        return self.tile_width * self.columns

    @property
    def sprite_height(self) -> int:
        return self.tile_height * self.rows


@dataclass(frozen=True, slots=True)
class Ladder:
    """The plan of one transcode: the rungs, the images, segment length and presets."""

    rungs: tuple[Rung, ...]
    images: Images
    segment_s: int = SEGMENT_S
    audio_index: int | None = None  # the source's stream to encode, None for silent sources
    source_range: VideoRange = VideoRange.SDR
    wide_gamut: bool = False  # BT.2020 primaries: SDR rungs convert to BT.709
    h264_preset: str = H264_PRESET
    hevc_preset: str = HEVC_PRESET

    @property
    def tone_map(self) -> bool:
        """SDR rungs need HDR → SDR tone mapping (PQ or HLG source)."""
        return self.source_range is not VideoRange.SDR


def even(value: float) -> int:
    """The nearest even whole number, at least 2 (4:2:0 chroma needs even sizes)."""
    return max(2, 2 * round(value / 2))


def fit(width: int, height: int, short: int, long: int) -> tuple[int, int]:
    """``width``×``height`` scaled down (never up) into a box oriented like the picture."""
    landscape = width >= height
    box_w, box_h = (long, short) if landscape else (short, long)
    scale = min(1.0, box_w / width, box_h / height)
    return _even_within(width * scale, width), _even_within(height * scale, height)


def _even_within(value: float, limit: int) -> int:
    """:func:`even`, but not above ``limit`` rounded down to even (rounding never upscales)."""
    return min(even(value), max(2, limit - limit % 2))


def label(width: int, height: int) -> int:
    """The ``…p`` of a size: the height of the 16:9 box it fits exactly (800×1920 is 1080p)."""
    return max(min(width, height), round(max(width, height) * 9 / 16))


def reaches(width: int, height: int, step: Step) -> bool:
    """Whether the picture fills (nearly) the step's box in one dimension at least."""
    short, long = min(width, height), max(width, height)
    return short >= step.short * REACH or long >= step.long * REACH


def video_kbps(width: int, height: int, high_rate: bool) -> int:
    """The H.264 rate for a picture size: the table, linear in pixels between its rows."""
    pixels = width * height
    points = [(s.short * s.long, s.h264_kbps) for s in STEPS]
    rate: float
    if pixels <= points[0][0]:
        rate = points[0][1] * pixels / points[0][0]
    elif pixels >= points[-1][0]:
        rate = points[-1][1] * pixels / points[-1][0]
    else:
        (p0, r0), (p1, r1) = next((a, b) for a, b in pairwise(points) if b[0] >= pixels)
        rate = r0 + (r1 - r0) * (pixels - p0) / (p1 - p0)
    if high_rate:
        rate *= HIGH_RATE_FACTOR
    return max(MIN_VIDEO_KBPS, round(rate))


def rate_divisor(frame_rate: float, short: int) -> int:
    """Halve rates above 60 fps, and above 30 fps for rungs of 540p and less."""
    divisor = 1
    while frame_rate / divisor > 60.5:
        divisor *= 2
    if short <= 540 and frame_rate / divisor > 30.5:
        divisor *= 2
    return divisor


def choose_ladder(
    info: MediaInfo,
    *,
    segment_s: int = SEGMENT_S,
    h264_preset: str = H264_PRESET,
    hevc_preset: str = HEVC_PRESET,
) -> Ladder:
    """The rungs for a source, smallest first, H.264 before HEVC."""
    width, height = info.display_size
    rungs: list[Rung] = []
    for step in STEPS:
        if not reaches(width, height, step):
            continue
        size = fit(width, height, step.short, step.long)
        rungs.append(_rung(info, step.short, size, VideoCodec.H264, step.audio_kbps))
    top = rungs[-1] if rungs else None
    uhd = STEPS[-1]
    below_uhd = not reaches(width, height, uhd)
    if top is None or (below_uhd and width * height >= NATIVE_ABOVE * top.width * top.height):
        size = (_even_within(width, width), _even_within(height, height))
        audio = STEPS[0].audio_kbps if top is None else top.audio_kbps
        rungs.append(_rung(info, label(*size), size, VideoCodec.H264, audio))
    if not below_uhd:
        size = fit(width, height, uhd.short, uhd.long)
        rung = _rung(info, uhd.short, size, VideoCodec.HEVC, uhd.audio_kbps)
        rungs.append(rung)
    return Ladder(
        rungs=tuple(rungs),
        images=plan_images(info.duration_s, width, height),
        segment_s=segment_s,
        audio_index=info.main_audio.index if info.main_audio else None,
        source_range=info.video_range,
        wide_gamut=info.color_primaries == "bt2020",
        h264_preset=h264_preset,
        hevc_preset=hevc_preset,
    )


def _rung(
    info: MediaInfo, short: int, size: tuple[int, int], codec: VideoCodec, audio_kbps: int
) -> Rung:
    """A rung named ``{short}p-{codec}``: the step's short side, or the label of a size."""
    divisor = rate_divisor(info.frame_rate, short)
    high_rate = info.frame_rate / divisor > 30.5
    kbps = video_kbps(*size, high_rate)
    if codec is VideoCodec.HEVC:
        hevc = STEPS[-1].hevc_kbps or kbps
        kbps = max(MIN_VIDEO_KBPS, round(kbps * hevc / STEPS[-1].h264_kbps))
    return Rung(
        name=f"{short}p-{codec.value}",
        codec=codec,
        segments=SegmentFormat.FMP4 if codec is VideoCodec.HEVC else SegmentFormat.MPEGTS,
        width=size[0],
        height=size[1],
        video_kbps=kbps,
        audio_kbps=audio_kbps,
        frame_rate=round(info.frame_rate / divisor, 3),
        rate_divisor=divisor,
        keeps_hdr=codec is VideoCodec.HEVC and info.video_range is not VideoRange.SDR,
    )


def plan_images(duration_s: float, width: int, height: int) -> Images:
    """A poster 10 % in; a thumbnail every 10 s (more often for clips under 100 s)."""
    interval = max(1, min(MAX_THUMB_INTERVAL_S, math.floor(duration_s / 10)))
    capacity = max(1, math.ceil(duration_s / interval))  # at 0, interval, … before the end
    poster = fit(width, height, POSTER_BOX, POSTER_BOX * 16 // 9)
    tile = fit(width, height, TILE_LONG * 9 // 16, TILE_LONG)
    columns = min(SPRITE_COLUMNS, capacity)
    return Images(
        poster_at_s=round(duration_s * POSTER_AT, 3),
        poster_width=poster[0],
        poster_height=poster[1],
        interval_s=interval,
        capacity=capacity,
        tile_width=tile[0],
        tile_height=tile[1],
        columns=columns,
        rows=math.ceil(capacity / columns),
    )


# -- what was produced ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StreamInf:
    """A variant of the master playlist: ``#EXT-X-STREAM-INF`` and its URI (§4.3.4.2)."""

    uri: str
    bandwidth: int  # peak segment bit rate, bits/s
    average_bandwidth: int
    codecs: str
    width: int
    height: int
    frame_rate: float
    video_range: VideoRange = VideoRange.SDR


def render_master(variants: Sequence[StreamInf]) -> str:
    """The master playlist, variants in the order given (see :func:`playback_order`)."""
    lines = ["#EXTM3U", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for variant in variants:
        attributes = [
            f"BANDWIDTH={variant.bandwidth}",
            f"AVERAGE-BANDWIDTH={variant.average_bandwidth}",
            f'CODECS="{variant.codecs}"',
            f"RESOLUTION={variant.width}x{variant.height}",
            f"FRAME-RATE={variant.frame_rate:.3f}",
        ]
        if variant.video_range is not VideoRange.SDR:
            attributes.append(f"VIDEO-RANGE={variant.video_range.value}")
        lines += [f"#EXT-X-STREAM-INF:{','.join(attributes)}", variant.uri]
    return "\n".join(lines) + "\n"


_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def parse_master(text: str) -> tuple[StreamInf, ...]:
    """The variants of a master playlist as :func:`render_master` writes them."""
    variants: list[StreamInf] = []
    lines = iter(line.strip() for line in text.splitlines())
    for line in lines:
        if not line.startswith("#EXT-X-STREAM-INF:"):
            continue
        values = {k: v.strip('"') for k, v in _ATTRIBUTE.findall(line.split(":", 1)[1])}
        uri = next(u for u in lines if u and not u.startswith("#"))
        width, height = values["RESOLUTION"].split("x")
        variants.append(
            StreamInf(
                uri=uri,
                bandwidth=int(values["BANDWIDTH"]),
                average_bandwidth=int(values["AVERAGE-BANDWIDTH"]),
                codecs=values["CODECS"],
                width=int(width),
                height=int(height),
                frame_rate=float(values["FRAME-RATE"]),
                video_range=VideoRange(values.get("VIDEO-RANGE", "SDR")),
            )
        )
    return tuple(variants)


def playback_order(variants: Iterable[StreamInf]) -> list[StreamInf]:
    """Master-playlist order: H.264 variants first, each group by bandwidth.

    Players without HEVC (Chromium's MSE, older boxes) skip the ``hvc1`` variants; players
    that take the first listed variant to start with start on H.264.
    """
    return sorted(variants, key=lambda v: (v.codecs.startswith(("hvc1", "hev1")), v.bandwidth))


@dataclass(frozen=True, slots=True)
class SegmentSize:
    duration_s: float
    size_bytes: int


def segment_bandwidth(segments: Sequence[SegmentSize], target_s: int) -> tuple[int, int]:
    """``(BANDWIDTH, AVERAGE-BANDWIDTH)`` in bits/s of a finished media playlist.

    RFC 8216 §4.3.4.2: the peak is the largest bit rate of any run of consecutive segments
    lasting 0.5 to 1.5 target durations; the average is all bits over all seconds. The peak is
    never below the average (a clip shorter than half a target duration has no such run).
    """
    total_s = sum(s.duration_s for s in segments)
    if total_s <= 0:
        return 0, 0
    average = math.ceil(8 * sum(s.size_bytes for s in segments) / total_s)
    peak = average
    for first in range(len(segments)):
        seconds, size = 0.0, 0
        for segment in segments[first:]:
            seconds += segment.duration_s
            size += segment.size_bytes
            if seconds > 1.5 * target_s:
                break
            if seconds >= 0.5 * target_s:
                peak = max(peak, math.ceil(8 * size / seconds))
    return peak, average


def annexb_units(data: bytes) -> Iterator[bytes]:
    """NAL units of an H.264/HEVC Annex B byte stream (start codes 00 00 01 / 00 00 00 01)."""
    for chunk in data.split(b"\x00\x00\x01")[1:]:
        unit = chunk.rstrip(b"\x00")  # a NAL unit never ends in 0: these start the next code
        if unit:
            yield unit


def avc1_codec(sps: bytes) -> str:
    """``avc1.PPCCLL`` (RFC 6381 §3.3) from an H.264 SPS NAL unit, header byte included."""
    if len(sps) < 4 or sps[0] & 0x1F != 7:
        raise ValueError("not an H.264 sequence parameter set")
    payload = sps[1:4]  # profile_idc, constraint flags, level_idc: no emulation bytes possible
    return f"avc1.{payload.hex()}"


def hvc1_codec(hvcc: bytes, sample_entry: str = "hvc1") -> str:
    """``hvc1.P.C.TL.B…`` (ISO/IEC 14496-15 Annex E) from an HEVCDecoderConfigurationRecord.

    Profile space (A/B/C or none) and profile; the 32 compatibility flags bit-reversed in hex;
    tier L or H and the level; the six constraint bytes, trailing zero bytes left out.
    """
    if len(hvcc) < 13 or hvcc[0] != 1:
        raise ValueError("not an HEVC decoder configuration record")
    space = ("", "A", "B", "C")[hvcc[1] >> 6]
    tier = "H" if hvcc[1] & 0x20 else "L"
    profile = hvcc[1] & 0x1F
    compatibility = int(f"{int.from_bytes(hvcc[2:6], 'big'):032b}"[::-1], 2)
    constraints = list(hvcc[6:12])
    while constraints and constraints[-1] == 0:
        constraints.pop()
    parts = [sample_entry, f"{space}{profile}", f"{compatibility:X}", f"{tier}{hvcc[12]}"]
    parts += [f"{byte:02X}" for byte in constraints]
    return ".".join(parts)


def aac_codec(profile: str | None) -> str:
    """``mp4a.40.N`` for an AAC profile as ffmpeg names it (LC, HE-AAC, HE-AACv2)."""
    return {"HE-AAC": "mp4a.40.5", "HE-AACv2": "mp4a.40.29"}.get(profile or "LC", AAC_LC)


# -- trick play -----------------------------------------------------------------------------


def render_sprite_vtt(images: Images, count: int, duration_s: float, sprite: str) -> str:
    """WebVTT cues pointing at each thumbnail of the sprite (``#xywh=`` media fragments)."""
    lines = ["WEBVTT", ""]
    shown = min(count, images.columns * images.rows)
    for index in range(shown):
        start = index * images.interval_s
        end = duration_s if index == shown - 1 else (index + 1) * images.interval_s
        end = max(end, start + 0.001)
        column, row = index % images.columns, index // images.columns
        x, y = column * images.tile_width, row * images.tile_height
        lines += [
            f"{vtt_time(start)} --> {vtt_time(end)}",
            f"{sprite}#xywh={x},{y},{images.tile_width},{images.tile_height}",
            "",
        ]
    return "\n".join(lines)


def vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole:02d}.{millis:03d}"
