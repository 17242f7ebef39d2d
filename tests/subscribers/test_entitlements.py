"""The gate, case by case and as properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yunjin.subscribers.entitlements import (
    CatchupPlay,
    ChannelTraits,
    Grant,
    LivePlay,
    ProductKind,
    Refusal,
    Rights,
    Viewer,
    can_play,
)

DAY = 86_400_000
NOW = 1_795_000_000_000
BASIC = Grant(ProductKind.CHANNELS, frozenset({"A.cn", "B.cn"}), NOW - 30 * DAY, None)
CATCHUP = Grant(ProductKind.CATCHUP, frozenset(), NOW - 30 * DAY, None)
UHD = Grant(ProductKind.UHD, frozenset(), NOW - 30 * DAY, None)
UHD_CHANNELS = Grant(ProductKind.CHANNELS, frozenset({"4K.cn"}), NOW - 30 * DAY, None)
BOX = Viewer(device_id=1, uhd=False)
UHD_BOX = Viewer(device_id=2, uhd=True)
A = ChannelTraits("A.cn")
ADULT = ChannelTraits("A.cn", min_age=18)
FOUR_K = ChannelTraits("4K.cn", uhd=True)


def _rights(*grants: Grant, active: bool = True) -> Rights:
    return Rights(household_id=7, active=active, grants=grants)


@pytest.mark.parametrize(
    ("rights", "viewer", "what", "refusal"),
    [
        (_rights(BASIC), BOX, LivePlay(A), None),
        (_rights(BASIC, active=False), BOX, LivePlay(A), Refusal.HOUSEHOLD_SUSPENDED),
        (_rights(BASIC), BOX, LivePlay(ChannelTraits("C.cn")), Refusal.NOT_SUBSCRIBED),
        (_rights(BASIC), BOX, CatchupPlay(A, NOW - DAY), Refusal.NO_CATCHUP_RIGHT),
        (_rights(BASIC, CATCHUP), BOX, CatchupPlay(A, NOW - DAY), None),
        (_rights(BASIC, UHD), UHD_BOX, LivePlay(FOUR_K), Refusal.NOT_SUBSCRIBED),
        (_rights(BASIC, UHD_CHANNELS), UHD_BOX, LivePlay(FOUR_K), Refusal.UHD_PRODUCT_REQUIRED),
        (_rights(BASIC, UHD_CHANNELS, UHD), BOX, LivePlay(FOUR_K), Refusal.DEVICE_NOT_UHD),
        (_rights(BASIC, UHD_CHANNELS, UHD), UHD_BOX, LivePlay(FOUR_K), None),
        (_rights(BASIC), BOX, LivePlay(ADULT), Refusal.PARENTAL_PIN_REQUIRED),
        (_rights(BASIC), Viewer(1, False, pin_ok=True), LivePlay(ADULT), None),
    ],
)
def test_cases(
    rights: Rights, viewer: Viewer, what: LivePlay | CatchupPlay, refusal: Refusal | None
) -> None:
    decision = can_play(rights, viewer, what, NOW)
    assert decision.allowed == (refusal is None)
    assert decision.refusal == refusal


def test_catchup_needs_the_channel_at_broadcast_time() -> None:
    recent = Grant(ProductKind.CHANNELS, frozenset({"A.cn"}), NOW - DAY, None)
    decision = can_play(_rights(recent, CATCHUP), BOX, CatchupPlay(A, NOW - 2 * DAY), NOW)
    assert decision.refusal is Refusal.NOT_ENTITLED_AT_BROADCAST


def test_a_subscription_that_ends_mid_programme() -> None:
    ending = Grant(ProductKind.CHANNELS, frozenset({"A.cn"}), NOW - DAY, NOW + 60_000)
    assert can_play(_rights(ending), BOX, LivePlay(A), NOW).allowed
    assert can_play(_rights(ending), BOX, LivePlay(A), NOW + 60_000).refusal is (
        Refusal.NOT_SUBSCRIBED
    )


def test_pay_per_view_for_its_window_only() -> None:
    event = Grant(ProductKind.PPV, frozenset({"EVENT.cn"}), NOW, NOW + 3 * 3_600_000)
    channel = ChannelTraits("EVENT.cn")
    assert can_play(_rights(event), BOX, LivePlay(channel), NOW + 60_000).allowed
    assert not can_play(_rights(event), BOX, LivePlay(channel), NOW - 60_000).allowed


@given(
    st.lists(st.sampled_from([BASIC, CATCHUP, UHD, UHD_CHANNELS]), max_size=4),
    st.booleans(),
    st.booleans(),
    st.sampled_from([A, ADULT, FOUR_K]),
    st.integers(0, 40),
)
def test_nothing_plays_without_a_channel_right(
    grants: list[Grant], uhd: bool, pin: bool, channel: ChannelTraits, days_ago: int
) -> None:
    rights = _rights(*grants)
    viewer = Viewer(1, uhd, pin)
    for what in (LivePlay(channel), CatchupPlay(channel, NOW - days_ago * DAY)):
        decision = can_play(rights, viewer, what, NOW)
        has_channel = any(channel.tvg_id in g.channels for g in grants)
        if not has_channel:
            assert not decision.allowed
        if decision.allowed and channel.uhd:
            assert uhd
            assert UHD in grants
        if decision.allowed and channel.min_age:
            assert pin
        if decision.allowed and isinstance(what, CatchupPlay):
            assert CATCHUP in grants
            assert days_ago <= 30
