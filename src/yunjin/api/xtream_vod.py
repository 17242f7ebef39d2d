"""Xtream-Codes movie and episode streams: ``/movie/{u}/{p}/{id}.{ext}``, ``/series/…``.

A household's login goes through the gate and takes a place in its stream limit (as the
live Xtream routes do), then ``.m3u8`` redirects to the signed master playlist, leased, and
``.ts`` answers one continuous MPEG-TS: the segments of the best H.264 rendition up to 1080p,
one after the other, holding the lease while they flow. Xtream apps cannot send the parental
PIN, so rated titles are refused; nor do they say whether they show 4K, so they get up to
1080p. The operator's login from configuration plays only while tokens are not required.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from secrets import token_hex

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.secure import client_address
from yunjin.api.vod_play import playback_error
from yunjin.api.xtream import XtreamLogin, hold_xtream_lease, leased, xtream_login
from yunjin.delivery.tokens import VodScope, sign_vod
from yunjin.i18n import register
from yunjin.runtime import Runtime
from yunjin.subscribers.entitlements import Viewer, VodPlay, can_play
from yunjin.vod.catalog import TitleKind
from yunjin.vod.master import best_h264, parse_master
from yunjin.vod.playback import Playable, PlaybackError, playable_by_id, refusal_wording

router = APIRouter(tags=["xtream-codes"])
EXTENSIONS = ("m3u8", "ts")
TS_SEGMENT = re.compile(r"^[A-Za-z0-9_-]{1,64}\.ts$")

register(
    {
        "vod_bad_extension": (
            "Ask for {stream}.m3u8 (HLS) or {stream}.ts (one MPEG-TS stream).",
            "请使用 {stream}.m3u8（HLS）或 {stream}.ts（MPEG-TS 流）。",
        ),
    }
)


@router.get("/movie/{username}/{password}/{stream}")
def movie(request: Request, username: str, password: str, stream: str) -> Response:
    """A movie by its ``stream_id`` (from ``get_vod_streams``)."""
    return _vod_stream(request, username, password, stream, TitleKind.MOVIE)


@router.get("/series/{username}/{password}/{stream}")
def episode(request: Request, username: str, password: str, stream: str) -> Response:
    """An episode by its ``id`` (from ``get_series_info``)."""
    return _vod_stream(request, username, password, stream, TitleKind.SERIES)


def _vod_stream(
    request: Request, username: str, password: str, stream: str, kind: TitleKind
) -> Response:
    runtime = runtime_of(request)
    number, _, extension = stream.partition(".")
    if not number.isascii() or not number.isdigit() or len(number) > 12:
        raise ApiError(404, "not_found")  # the shape first: no hash for what cannot be one
    if extension not in EXTENSIONS:
        raise ApiError(404, "vod_bad_extension", {"stream": number})
    login = xtream_login(runtime, username, password, client_address(request))
    if login is None:
        raise ApiError(404, "not_found")
    try:
        with runtime.db.session() as session:
            found = playable_by_id(session, kind, int(number))
    except PlaybackError as error:
        raise playback_error(error) from error
    folder = runtime.settings.vod_dir / "media" / found.asset
    segments = _ts_segments(folder) if extension == "ts" else []
    address = client_address(request)
    # a player's reloads of one title share a place; each .ts connection is a stream of its own
    holder = f"xc-{address}-v{number}" if extension == "m3u8" else f"xc-{address}-{token_hex(4)}"
    prefix = _entitled(runtime, login, holder, found)
    if extension == "m3u8":
        return RedirectResponse(f"{prefix}/master.m3u8", status_code=302)
    chunks = _continuous(segments)
    if login.household_id is not None:
        chunks = leased(runtime, login.household_id, holder, VodPlay(found.traits), chunks)
    return StreamingResponse(chunks, media_type="video/mp2t")


def _entitled(runtime: Runtime, login: XtreamLogin, holder: str, found: Playable) -> str:
    """The gate and a lease for a household's Xtream app: a prefix signed with the lease."""
    secret = runtime.settings.token_secret
    if login.household_id is None:
        if not runtime.access.open:  # the operator's login plays only while nothing is sold
            raise ApiError(403, "token_required")
        if secret is None:
            raise ApiError(404, "tokens_disabled")
        expires = int(time.time()) + runtime.settings.token_ttl_s
        return sign_vod(secret, VodScope(found.asset), expires).path
    household = login.household_id
    decision = can_play(
        runtime.rights(household),
        Viewer(0, uhd=False),
        VodPlay(found.traits),
        time.time_ns() // 1_000_000,
    )
    if decision.refusal is not None:  # refused
        raise ApiError(
            403,
            decision.refusal.value,
            {"title": found.title_zh},
            message=refusal_wording(decision.refusal),
        )
    hold_xtream_lease(runtime, household, holder)
    if secret is None:
        raise ApiError(404, "tokens_disabled")
    expires = int(time.time()) + runtime.settings.token_ttl_s
    scope = VodScope(found.asset, decision.uhd)
    return sign_vod(secret, scope, expires, lease=f"{household}.{holder}").path


def _ts_segments(folder: Path) -> list[Path]:
    """The segment files of the best H.264 rendition up to 1080p, in playing order."""
    try:
        master = parse_master((folder / "master.m3u8").read_text(encoding="utf-8"))
    except OSError as error:
        raise ApiError(404, "vod_asset_gone") from error
    variant = best_h264(master)
    if variant is None:
        raise ApiError(404, "not_found")
    rung = folder / variant.uri.rsplit("/", 1)[0]
    names = [
        line.strip()
        for line in (folder / variant.uri).read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    if not names or not all(TS_SEGMENT.match(name) for name in names):
        raise ApiError(404, "not_found")  # fMP4 segments do not make one MPEG-TS stream
    return [rung / name for name in names]


async def _continuous(segments: list[Path]) -> AsyncIterator[bytes]:
    """One MPEG-TS stream: the segments one after the other (one muxer made them, so the
    continuity counters and timestamps run on)."""
    for path in segments:
        yield await asyncio.to_thread(path.read_bytes)
