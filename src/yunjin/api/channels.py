"""``/api/v1/channels``: the catalog with each channel's recorder state and archive range."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.schemas import (
    ArchiveRange,
    ChannelInfo,
    ChannelList,
    ChannelUrls,
    LocalNames,
    RecorderInfo,
)
from yunjin.live.channels import ChannelView
from yunjin.live.recorder import RecorderState
from yunjin.runtime import Runtime

router = APIRouter(prefix="/api/v1")


def channel_info(runtime: Runtime, channel: ChannelView) -> ChannelInfo:
    index = runtime.archives.get(channel.tvg_id).index
    recorder = runtime.pool.recorders.get(channel.tvg_id)
    status = recorder.status if recorder is not None else None
    state = status.state if status is not None else RecorderState.STOPPED
    base = f"{runtime.settings.base_url}/hls/{channel.tvg_id}"
    return ChannelInfo(
        id=channel.tvg_id,
        number=channel.number,
        name=LocalNames.of(channel.name_zh, channel.name_en),
        group=channel.group,
        logo=channel.logo,
        catchup_days=channel.catchup_days,
        enabled=channel.enabled,
        free_to_air=channel.free_to_air,
        state=state.value
        if channel.records_at(time.time_ns() // 1_000_000)
        else "off_air"
        if channel.enabled
        else "disabled",
        event_story=channel.event_story,
        recorder=None
        if status is None
        else RecorderInfo(
            pid=status.pid,
            restarts=status.restarts,
            segments_recorded=status.segments_recorded,
            last_error=status.last_error,
            next_retry_in_s=status.next_retry_in_s,
            fps=status.fps,
            bitrate_kbps=status.bitrate_kbps,
            speed=status.speed,
        ),
        archive=ArchiveRange(
            start=None if index.start_ms is None else index.start_ms // 1000,
            end=None if index.end_ms is None else index.end_ms // 1000,
            segments=len(index),
            bytes=index.total_bytes,
        ),
        urls=ChannelUrls(
            live=f"{base}/index.m3u8",
            catchup_template=f"{base}/archive-{{utc}}-{{duration}}.m3u8",
        ),
    )


@router.get("/channels")
async def channels(request: Request) -> ChannelList:
    runtime = runtime_of(request)
    return ChannelList(channels=[channel_info(runtime, c) for c in runtime.lineup()])


@router.get("/channels/{channel}")
async def channel(request: Request, channel: str) -> ChannelInfo:
    runtime = runtime_of(request)
    found = runtime.channels.get(channel)
    if found is None:
        raise ApiError(404, "channel_not_found", {"channel": channel})
    return channel_info(runtime, found)
