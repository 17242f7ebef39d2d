"""Token signing and verification, property-tested: any change to what is signed is refused."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yunjin.delivery.scopes import ChannelScope
from yunjin.delivery.tokens import Binding, Verdict, VodScope, sign, sign_vod, verify, verify_vod

NOW = 1_795_000_000
LIVE = ChannelScope.live(NOW * 1000 - 12_000)
LIVE_TEXT = f"live-{NOW * 1000 - 12_000}-now"
channels = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,20}\Z")
addresses = st.sampled_from(["127.0.0.1", "10.1.2.3", "::1", "2001:db8::7"])
moments = st.integers(10**12, 10**13 - 10**9)
scopes = st.one_of(
    st.builds(ChannelScope.live, moments, st.integers(0, 86_400)),
    st.builds(
        lambda start, length, lead: ChannelScope.window(start, start + length, lead),
        moments,
        st.one_of(st.none(), st.integers(1, 10**8)).map(lambda n: n or 3_600_000),
        st.integers(0, 9_999),
    ),
    st.builds(lambda start: ChannelScope.window(start, None), moments),
)


def nginx_token(material: str) -> str:
    """What nginx's ``secure_link_md5`` makes of ``material``, written out independently."""
    raw = hashlib.md5(material.encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_the_token_is_what_nginx_computes() -> None:
    prefix = sign("s3cret", "CCTV1.cn", LIVE, NOW + 60, "10.0.0.7")
    assert prefix.token == nginx_token(f"{NOW + 60}/s/{LIVE_TEXT}/hls/CCTV1.cn/10.0.0.7 s3cret")
    assert prefix.path == f"/ti/{prefix.token}/{NOW + 60}/s/{LIVE_TEXT}/hls/CCTV1.cn"
    assert sign("s3cret", "CCTV1.cn", LIVE, NOW + 60).path.startswith("/t/")


def _resource(scope: ChannelScope, channel: str) -> str:
    return f"{scope.text}/{channel}"


@given(channels, scopes, st.integers(NOW, NOW + 10**6), st.one_of(st.none(), addresses))
def test_signed_prefixes_verify(
    channel: str, scope: ChannelScope, expires: int, address: str | None
) -> None:
    prefix = sign("secret", channel, scope, expires, address)
    seen_from = address or "198.51.100.1"
    resource = _resource(scope, channel)
    verdict = verify("secret", prefix.binding, prefix.token, expires, resource, seen_from, NOW)
    assert verdict is Verdict.VALID
    assert ChannelScope.parse(scope.text) == scope


@given(channels, channels, scopes, scopes, st.integers(1, 10**6), addresses, addresses)
def test_any_change_is_forged(
    channel: str,
    other: str,
    scope: ChannelScope,
    other_scope: ChannelScope,
    shift: int,
    address: str,
    elsewhere: str,
) -> None:
    prefix = sign("secret", channel, scope, NOW + 100, address)
    resource = _resource(scope, channel)

    def verdict(
        resource: str = resource,
        expires: int = NOW + 100,
        seen_from: str = address,
        secret: str = "secret",
        binding: Binding = prefix.binding,
    ) -> Verdict:
        return verify(secret, binding, prefix.token, expires, resource, seen_from, NOW)

    if other != channel:
        assert verdict(_resource(scope, other)) is Verdict.FORGED
    if other_scope != scope:  # live turned into a window, a window moved or widened …
        assert verdict(_resource(other_scope, channel)) is Verdict.FORGED
    assert verdict(expires=NOW + 100 + shift) is Verdict.FORGED
    if elsewhere != address:
        assert verdict(seen_from=elsewhere) is Verdict.FORGED
    assert verdict(secret="other") is Verdict.FORGED
    assert verdict(binding=Binding.ANY) is Verdict.FORGED


def test_expired_only_when_the_hash_is_right() -> None:
    prefix = sign("secret", "A.cn", LIVE, NOW - 1)
    resource = _resource(LIVE, "A.cn")
    assert (
        verify("secret", prefix.binding, prefix.token, NOW - 1, resource, "", NOW)
        is Verdict.EXPIRED
    )
    assert verify("secret", prefix.binding, "x" * 22, NOW - 1, resource, "", NOW) is Verdict.FORGED
    assert verify("secret", prefix.binding, "short", NOW + 9, resource, "", NOW) is Verdict.FORGED


def test_malformed_scopes_are_refused() -> None:
    token = sign("s", "A.cn", LIVE, NOW + 1).token
    for bad in (
        "",
        "A.cn",
        f"live-{NOW * 1000}-{NOW * 1000 + 5}/A.cn",  # live has no end
        f"win-{NOW * 1000}-{NOW * 1000}/A.cn",  # an empty window
        f"win-{NOW}-now/A.cn",  # seconds, not milliseconds
        f"ts0-{NOW * 1000}-now/A.cn",
        f"win0-{NOW * 1000}-now/A.cn",
        f"{LIVE_TEXT}/../A.cn",
    ):
        assert verify("s", Binding.ANY, token, NOW + 1, bad, "", NOW) is Verdict.FORGED


leases = st.from_regex(r"\A[0-9]{1,6}\.(xc-)?[A-Za-z0-9.:_-]{1,20}\Z")


def test_a_leased_token_is_what_nginx_computes() -> None:
    prefix = sign("s3cret", "CCTV1.cn", LIVE, NOW + 60, lease="42.7")
    assert prefix.token == nginx_token(f"{NOW + 60}/l/42.7/s/{LIVE_TEXT}/hls/CCTV1.cn/ s3cret")
    assert prefix.path == f"/t/{prefix.token}/{NOW + 60}/l/42.7/s/{LIVE_TEXT}/hls/CCTV1.cn"


@given(channels, leases, leases, st.one_of(st.none(), addresses))
def test_a_lease_cannot_be_left_off_or_swapped(
    channel: str, lease: str, other: str, address: str | None
) -> None:
    prefix = sign("secret", channel, LIVE, NOW + 100, address, lease)
    seen_from = address or "198.51.100.1"
    resource = _resource(LIVE, channel)

    def verdict(given_lease: str | None) -> Verdict:
        return verify(
            "secret", prefix.binding, prefix.token, NOW + 100, resource, seen_from, NOW, given_lease
        )

    assert verdict(lease) is Verdict.VALID
    assert verdict(None) is Verdict.FORGED
    if other != lease:
        assert verdict(other) is Verdict.FORGED


def test_malformed_leases_are_refused() -> None:
    resource = _resource(LIVE, "A.cn")
    for bad in ("", "x.1", "1.", "1.a/b", "1." + "a" * 65):
        assert verify("s", Binding.ANY, "A" * 22, NOW + 1, resource, "", NOW, bad) is Verdict.FORGED
    with pytest.raises(ValueError, match="not a lease id"):
        sign("s", "A.cn", LIVE, NOW, lease="1.a/b")


assets = st.from_regex(r"\A[a-z0-9][a-z0-9_-]{0,15}\Z")


def test_a_vod_token_is_what_nginx_computes() -> None:
    prefix = sign_vod("s3cret", VodScope("ab12cd34"), NOW + 60, lease="42.7")
    assert prefix.token == nginx_token(f"{NOW + 60}/l/42.7/vod/ab12cd34/ s3cret")
    assert prefix.path == f"/t/{prefix.token}/{NOW + 60}/l/42.7/vod/ab12cd34"
    uhd = sign_vod("s3cret", VodScope("ab12cd34", uhd=True), NOW + 60, "10.0.0.7")
    assert uhd.token == nginx_token(f"{NOW + 60}/vod/ab12cd34.uhd/10.0.0.7 s3cret")
    assert uhd.path.endswith("/vod/ab12cd34.uhd")


@given(assets, assets, leases, st.one_of(st.none(), addresses))
def test_a_vod_token_opens_its_asset_and_scope_only(
    asset: str, other: str, lease: str, address: str | None
) -> None:
    scope = VodScope(asset)
    prefix = sign_vod("secret", scope, NOW + 100, address, lease)
    seen_from = address or "198.51.100.1"

    def verdict(text: str, given_lease: str | None = lease) -> Verdict:
        return verify_vod(
            "secret", prefix.binding, prefix.token, NOW + 100, text, seen_from, NOW, given_lease
        )

    assert verdict(asset) is Verdict.VALID
    assert verdict(f"{asset}.uhd") is Verdict.FORGED  # 4K is not added by editing the URL
    assert verdict(asset, None) is Verdict.FORGED  # nor the lease left off
    if other != asset:
        assert verdict(other) is Verdict.FORGED
    # a channel of the same name is another resource
    channel = _resource(LIVE, asset)
    assert (
        verify("secret", prefix.binding, prefix.token, NOW + 100, channel, seen_from, NOW, lease)
        is Verdict.FORGED
    )


def test_vod_scopes_parse() -> None:
    assert VodScope.parse("ab12") == VodScope("ab12")
    assert VodScope.parse("ab12.uhd") == VodScope("ab12", uhd=True)
    for bad in ("", ".uhd", "../x", "AB12", "ab12.uhd.uhd", "ab/12", "a" * 33):
        assert VodScope.parse(bad) is None
        assert verify_vod("s", Binding.ANY, "A" * 22, NOW + 1, bad, "", NOW) is Verdict.FORGED
    with pytest.raises(ValueError, match="not an asset code"):
        sign_vod("s", VodScope("../x"), NOW)
