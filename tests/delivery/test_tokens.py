"""Token signing and verification, property-tested: any change to what is signed is refused."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yunjin.delivery.tokens import Binding, Verdict, VodScope, sign, sign_vod, verify, verify_vod

NOW = 1_795_000_000
channels = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,20}\Z")
addresses = st.sampled_from(["127.0.0.1", "10.1.2.3", "::1", "2001:db8::7"])


def test_the_token_is_what_nginx_computes() -> None:
    prefix = sign("s3cret", "CCTV1.cn", NOW + 60, "10.0.0.7")
    raw = hashlib.md5(f"{NOW + 60}/hls/CCTV1.cn/10.0.0.7 s3cret".encode()).digest()
    assert prefix.token == base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert prefix.path == f"/ti/{prefix.token}/{NOW + 60}/hls/CCTV1.cn"
    assert sign("s3cret", "CCTV1.cn", NOW + 60).path.startswith("/t/")


@given(channels, st.integers(NOW, NOW + 10**6), st.one_of(st.none(), addresses))
def test_signed_prefixes_verify(channel: str, expires: int, address: str | None) -> None:
    prefix = sign("secret", channel, expires, address)
    verdict = verify(
        "secret", prefix.binding, prefix.token, expires, channel, address or "198.51.100.1", NOW
    )
    assert verdict is Verdict.VALID


@given(channels, channels, st.integers(1, 10**6), addresses, addresses)
def test_any_change_is_forged(
    channel: str, other: str, shift: int, address: str, elsewhere: str
) -> None:
    prefix = sign("secret", channel, NOW + 100, address)
    if other != channel:
        assert (
            verify("secret", prefix.binding, prefix.token, NOW + 100, other, address, NOW)
            is Verdict.FORGED
        )
    assert (
        verify("secret", prefix.binding, prefix.token, NOW + 100 + shift, channel, address, NOW)
        is Verdict.FORGED
    )
    if elsewhere != address:
        assert (
            verify("secret", prefix.binding, prefix.token, NOW + 100, channel, elsewhere, NOW)
            is Verdict.FORGED
        )
    assert (
        verify("other", prefix.binding, prefix.token, NOW + 100, channel, address, NOW)
        is Verdict.FORGED
    )
    assert (
        verify("secret", Binding.ANY, prefix.token, NOW + 100, channel, address, NOW)
        is Verdict.FORGED
    )


def test_expired_only_when_the_hash_is_right() -> None:
    prefix = sign("secret", "A.cn", NOW - 1)
    assert (
        verify("secret", prefix.binding, prefix.token, NOW - 1, "A.cn", "", NOW) is Verdict.EXPIRED
    )
    assert verify("secret", prefix.binding, "x" * 22, NOW - 1, "A.cn", "", NOW) is Verdict.FORGED
    assert verify("secret", prefix.binding, "short", NOW + 9, "A.cn", "", NOW) is Verdict.FORGED


leases = st.from_regex(r"\A[0-9]{1,6}\.(xc-)?[A-Za-z0-9.:_-]{1,20}\Z")


def test_a_leased_token_is_what_nginx_computes() -> None:
    prefix = sign("s3cret", "CCTV1.cn", NOW + 60, lease="42.7")
    raw = hashlib.md5(f"{NOW + 60}/l/42.7/hls/CCTV1.cn/ s3cret".encode()).digest()
    assert prefix.token == base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert prefix.path == f"/t/{prefix.token}/{NOW + 60}/l/42.7/hls/CCTV1.cn"


@given(channels, leases, leases, st.one_of(st.none(), addresses))
def test_a_lease_cannot_be_left_off_or_swapped(
    channel: str, lease: str, other: str, address: str | None
) -> None:
    prefix = sign("secret", channel, NOW + 100, address, lease)
    seen_from = address or "198.51.100.1"

    def verdict(given_lease: str | None) -> Verdict:
        return verify(
            "secret", prefix.binding, prefix.token, NOW + 100, channel, seen_from, NOW, given_lease
        )

    assert verdict(lease) is Verdict.VALID
    assert verdict(None) is Verdict.FORGED
    if other != lease:
        assert verdict(other) is Verdict.FORGED


def test_malformed_leases_are_refused() -> None:
    for bad in ("", "x.1", "1.", "1.a/b", "1." + "a" * 65):
        assert verify("s", Binding.ANY, "A" * 22, NOW + 1, "A.cn", "", NOW, bad) is Verdict.FORGED
    with pytest.raises(ValueError, match="not a lease id"):
        sign("s", "A.cn", NOW, lease="1.a/b")


assets = st.from_regex(r"\A[a-z0-9][a-z0-9_-]{0,15}\Z")


def test_a_vod_token_is_what_nginx_computes() -> None:
    prefix = sign_vod("s3cret", VodScope("ab12cd34"), NOW + 60, lease="42.7")
    raw = hashlib.md5(f"{NOW + 60}/l/42.7/vod/ab12cd34/ s3cret".encode()).digest()
    assert prefix.token == base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert prefix.path == f"/t/{prefix.token}/{NOW + 60}/l/42.7/vod/ab12cd34"
    uhd = sign_vod("s3cret", VodScope("ab12cd34", uhd=True), NOW + 60, "10.0.0.7")
    raw = hashlib.md5(f"{NOW + 60}/vod/ab12cd34.uhd/10.0.0.7 s3cret".encode()).digest()
    assert uhd.token == base64.urlsafe_b64encode(raw).decode().rstrip("=")
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
    assert (
        verify("secret", prefix.binding, prefix.token, NOW + 100, asset, seen_from, NOW, lease)
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
