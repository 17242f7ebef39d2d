"""The gate, case by case and as properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yunjin.subscribers.entitlements import (
    CatchupPlay,
    ChannelTraits,
    Decision,
    Grant,
    LivePlay,
    ProductKind,
    Refusal,
    Rights,
    TitleTraits,
    Viewer,
    VodPlay,
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


# -- VOD ----------------------------------------------------------------------------------

FILMS = Grant(ProductKind.VOD, frozenset(), NOW - 30 * DAY, None, titles=frozenset({"liulang"}))
DOCS = Grant(ProductKind.VOD, frozenset(), NOW - 30 * DAY, None, categories=frozenset({"docs"}))
RENTAL = Grant(ProductKind.PPV, frozenset(), NOW - 3_600_000, NOW + DAY, frozenset({"fanhua"}))
MOVIE = TitleTraits("liulang")
MOVIE_4K = TitleTraits("liulang", uhd=True)
RATED = TitleTraits("liulang", min_age=16)
NATURE = TitleTraits("shijie", categories=frozenset({"docs", "nature"}))
SERIES = TitleTraits("fanhua")


@pytest.mark.parametrize(
    ("grants", "viewer", "title", "refusal", "uhd"),
    [
        ((FILMS,), BOX, MOVIE, None, False),
        ((), BOX, MOVIE, Refusal.NOT_SUBSCRIBED, False),
        ((DOCS,), BOX, MOVIE, Refusal.NOT_SUBSCRIBED, False),
        ((DOCS,), BOX, NATURE, None, False),
        ((RENTAL,), BOX, SERIES, None, False),
        ((RENTAL,), BOX, MOVIE, Refusal.NOT_SUBSCRIBED, False),
        ((FILMS,), BOX, RATED, Refusal.PARENTAL_PIN_REQUIRED, False),
        ((FILMS,), Viewer(1, False, pin_ok=True), RATED, None, False),
        # 4K is never a refusal: without the add-on or a 4K device, up to 1080p
        ((FILMS,), UHD_BOX, MOVIE_4K, None, False),
        ((FILMS, UHD), BOX, MOVIE_4K, None, False),
        ((FILMS, UHD), UHD_BOX, MOVIE_4K, None, True),
        ((FILMS, UHD), UHD_BOX, MOVIE, None, False),
        # a channel bundle opens no title, a title opens no channel
        (
            (Grant(ProductKind.CHANNELS, frozenset({"liulang"}), 0, None),),
            BOX,
            MOVIE,
            Refusal.NOT_SUBSCRIBED,
            False,
        ),
    ],
)
def test_vod_cases(
    grants: tuple[Grant, ...],
    viewer: Viewer,
    title: TitleTraits,
    refusal: Refusal | None,
    uhd: bool,
) -> None:
    decision = can_play(_rights(*grants), viewer, VodPlay(title), NOW)
    assert decision.allowed == (refusal is None)
    assert decision.refusal == refusal
    assert decision.uhd == uhd


def test_a_title_grant_opens_no_channel() -> None:
    named = Grant(ProductKind.VOD, frozenset(), 0, None, titles=frozenset({"A.cn"}))
    rented = Grant(ProductKind.PPV, frozenset(), 0, None, titles=frozenset({"A.cn"}))
    for grant in (named, rented):
        assert can_play(_rights(grant), BOX, LivePlay(A), NOW).refusal is Refusal.NOT_SUBSCRIBED


def test_a_rental_plays_for_its_hours_only() -> None:
    assert can_play(_rights(RENTAL), BOX, VodPlay(SERIES), NOW + DAY - 1).allowed
    late = can_play(_rights(RENTAL), BOX, VodPlay(SERIES), NOW + DAY)
    assert late.refusal is Refusal.NOT_SUBSCRIBED


def test_a_suspended_household_plays_no_title() -> None:
    decision = can_play(_rights(FILMS, active=False), UHD_BOX, VodPlay(MOVIE), NOW)
    assert decision.refusal is Refusal.HOUSEHOLD_SUSPENDED


titles = st.builds(
    TitleTraits,
    st.sampled_from(["liulang", "fanhua", "shijie"]),
    st.sampled_from([0, 12, 18]),
    st.booleans(),
    st.frozensets(st.sampled_from(["docs", "nature", "drama"]), max_size=2),
)


@given(
    st.lists(st.sampled_from([FILMS, DOCS, RENTAL, UHD, BASIC, UHD_CHANNELS]), max_size=5),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    titles,
    st.integers(-2, 2).map(lambda days: NOW + days * DAY),
)
def test_no_title_plays_without_a_title_right(
    grants: list[Grant], active: bool, uhd: bool, pin: bool, title: TitleTraits, at_ms: int
) -> None:
    decision = can_play(_rights(*grants, active=active), Viewer(1, uhd, pin), VodPlay(title), at_ms)
    if decision.allowed:
        assert active
        assert any(
            g.kind in (ProductKind.VOD, ProductKind.PPV) and g.covers(at_ms) and g.opens(title)
            for g in grants
        )
        assert pin or title.min_age == 0
    else:
        assert not decision.uhd
    if decision.uhd:  # the 2160p renditions: a 4K title, the add-on now, on a 4K device
        assert title.uhd
        assert uhd
        assert any(g.kind is ProductKind.UHD and g.covers(at_ms) for g in grants)
    if decision.allowed and title.uhd and uhd and UHD in grants:
        assert decision.uhd  # and nothing else holds it back


def test_a_decision_is_allowed_or_says_why_not() -> None:
    """Routes test ``refusal is not None`` to refuse: no decision may be neither."""
    assert Decision.no(Refusal.NOT_SUBSCRIBED).refusal is Refusal.NOT_SUBSCRIBED
    with pytest.raises(ValueError, match="allowed or has a refusal"):
        Decision(False)
    with pytest.raises(ValueError, match="allowed or has a refusal"):
        Decision(True, Refusal.NOT_SUBSCRIBED)
