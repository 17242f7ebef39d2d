"""Signed delivery: ``/t/{token}/{expires}/s/{scope}/hls/{channel}/…``, its address-bound
``/ti/``, and either of them held under a lease:
``/t/{token}/{expires}/l/{lease}/s/{scope}/hls/{channel}/…``.

The app verifies exactly what an nginx edge with ``secure_link`` verifies
(``yunjin nginx-config`` writes that edge), then serves what the signed scope opens — the
kind of playback the gate granted, and for catch-up its window — of the same playlists,
segments and keys as ``/hls/``; relative segment URIs keep the prefix.  A leased playlist
fetch asks the gate again for that scope and renews the lease; the lease is signed, so it
cannot be left off (ADR 0010, 0029).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response

from yunjin.api.deps import runtime_of
from yunjin.api.errors import ApiError
from yunjin.api.hls import key_response, playlist_response, segment_response
from yunjin.delivery.scopes import ChannelScope, ScopeKind
from yunjin.delivery.tokens import Binding, Verdict, sign, verify
from yunjin.live.channels import ChannelView
from yunjin.runtime import Runtime
from yunjin.subscribers.entitlements import (
    CatchupPlay,
    ChannelTraits,
    LivePlay,
    Playback,
    Rights,
    Viewer,
    can_play,
    entitled_until,
)

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


def channel_path(
    runtime: Runtime,
    channel: str,
    scope: ChannelScope,
    playlist: str,
    expires: int,
    address: str | None = None,
    lease: str | None = None,
) -> str:
    """The signed path of ``playlist`` under what ``scope`` opens of ``channel``."""
    secret = runtime.settings.token_secret
    if secret is None:
        raise ApiError(404, "tokens_disabled")
    return f"{sign(secret, channel, scope, expires, address, lease).path}/{playlist}"


def channel_url(
    runtime: Runtime,
    channel: str,
    scope: ChannelScope,
    playlist: str,
    expires: int,
    address: str | None = None,
    lease: str | None = None,
) -> str:
    """:func:`channel_path` under the public base URL."""
    path = channel_path(runtime, channel, scope, playlist, expires, address, lease)
    return f"{runtime.settings.base_url}{path}"


def url_expiry(runtime: Runtime, rights: Rights, channel: ChannelView, now_ms: int) -> int:
    """When a signed URL for ``channel`` ends: the token lifetime from now, or sooner when the
    household's right to the channel runs out before (a pay-per-view window closes at the edge
    as well as in the app)."""
    expires = now_ms // 1000 + runtime.settings.token_ttl_s
    until_ms = entitled_until(rights, channel.traits, now_ms)
    return expires if until_ms is None else max(now_ms // 1000 + 1, min(expires, until_ms // 1000))


def _routes(tail: str, head: bool = True) -> Callable[[Endpoint], Endpoint]:
    """One handler for a tail under every prefix: ``/t/`` and ``/ti/``, with and without a lease."""

    def register(handler: Endpoint) -> Endpoint:
        for binding in ("t", "ti"):
            for leased in ("", "/l/{lease}"):
                path = (
                    f"/{binding}/{{token}}/{{expires}}{leased}/s/{{scope}}/hls/{{channel}}/{tail}"
                )
                router.get(path)(handler)
                if head:
                    router.head(path, include_in_schema=False)(handler)
        return handler

    return register


def checked_scope(
    request: Request, token: str, expires: str, scope: str, channel: str, lease: str | None
) -> ChannelScope:
    """What a verified channel URL opens (its scope is signed with the token)."""
    check_token(request, token, expires, f"{scope}/{channel}", lease)
    parsed = ChannelScope.parse(scope)
    if parsed is None:  # verify() refuses such a URL already: refused as it would be
        raise ApiError(403, "token_forged")
    return parsed


@_routes("{name}")
async def signed_playlist(
    request: Request,
    token: str,
    expires: str,
    scope: str,
    channel: str,
    name: str,
    lease: str | None = None,
) -> Response:
    opens = checked_scope(request, token, expires, scope, channel, lease)
    if lease is not None:
        renew_lease(runtime_of(request), lease, channel, opens)
    return playlist_response(request, channel, name, opens)


@_routes("{day}/{hour}/{segment}")
async def signed_segment(
    request: Request,
    token: str,
    expires: str,
    scope: str,
    channel: str,
    day: str,
    hour: str,
    segment: str,
    lease: str | None = None,
) -> Response:
    opens = checked_scope(request, token, expires, scope, channel, lease)
    return segment_response(request, channel, day, hour, segment, opens)


@_routes("keys/{name}", head=False)
async def signed_key(
    request: Request,
    token: str,
    expires: str,
    scope: str,
    channel: str,
    name: str,
    lease: str | None = None,
) -> Response:
    """An encrypted channel's key, for the holder of a token whose scope reaches its hour."""
    opens = checked_scope(request, token, expires, scope, channel, lease)
    return key_response(request, channel, name, opens)


def renew_lease(runtime: Runtime, lease: str, channel: str, scope: ChannelScope) -> None:
    """A playlist fetch under a lease: the gate again for what the scope opens (a suspension
    or a subscription that ended mid-programme stops the next playlist), then the lease must
    still be held."""
    household_text, _, device_text = lease.partition(".")  # verified with the token
    found = runtime.channels.get(channel)
    if found is None:
        raise ApiError(403, "lease_lost")
    household = int(household_text)
    now_ms = time.time_ns() // 1_000_000
    # the device and the PIN were checked when playback started; the household's rights now
    still = can_play(
        runtime.rights(household),
        Viewer(0, uhd=True, pin_ok=True),
        scoped_play(found.traits, scope, now_ms),
        now_ms,
    )
    if still.refusal is not None:  # refused
        runtime.leases.release(household, device_text)
        raise ApiError(403, still.refusal.value, {"channel": channel})
    if not runtime.leases.renew(household, device_text):
        raise ApiError(403, "lease_lost")


def scoped_play(traits: ChannelTraits, scope: ChannelScope, now_ms: int) -> Playback:
    """The playback a scope stands for, as the gate is asked about it."""
    if scope.kind is ScopeKind.WINDOW:
        return CatchupPlay(traits, scope.start_ms, now_ms if scope.to_ms is None else scope.to_ms)
    if scope.depth_s:
        return CatchupPlay(traits, now_ms - scope.depth_s * 1000, now_ms)
    return LivePlay(traits)
