"""HLS delivery: computed playlists and archived segments under ``/hls/{channel}/``.

Segment URIs in playlists are relative, so a token in a path prefix added in
front of ``/hls`` later covers the segments as well.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.archive.encryption import hour_of_key
from yunjin.archive.playlist import PLAYLIST_CONTENT_TYPE, PlaylistType
from yunjin.archive.requests import (
    BadRequest,
    Catchup,
    Live,
    PlaylistRequest,
    StartOver,
    check_reach,
    parse_playlist_name,
)
from yunjin.archive.segment import parse_segment_name
from yunjin.archive.store import ChannelArchive
from yunjin.archive.windows import (
    OutsideArchive,
    Window,
    archive_window,
    live_window,
    render_window,
    start_over_window,
)
from yunjin.delivery.scopes import ChannelScope
from yunjin.interop.catchup import catchup_from_query

router = APIRouter()
SEGMENT_CONTENT_TYPE = "video/mp2t"


def _archive(request: Request, channel: str) -> ChannelArchive:
    runtime = runtime_of(request)
    if channel not in runtime.channels:
        raise ApiError(404, "channel_not_found", {"channel": channel})
    return runtime.archives.get(channel)


@router.get("/hls/{channel}/{name}")
@router.head("/hls/{channel}/{name}", include_in_schema=False)
async def playlist(request: Request, channel: str, name: str) -> Response:
    """Live, time-shift, start-over and catch-up playlists of a channel."""
    _open_access(request, channel)
    return playlist_response(request, channel, name)


def playlist_response(
    request: Request, channel: str, name: str, scope: ChannelScope | None = None
) -> Response:
    """Live, time-shift, start-over and catch-up playlists of a channel; under a signed
    ``scope``, only what it opens.

    The live URL also answers catch-up asked for in its query (``playseek``,
    ``utc``/``lutc``, ``utc``/``duration``).
    """
    archive = _archive(request, channel)
    settings = runtime_of(request).settings
    now_ms = time.time_ns() // 1_000_000
    try:
        wanted = parse_playlist_name(name, now_ms // 1000)
        if isinstance(wanted, Live) and wanted.delay_s == 0:
            query = dict(request.query_params)
            wanted = catchup_from_query(query, settings.timezone, now_ms // 1000) or wanted
        check_reach(wanted, now_ms // 1000, settings.catchup_window_max_s)
    except BadRequest as error:
        raise ApiError(400, error.code, error.values) from error
    index = archive.index
    if scope is not None:
        live_span_ms = settings.live_window_segments * index.target_duration * 1000
        if not scope.opens_playlist(wanted, now_ms, live_span_ms):
            raise ApiError(403, "outside_grant", {"channel": channel})
    if len(index) == 0:
        raise ApiError(404, "archive_empty", {"channel": channel})
    try:
        window = _window(request, archive, wanted, now_ms)
    except OutsideArchive as error:
        raise ApiError(
            404,
            "outside_archive",
            {"channel": channel, "available": _describe(error)},
            extra={
                "available": {
                    "start": _seconds(error.available_start_ms),
                    "end": _seconds(error.available_end_ms),
                }
            },
        ) from error
    live = window.playlist_type is not PlaylistType.VOD
    keyed = runtime_of(request).channels[channel].encrypted
    return Response(
        render_window(index, window, keyed=keyed),
        media_type=PLAYLIST_CONTENT_TYPE,
        headers={"Cache-Control": "no-cache" if live else "max-age=3600"},
    )


def _window(
    request: Request, archive: ChannelArchive, wanted: PlaylistRequest, now_ms: int
) -> Window:
    size = runtime_of(request).settings.live_window_segments
    index = archive.index
    match wanted:
        case Live(delay_s=delay):
            return live_window(index, size, now_ms, delay * 1000)
        case StartOver(from_s=start):
            return start_over_window(index, start * 1000, now_ms, PlaylistType.LIVE)
        case Catchup(from_s=start, duration_s=None):
            return start_over_window(index, start * 1000, now_ms, PlaylistType.EVENT)
        case Catchup(from_s=start, duration_s=int(duration)):
            return archive_window(index, start * 1000, duration * 1000, now_ms)
    raise AssertionError(wanted)


@router.get("/hls/{channel}/{day}/{hour}/{segment}")
@router.head("/hls/{channel}/{day}/{hour}/{segment}", include_in_schema=False)
async def segment(request: Request, channel: str, day: str, hour: str, segment: str) -> Response:
    """An archived MPEG-TS segment, with Range support."""
    _open_access(request, channel)
    return segment_response(request, channel, day, hour, segment)


@router.get("/hls/{channel}/keys/{name}")
async def key(request: Request, channel: str, name: str) -> Response:
    """Keys are only served under a signed prefix: a token is an entitled session."""
    _archive(request, channel)
    raise ApiError(403, "token_required")


def key_response(request: Request, channel: str, name: str, scope: ChannelScope) -> Response:
    """An hour's AES-128 key of an encrypted channel (16 bytes, never cached), for an hour
    the signed ``scope`` reaches."""
    runtime = runtime_of(request)
    found = runtime.channels.get(channel)
    if found is None:
        raise ApiError(404, "channel_not_found", {"channel": channel})
    keys = runtime.channel_keys(found)
    hour = hour_of_key(name)
    if keys is None or hour is None:
        raise ApiError(404, "not_found")
    if not scope.opens_key(hour):
        raise ApiError(403, "outside_grant", {"channel": channel})
    return Response(
        keys.key(hour),
        media_type="application/octet-stream",
        headers={"Cache-Control": "private, no-store"},
    )


def _open_access(request: Request, channel: str) -> None:
    """Unsigned ``/hls/`` URLs play a channel open to everyone (free-to-air, a published live
    event); any other only while the platform is open — it protects nobody yet and the
    operator has not required tokens (ADR 0029)."""
    runtime = runtime_of(request)
    found = runtime.channels.get(channel)
    if not runtime.access.open and (found is None or not found.open_to_all):
        raise ApiError(403, "token_required")


def segment_response(
    request: Request,
    channel: str,
    day: str,
    hour: str,
    segment: str,
    scope: ChannelScope | None = None,
) -> Response:
    """An archived MPEG-TS segment, with Range support; under a signed ``scope``, only one
    that starts inside it."""
    if scope is not None:
        named = parse_segment_name(segment)
        if named is None:
            raise ApiError(404, "segment_not_found")
        if not scope.opens_segment(named.start_ms):
            raise ApiError(403, "outside_grant", {"channel": channel})
    path = _archive(request, channel).segment_file(day, hour, segment)
    if path is None:
        raise ApiError(404, "segment_not_found")
    return FileResponse(
        path, media_type=SEGMENT_CONTENT_TYPE, headers={"Cache-Control": "max-age=86400"}
    )


def _seconds(ms: int | None) -> int | None:
    return None if ms is None else ms // 1000


def _describe(error: OutsideArchive) -> str:
    if error.available_start_ms is None or error.available_end_ms is None:
        return "nothing"
    start = datetime.fromtimestamp(error.available_start_ms // 1000, UTC)
    end = datetime.fromtimestamp(error.available_end_ms // 1000, UTC)
    return (
        f"{start:%Y-%m-%dT%H:%M:%SZ} – {end:%Y-%m-%dT%H:%M:%SZ} "
        f"({error.available_start_ms // 1000}–{error.available_end_ms // 1000})"
    )
