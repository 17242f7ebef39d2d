"""Which addresses a live event's source may reach: public ones, and the networks the
operator allows (``source_allowed_networks``), so that a newsroom writer cannot point the
recorder at the operator's own hosts (SSRF, issue #12).

The host of a source is resolved and every address it resolves to is checked
(:func:`check_source`): loopback, link-local (cloud metadata lives there), private,
multicast (the head-end's channel feeds), unspecified and every other non-global range are
refused unless a configured network holds the address. Generated ``testsrc:`` sources
have no host and pass. Channels the operator adds (``yunjin channel add``) are not
checked: recording the head-end's multicast and private encoders is what they are for,
and whoever runs that command already controls the server. The rules are pure over a
resolver; :func:`resolve_host` is the one that asks the system.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from typing import Final
from urllib.parse import urlsplit

from yunjin.config import Settings
from yunjin.i18n import Refusal
from yunjin.live.sources import Source, redact_source

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str], list[str]]

# what an address refused is, (en, zh-CN), by the first test it meets
KINDS: Final = {
    "loopback": ("a loopback address of the server", "服务器本机回环地址"),
    "link_local": ("a link-local address", "链路本地地址"),
    "multicast": ("a multicast group of the operator's network", "运营方网络内的组播地址"),
    "unspecified": ("the unspecified address", "未指定地址"),
    "private": ("a private address", "内网私有地址"),
    "reserved": ("an address that is not public", "非公网地址"),
}


class SourceRefused(Refusal, ValueError):
    """A source that may not be recorded from here; ``code`` names the message."""


def parse_networks(values: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDRs as configured (``10.20.0.0/16``, ``239.0.0.0/8``, ``2001:db8::/32``)."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)


def allowed_networks(settings: Settings) -> tuple[IPNetwork, ...]:
    return parse_networks(settings.source_allowed_networks)


def address_kind(address: IPAddress) -> str | None:
    """Why an address is not public (a key of :data:`KINDS`), or None when it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link_local"
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified:
        return "unspecified"
    if address.is_private:
        return "private"
    if not address.is_global:
        return "reserved"
    return None


def source_host(source: Source) -> str | None:
    """The host a source connects to (None for a generated or file source)."""
    if source.is_generated or "://" not in source.url:
        return None
    return urlsplit(source.url).hostname


def check_source(
    source: Source, allowed: Sequence[IPNetwork], resolve: Resolver | None = None
) -> None:
    """Refuse (:class:`SourceRefused`) a source whose host resolves to any address that is
    not public and not in ``allowed``; a host that does not resolve is refused too."""
    host = source_host(source)
    if host is None:
        return
    shown = redact_source(source.url)
    try:
        found = (resolve or resolve_host)(host)
    except OSError as error:
        reason = error.strerror or str(error)
        raise SourceRefused("source_unresolvable", source=shown, reason=reason) from error
    if not found:
        raise SourceRefused("source_unresolvable", source=shown, reason="no address")
    for text in found:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # fe80::1%eth0
        kind = address_kind(address)
        if kind is not None and not any(address in network for network in allowed):
            en, zh = KINDS[kind]
            raise SourceRefused(
                "source_not_public", source=shown, address=str(address), kind=en, kind_zh=zh
            )


def resolve_host(host: str) -> list[str]:
    """Every address the system resolves ``host`` to (an address literal is itself)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({str(info[4][0]) for info in infos})
