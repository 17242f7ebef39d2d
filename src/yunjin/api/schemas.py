"""What the subscriber-facing JSON routes answer: health, channels, the guide, logins,
playback and orders, as pydantic models so that ``/docs`` shows every field.

The JSON is the contract clients already read (the portals, set-top boxes, apps): fields keep
their names, their order (a model serialises in the order of its fields) and their types —
a count stays an integer, a duration a float, an absent value ``null``. A key that is not a
Python name (``zh-CN``, ``continue``) is a serialisation alias.
"""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field

from yunjin.archive.index import ArchiveIndex
from yunjin.epg.guide import GuideEntry, in_archive
from yunjin.subscribers.orders import OrderStatus
from yunjin.subscribers.purchases import OrderView


class Answer(BaseModel):
    """A JSON answer: built field by field in the routes, never from a client's input."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalNames(Answer):
    """A name in both of the platform's languages."""

    zh_cn: str = Field(serialization_alias="zh-CN")
    en: str

    @classmethod
    def of(cls, zh_cn: str, en: str) -> Self:
        return cls(zh_cn=zh_cn, en=en)


class Messages(Answer):
    """A message in both languages, English first (as ``i18n.both`` gives it)."""

    en: str
    zh_cn: str = Field(serialization_alias="zh-CN")

    @classmethod
    def of(cls, messages: dict[str, str]) -> Self:
        return cls(en=messages["en"], zh_cn=messages["zh-CN"])


class Health(Answer):
    status: str = Field(description='"ok" while the process answers')
    version: str
    role: str = Field(description="all, api or recorder (ADR 0033)")
    node: str = Field(description="this node's name among recorders")
    channels: int = Field(description="channels in the catalog")
    recording: int = Field(description="recorders now writing segments")


# -- channels --------------------------------------------------------------------------


class RecorderInfo(Answer):
    pid: int | None
    restarts: int
    segments_recorded: int
    last_error: str | None
    next_retry_in_s: float | None
    fps: float | None
    bitrate_kbps: float | None
    speed: float | None


class ArchiveRange(Answer):
    start: int | None = Field(description="UTC seconds of the oldest segment")
    end: int | None = Field(description="UTC seconds of the end of the newest segment")
    segments: int
    bytes: int


class ChannelUrls(Answer):
    live: str
    catchup_template: str = Field(description="with {utc} and {duration} to fill in")


class ChannelInfo(Answer):
    id: str = Field(description="the tvg-id")
    number: int
    name: LocalNames
    group: str
    logo: str
    catchup_days: int
    enabled: bool
    free_to_air: bool
    state: str = Field(
        description="the recorder's state (starting, recording, error, stopped), or off_air "
        "outside the channel's recording hours, or disabled"
    )
    event_story: int | None = Field(description="a live event's channel: its story")
    recorder: RecorderInfo | None
    archive: ArchiveRange
    urls: ChannelUrls = Field(
        description="unsigned: they play while the platform is open, or free-to-air channels"
    )


class ChannelList(Answer):
    channels: list[ChannelInfo]


# -- the guide -------------------------------------------------------------------------


class GuideProgramme(Answer):
    channel: str
    start: int = Field(description="UTC seconds")
    stop: int = Field(description="UTC seconds")
    title: str
    titles: dict[str, str] = Field(description="by language, as the guide gave them")
    subtitle: str
    description: str
    descriptions: dict[str, str]
    category: str
    episode: str
    icon: str
    live: bool = Field(description="on air now")
    in_archive: bool = Field(description="catch-up (or start-over) can play it")
    catchup_url: str | None = Field(description="its archive playlist, when in the archive")

    @classmethod
    def of(cls, entry: GuideEntry, index: ArchiveIndex, now_ms: int, base_url: str) -> Self:
        recorded = in_archive(entry, index, now_ms)
        start_s, stop_s = entry.start_ms // 1000, entry.stop_ms // 1000
        return cls(
            channel=entry.channel_id,
            start=start_s,
            stop=stop_s,
            title=entry.title,
            titles=entry.titles,
            subtitle=entry.subtitle,
            description=entry.description,
            descriptions=entry.descriptions,
            category=entry.category,
            episode=entry.episode,
            icon=entry.icon,
            live=entry.start_ms <= now_ms < entry.stop_ms,
            in_archive=recorded,
            catchup_url=(
                f"{base_url}/hls/{entry.channel_id}/archive-{start_s}-{stop_s - start_s}.m3u8"
                if recorded
                else None
            ),
        )


class ChannelNowNext(Answer):
    channel: str
    now: GuideProgramme | None
    next: GuideProgramme | None


class NowNext(Answer):
    now: int = Field(description="UTC seconds")
    channels: list[ChannelNowNext]


class GuideSearch(Answer):
    query: str
    programmes: list[GuideProgramme]


class GuideDay(Answer):
    channel: str
    date: str = Field(description="YYYY-MM-DD, local")
    timezone: str
    programmes: list[GuideProgramme]


# -- logins and playback -------------------------------------------------------------


class SessionAnswer(Answer):
    session: str = Field(description="the bearer token: Authorization: Bearer {session}")
    household: int
    device: int
    expires: int = Field(description="UTC seconds")


class LoggedOut(Answer):
    logged_out: bool


class PlayAnswer(Answer):
    url: str = Field(description="the signed playlist URL; segments follow it relatively")
    expires: int = Field(description="UTC seconds; players ask again before")
    lease: str = Field(description="the place in the household's stream limit")


class Stopped(Answer):
    stopped: bool


class Changed(Answer):
    changed: bool


class PasswordChanged(Answer):
    changed: bool
    sessions_ended: int = Field(description="the other sessions, now ended")


# -- orders ----------------------------------------------------------------------------


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


class Order(Answer):
    id: int
    account: str
    product: str
    status: OrderStatus
    price_cents: int
    valid_from: int = Field(description="UTC seconds")
    valid_to: int = Field(description="UTC seconds")
    created_at: int = Field(description="UTC seconds")
    placed_by: str
    closed_by: str | None
    note: str

    @classmethod
    def of(cls, order: OrderView) -> Self:
        return cls(
            id=order.id,
            account=order.account,
            product=order.product,
            status=order.status,
            price_cents=order.price_cents,
            valid_from=_seconds(order.valid_from),
            valid_to=_seconds(order.valid_to),
            created_at=_seconds(order.created_at),
            placed_by=order.placed_by,
            closed_by=order.closed_by,
            note=order.note,
        )


class Placed(Answer):
    order: Order
    replayed: bool = Field(description="the Idempotency-Key named an order already placed")


class OrderAnswer(Answer):
    order: Order


class OrderList(Answer):
    orders: list[Order]
