"""Path-prefix tokens in the shape nginx's stock ``secure_link_md5`` verifies.

A token covers one channel's playlists, segments and keys until it expires::

    /t/{token}/{expires}/hls/{channel}/...           any client address
    /ti/{token}/{expires}/hls/{channel}/...          bound to the client's address
    /t/{token}/{expires}/l/{lease}/hls/{channel}/... held under a concurrency lease

    token = base64url(md5("{expires}{lease_part}/hls/{channel}/{address} {secret}")), no padding

where ``address`` is empty for ``/t/`` and ``lease_part`` is ``/l/{lease}`` or empty.  nginx
computes exactly this with ``secure_link_md5 "$expires$lease/hls/$channel/$bound $secret"``,
so an edge and the app accept and refuse the same URLs.  Comparisons are timing-safe.

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

TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
CHANNEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# "{household}.{holder}": a device id, or "xc-{address}" for an Xtream app
LEASE = re.compile(r"^[0-9]{1,12}\.[A-Za-z0-9.:_-]{1,64}$")


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
    channel: str
    lease: str | None = None

    @property
    def path(self) -> str:
        """The URL prefix that replaces ``/hls/{channel}`` for the holder of the token."""
        lease = _lease_part(self.lease)
        return f"/{self.binding.value}/{self.token}/{self.expires}{lease}/hls/{self.channel}"


def _lease_part(lease: str | None) -> str:
    return f"/l/{lease}" if lease else ""


def _digest(secret: str, expires: int, channel: str, address: str, lease: str | None) -> str:
    material = f"{expires}{_lease_part(lease)}/hls/{channel}/{address} {secret}".encode()
    raw = hashlib.md5(material, usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign(
    secret: str, channel: str, expires: int, address: str | None = None, lease: str | None = None
) -> SignedPrefix:
    """A prefix for ``channel`` valid until ``expires`` (Unix seconds), optionally bound to an
    address and held under a lease."""
    if not CHANNEL.match(channel):
        raise ValueError(f"not a channel id: {channel!r}")
    if lease is not None and not LEASE.match(lease):
        raise ValueError(f"not a lease id: {lease!r}")
    binding = Binding.ADDRESS if address else Binding.ANY
    token = _digest(secret, expires, channel, address or "", lease)
    return SignedPrefix(binding, token, expires, channel, lease)


def verify(
    secret: str,
    binding: Binding,
    token: str,
    expires: int,
    channel: str,
    address: str,
    now_s: int,
    lease: str | None = None,
) -> Verdict:
    """What nginx's secure_link would decide for this request."""
    if not TOKEN.match(token) or not CHANNEL.match(channel):
        return Verdict.FORGED
    if lease is not None and not LEASE.match(lease):
        return Verdict.FORGED
    bound_to = address if binding is Binding.ADDRESS else ""
    expected = _digest(secret, expires, channel, bound_to, lease)
    if not hmac.compare_digest(expected.encode(), token.encode()):
        return Verdict.FORGED
    if expires < now_s:
        return Verdict.EXPIRED
    return Verdict.VALID
