"""Signed delivery: ``/t/{token}/{expires}/hls/{channel}/…`` and its address-bound ``/ti/``.

The app verifies exactly what an nginx edge with ``secure_link`` verifies
(``yunjin nginx-config`` writes that edge), then serves the same playlists and
segments as ``/hls/``; relative segment URIs keep the prefix.
"""

from __future__ import annotations

import re
import time

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.hls import key_response, playlist_response, segment_response
from yunjin.delivery.tokens import Binding, Verdict, verify
from yunjin.runtime import Runtime
from yunjin.subscribers.entitlements import ChannelTraits, LivePlay, Viewer, can_play

router = APIRouter(tags=["signed delivery"])
# a device id, or "xc-{address}" for an Xtream app
LEASE_HOLDER = re.compile(r"^[A-Za-z0-9.:_-]{1,64}$")


def client_address(request: Request) -> str:
    """The viewer's address: X-Real-IP when a trusted edge forwarded the request."""
    peer = request.client.host if request.client else ""
    if peer in runtime_of(request).settings.trusted_proxies:
        forwarded = request.headers.get("x-real-ip", "").strip()
        if forwarded:
            return forwarded
    return peer


def _check(request: Request, binding: str, token: str, expires: str, channel: str) -> None:
    secret = runtime_of(request).settings.token_secret
    if secret is None:
        raise ApiError(404, "tokens_disabled")
    if not expires.isascii() or not expires.isdigit() or len(expires) > 12:
        raise ApiError(403, "token_forged")
    verdict = verify(
        secret,
        Binding(binding),
        token,
        int(expires),
        channel,
        client_address(request),
        int(time.time()),
    )
    if verdict is Verdict.EXPIRED:
        raise ApiError(410, "token_expired")
    if verdict is Verdict.FORGED:
        raise ApiError(403, "token_forged")


def _binding(request: Request) -> str:
    return request.url.path.split("/", 2)[1]  # "t" or "ti"


@router.get("/t/{token}/{expires}/hls/{channel}/{name}")
@router.head("/t/{token}/{expires}/hls/{channel}/{name}", include_in_schema=False)
@router.get("/ti/{token}/{expires}/hls/{channel}/{name}")
@router.head("/ti/{token}/{expires}/hls/{channel}/{name}", include_in_schema=False)
async def signed_playlist(
    request: Request, token: str, expires: str, channel: str, name: str
) -> Response:
    _check(request, _binding(request), token, expires, channel)
    lease = request.query_params.get("lease")
    if lease is not None:
        renew_lease(runtime_of(request), lease, channel)
    return playlist_response(request, channel, name)


@router.get("/t/{token}/{expires}/hls/{channel}/{day}/{hour}/{segment}")
@router.head("/t/{token}/{expires}/hls/{channel}/{day}/{hour}/{segment}", include_in_schema=False)
@router.get("/ti/{token}/{expires}/hls/{channel}/{day}/{hour}/{segment}")
@router.head("/ti/{token}/{expires}/hls/{channel}/{day}/{hour}/{segment}", include_in_schema=False)
async def signed_segment(
    request: Request, token: str, expires: str, channel: str, day: str, hour: str, segment: str
) -> Response:
    _check(request, _binding(request), token, expires, channel)
    return segment_response(request, channel, day, hour, segment)


@router.get("/t/{token}/{expires}/hls/{channel}/keys/{name}")
@router.get("/ti/{token}/{expires}/hls/{channel}/keys/{name}")
async def signed_key(
    request: Request, token: str, expires: str, channel: str, name: str
) -> Response:
    """An encrypted channel's key, for the holder of a token for that channel."""
    _check(request, _binding(request), token, expires, channel)
    return key_response(request, channel, name)


def renew_lease(runtime: Runtime, lease: str, channel: str) -> None:
    """A playlist fetch under a lease: the gate again (a suspension or a subscription that
    ended mid-programme stops the next playlist), then the lease must still be held."""
    household_text, _, device_text = lease.partition(".")
    found = runtime.channels.get(channel)
    if not (household_text.isdigit() and LEASE_HOLDER.match(device_text)) or found is None:
        raise ApiError(403, "lease_lost")
    household = int(household_text)
    # the device and the PIN were checked when playback started; the household's rights now
    still = can_play(
        runtime.rights(household),
        Viewer(0, uhd=True, pin_ok=True),
        LivePlay(ChannelTraits(found.tvg_id)),
        time.time_ns() // 1_000_000,
    )
    if not still.allowed:
        assert still.refusal is not None
        runtime.leases.release(household, device_text)
        raise ApiError(403, still.refusal.value, {"channel": channel})
    if not runtime.leases.renew(household, device_text):
        raise ApiError(403, "lease_lost")
