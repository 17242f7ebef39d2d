"""The Xtream-Codes-compatible API: ``player_api.php``, ``get.php``, ``xmltv.php`` and streams.

Credentials come from configuration until subscribers exist.  Wrong
credentials get ``{"user_info": {"auth": 0}}`` as the real API answers.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from yunjin.api.epg import xmltv_document
from yunjin.api.errors import ApiError
from yunjin.epg.guide import in_archive, schedule
from yunjin.interop import xtream
from yunjin.interop.m3u import CatchupMode, M3uOptions, render_m3u
from yunjin.interop.tsstream import segment_bytes
from yunjin.live.channels import ChannelView
from yunjin.runtime import Runtime

router = APIRouter(tags=["xtream-codes"])
DENIED: dict[str, Any] = {"user_info": {"auth": 0}}
SHORT_EPG_DEFAULT = 4
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _allowed(runtime: Runtime, username: str, password: str) -> bool:
    settings = runtime.settings
    return xtream.credentials_match(
        username, password, settings.xtream_username, settings.xtream_password
    )


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _by_stream_id(runtime: Runtime, stream_id: int) -> ChannelView:
    for channel in runtime.channels.values():
        if channel.number == stream_id and channel.enabled:
            return channel
    raise ApiError(404, "channel_not_found", {"channel": stream_id})


@router.get("/player_api.php")
def player_api(
    request: Request,
    username: str = "",
    password: str = "",
    action: str | None = None,
    category_id: str | None = None,
    stream_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = SHORT_EPG_DEFAULT,
) -> Any:
    runtime = _runtime(request)
    if not _allowed(runtime, username, password):
        return JSONResponse(DENIED)
    channels = list(runtime.channels.values())
    settings = runtime.settings
    now_ms = _now_ms()
    match action:
        case None | "":
            host = request.url.hostname or settings.host
            port = request.url.port or settings.port
            return xtream.account(
                username, password, host=host, port=port, timezone=settings.timezone, now_ms=now_ms
            )
        case "get_live_categories":
            return xtream.live_categories(channels)
        case "get_live_streams":
            return xtream.live_streams(channels, category_id)
        case "get_short_epg" | "get_simple_data_table":
            if stream_id is None:
                return {"epg_listings": []}
            channel = _by_stream_id(runtime, stream_id)
            index = runtime.archives.get(channel.tvg_id).index
            with runtime.db.session() as session:
                if action == "get_short_epg":  # what is on now and what follows
                    entries = schedule(session, channel.tvg_id, now_ms, now_ms + WEEK_MS)[:limit]
                else:  # the whole guide the archive covers, and what is ahead
                    since = now_ms - max(channel.catchup_days, 1) * DAY_MS
                    entries = schedule(session, channel.tvg_id, since, now_ms + WEEK_MS)
            listings = [
                xtream.epg_listing(
                    e, stream_id, settings.timezone, now_ms, in_archive(e, index, now_ms)
                )
                for e in entries
            ]
            return {"epg_listings": listings}
        case "get_vod_categories" | "get_vod_streams" | "get_series_categories" | "get_series":
            return []  # VOD arrives with its own issue
        case "get_vod_info" | "get_series_info":
            return {}
    raise ApiError(400, "invalid_request", {"detail": f"unknown action {action}"})


@router.get("/get.php")
def get_php(
    request: Request,
    username: str = "",
    password: str = "",
    type: str = "m3u_plus",
    output: str = "ts",
) -> Response:
    """The channel list with Xtream-style stream URLs (``output`` ts or hls/m3u8)."""
    runtime = _runtime(request)
    if not _allowed(runtime, username, password):
        return Response("", status_code=401)
    extension = "m3u8" if output in ("hls", "m3u8") else "ts"
    base = runtime.settings.base_url
    channels = list(runtime.channels.values())
    options = M3uOptions(
        base_url=base,
        mode=CatchupMode.XC,
        xmltv_url=f"{base}/xmltv.php?username={username}&password={password}",
        xtream=(username, password, extension),
    )
    return Response(render_m3u(channels, options), media_type="audio/x-mpegurl")


@router.get("/xmltv.php")
def xmltv_php(request: Request, username: str = "", password: str = "") -> Response:
    runtime = _runtime(request)
    if not _allowed(runtime, username, password):
        return Response("", status_code=401)
    return Response(xmltv_document(runtime, False), media_type="application/xml")


def _stream(
    request: Request,
    channel: ChannelView,
    extension: str,
    from_ms: int | None,
    duration_s: int | None,
) -> Response:
    runtime = _runtime(request)
    if runtime.settings.require_tokens:  # Xtream logins map to households in a later step
        raise ApiError(403, "token_required")
    hls = f"/hls/{channel.tvg_id}"
    if extension == "m3u8":
        target = (
            f"{hls}/index.m3u8"
            if from_ms is None
            else f"{hls}/archive-{from_ms // 1000}-{duration_s}.m3u8"
        )
        return RedirectResponse(target, status_code=302)
    if extension != "ts":
        raise ApiError(404, "not_found")
    archive = runtime.archives.get(channel.tvg_id)
    index = archive.index
    if len(index) == 0:
        raise ApiError(404, "archive_empty", {"channel": channel.tvg_id})
    if from_ms is None:  # live: start one segment behind the edge
        first_seq = index.seq_at(max(0, len(index) - 2))
        until_ms = None
    else:
        position = index.position_at(from_ms)
        if position >= len(index):
            raise ApiError(404, "outside_archive", {"channel": channel.tvg_id, "available": "-"})
        first_seq = index.seq_at(position)
        until_ms = from_ms + (duration_s or 0) * 1000
    return StreamingResponse(segment_bytes(archive, first_seq, until_ms), media_type="video/mp2t")


@router.get("/live/{username}/{password}/{stream}")
@router.get("/{username}/{password}/{stream}")
def live(request: Request, username: str, password: str, stream: str) -> Response:
    """A live channel as ``{stream_id}.ts`` (continuous MPEG-TS) or ``.m3u8``."""
    runtime = _runtime(request)
    stream_id, _, extension = stream.partition(".")
    if not _allowed(runtime, username, password) or not stream_id.isdigit():
        raise ApiError(404, "not_found")
    return _stream(request, _by_stream_id(runtime, int(stream_id)), extension, None, None)


@router.get("/timeshift/{username}/{password}/{minutes}/{moment}/{stream}")
def timeshift(
    request: Request, username: str, password: str, minutes: int, moment: str, stream: str
) -> Response:
    """``/timeshift/u/p/{minutes}/{YYYY-MM-DD:HH-MM}/{id}.ts|m3u8``, local server time."""
    runtime = _runtime(request)
    stream_id, _, extension = stream.partition(".")
    if not _allowed(runtime, username, password) or not stream_id.isdigit():
        raise ApiError(404, "not_found")
    if not 0 < minutes <= 31 * 24 * 60:
        raise ApiError(400, "bad_duration", {"value": minutes, "reason": "1 to 44640 minutes"})
    zone = ZoneInfo(runtime.settings.timezone)
    try:
        start = datetime.strptime(moment, "%Y-%m-%d:%H-%M").replace(tzinfo=zone)
    except ValueError as error:
        raise ApiError(
            400, "bad_time", {"value": moment, "reason": "not YYYY-MM-DD:HH-MM"}
        ) from error
    channel = _by_stream_id(runtime, int(stream_id))
    return _stream(request, channel, extension, int(start.timestamp()) * 1000, minutes * 60)
