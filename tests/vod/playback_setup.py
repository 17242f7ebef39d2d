"""Published VOD for the playback tests: one real transcode per module, copied per asset.

A 4-s 320×180 clip goes through the real probe, ladder and transcoder once; each asset of a
test catalog is a copy of that folder under ``{data}/vod/media/{code}/`` with a ``ready`` row.
A "4K" asset also gets a ``2160p-h264`` rung — a copy of the small rung, listed in the master
at 3840×2160 — so the routing and filtering of 4K renditions is tested without a 4K encode.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from yunjin.config import Settings
from yunjin.db.engine import Database
from yunjin.db.models import VodAsset, VodEpisode, VodSeason, VodTitle
from yunjin.media.ffmpeg import ffmpeg_binary
from yunjin.vod.assets import AssetState
from yunjin.vod.ladder import choose_ladder
from yunjin.vod.probe import probe
from yunjin.vod.transcode import Rendered, transcode

CLIP_SECONDS = 4
FRAME_RATE = 25
FAKE_UHD_RUNG = "2160p-h264"


def render_clip(work: Path) -> Rendered:
    """A 4-s 320×180 H.264/AAC clip transcoded by the real ladder and transcoder."""
    work.mkdir(parents=True, exist_ok=True)
    clip = work / "clip.mp4"
    subprocess.run(
        [
            *(ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y"),
            *("-f", "lavfi", "-i", f"testsrc2=size=320x180:rate={FRAME_RATE}"),
            *("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"),
            *("-t", str(CLIP_SECONDS), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25"),
            *("-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", str(clip)),
        ],
        check=True,
        timeout=120,
    )
    info = probe(clip)
    return transcode(clip, info, choose_ladder(info), work / "rendered", binary=ffmpeg_binary())


def publish(
    settings: Settings,
    rendered: Rendered,
    code: str,
    title: str,
    *,
    episode: tuple[int, int] | None = None,
    uhd: bool = False,
    state: AssetState = AssetState.READY,
) -> Path:
    """Copy the rendition as asset ``code`` of ``title`` (an episode's with ``episode``)."""
    folder = settings.vod_dir / "media" / code
    shutil.copytree(rendered.out_dir, folder)
    rungs = rendered.summary()
    if uhd:
        small = rendered.rungs[0]
        shutil.copytree(folder / small.name, folder / FAKE_UHD_RUNG)
        master = (folder / "master.m3u8").read_text(encoding="utf-8")
        tag = (
            f'#EXT-X-STREAM-INF:BANDWIDTH={small.bandwidth},CODECS="{small.codecs}",'
            f"RESOLUTION=3840x2160,FRAME-RATE={small.frame_rate:.3f}"
        )
        (folder / "master.m3u8").write_text(
            f"{master.rstrip()}\n{tag}\n{FAKE_UHD_RUNG}/index.m3u8\n", encoding="utf-8"
        )
        rungs = [*rungs, {**rungs[0], "name": FAKE_UHD_RUNG, "width": 3840, "height": 2160}]
    db = Database(settings.database)
    try:
        with db.session() as session:
            title_id = session.scalar(select(VodTitle.id).where(VodTitle.code == title))
            assert title_id is not None, title
            episode_id = None
            if episode is not None:
                episode_id = session.scalar(
                    select(VodEpisode.id)
                    .join(VodSeason, VodSeason.id == VodEpisode.season_id)
                    .where(
                        VodSeason.title_id == title_id,
                        VodSeason.number == episode[0],
                        VodEpisode.number == episode[1],
                    )
                )
                assert episode_id is not None, episode
            session.add(
                VodAsset(
                    code=code,
                    title_id=title_id,
                    episode_id=episode_id,
                    state=state.value,
                    filename="clip.mp4",
                    source_path=f"vod/sources/{code}/clip.mp4",
                    size_bytes=1,
                    duration_s=rendered.duration_s,
                    width=3840 if uhd else 320,
                    height=2160 if uhd else 180,
                    uhd=uhd,
                    rungs=rungs,
                    ready_at=datetime.now(UTC) if state is AssetState.READY else None,
                )
            )
    finally:
        db.close()
    return folder
