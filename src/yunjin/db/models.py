"""Tables of the catalog."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Channel(Base):
    """A live channel: where it comes from, how it is listed and how long it is kept."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tvg_id: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    group_name: Mapped[str] = mapped_column(String(100), default="")
    logo_url: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(Text)
    catchup_days: Mapped[int] = mapped_column(Integer, default=7)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Programme(Base):
    """One guide entry of a channel; times are UTC milliseconds."""

    __tablename__ = "programmes"
    __table_args__ = (Index("ix_programmes_channel_start", "channel_id", "start_ms"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(64))
    start_ms: Mapped[int] = mapped_column(BigInteger)
    stop_ms: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(Text)
    title_folded: Mapped[str] = mapped_column(Text, index=True)
    subtitle: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(Text, default="")
    episode: Mapped[str] = mapped_column(String(200), default="")
    icon: Mapped[str] = mapped_column(Text, default="")
    # other languages as JSON {"en": "...", ...}; the primary title is ``title``
    titles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class EpgStaging(Base):
    """Programmes of an import in progress; moved to ``programmes`` in the same transaction."""

    __tablename__ = "epg_staging"
    __table_args__ = (Index("ix_epg_staging_import_channel", "import_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[str] = mapped_column(String(64))
    start_ms: Mapped[int] = mapped_column(BigInteger)
    stop_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    payload: Mapped[str] = mapped_column(Text)


class EpgChannelMap(Base):
    """An operator's mapping from a guide's channel id to one of our channels."""

    __tablename__ = "epg_channel_map"

    xmltv_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(64))


class EpgSource(Base):
    """A guide URL imported on a schedule."""

    __tablename__ = "epg_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    every_hours: Mapped[int] = mapped_column(Integer, default=12)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_report: Mapped[str] = mapped_column(Text, default="")
