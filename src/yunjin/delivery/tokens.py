"""Path-prefix tokens in the shape nginx's stock ``secure_link_md5`` verifies.

A token covers one resource — what the gate granted of a channel (its scope: live, a
time-shift depth or a window of the archive, :mod:`yunjin.delivery.scopes`), or a VOD asset's
playlists, segments and pictures — until it expires::

    /t/{token}/{expires}/s/{scope}/hls/{channel}/...           any client address
    /ti/{token}/{expires}/s/{scope}/hls/{channel}/...          bound to the client's address
    /t/{token}/{expires}/l/{lease}/s/{scope}/hls/{channel}/... held under a concurrency lease
    /t/{token}/{expires}/l/{lease}/vod/{asset}/...   a VOD asset, up to 1080p
    /t/{token}/{expires}/l/{lease}/vod/{asset}.uhd/... the same with its 2160p renditions

    token = base64url(md5("{expires}{lease_part}/{resource}/{address} {secret}")), no padding

where ``resource`` is ``s/{scope}/hls/{channel}`` or ``vod/{scope}``, ``address`` is empty for
``/t/`` and ``lease_part`` is ``/l/{lease}`` or empty: the signed string is the URL's path
from ``{expires}`` to the resource.  nginx computes exactly this with
``secure_link_md5 "$expires$lease/s/$scope/hls/$channel/$bound $secret"`` (``/vod/$scope/``
for VOD), so an edge and the app accept and refuse the same URLs.  Comparisons are
timing-safe.

A VOD scope is the asset's code, or the code with ``.uhd`` when the gate allowed the 4K
renditions: the right to 4K is signed too, so the edge can refuse 2160p segments to a token
issued without it (ADR 0019).

A household's playback is always leased: the lease is part of what is signed, so it cannot be
stripped from the URL to escape the gate's re-check and the stream limit (ADR 0010).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import re
from dataclasses import dataclass

from yunjin.delivery.scopes import ChannelScope

TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
CHANNEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# "{household}.{holder}": a device id, or "xc-{address}" for an Xtream app
LEASE = re.compile(r"^[0-9]{1,12}\.[A-Za-z0-9.:_-]{1,64}$")
ASSET = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")  # a VOD asset's public code
UHD_SCOPE = ".uhd"


class Binding(enum.StrEnum):
    ANY = "t"  # any client address
    ADDRESS = "ti"  # the address the token was issued to


class Verdict(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"  # nginx: $secure_link = "0" → 410
    FORGED = "forged"  # nginx: $secure_link = "" → 403 (also another channel or address)


@dataclass(frozen=True, slots=True)
class SignedPrefix:
    binding: Binding
    token: str
    expires: int
    resource: str  # "s/{scope}/hls/{channel}" or "vod/{scope}"
    lease: str | None = None

    @property
    def path(self) -> str:
        """The URL prefix that replaces ``/hls/{channel}`` (``/vod/{asset}``) for the holder."""
        lease = _lease_part(self.lease)
        return f"/{self.binding.value}/{self.token}/{self.expires}{lease}/{self.resource}"


@dataclass(frozen=True, slots=True)
class VodScope:
    """What a VOD token opens: one asset, with or without its 2160p renditions."""

    asset: str
    uhd: bool = False

    @property
    def text(self) -> str:
        return f"{self.asset}{UHD_SCOPE}" if self.uhd else self.asset

    @classmethod
    def parse(cls, text: str) -> VodScope | None:
        asset = text.removesuffix(UHD_SCOPE)
        return cls(asset, asset != text) if ASSET.match(asset) else None


def _lease_part(lease: str | None) -> str:
    return f"/l/{lease}" if lease else ""


def _digest(secret: str, expires: int, resource: str, address: str, lease: str | None) -> str:
    material = f"{expires}{_lease_part(lease)}/{resource}/{address} {secret}".encode()
    raw = hashlib.md5(material, usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _signed(
    secret: str, resource: str, expires: int, address: str | None, lease: str | None
) -> SignedPrefix:
    if lease is not None and not LEASE.match(lease):
        raise ValueError(f"not a lease id: {lease!r}")
    binding = Binding.ADDRESS if address else Binding.ANY
    token = _digest(secret, expires, resource, address or "", lease)
    return SignedPrefix(binding, token, expires, resource, lease)


def sign(
    secret: str,
    channel: str,
    scope: ChannelScope,
    expires: int,
    address: str | None = None,
    lease: str | None = None,
) -> SignedPrefix:
    """A prefix for what ``scope`` opens of ``channel``, valid until ``expires`` (Unix
    seconds), optionally bound to an address and held under a lease."""
    if not CHANNEL.match(channel):
        raise ValueError(f"not a channel id: {channel!r}")
    return _signed(secret, _channel_resource(scope.text, channel), expires, address, lease)


def _channel_resource(scope: str, channel: str) -> str:
    return f"s/{scope}/hls/{channel}"


def sign_vod(
    secret: str,
    scope: VodScope,
    expires: int,
    address: str | None = None,
    lease: str | None = None,
) -> SignedPrefix:
    """A prefix for a VOD asset (``/vod/{asset}`` or ``/vod/{asset}.uhd``), as :func:`sign`."""
    if not ASSET.match(scope.asset):
        raise ValueError(f"not an asset code: {scope.asset!r}")
    return _signed(secret, f"vod/{scope.text}", expires, address, lease)


def verify(
    secret: str,
    binding: Binding,
    token: str,
    expires: int,
    resource: str,
    address: str,
    now_s: int,
    lease: str | None = None,
) -> Verdict:
    """What nginx's secure_link would decide for a channel's request; ``resource`` is
    ``{scope}/{channel}`` as they stand in the path."""
    scope, _, channel = resource.partition("/")
    if not CHANNEL.match(channel) or ChannelScope.parse(scope) is None:
        return Verdict.FORGED
    signed = _channel_resource(scope, channel)
    return _verify(secret, binding, token, expires, signed, address, now_s, lease)


def verify_vod(
    secret: str,
    binding: Binding,
    token: str,
    expires: int,
    scope: str,
    address: str,
    now_s: int,
    lease: str | None = None,
) -> Verdict:
    """:func:`verify` for a VOD prefix; ``scope`` as it stands in the path."""
    if VodScope.parse(scope) is None:
        return Verdict.FORGED
    return _verify(secret, binding, token, expires, f"vod/{scope}", address, now_s, lease)


def _verify(
    secret: str,
    binding: Binding,
    token: str,
    expires: int,
    resource: str,
    address: str,
    now_s: int,
    lease: str | None,
) -> Verdict:
    if not TOKEN.match(token):
        return Verdict.FORGED
    if lease is not None and not LEASE.match(lease):
        return Verdict.FORGED
    bound_to = address if binding is Binding.ADDRESS else ""
    expected = _digest(secret, expires, resource, bound_to, lease)
    if not hmac.compare_digest(expected.encode(), token.encode()):
        return Verdict.FORGED
    if expires < now_s:
        return Verdict.EXPIRED
    return Verdict.VALID
