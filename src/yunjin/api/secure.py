"""Signed delivery: ``/t/{token}/{expires}/hls/{channel}/…``, its address-bound ``/ti/``,
and either of them held under a lease: ``/t/{token}/{expires}/l/{lease}/hls/{channel}/…``.

The app verifies exactly what an nginx edge with ``secure_link`` verifies
(``yunjin nginx-config`` writes that edge), then serves the same playlists and
segments as ``/hls/``; relative segment URIs keep the prefix.  A leased playlist fetch asks
the gate again and renews the lease; the lease is signed, so it cannot be left off.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.hls import key_response, playlist_response, segment_response
from yunjin.delivery.tokens import Binding, Verdict, verify
from yunjin.runtime import Runtime
from yunjin.subscribers.entitlements import ChannelTraits, LivePlay, Viewer, can_play

router = APIRouter(tags=["signed delivery"])
Endpoint = Callable[..., Awaitable[Response]]


def client_address(request: Request) -> str:
    """The viewer's address: X-Real-IP when a trusted edge forwarded the request."""
    peer = request.client.host if request.client else ""
    if peer in runtime_of(request).settings.trusted_proxies:
        forwarded = request.headers.get("x-real-ip", "").strip()
        if forwarded:
            return forwarded
    return peer


Verifier = Callable[[str, Binding, str, int, str, str, int, str | None], Verdict]


def check_token(
    request: Request,
    token: str,
    expires: str,
    scope: str,
    lease: str | None,
    verifier: Verifier = verify,
) -> None:
    """Refuse the request unless its prefix verifies (``verify`` for a channel,
    ``verify_vod`` for an asset): 404 without a secret, 410 expired, 403 forged."""
    secret = runtime_of(request).settings.token_secret
    if secret is None:
        raise ApiError(404, "tokens_disabled")
    if not expires.isascii() or not expires.isdigit() or len(expires) > 12:
        raise ApiError(403, "token_forged")
    verdict = verifier(
        secret,
        Binding(request.url.path.split("/", 2)[1]),  # "t" or "ti"
        token,
        int(expires),
        scope,
        client_address(request),
        int(time.time()),
        lease,
    )
    if verdict is Verdict.EXPIRED:
        raise ApiError(410, "token_expired")
    if verdict is Verdict.FORGED:
        raise ApiError(403, "token_forged")


def _routes(tail: str, head: bool = True) -> Callable[[Endpoint], Endpoint]:
    """One handler for a tail under every prefix: ``/t/`` and ``/ti/``, with and without a lease."""

    def register(handler: Endpoint) -> Endpoint:
        for binding in ("t", "ti"):
            for leased in ("", "/l/{lease}"):
                path = f"/{binding}/{{token}}/{{expires}}{leased}/hls/{{channel}}/{tail}"
                router.get(path)(handler)
                if head:
                    router.head(path, include_in_schema=False)(handler)
        return handler

    return register


@_routes("{name}")
async def signed_playlist(
    request: Request, token: str, expires: str, channel: str, name: str, lease: str | None = None
) -> Response:
    check_token(request, token, expires, channel, lease)
    if lease is not None:
        renew_lease(runtime_of(request), lease, channel)
    return playlist_response(request, channel, name)


@_routes("{day}/{hour}/{segment}")
async def signed_segment(
    request: Request,
    token: str,
    expires: str,
    channel: str,
    day: str,
    hour: str,
    segment: str,
    lease: str | None = None,
) -> Response:
    check_token(request, token, expires, channel, lease)
    return segment_response(request, channel, day, hour, segment)


@_routes("keys/{name}", head=False)
async def signed_key(
    request: Request, token: str, expires: str, channel: str, name: str, lease: str | None = None
) -> Response:
    """An encrypted channel's key, for the holder of a token for that channel."""
    check_token(request, token, expires, channel, lease)
    return key_response(request, channel, name)


def renew_lease(runtime: Runtime, lease: str, channel: str) -> None:
    """A playlist fetch under a lease: the gate again (a suspension or a subscription that
    ended mid-programme stops the next playlist), then the lease must still be held."""
    household_text, _, device_text = lease.partition(".")  # verified with the token
    found = runtime.channels.get(channel)
    if found is None:
        raise ApiError(403, "lease_lost")
    household = int(household_text)
    # the device and the PIN were checked when playback started; the household's rights now
    still = can_play(
        runtime.rights(household),
        Viewer(0, uhd=True, pin_ok=True),
        LivePlay(ChannelTraits(found.tvg_id, public_event=found.public_event)),
        time.time_ns() // 1_000_000,
    )
    if not still.allowed:
        assert still.refusal is not None
        runtime.leases.release(household, device_text)
        raise ApiError(403, still.refusal.value, {"channel": channel})
    if not runtime.leases.renew(household, device_text):
        raise ApiError(403, "lease_lost")
