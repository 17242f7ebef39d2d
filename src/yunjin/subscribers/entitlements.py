"""The one gate: may this household, on this device, play this, now?  (Pure.)

Every playback route asks :func:`can_play`; no route reads subscriptions itself.
Live and catch-up need a channel in a ``channels`` or ``ppv`` grant — except a channel open to
everyone: a live event's temporary channel while its story is published, which is
public-service media (ADR 0025), or one the operator opened as free-to-air (ADR 0029); catch-up
needs that grant through the whole window it plays.  A VOD title needs a ``vod`` grant naming
it (or one of its categories) or a ``ppv`` grant naming it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ProductKind(enum.StrEnum):
    CHANNELS = "channels"  # a bundle of live channels
    UHD = "uhd"  # the 4K add-on
    CATCHUP = "catchup"  # the right to catch-up and time-shift
    PPV = "ppv"  # a pay-per-view event, channel or title, bought for a window or hours
    VOD = "vod"  # a VOD bundle: titles, and every title of some categories


class Refusal(enum.StrEnum):
    HOUSEHOLD_SUSPENDED = "household_suspended"
    NOT_SUBSCRIBED = "not_subscribed"
    NOT_ENTITLED_AT_BROADCAST = "not_entitled_at_broadcast"
    NO_CATCHUP_RIGHT = "no_catchup_right"
    UHD_PRODUCT_REQUIRED = "uhd_product_required"
    DEVICE_NOT_UHD = "device_not_uhd"
    PARENTAL_PIN_REQUIRED = "parental_pin_required"


@dataclass(frozen=True, slots=True)
class Grant:
    """One subscription or order: a product's right over ``[valid_from_ms, valid_to_ms)``.

    Members: channels (``channels``, ``ppv``), VOD titles (``vod``, ``ppv``) and VOD
    categories, every title in them (``vod``), all by their codes.
    """

    kind: ProductKind
    channels: frozenset[str]
    valid_from_ms: int
    valid_to_ms: int | None  # None: until cancelled
    titles: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()

    def covers(self, at_ms: int) -> bool:
        return self.valid_from_ms <= at_ms and (
            self.valid_to_ms is None or at_ms < self.valid_to_ms
        )

    def opens(self, title: TitleTraits) -> bool:
        """A member of this grant: the title itself, or one of its categories."""
        return title.code in self.titles or not self.categories.isdisjoint(title.categories)


@dataclass(frozen=True, slots=True)
class Rights:
    """What a household holds, loaded once and cached."""

    household_id: int
    active: bool
    grants: tuple[Grant, ...]


@dataclass(frozen=True, slots=True)
class Viewer:
    """The device asking, and whether the parental PIN was given for this request."""

    device_id: int
    uhd: bool
    pin_ok: bool = False


@dataclass(frozen=True, slots=True)
class ChannelTraits:
    """A channel as the gate sees it.  ``free``: open to everyone — a channel the operator
    opened as free-to-air, or the temporary channel of a live event whose story is published
    (``ChannelView.open_to_all``) — it plays, live and catch-up, without a package; nothing
    else about the household or device is waived."""

    tvg_id: str
    uhd: bool = False
    min_age: int = 0
    free: bool = False


@dataclass(frozen=True, slots=True)
class LivePlay:
    channel: ChannelTraits


@dataclass(frozen=True, slots=True)
class CatchupPlay:
    """Catch-up, time-shift or start-over of what was broadcast from ``broadcast_ms`` until
    ``until_ms`` (a window up to live ends now; None: the moment ``broadcast_ms`` alone)."""

    channel: ChannelTraits
    broadcast_ms: int
    until_ms: int | None = None


@dataclass(frozen=True, slots=True)
class TitleTraits:
    """A VOD title as the gate sees it: its code, minimum age, whether a 2160p rendition
    exists, and the categories it sits in."""

    code: str
    min_age: int = 0
    uhd: bool = False
    categories: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class VodPlay:
    """A movie, or an episode of a series (the series' title is what is sold)."""

    title: TitleTraits


Playback = LivePlay | CatchupPlay | VodPlay


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's answer: allowed, or refused with exactly one reason."""

    allowed: bool
    refusal: Refusal | None = None
    uhd: bool = False  # VOD: the 2160p renditions may be served (the 4K add-on, a 4K device)

    def __post_init__(self) -> None:
        if self.allowed != (self.refusal is None):
            raise ValueError(f"a decision is allowed or has a refusal: {self!r}")

    @classmethod
    def no(cls, refusal: Refusal) -> Decision:
        return cls(False, refusal)


YES = Decision(True)


def _holds(rights: Rights, kinds: tuple[ProductKind, ...], channel: str | None, at_ms: int) -> bool:
    return any(
        grant.kind in kinds
        and grant.covers(at_ms)
        and (channel is None or channel in grant.channels)
        for grant in rights.grants
    )


def can_play(rights: Rights, viewer: Viewer, what: Playback, at_ms: int) -> Decision:
    """The gate.  Order of checks: account, channel right, catch-up, 4K, parental PIN;
    for VOD: account, title right, parental PIN, then which renditions.  A channel open to
    everyone needs no channel or catch-up right (the account, 4K and PIN still hold)."""
    if not rights.active:
        return Decision.no(Refusal.HOUSEHOLD_SUSPENDED)
    if isinstance(what, VodPlay):
        return _can_play_title(rights, viewer, what.title, at_ms)
    channel = what.channel
    if not channel.free:
        refusal = _channel_right(rights, what, at_ms)
        if refusal is not None:
            return Decision.no(refusal)
    if channel.uhd:
        if not _holds(rights, (ProductKind.UHD,), None, at_ms):
            return Decision.no(Refusal.UHD_PRODUCT_REQUIRED)
        if not viewer.uhd:
            return Decision.no(Refusal.DEVICE_NOT_UHD)
    if channel.min_age > 0 and not viewer.pin_ok:
        return Decision.no(Refusal.PARENTAL_PIN_REQUIRED)
    return YES


def _channel_right(rights: Rights, what: LivePlay | CatchupPlay, at_ms: int) -> Refusal | None:
    """A channel (or pay-per-view) grant now; for catch-up, also through the whole broadcast
    window, and the catch-up right now."""
    channel = what.channel
    watching = (ProductKind.CHANNELS, ProductKind.PPV)
    if not _holds(rights, watching, channel.tvg_id, at_ms):
        return Refusal.NOT_SUBSCRIBED
    if isinstance(what, CatchupPlay):
        until_ms = what.broadcast_ms if what.until_ms is None else min(what.until_ms, at_ms)
        if not held_through(rights, watching, channel.tvg_id, what.broadcast_ms, until_ms):
            return Refusal.NOT_ENTITLED_AT_BROADCAST
        if not _holds(rights, (ProductKind.CATCHUP,), None, at_ms):
            return Refusal.NO_CATCHUP_RIGHT
    return None


def held_through(
    rights: Rights, kinds: tuple[ProductKind, ...], channel: str, from_ms: int, until_ms: int
) -> bool:
    """Whether grants of ``kinds`` naming ``channel`` cover every moment of
    ``[from_ms, until_ms)`` between them (at least ``from_ms`` itself when the span is empty):
    a window bought for its first minutes does not open the rest."""
    covered_to = from_ms
    needed = max(until_ms, from_ms + 1)
    for start, end in _spans(rights, kinds, channel):
        if start > covered_to:
            break
        if end is None:
            return True
        covered_to = max(covered_to, end)
        if covered_to >= needed:
            return True
    return False


def entitled_until(rights: Rights, channel: ChannelTraits, at_ms: int) -> int | None:
    """When the right to watch ``channel`` that holds at ``at_ms`` runs out: the end of the
    grants holding it then, joined end to end (None: until cancelled, or no package needed).
    A signed URL lives no longer than this, so a pay-per-view window closes at the edge too."""
    if channel.free:
        return None
    covered_to = at_ms
    for start, end in _spans(rights, (ProductKind.CHANNELS, ProductKind.PPV), channel.tvg_id):
        if start > covered_to:
            break
        if end is None:
            return None
        covered_to = max(covered_to, end)
    return covered_to


def _spans(
    rights: Rights, kinds: tuple[ProductKind, ...], channel: str
) -> list[tuple[int, int | None]]:
    """The validity of the grants of ``kinds`` naming ``channel``, in order of start."""
    return sorted(
        (
            (grant.valid_from_ms, grant.valid_to_ms)
            for grant in rights.grants
            if grant.kind in kinds and channel in grant.channels
        ),
        key=lambda span: span[0],
    )


def _can_play_title(rights: Rights, viewer: Viewer, title: TitleTraits, at_ms: int) -> Decision:
    """A VOD title: opened by a ``vod`` or ``ppv`` grant valid now, rated titles behind the
    PIN.  4K is not a refusal: without the add-on or a 4K device the title plays up to
    1080p, and ``uhd`` says whether its 2160p renditions may be served."""
    opened = any(
        grant.kind in (ProductKind.VOD, ProductKind.PPV)
        and grant.covers(at_ms)
        and grant.opens(title)
        for grant in rights.grants
    )
    if not opened:
        return Decision.no(Refusal.NOT_SUBSCRIBED)
    if title.min_age > 0 and not viewer.pin_ok:
        return Decision.no(Refusal.PARENTAL_PIN_REQUIRED)
    uhd = title.uhd and viewer.uhd and _holds(rights, (ProductKind.UHD,), None, at_ms)
    return Decision(True, None, uhd)
