"""Signed VOD delivery: ``/t/{token}/{expires}[/l/{lease}]/vod/{asset}[.uhd]/…`` (and ``/ti/``).

The app verifies exactly what an nginx edge verifies (``delivery/nginx.py``), then serves
the asset's published media from ``{data_dir}/vod/media/{asset}/``:

- ``master.m3u8`` filtered for the token's scope (no rendition above 1080p without
  ``.uhd``; H.264 first);
- ``{rung}/index.m3u8`` and its segments and init segment, a 4K rung only under ``.uhd``;
- ``poster.jpg``, ``sprite.jpg``, ``sprite.vtt``.

A leased playlist fetch asks the gate again and renews the lease, as live does (a rented
film whose rental ends stops at the next playlist); segments through the app renew the lease
too. Names are checked against fixed patterns, so no path leaves the asset's folder.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.secure import check_token
from yunjin.delivery.tokens import VodScope, verify_vod
from yunjin.runtime import Runtime
from yunjin.subscribers.entitlements import Viewer, VodPlay, can_play
from yunjin.vod.master import filter_master, is_rung, is_uhd_rung
from yunjin.vod.playback import playable_asset, refusal_wording

router = APIRouter(tags=["signed delivery"])
Endpoint = Callable[..., Response]  # plain functions: they read files and the database

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT = re.compile(r"^[A-Za-z0-9_-]{1,64}\.(ts|m4s|mp4)$")
SEGMENT_TYPES = {"ts": "video/mp2t", "m4s": "video/iso.segment", "mp4": "video/mp4"}
PICTURES = {"poster.jpg": "image/jpeg", "sprite.jpg": "image/jpeg", "sprite.vtt": "text/vtt"}
MEDIA_CACHE = "max-age=86400"


def _check(request: Request, token: str, expires: str, scope: str, lease: str | None) -> VodScope:
    check_token(request, token, expires, scope, lease, verify_vod)
    parsed = VodScope.parse(scope)
    if parsed is None:  # a signed scope that does not parse is no scope of ours
        raise ApiError(403, "token_forged")
    return parsed


def _routes(tail: str) -> Callable[[Endpoint], Endpoint]:
    """One handler for a tail under every prefix: ``/t/`` and ``/ti/``, with and without a lease."""

    def register(handler: Endpoint) -> Endpoint:
        for binding in ("t", "ti"):
            for leased in ("", "/l/{lease}"):
                path = f"/{binding}/{{token}}/{{expires}}{leased}/vod/{{scope}}/{tail}"
                router.get(path)(handler)
                router.head(path, include_in_schema=False)(handler)
        return handler

    return register


def _folder(runtime: Runtime, asset: str) -> Path:
    return runtime.settings.vod_dir / "media" / asset


def _file(folder: Path, *parts: str) -> Path:
    path = folder.joinpath(*parts)
    if not path.is_file():
        raise ApiError(404, "not_found")
    return path


@_routes("{name}")
def signed_vod_file(
    request: Request, token: str, expires: str, scope: str, name: str, lease: str | None = None
) -> Response:
    """The master playlist as this token may see it, the poster and the trick-play sprite."""
    vod = _check(request, token, expires, scope, lease)
    runtime = runtime_of(request)
    folder = _folder(runtime, vod.asset)
    if name == "master.m3u8":
        if lease is not None:
            renew_vod_lease(runtime, lease, vod, None)
        text = _file(folder, name).read_text(encoding="utf-8")
        return Response(
            filter_master(text, vod.uhd),
            media_type=PLAYLIST_TYPE,
            headers={"Cache-Control": "no-cache"},
        )
    if name in PICTURES:
        return FileResponse(
            _file(folder, name), media_type=PICTURES[name], headers={"Cache-Control": MEDIA_CACHE}
        )
    raise ApiError(404, "not_found")


@_routes("{rung}/{name}")
def signed_vod_rung(
    request: Request,
    token: str,
    expires: str,
    scope: str,
    rung: str,
    name: str,
    lease: str | None = None,
) -> Response:
    """A rendition's playlist (the gate again under a lease) or one of its segments."""
    vod = _check(request, token, expires, scope, lease)
    if not is_rung(rung):
        raise ApiError(404, "not_found")
    if is_uhd_rung(rung) and not vod.uhd:
        raise ApiError(403, "vod_uhd_not_allowed")
    runtime = runtime_of(request)
    folder = _folder(runtime, vod.asset) / rung
    if name == "index.m3u8":
        if lease is not None:
            renew_vod_lease(runtime, lease, vod, rung)
        return FileResponse(
            _file(folder, name), media_type=PLAYLIST_TYPE, headers={"Cache-Control": "no-cache"}
        )
    matched = SEGMENT.match(name)
    if matched is None:
        raise ApiError(404, "not_found")
    path = _file(folder, name)
    if lease is not None:  # a player past its last playlist fetch still holds its place
        household, _, holder = lease.partition(".")
        runtime.leases.renew(int(household), holder)
    return FileResponse(
        path,
        media_type=SEGMENT_TYPES[matched.group(1)],
        headers={"Cache-Control": MEDIA_CACHE},
    )


def renew_vod_lease(runtime: Runtime, lease: str, vod: VodScope, rung: str | None) -> None:
    """A VOD playlist fetch under a lease: the asset must still be ready, the household still
    entitled (and to 4K, for a 4K rung), and the lease still held."""
    household_text, _, holder = lease.partition(".")  # verified with the token
    household = int(household_text)
    with runtime.db.session() as session:
        found = playable_asset(session, vod.asset)
    if found is None:
        runtime.leases.release(household, holder)
        raise ApiError(404, "vod_asset_gone")
    # the device and the PIN were checked when playback started; the household's rights now
    still = can_play(
        runtime.rights(household),
        Viewer(0, uhd=True, pin_ok=True),
        VodPlay(found.traits),
        time.time_ns() // 1_000_000,
    )
    if still.refusal is not None:  # refused
        runtime.leases.release(household, holder)
        raise ApiError(
            403,
            still.refusal.value,
            {"title": found.title_zh},
            message=refusal_wording(still.refusal),
        )
    if rung is not None and is_uhd_rung(rung) and not still.uhd:
        raise ApiError(403, "uhd_product_required")
    if not runtime.leases.renew(household, holder):
        raise ApiError(403, "lease_lost")
