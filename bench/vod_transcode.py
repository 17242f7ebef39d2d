"""VOD transcoding: ``transcode()`` against a hand-written ffmpeg command for the same ladder.

The source is 20 s of 1920×1080 25 fps H.264 (testsrc2 with moving noise, so the encoders
really work) and AAC, encoded once and cached. Its ladder is the default one: H.264 veryfast
at 360p/540p/720p/1080p, 4-s segments, AAC stereo, a poster and a trick-play sprite.

(a) Yunjin: ``transcode()`` from the call to its return — lock, ffmpeg with ``-progress``,
    reading back every rung (codec strings, bandwidths), the master, the VTT, the manifest,
    the rename into place.
(b) By hand: one ffmpeg command as an operator would write it for the same outputs (the same
    split and scales, encoder settings, HLS muxers, poster, thumbnails and sprite).

Runs alternate (a b b a a b …); reported are the medians of wall time, their ratio (target
≤ 1.05) and the CPU time of each side (this process's children, from ``getrusage``).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import CACHE_DIR, BenchResult, median, ratio
from bench.procs import CLOCK_TICKS, BenchError, SystemTimes
from yunjin.media.ffmpeg import ffmpeg_binary
from yunjin.vod.ladder import choose_ladder
from yunjin.vod.probe import probe
from yunjin.vod.transcode import transcode

NAME = "vod_transcode"
TITLE = "VOD transcode of a 1080p ladder: transcode() vs a hand-written ffmpeg command"

SOURCE_SECONDS = 20
SOURCE_FILE = CACHE_DIR / "vod-source-1080p25-20s.mp4"
ORDER = ("yunjin", "hand", "hand", "yunjin", "yunjin", "hand")  # three runs each, alternating
TARGET_RATIO = 1.05
# What the default ladder is for this source; the hand-written command below spells it out.
EXPECTED_RUNGS = [
    ("360p-h264", 640, 360, 800, 96),
    ("540p-h264", 960, 540, 2000, 128),
    ("720p-h264", 1280, 720, 3000, 128),
    ("1080p-h264", 1920, 1080, 6000, 128),
]


def source_file(ffmpeg: str) -> Path:
    if SOURCE_FILE.is_file():
        return SOURCE_FILE
    SOURCE_FILE.parent.mkdir(parents=True, exist_ok=True)
    partial = SOURCE_FILE.with_suffix(".part.mp4")
    command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y"]
    command += ["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25"]
    command += ["-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000"]
    command += ["-t", str(SOURCE_SECONDS), "-vf", "noise=alls=12:allf=t+u"]
    command += ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-b:v", "8M"]
    command += ["-c:a", "aac", "-b:a", "192k", "-ac", "2", str(partial)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"could not encode the source: {done.stderr.strip()}")
    partial.replace(SOURCE_FILE)
    return SOURCE_FILE


def hand_command(ffmpeg: str, source: Path, out: Path) -> list[str]:
    """The ladder as one would type it: split, scale, encode, segment; the images beside."""
    graph = (
        "[0:v]split=6[a][b][c][d][p][t];"
        "[a]scale=640:360,setsar=1,format=yuv420p[v360];"
        "[b]scale=960:540,setsar=1,format=yuv420p[v540];"
        "[c]scale=1280:720,setsar=1,format=yuv420p[v720];"
        "[d]scale=1920:1080,setsar=1,format=yuv420p[v1080];"
        "[p]select='gte(t\\,2)',scale=1920:1080,setsar=1[poster];"
        "[t]select='gte(t\\,2*selected_n)',scale=160:90,setsar=1,split[thumbs][tiles];"
        "[tiles]tile=10x1[sprite]"
    )
    command = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    command += ["-i", str(source), "-filter_complex", graph]
    for name, _, height, kbps, audio_kbps in EXPECTED_RUNGS:
        folder = out / name
        command += ["-map", f"[v{height}]", "-map", "0:a:0"]
        command += ["-c:a", "aac", "-ac", "2", "-ar", "48000", "-b:a", f"{audio_kbps}k"]
        command += ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high"]
        command += ["-b:v", f"{kbps}k", "-maxrate", f"{round(kbps * 1.1)}k"]
        command += ["-bufsize", f"{kbps * 2}k", "-g", "100"]
        command += ["-force_key_frames", "expr:gte(t,n_forced*4)", "-forced-idr", "1"]
        command += ["-f", "hls", "-hls_time", "4", "-hls_playlist_type", "vod"]
        command += ["-hls_flags", "independent_segments", "-hls_segment_type", "mpegts"]
        command += [
            "-hls_segment_filename",
            str(folder / "seg_%05d.ts"),
            str(folder / "index.m3u8"),
        ]
    command += ["-map", "[poster]", "-frames:v", "1", "-q:v", "2", "-update", "1"]
    command += [str(out / "poster.jpg")]
    command += ["-map", "[thumbs]", "-fps_mode", "passthrough", "-q:v", "4"]
    command += [str(out / "thumbs" / "%05d.jpg")]
    command += ["-map", "[sprite]", "-frames:v", "1", "-q:v", "4", "-update", "1"]
    command += [str(out / "sprite.jpg")]
    return command


def timed(run: Callable[[], None]) -> tuple[float, float, float]:
    """Wall seconds and CPU seconds (this process and its children) of ``run``, and the CPU
    seconds every other process on the machine used meanwhile."""
    before, machine = _cpu_s(), SystemTimes.now()
    began = time.perf_counter()
    run()
    wall = time.perf_counter() - began
    ours = _cpu_s() - before
    now = SystemTimes.now()
    return wall, ours, max(0.0, (now.busy - machine.busy) / CLOCK_TICKS - ours)


def _cpu_s() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def run() -> BenchResult:
    result = BenchResult(NAME, TITLE)
    ffmpeg = ffmpeg_binary()
    source = source_file(ffmpeg)
    info = probe(source)
    ladder = choose_ladder(info)
    planned = [(r.name, r.width, r.height, r.video_kbps, r.audio_kbps) for r in ladder.rungs]
    if planned != EXPECTED_RUNGS:
        raise BenchError(f"the default ladder changed: {planned}; update the hand-written one")
    walls: dict[str, list[float]] = {"yunjin": [], "hand": []}
    cpus: dict[str, list[float]] = {"yunjin": [], "hand": []}
    speeds: list[float] = []
    others: list[float] = []  # share of the machine other processes used during each run
    with tempfile.TemporaryDirectory(prefix="yunjin-vod-transcode-") as folder:
        root = Path(folder)

        def by_yunjin(out: Path) -> None:
            transcode(
                source,
                info,
                ladder,
                out,
                binary=ffmpeg,
                on_progress=lambda p: speeds.append(p.speed) if p.speed else None,
            )

        def by_hand(out: Path) -> None:
            for name in [*(rung[0] for rung in EXPECTED_RUNGS), "thumbs"]:
                (out / name).mkdir(parents=True)
            done = subprocess.run(
                hand_command(ffmpeg, source, out), capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise BenchError(f"the hand-written command failed: {done.stderr[-500:]}")

        sides = {"yunjin": by_yunjin, "hand": by_hand}
        for index, side in enumerate(ORDER):
            out = root / f"{side}-{index}"
            wall, cpu, other = timed(lambda side=side, out=out: sides[side](out))
            others.append(other / wall / (os.cpu_count() or 1))
            segments = sorted(p.name for p in (out / "1080p-h264").glob("*.ts"))
            if len(segments) != SOURCE_SECONDS // 4:
                raise BenchError(f"{side} made {len(segments)} 1080p segments")
            shutil.rmtree(out)
            walls[side].append(wall)
            cpus[side].append(cpu)
    yunjin, hand = median(walls["yunjin"]), median(walls["hand"])
    result.add(
        "wall time, transcode()",
        yunjin,
        "s",
        detail=", ".join(f"{w:.2f}" for w in walls["yunjin"]),
    )
    result.add(
        "wall time, hand-written ffmpeg",
        hand,
        "s",
        detail=", ".join(f"{w:.2f}" for w in walls["hand"]),
    )
    result.add(
        "wall time ratio (transcode / hand)",
        ratio(yunjin, hand),
        "×",
        target_max=TARGET_RATIO,
        detail=f"medians of {len(ORDER) // 2} runs each, alternating",
    )
    result.add(
        "wall time ratio of the fastest runs",
        ratio(min(walls["yunjin"]), min(walls["hand"])),
        "×",
        detail="the runs least disturbed by other processes",
    )
    result.add("CPU time, transcode() (ffmpeg and Python)", median(cpus["yunjin"]), "s")
    result.add("CPU time, hand-written ffmpeg", median(cpus["hand"]), "s")
    result.add(
        "CPU time ratio (transcode / hand)",
        ratio(median(cpus["yunjin"]), median(cpus["hand"])),
        "×",
    )
    result.add("encoding speed (ffmpeg's own)", median(speeds) if speeds else None, "× real time")
    result.add(
        "other processes' load during the runs",
        100 * median(others),
        "%",
        detail=f"max {100 * max(others):.0f} % of all cores; wall times are only comparable "
        "when this is near 0",
    )
    result.notes += [
        f"Source: {SOURCE_SECONDS} s of 1920×1080 25 fps H.264 (testsrc2 + moving noise, 8 Mb/s) "
        "and AAC stereo; ladder 360p/540p/720p/1080p H.264 veryfast, 4-s MPEG-TS segments, "
        "AAC 96/128 kb/s, poster, thumbnails every 2 s and their sprite.",
        "transcode() is timed from the call to its return, including reading every rung back "
        "(codec strings, measured bandwidths), the master playlist, the VTT, the manifest and "
        "the rename into place. CPU time is this process's and its children's (ffmpeg), "
        "from getrusage, so it includes the Python side of transcode().",
    ]
    return result
