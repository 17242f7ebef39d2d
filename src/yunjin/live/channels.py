"""The channel catalog: validated specs and the actions that change it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yunjin.db.models import Channel
from yunjin.live.sources import SourceError, parse_source
from yunjin.subscribers.entitlements import ChannelTraits

TVG_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
EVENT_TVG_ID = re.compile(r"^event-[0-9]+$")  # live events' temporary channels (newsroom)


class ChannelError(ValueError):
    """A channel change that cannot be made; ``code`` names the reason."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class ChannelSpec(BaseModel):
    """A channel as an operator describes it."""

    # a refused source is not echoed in the error: it may carry credentials
    model_config = ConfigDict(frozen=True, str_strip_whitespace=True, hide_input_in_errors=True)

    tvg_id: str
    number: int = Field(ge=1, le=99999)
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    group: str = Field(default="", max_length=100)
    logo: str = Field(default="", max_length=2000)
    source: str
    catchup_days: int = Field(default=7, ge=0, le=30)
    enabled: bool = True
    uhd: bool = False
    min_age: int = Field(default=0, ge=0, le=21)
    encrypted: bool = False
    free_to_air: bool = False

    @field_validator("tvg_id")
    @classmethod
    def _tvg_id(cls, value: str) -> str:
        if not TVG_ID.match(value):
            raise ValueError(
                "tvg-id must be 1–64 letters, digits, '.', '_' or '-', starting with a letter "
                "or digit"
            )
        if EVENT_TVG_ID.match(value):
            raise ValueError("tvg-ids event-{number} are kept for live events' channels")
        return value

    @field_validator("source")
    @classmethod
    def _source(cls, value: str) -> str:
        try:
            parse_source(value)
        except SourceError as error:
            raise ValueError(str(error)) from error
        return value.strip()


@dataclass(frozen=True, slots=True)
class ChannelView:
    """A catalog entry as the rest of Yunjin reads it."""

    tvg_id: str
    number: int
    name_zh: str
    name_en: str
    group: str
    logo: str
    source: str
    catchup_days: int
    enabled: bool
    uhd: bool = False
    min_age: int = 0
    encrypted: bool = False
    event_story: int | None = None  # a live event's temporary channel: its story
    on_air_from_ms: int | None = None  # recorded only from here (UTC ms) …
    on_air_until_ms: int | None = None  # … until here
    free_to_air: bool = False  # opened to everyone by the operator (ADR 0029)

    @classmethod
    def of(cls, row: Channel) -> ChannelView:
        return cls(
            row.tvg_id,
            row.number,
            row.name_zh,
            row.name_en,
            row.group_name,
            row.logo_url,
            row.source_url,
            row.catchup_days,
            row.enabled,
            row.uhd,
            row.min_age,
            row.encrypted,
            row.event_story_id,
            _ms(row.on_air_from),
            _ms(row.on_air_until),
            row.free_to_air,
        )

    @property
    def in_lineup(self) -> bool:
        """The one rule for every channel listing (M3U, Xtream, XMLTV, the portals' guide,
        number zapping): a live event's temporary channel is not in the paid lineup."""
        return self.event_story is None

    @property
    def public_event(self) -> bool:
        """A temporary channel of a live event while its story is published: public-service
        media that plays without a package (ADR 0025). Publishing enables it; unpublishing
        and taking down disable it."""
        return self.event_story is not None and self.enabled

    @property
    def open_to_all(self) -> bool:
        """Plays for anyone, unsigned and without a package: a channel the operator opened
        as free-to-air, or a published live event's (ADR 0025, 0029)."""
        return self.free_to_air or self.public_event

    @property
    def traits(self) -> ChannelTraits:
        """The channel as the gate sees it."""
        return ChannelTraits(self.tvg_id, self.uhd, self.min_age, free=self.open_to_all)

    def records_at(self, at_ms: int) -> bool:
        """Whether a recorder should run now: enabled, and within its window if it has one."""
        return (
            self.enabled
            and (self.on_air_from_ms is None or self.on_air_from_ms <= at_ms)
            and (self.on_air_until_ms is None or at_ms < self.on_air_until_ms)
        )


def _ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return int(aware.timestamp() * 1000)


def add_channel(session: Session, spec: ChannelSpec) -> ChannelView:
    if session.scalar(select(Channel).where(Channel.tvg_id == spec.tvg_id)) is not None:
        raise ChannelError("channel_exists", f"channel {spec.tvg_id} already exists")
    if session.scalar(select(Channel).where(Channel.number == spec.number)) is not None:
        raise ChannelError("number_taken", f"channel number {spec.number} is already used")
    row = Channel(
        tvg_id=spec.tvg_id,
        number=spec.number,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        group_name=spec.group,
        logo_url=spec.logo,
        source_url=spec.source,
        catchup_days=spec.catchup_days,
        enabled=spec.enabled,
        uhd=spec.uhd,
        min_age=spec.min_age,
        encrypted=spec.encrypted,
        free_to_air=spec.free_to_air,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError as error:  # a concurrent add won the race
        raise ChannelError("channel_exists", f"channel {spec.tvg_id} already exists") from error
    return ChannelView.of(row)


def remove_channel(session: Session, tvg_id: str) -> ChannelView:
    row = session.scalar(select(Channel).where(Channel.tvg_id == tvg_id))
    if row is None:
        raise ChannelError("channel_not_found", f"no channel {tvg_id}")
    view = ChannelView.of(row)
    session.delete(row)
    return view


def set_enabled(session: Session, tvg_id: str, enabled: bool) -> ChannelView:
    row = session.scalar(select(Channel).where(Channel.tvg_id == tvg_id))
    if row is None:
        raise ChannelError("channel_not_found", f"no channel {tvg_id}")
    if row.event_story_id is not None:  # publishing, unpublishing and takedown decide
        raise ChannelError(
            "channel_of_event",
            f"{tvg_id} is live event {row.event_story_id}'s channel: the newsroom turns it "
            "on and off",
        )
    row.enabled = enabled
    return ChannelView.of(row)


def set_free_to_air(session: Session, tvg_id: str, free: bool) -> ChannelView:
    """Open a channel to everyone (unsigned URLs, no package), or close it again."""
    row = session.scalar(select(Channel).where(Channel.tvg_id == tvg_id))
    if row is None:
        raise ChannelError("channel_not_found", f"no channel {tvg_id}")
    row.free_to_air = free
    return ChannelView.of(row)


def list_channels(session: Session) -> list[ChannelView]:
    return [
        ChannelView.of(row) for row in session.scalars(select(Channel).order_by(Channel.number))
    ]


def get_channel(session: Session, tvg_id: str) -> ChannelView | None:
    row = session.scalar(select(Channel).where(Channel.tvg_id == tvg_id))
    return None if row is None else ChannelView.of(row)
