"""The gate's one public rule for channels: a published live event's temporary channel plays
without a channel or catch-up right — and nothing else is waived (ADR 0025).

Every combination of the facts the gate reads for a channel (2,048) against the rule book
written out again, and the narrowness as a property: ``public_event`` changes the answer
only where a household without the rights would have been refused for want of them."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

from yunjin.subscribers.entitlements import (
    CatchupPlay,
    ChannelTraits,
    Grant,
    LivePlay,
    Playback,
    ProductKind,
    Refusal,
    Rights,
    Viewer,
    can_play,
)

NOW_MS, BROADCAST_MS = 5_000, 1_000
RIGHTS_REFUSALS = {
    Refusal.NOT_SUBSCRIBED,
    Refusal.NOT_ENTITLED_AT_BROADCAST,
    Refusal.NO_CATCHUP_RIGHT,
}


@dataclass(frozen=True)
class Case:
    active: bool
    public_event: bool
    catchup: bool
    channel_now: bool  # a channels grant of the channel valid now
    channel_then: bool  # … and one valid at broadcast time
    catchup_right: bool
    uhd_channel: bool
    uhd_grant: bool
    uhd_device: bool
    rated: bool
    pin_ok: bool


def cases() -> list[Case]:
    return [Case(*facts) for facts in itertools.product([False, True], repeat=11)]


def ask(case: Case, *, public_event: bool | None = None) -> Refusal | None:
    grants = []
    if case.channel_now:
        grants.append(Grant(ProductKind.CHANNELS, frozenset({"event-7"}), 4_000, None))
    if case.channel_then:
        grants.append(Grant(ProductKind.CHANNELS, frozenset({"event-7"}), 0, 2_000))
    if case.catchup_right:
        grants.append(Grant(ProductKind.CATCHUP, frozenset(), 0, None))
    if case.uhd_grant:
        grants.append(Grant(ProductKind.UHD, frozenset(), 0, None))
    traits = ChannelTraits(
        "event-7",
        uhd=case.uhd_channel,
        min_age=18 if case.rated else 0,
        free=case.public_event if public_event is None else public_event,
    )
    what: Playback = CatchupPlay(traits, BROADCAST_MS) if case.catchup else LivePlay(traits)
    decision = can_play(
        Rights(1, case.active, tuple(grants)),
        Viewer(1, case.uhd_device, case.pin_ok),
        what,
        NOW_MS,
    )
    assert decision.allowed == (decision.refusal is None)
    return decision.refusal


def rule_book(case: Case) -> Refusal | None:
    """The rules in order, as docs/subscribers.md and ADR 0025 state them."""
    if not case.active:
        return Refusal.HOUSEHOLD_SUSPENDED
    if not case.public_event:
        if not case.channel_now:
            return Refusal.NOT_SUBSCRIBED
        if case.catchup and not case.channel_then:
            return Refusal.NOT_ENTITLED_AT_BROADCAST
        if case.catchup and not case.catchup_right:
            return Refusal.NO_CATCHUP_RIGHT
    if case.uhd_channel and not case.uhd_grant:
        return Refusal.UHD_PRODUCT_REQUIRED
    if case.uhd_channel and not case.uhd_device:
        return Refusal.DEVICE_NOT_UHD
    if case.rated and not case.pin_ok:
        return Refusal.PARENTAL_PIN_REQUIRED
    return None


def test_every_combination_follows_the_rule_book() -> None:
    answers: Counter[tuple[bool, Refusal | None]] = Counter()
    for case in cases():
        refusal = ask(case)
        assert refusal == rule_book(case), case
        answers[case.public_event, refusal] += 1
    # pinned, so that a changed rule fails here until the rule book changes with it
    # an active household; 4K: 5 of 8 (not 4K, or add-on and device); PIN: 3 of 4
    # public: any of the 16 combinations of rights and live or catch-up
    assert answers[True, None] == 16 * 5 * 3
    # private: live with the channel now (4 of 8), catch-up with every right (1 of 8)
    assert answers[False, None] == 5 * 5 * 3
    assert not any(answers[True, refusal] for refusal in RIGHTS_REFUSALS)


def test_public_event_waives_the_rights_and_nothing_else() -> None:
    for case in cases():
        private = ask(case, public_event=False)
        public = ask(case, public_event=True)
        if private in RIGHTS_REFUSALS:
            assert public not in RIGHTS_REFUSALS, case
        else:
            assert public == private, case  # suspension, 4K and the PIN hold as before
