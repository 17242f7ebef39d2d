"""The VOD transcoder: one ffmpeg process makes every rung of a ladder, the poster and sprite.

The source is decoded once; a filter graph splits the picture into one scaled branch per
rung (and the poster and thumbnails), each encoded and segmented by its own HLS muxer with
AAC stereo beside it. The work happens in a hidden sibling folder that is renamed to
``out_dir`` only when everything is written, measured and described in ``manifest.json``, so
a half-made rendition is never visible; a failure or a cancel kills ffmpeg and removes the
folder. ffmpeg dies with the process that started it, even by SIGKILL.

Layout of ``out_dir``: ``master.m3u8``; ``{rung}/index.m3u8`` and its segments
(``seg_00000.ts``, or ``init.mp4`` and ``seg_00000.m4s`` for fMP4); ``poster.jpg``;
``thumbs/00001.jpg`` …; ``sprite.jpg`` and ``sprite.vtt``; ``manifest.json``.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import secrets
import selectors
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from subprocess import PIPE
from typing import IO, Any, Final

import av
import av.error

from yunjin.i18n import Refusal, register
from yunjin.media.process import FREE, piped, popen
from yunjin.vod.ladder import (
    Images,
    Ladder,
    Rung,
    SegmentFormat,
    SegmentSize,
    StreamInf,
    VideoCodec,
    aac_codec,
    annexb_units,
    avc1_codec,
    hvc1_codec,
    playback_order,
    render_master,
    render_sprite_vtt,
    segment_bandwidth,
)
from yunjin.vod.probe import LOCAL_ONLY, MediaInfo, VideoRange
from yunjin.vod.sandbox import Limits

MANIFEST: Final = "manifest.json"
MANIFEST_VERSION: Final = 1
MASTER: Final = "master.m3u8"
POSTER: Final = "poster.jpg"
SPRITE: Final = "sprite.jpg"
VTT: Final = "sprite.vtt"
THUMBS: Final = "thumbs"
PROGRESS_PERIOD_S: Final = 0.5
POLL_S: Final = 0.2
STDERR_LINES: Final = 12
DISK_FULL: Final = "No space left on device"
TONE_MAP: Final = (
    "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,"
    "tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv"
)
GAMUT_TO_BT709: Final = "zscale=p=bt709:t=bt709:m=bt709:r=tv"
HDR_TRANSFER: Final = {VideoRange.PQ: "smpte2084", VideoRange.HLG: "arib-std-b67"}

TRANSCODE_MESSAGES: dict[str, tuple[str, str]] = {
    "vod_transcode_failed": (
        "Transcoding failed (ffmpeg exit status {status}): {detail}",
        "转码失败（ffmpeg 退出状态 {status}）：{detail}",
    ),
    "vod_disk_full": (
        "The disk filled up while transcoding into {folder}; free some space and retry.",
        "转码写入 {folder} 时磁盘已满，请释放空间后重试。",
    ),
    "vod_transcode_cancelled": ("The transcode was cancelled.", "转码已取消。"),
    "vod_rendition_missing": (
        "No finished rendition in {folder}: {detail}",
        "{folder} 中没有完整的转码结果：{detail}",
    ),
}
register(TRANSCODE_MESSAGES)


class TranscodeError(Refusal, RuntimeError):
    """A transcode that did not finish; ``code`` names the message, ``values`` fill it."""


class TranscodeCancelled(TranscodeError):
    """``cancelled()`` said stop: ffmpeg was killed and nothing was left behind."""

    def __init__(self) -> None:
        super().__init__("vod_transcode_cancelled")


@dataclass(frozen=True, slots=True)
class Progress:
    fraction: float  # 0..1 of the source's duration written
    fps: float  # frames encoded per second (of the first rung)
    speed: float  # media seconds per wall-clock second
    eta_s: float | None  # seconds still to go at this speed; None until there is a speed


def parse_progress(block: dict[str, str], duration_s: float) -> Progress:
    """A ``-progress`` block (``key=value`` lines up to ``progress=…``) as :class:`Progress`."""
    done_s = _number(block.get("out_time_us")) / 1e6
    speed = _number(block.get("speed", "").rstrip("x"))
    fraction = min(1.0, max(0.0, done_s / duration_s)) if duration_s > 0 else 0.0
    if block.get("progress") == "end":
        fraction = 1.0
    eta = max(0.0, duration_s - done_s) / speed if speed > 0 else None
    return Progress(fraction, _number(block.get("fps")), speed, eta)


def _number(text: str | None) -> float:
    try:
        return max(0.0, float(text or ""))
    except ValueError:  # "N/A" before the first frame
        return 0.0


@dataclass(frozen=True, slots=True)
class RenderedRung:
    """A rung as produced and measured; what the master playlist says of it."""

    name: str
    codec: VideoCodec
    container: SegmentFormat
    width: int
    height: int
    bandwidth: int
    average_bandwidth: int
    codecs: str
    frame_rate: float
    video_range: VideoRange
    playlist: str  # relative to out_dir
    segments: int

    def stream_inf(self) -> StreamInf:
        return StreamInf(
            uri=self.playlist,
            bandwidth=self.bandwidth,
            average_bandwidth=self.average_bandwidth,
            codecs=self.codecs,
            width=self.width,
            height=self.height,
            frame_rate=self.frame_rate,
            video_range=self.video_range,
        )

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A finished rendition folder: the in-memory form of its ``manifest.json``."""

    out_dir: Path
    duration_s: float
    segment_s: int
    rungs: tuple[RenderedRung, ...]
    master: str
    poster: str
    sprite: str
    vtt: str
    thumbnails: tuple[str, ...]
    thumbnail_interval_s: int

    def summary(self) -> list[dict[str, Any]]:
        """One dict per rung, as the manifest lists them."""
        return [rung.as_json() for rung in self.rungs]

    def as_json(self) -> dict[str, Any]:
        return {
            "version": MANIFEST_VERSION,
            "duration_s": self.duration_s,
            "segment_s": self.segment_s,
            "master": self.master,
            "rungs": self.summary(),
            "poster": self.poster,
            "sprite": self.sprite,
            "vtt": self.vtt,
            "thumbnails": {"interval_s": self.thumbnail_interval_s, "files": self.thumbnails},
        }

    @classmethod
    def load(cls, out_dir: Path) -> Rendered:
        """Read a finished folder; ``vod_rendition_missing`` if it is not one."""
        try:
            data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
            if data.get("version") != MANIFEST_VERSION:
                raise ValueError(f"manifest version {data.get('version')!r}")
            rendered = cls(
                out_dir=out_dir,
                duration_s=float(data["duration_s"]),
                segment_s=int(data["segment_s"]),
                rungs=tuple(
                    RenderedRung(
                        **{
                            **rung,
                            "codec": VideoCodec(rung["codec"]),
                            "container": SegmentFormat(rung["container"]),
                            "video_range": VideoRange(rung["video_range"]),
                        }
                    )
                    for rung in data["rungs"]
                ),
                master=data["master"],
                poster=data["poster"],
                sprite=data["sprite"],
                vtt=data["vtt"],
                thumbnails=tuple(data["thumbnails"]["files"]),
                thumbnail_interval_s=int(data["thumbnails"]["interval_s"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise TranscodeError(
                "vod_rendition_missing", folder=str(out_dir), detail=str(error)
            ) from error
        needed = [rendered.master, rendered.poster, rendered.sprite, rendered.vtt]
        needed += [rung.playlist for rung in rendered.rungs]
        missing = [name for name in needed if not _file(out_dir, name)]
        if missing or not rendered.rungs:
            detail = f"missing {', '.join(missing)}" if missing else "no rungs"
            raise TranscodeError("vod_rendition_missing", folder=str(out_dir), detail=detail)
        return rendered


def _file(folder: Path, relative: str) -> bool:
    path = folder / relative
    return ".." not in Path(relative).parts and path.is_file()


# -- the command line (pure) ----------------------------------------------------------------


def filter_graph(info: MediaInfo, ladder: Ladder) -> str:
    """Decode once, split per rung and per image, scale (and tone-map) each branch."""
    images = ladder.images
    sdr_rungs = [i for i, rung in enumerate(ladder.rungs) if not rung.keeps_hdr]
    hdr_rungs = [i for i, rung in enumerate(ladder.rungs) if rung.keeps_hdr]
    chains = []
    source = f"[0:{info.video_index}]"
    if hdr_rungs:
        chains.append(f"{source}split=2[hdr][sdr_in]")
        chains.append(f"[hdr]split={len(hdr_rungs)}" + "".join(f"[in{i}]" for i in hdr_rungs))
        sdr_source = "[sdr_in]"
    else:
        sdr_source = source
    if ladder.tone_map:
        chains.append(f"{sdr_source}{TONE_MAP}[sdr]")
        sdr_source = "[sdr]"
    elif ladder.wide_gamut:
        chains.append(f"{sdr_source}{GAMUT_TO_BT709}[sdr]")
        sdr_source = "[sdr]"
    branches = "".join(f"[in{i}]" for i in sdr_rungs) + "[poster_in][thumbs_in]"
    chains.append(f"{sdr_source}split={len(sdr_rungs) + 2}{branches}")
    for index, rung in enumerate(ladder.rungs):
        rate = f"fps=source_fps/{rung.rate_divisor}," if rung.rate_divisor > 1 else ""
        pixels = "yuv420p10le" if rung.keeps_hdr else "yuv420p"
        chains.append(
            f"[in{index}]{rate}scale={rung.width}:{rung.height},setsar=1,format={pixels}[v{index}]"
        )
    chains.append(
        f"[poster_in]select='eq(selected_n\\,0)+eq(selected_n\\,1)*gte(t\\,{images.poster_at_s})',"
        f"scale={images.poster_width}:{images.poster_height},setsar=1,format=yuv420p[poster]"
    )
    chains.append(
        f"[thumbs_in]select='gte(t\\,{images.interval_s}*selected_n)*lt(selected_n\\,"
        f"{images.capacity})',scale={images.tile_width}:{images.tile_height},setsar=1,"
        "format=yuv420p,split=2[thumbs][tiles]"
    )
    # The sprite is one picture made at the very end; ffmpeg holds back its progress reports
    # until every output has started, so a black frame starts this one and is overwritten.
    chains.append(f"[tiles]tile={images.columns}x{images.rows}[grid]")
    chains.append(
        f"color=c=black:s={images.sprite_width}x{images.sprite_height}:r=1:d=1,"
        "format=yuv420p[blank]"
    )
    chains.append("[blank][grid]concat=n=2:v=1:a=0,settb=1,setpts=N[sprite]")  # 0 s, then 1 s
    return ";".join(chains)


def rung_args(rung: Rung, ladder: Ladder, folder: Path, threads: int | None) -> list[str]:
    """The encoders and HLS muxer of one rung (``folder`` is its folder)."""
    gop = round(rung.frame_rate * ladder.segment_s)
    rate = f"-b:v {rung.video_kbps}k -maxrate {rung.maxrate_kbps}k -bufsize {rung.bufsize_kbps}k"
    # an IDR frame at every segment boundary, whatever the frame rate: aligned across rungs
    keyframes = ["-force_key_frames", f"expr:gte(t,n_forced*{ladder.segment_s})"]
    keyframes += ["-forced-idr", "1"]
    if rung.codec is VideoCodec.HEVC:
        x265 = "open-gop=0:log-level=error" + (f":pools={threads}" if threads else "")
        encoder = ["-c:v", "libx265", "-preset", ladder.hevc_preset, "-tag:v", "hvc1"]
        encoder += ["-profile:v", "main10" if rung.keeps_hdr else "main", "-x265-params", x265]
    else:
        encoder = ["-c:v", "libx264", "-preset", ladder.h264_preset, "-profile:v", "high"]
    colour: list[str] = []
    if rung.keeps_hdr:
        transfer = HDR_TRANSFER[ladder.source_range]
        colour = ["-color_primaries", "bt2020", "-color_trc", transfer, "-colorspace", "bt2020nc"]
    elif ladder.tone_map or ladder.wide_gamut:
        colour = ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"]
    audio: list[str] = []
    if ladder.audio_index is not None:
        audio = ["-map", f"0:{ladder.audio_index}", "-c:a", "aac", "-ac", "2", "-ar", "48000"]
        audio += ["-b:a", f"{rung.audio_kbps}k"]
    if rung.segments is SegmentFormat.FMP4:
        segments = ["-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4"]
        pattern = "seg_%05d.m4s"
    else:
        segments = ["-hls_segment_type", "mpegts"]
        pattern = "seg_%05d.ts"
    muxer = f"-f hls -hls_time {ladder.segment_s} -hls_playlist_type vod"
    muxer += " -hls_flags independent_segments"
    return [
        *f"-map [v{ladder.rungs.index(rung)}]".split(),
        *audio,
        *encoder,
        *rate.split(),
        *keyframes,
        *(["-g", str(gop)] if gop > 0 else []),
        *colour,
        *(["-threads", str(threads)] if threads else []),
        *muxer.split(),
        *segments,
        *["-hls_segment_filename", str(folder / pattern), str(folder / "index.m3u8")],
    ]


def command(
    binary: str,
    source: Path,
    info: MediaInfo,
    ladder: Ladder,
    work_dir: Path,
    threads: int | None = None,
) -> list[str]:
    """The whole ffmpeg command line, writing into ``work_dir``.

    The source is read with the demuxer its probe found, pinned (``-f``), and may open no
    other URL than a local file: a source is never read as a playlist (ADR 0028).
    """
    threading_args = ["-threads", str(threads)] if threads else []
    head = [binary, "-hide_banner", "-nostdin", "-loglevel", "level+warning", "-nostats"]
    head += ["-progress", "pipe:1", "-stats_period", str(PROGRESS_PERIOD_S), "-y"]
    head += [*threading_args, "-protocol_whitelist", "file", "-f", info.container.split(",")[0]]
    head += ["-i", str(source), "-filter_complex", filter_graph(info, ladder)]
    if threads:
        head += ["-filter_complex_threads", str(threads)]
    outputs: list[str] = []
    for rung in ladder.rungs:
        outputs += rung_args(rung, ladder, work_dir / rung.name, threads)
    image = ["-fps_mode", "passthrough", "-c:v", "mjpeg", "-q:v"]
    outputs += ["-map", "[poster]", *image, "2", "-update", "1", str(work_dir / POSTER)]
    outputs += ["-map", "[thumbs]", *image, "4", str(work_dir / THUMBS / "%05d.jpg")]
    outputs += ["-map", "[sprite]", *image, "4", "-update", "1", str(work_dir / SPRITE)]
    return head + outputs


# -- running it -----------------------------------------------------------------------------


def transcode(
    source: Path,
    info: MediaInfo,
    ladder: Ladder,
    out_dir: Path,
    *,
    binary: str,
    on_progress: Callable[[Progress], None] = lambda p: None,
    cancelled: Callable[[], bool] = lambda: False,
    threads: int | None = None,
    limits: Limits | None = None,
) -> Rendered:
    """Make every rung, the poster, thumbnails and sprite of ``source`` into ``out_dir``.

    With ``limits``, ffmpeg runs confined by them (``vod.sandbox``): an untrusted source.
    Returns the existing rendition if ``out_dir`` already holds a finished one. Raises
    :class:`TranscodeError` (``vod_transcode_failed``, ``vod_disk_full``) or
    :class:`TranscodeCancelled`; either way nothing of this attempt is left on disk.
    """
    with contextlib.suppress(TranscodeError):
        return Rendered.load(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive(out_dir, cancelled):
            with contextlib.suppress(TranscodeError):
                return Rendered.load(out_dir)  # made by whoever held the lock before us
            _remove_stale(out_dir)
            work = out_dir.parent / f".{out_dir.name}.tmp-{secrets.token_hex(4)}"
            try:
                _prepare(work, ladder)
                argv = command(binary, source, info, ladder, work, threads)
                _run(argv, limits, work, info, on_progress, cancelled)
                rendered = _write_descriptions(work, ladder, out_dir)
                _publish(work, out_dir)
            except BaseException:
                shutil.rmtree(work, ignore_errors=True)
                raise
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise TranscodeError("vod_disk_full", folder=str(out_dir.parent)) from error
        raise
    return rendered


def _prepare(work: Path, ladder: Ladder) -> None:
    work.mkdir()
    (work / THUMBS).mkdir()
    for rung in ladder.rungs:
        (work / rung.name).mkdir()


@contextlib.contextmanager
def _exclusive(out_dir: Path, cancelled: Callable[[], bool]) -> Iterator[None]:
    """Hold ``.{name}.lock`` beside ``out_dir``: one transcode of a folder at a time.

    A second worker given the same job waits here (and then finds the folder made); a
    worker that died left its lock released by the kernel. The lock file is removed on the
    way out; a waiter that then holds a removed file's lock starts over on the new one.
    """
    path = out_dir.parent / f".{out_dir.name}.lock"
    while True:
        handle = path.open("a")
        try:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if cancelled():
                        raise TranscodeCancelled() from None
                    time.sleep(POLL_S)
            try:
                current = path.stat().st_ino
            except FileNotFoundError:
                current = None
            if current != os.fstat(handle.fileno()).st_ino:
                continue  # the holder removed this file on leaving; lock the new one
            try:
                yield
            finally:
                path.unlink(missing_ok=True)
            return
        finally:
            handle.close()


def _remove_stale(out_dir: Path) -> None:
    """Work folders of attempts that died: their lock is free, so nobody writes them."""
    for stale in out_dir.parent.glob(f".{out_dir.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _publish(work: Path, out_dir: Path) -> None:
    """Rename the finished folder into place; a leftover unfinished ``out_dir`` is replaced."""
    old = None
    if out_dir.exists():
        old = out_dir.parent / f".{out_dir.name}.tmp-{secrets.token_hex(4)}-old"
        out_dir.rename(old)
    work.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _run(
    argv: list[str],
    limits: Limits | None,
    work: Path,
    info: MediaInfo,
    on_progress: Callable[[Progress], None],
    cancelled: Callable[[], bool],
) -> None:
    """Run ffmpeg to its end, or kill it on a cancel or an error of ours.

    ffmpeg starts through ``media.process`` (confined by ``limits`` when given): the kernel
    kills it when the thread that started it ends (PR_SET_PDEATHSIG), and this function
    waits for ffmpeg in that thread, so that is when the process dies. It has a session of
    its own: a Ctrl-C reaches Python, which kills ffmpeg itself.
    """
    confinement = FREE if limits is None else limits.confinement
    process = popen(argv, confinement=confinement, stdout=PIPE, stderr=PIPE)
    stdout = piped(process.stdout)
    errors = _StderrTail(piped(process.stderr))
    try:
        _follow(stdout, info.duration_s, on_progress, cancelled)
        status = process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        errors.join()
        stdout.close()
    if errors.disk_full:
        raise TranscodeError("vod_disk_full", folder=str(work.parent))
    if status != 0:
        raise TranscodeError("vod_transcode_failed", status=status, detail=errors.text())


def _follow(
    stdout: IO[bytes],
    duration_s: float,
    on_progress: Callable[[Progress], None],
    cancelled: Callable[[], bool],
) -> None:
    """Read ``-progress`` blocks until ffmpeg closes its stdout, checking for a cancel.

    The fraction reported never goes back (a block may say ``out_time=N/A`` mid-run).
    """
    block: dict[str, str] = {}
    pending = b""
    last = Progress(0.0, 0.0, 0.0, None)
    with selectors.DefaultSelector() as selector:
        selector.register(stdout, selectors.EVENT_READ)
        while True:
            if cancelled():
                raise TranscodeCancelled()
            if not selector.select(POLL_S):
                continue
            chunk = os.read(stdout.fileno(), 65536)
            if not chunk:
                return
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                key, _, value = line.decode("utf-8", "replace").strip().partition("=")
                block[key] = value
                if key == "progress":
                    progress = parse_progress(block, duration_s)
                    if progress.fraction < last.fraction:
                        progress = replace(progress, fraction=last.fraction, eta_s=last.eta_s)
                    on_progress(progress)
                    last, block = progress, {}


class _StderrTail:
    """Drains ffmpeg's stderr in a thread: the last lines, and whether the disk filled."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.lines: deque[str] = deque(maxlen=STDERR_LINES)
        self.disk_full = False
        self._stream = stream
        self._thread = threading.Thread(target=self._drain, name="ffmpeg-stderr", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        with self._stream:
            for raw in self._stream:
                line = raw.decode("utf-8", "replace").strip()
                if line:
                    self.lines.append(line)
                    self.disk_full = self.disk_full or DISK_FULL in line

    def join(self) -> None:
        self._thread.join()

    def text(self) -> str:
        return " | ".join(self.lines) or "no message"


# -- measuring what was made ----------------------------------------------------------------

_EXTINF = re.compile(r"#EXTINF:([\d.]+)")
_TARGET = re.compile(r"#EXT-X-TARGETDURATION:(\d+)")


def _write_descriptions(work: Path, ladder: Ladder, out_dir: Path) -> Rendered:
    """Measure the rungs, write the master, the VTT and the manifest (last) into ``work``."""
    rungs = [_measure(work, rung, ladder) for rung in ladder.rungs]
    by_uri = {rung.playlist: rung for rung in rungs}
    ordered = [by_uri[v.uri] for v in playback_order(r.stream_inf() for r in rungs)]
    _need(work / POSTER, "no poster was written")
    _need(work / SPRITE, "no sprite was written")
    thumbnails = sorted(p.name for p in (work / THUMBS).glob("*.jpg"))
    if not thumbnails:
        raise TranscodeError("vod_transcode_failed", status=0, detail="no thumbnails were written")
    duration = _playlist_duration(work / ordered[0].playlist)
    images: Images = ladder.images
    (work / VTT).write_text(render_sprite_vtt(images, len(thumbnails), duration, SPRITE))
    (work / MASTER).write_text(render_master([rung.stream_inf() for rung in ordered]))
    rendered = Rendered(
        out_dir=out_dir,
        duration_s=round(duration, 3),
        segment_s=ladder.segment_s,
        rungs=tuple(ordered),
        master=MASTER,
        poster=POSTER,
        sprite=SPRITE,
        vtt=VTT,
        thumbnails=tuple(f"{THUMBS}/{name}" for name in thumbnails),
        thumbnail_interval_s=images.interval_s,
    )
    manifest = json.dumps(rendered.as_json(), indent=2, ensure_ascii=False) + "\n"
    (work / MANIFEST).write_text(manifest, encoding="utf-8")
    return rendered


def _need(path: Path, detail: str) -> None:
    if not path.is_file() or path.stat().st_size == 0:
        raise TranscodeError("vod_transcode_failed", status=0, detail=detail)


def _segments(playlist: Path) -> tuple[list[SegmentSize], int]:
    """A finished media playlist's segments (duration, size on disk) and target duration."""
    text = playlist.read_text(encoding="utf-8") if playlist.is_file() else ""
    if "#EXT-X-ENDLIST" not in text:
        detail = f"{playlist.parent.name} has no finished playlist"
        raise TranscodeError("vod_transcode_failed", status=0, detail=detail)
    segments: list[SegmentSize] = []
    duration: float | None = None
    for line in text.splitlines():
        if match := _EXTINF.match(line):
            duration = float(match.group(1))
        elif line and not line.startswith("#") and duration is not None:
            segments.append(SegmentSize(duration, (playlist.parent / line).stat().st_size))
            duration = None
    target = _TARGET.search(text)
    return segments, int(target.group(1)) if target else 1


def _playlist_duration(playlist: Path) -> float:
    return sum(segment.duration_s for segment in _segments(playlist)[0])


def _measure(work: Path, rung: Rung, ladder: Ladder) -> RenderedRung:
    playlist = work / rung.name / "index.m3u8"
    segments, target = _segments(playlist)
    peak, average = segment_bandwidth(segments, target)
    codecs, width, height, rate = _read_codecs(playlist, rung)
    return RenderedRung(
        name=rung.name,
        codec=rung.codec,
        container=rung.segments,
        width=width,
        height=height,
        bandwidth=peak,
        average_bandwidth=average,
        codecs=codecs,
        frame_rate=round(rate, 3),
        video_range=ladder.source_range if rung.keeps_hdr else VideoRange.SDR,
        playlist=f"{rung.name}/index.m3u8",
        segments=len(segments),
    )


def _read_codecs(playlist: Path, rung: Rung) -> tuple[str, int, int, float]:
    """RFC 6381 codecs, size and frame rate of a rung, read back from its own segments."""
    try:
        with av.open(str(playlist), container_options=LOCAL_ONLY) as container:
            video = container.streams.video[0]
            context = video.codec_context
            if rung.codec is VideoCodec.HEVC:
                video_codec = hvc1_codec(bytes(context.extradata or b""), "hvc1")
            else:
                first = next(container.demux(video))
                sps = next(u for u in annexb_units(bytes(first)) if u[0] & 0x1F == 7)
                video_codec = avc1_codec(sps)
            codecs = [video_codec]
            if container.streams.audio:
                codecs.append(aac_codec(container.streams.audio[0].codec_context.profile))
            rate = video.average_rate or video.guessed_rate or 0
            return ",".join(codecs), context.width, context.height, float(rate)
    except (av.error.FFmpegError, StopIteration, ValueError, IndexError) as error:
        detail = f"{rung.name} cannot be read back: {error}"
        raise TranscodeError("vod_transcode_failed", status=0, detail=detail) from error
