"""Tables of the catalog."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
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
    uhd: Mapped[bool] = mapped_column(Boolean, default=False)  # a 4K channel
    min_age: Mapped[int] = mapped_column(Integer, default=0)  # >0: parental PIN
    encrypted: Mapped[bool] = mapped_column(Boolean, default=False)  # AES-128 at rest
    # Opened to everyone by the operator: unsigned URLs play it, no package needed (ADR 0029).
    free_to_air: Mapped[bool] = mapped_column(Boolean, default=False)
    # A live event's temporary channel (ADR 0025): the story it belongs to (not None: out of
    # the paid lineup, public while the story is published), recorded within its window.
    event_story_id: Mapped[int | None] = mapped_column(
        ForeignKey("newsroom_stories.id"), nullable=True, unique=True
    )
    on_air_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    on_air_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
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
    title_folded: Mapped[str] = mapped_column(Text)  # searched with LIKE, not indexed
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


class Region(Base):
    """An administrative division by its GB/T 2260 code: province, prefecture or county."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(String(6), nullable=True, index=True)


class Household(Base):
    """A subscriber account: where it is, whether it may watch, and its limits."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(32), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    pin_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    stream_limit: Mapped[int] = mapped_column(Integer, default=2)
    device_limit: Mapped[int] = mapped_column(Integer, default=5)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Device(Base):
    """A set-top box (MAC and serial) or a phone/web client registered to a household."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("mac", name="uq_devices_mac"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    mac: Mapped[str | None] = mapped_column(String(17), nullable=True)
    serial: Mapped[str | None] = mapped_column(String(64), nullable=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    uhd: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Product(Base):
    """Something a household can buy: a channel bundle, 4K, catch-up, pay-per-view, VOD."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    price_cents: Mapped[int] = mapped_column(Integer, default=0)
    # pay-per-view terms: a fixed event window, or so many hours from the purchase
    event_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    event_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    rental_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ProductChannel(Base):
    __tablename__ = "product_channels"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class ProductTitle(Base):
    """A VOD title a ``vod`` or ``ppv`` product opens (a series: all its episodes)."""

    __tablename__ = "product_titles"
    __table_args__ = (Index("ix_product_titles_title_code", "title_code"),)

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    title_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class ProductCategory(Base):
    """A VOD category a ``vod`` product opens: every title in it, present and future."""

    __tablename__ = "product_categories"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    category_code: Mapped[str] = mapped_column(String(64), primary_key=True)


class Subscription(Base):
    """A household's right to a product between two moments (to: open-ended)."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), default="subscription")  # or "order" (PPV)


class Order(Base):
    """A household's purchase of a pay-per-view product: the price paid and the window it buys.

    ``idempotency_key`` is the client's name for the purchase: the same key again answers
    the same order, so a double click does not buy twice.
    """

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("household_id", "idempotency_key", name="uq_orders_household_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    price_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # OrderStatus
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    placed_by: Mapped[str] = mapped_column(String(100))  # "device:12", "admin:olga", "cli"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")


class AuthSession(Base):
    """A logged-in device; only the token's hash is stored."""

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LoginAttempt(Base):
    """The credential throttle's record of a key (an account, a MAC, a PIN or a client
    address; ``credentials/throttle.py``): failures since ``window_start``, the latest,
    the lock, and when the record may be deleted."""

    __tablename__ = "login_attempts"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    forget_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )


class AdminUser(Base):
    """Operator staff: ``operator`` changes everything, ``support`` suspends and de-registers,
    ``viewer`` reads."""

    __tablename__ = "admin_users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))


class AdminSession(Base):
    """A logged-in administrator; only the token's hash is stored. Logging out or an
    operator ending the sessions sets ``revoked_at``."""

    __tablename__ = "admin_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(
        ForeignKey("admin_users.username", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, default=utcnow
    )
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AdminAudit(Base):
    """What an administrator changed through ``/api/v1/admin``: who, what, to which
    object, when, from which address, and the details."""

    __tablename__ = "admin_audit"
    __table_args__ = (Index("ix_admin_audit_username_id", "username", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    username: Mapped[str] = mapped_column(String(64))  # not a key: the row outlives the admin
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ViewingEvent(Base):
    """What a portal's player reported: play start/stop, channel changes, heartbeats.

    ``position_ms`` is the wall-clock time of the frame on screen (from the playlist's
    program date-times), so live, time-shift and catch-up positions compare directly.
    """

    __tablename__ = "viewing_events"
    __table_args__ = (
        Index("ix_viewing_events_device_at", "device_id", "at_ms"),
        Index("ix_viewing_events_household_at", "household_id", "at_ms"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    received_ms: Mapped[int] = mapped_column(BigInteger)
    at_ms: Mapped[int] = mapped_column(BigInteger)
    household_id: Mapped[int] = mapped_column(Integer)
    device_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    play_id: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    position_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    programme_start_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    portal: Mapped[str] = mapped_column(String(8))


def _search_key(length: int) -> String:
    """A search key column: compared byte-wise (collation "C" in PostgreSQL, as in SQLite)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class VodCategory(Base):
    """A shelf of the VOD catalog (电影, 纪录片 …), named by a stable code."""

    __tablename__ = "vod_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")


class VodTitle(Base):
    """A movie or a series, with its search keys computed once when it is stored.

    ``title_folded``, ``title_en_folded``, ``title_pinyin`` and ``title_initials`` are
    indexed for exact and prefix matches; matches inside a key go through ``vod_title_keys``
    (see ``vod/search.py`` and ADR 0016).
    """

    __tablename__ = "vod_titles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # movie | series
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    age_rating: Mapped[int] = mapped_column(Integer, default=0)  # minimum age, 0 = all
    cast_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    poster_url: Mapped[str] = mapped_column(Text, default="")
    title_folded: Mapped[str] = mapped_column(_search_key(300), index=True)
    title_en_folded: Mapped[str] = mapped_column(_search_key(300), index=True)
    title_pinyin: Mapped[str] = mapped_column(_search_key(1200), index=True)
    title_initials: Mapped[str] = mapped_column(_search_key(300), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class VodTitleKey(Base):
    """A tail of one of a title's search keys: a substring search is a range scan here.

    Keys compare byte-wise, so the range ``[q, q + U+10FFFF)`` holds exactly the keys that
    start with ``q``; ``whole`` marks a tail that is the whole key.
    """

    __tablename__ = "vod_title_keys"
    __table_args__ = (Index("ix_vod_title_keys_key", "key", "title_id", "whole"),)

    title_id: Mapped[int] = mapped_column(
        ForeignKey("vod_titles.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(_search_key(1200), primary_key=True)
    whole: Mapped[bool] = mapped_column(Boolean)  # the tail is a whole key (from its start)


class VodTitleCategory(Base):
    __tablename__ = "vod_title_categories"

    title_id: Mapped[int] = mapped_column(
        ForeignKey("vod_titles.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("vod_categories.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class VodSeason(Base):
    """A season of a series, numbered from 1 within it."""

    __tablename__ = "vod_seasons"
    __table_args__ = (UniqueConstraint("title_id", "number", name="uq_vod_seasons_title_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("vod_titles.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title_zh: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str] = mapped_column(String(300), default="")
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)


class VodEpisode(Base):
    """An episode of a season, numbered from 1 within it."""

    __tablename__ = "vod_episodes"
    __table_args__ = (
        UniqueConstraint("season_id", "number", name="uq_vod_episodes_season_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("vod_seasons.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    duration_s: Mapped[int | None] = mapped_column(Integer, nullable=True)


class VodAsset(Base):
    """The media of a movie or of an episode: its kept source, probe and published rendition.

    ``code`` names it in URLs and on disk (``vod/sources/{code}/``, ``vod/media/{code}/``);
    ``state`` is an ``AssetState`` (``vod/assets.py``), ``source_path`` is relative to the
    data directory.
    """

    __tablename__ = "vod_assets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("vod_titles.id"), index=True)
    episode_id: Mapped[int | None] = mapped_column(
        ForeignKey("vod_episodes.id"), nullable=True, index=True
    )
    state: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    source_path: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    probe: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uhd: Mapped[bool] = mapped_column(Boolean, default=False)
    rungs: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class VodJob(Base):
    """The transcode of one asset; this row, not the queue's message, is the truth (ADR 0018).

    ``worker_id`` (host:pid) and ``heartbeat_at`` say who runs it and that it still does;
    ``attempts`` counts claims and fences a worker whose job was reclaimed.
    """

    __tablename__ = "vod_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("vod_assets.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1
    fps: Mapped[float | None] = mapped_column(Float, nullable=True)
    speed: Mapped[float | None] = mapped_column(Float, nullable=True)
    eta_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    worker_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class VodUpload(Base):
    """A resumable upload session: the file arrives in chunks at ``received_bytes``."""

    __tablename__ = "vod_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    received_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    title_code: Mapped[str] = mapped_column(String(64))
    title_zh: Mapped[str] = mapped_column(String(300), default="")  # creates a movie if missing
    season: Mapped[int | None] = mapped_column(Integer, nullable=True)
    episode: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # UploadState
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("vod_assets.id"), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class VodResume(Base):
    """Where a household stopped in an asset: its players' last reported position."""

    __tablename__ = "vod_resume"
    __table_args__ = (Index("ix_vod_resume_household_updated", "household_id", "updated_at"),)

    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True
    )
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("vod_assets.id", ondelete="CASCADE"), primary_key=True
    )
    position_s: Mapped[float] = mapped_column(Float)
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    device_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# -- newsroom (converged media centres, issue #7; docs/newsroom.md) --------------------


class NewsroomTenant(Base):
    """A media centre (融媒体中心) of a region: the province's brand, a prefecture, a county.

    ``parent_code`` is the centre above (its region's parent), so centres form a tree;
    ``review_levels`` is how many of 初审/复审/终审 its stories pass (1–3).
    """

    __tablename__ = "newsroom_tenants"

    code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("newsroom_tenants.code"), nullable=True, index=True
    )
    level: Mapped[str] = mapped_column(String(16))  # province, prefecture, county
    review_levels: Mapped[int] = mapped_column(Integer, default=3)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NewsroomStaff(Base):
    """A person who works in one or more media centres (their roles: ``NewsroomGrant``)."""

    __tablename__ = "newsroom_staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NewsroomGrant(Base):
    """One role of one person in one media centre."""

    __tablename__ = "newsroom_grants"
    __table_args__ = (Index("ix_newsroom_grants_tenant", "tenant_code"),)

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("newsroom_staff.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_code: Mapped[str] = mapped_column(ForeignKey("newsroom_tenants.code"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)  # terms.Role
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NewsroomSession(Base):
    """A logged-in staff member; only the token's hash is stored."""

    __tablename__ = "newsroom_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("newsroom_staff.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class NewsroomInvitation(Base):
    """A role offered to staff of another centre, which they accept or decline (their
    consent: a centre's administrator cannot put another centre's person to work)."""

    __tablename__ = "newsroom_invitations"
    __table_args__ = (Index("ix_newsroom_invitations_staff", "staff_id", "answered_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("newsroom_staff.id", ondelete="CASCADE"))
    tenant_code: Mapped[str] = mapped_column(ForeignKey("newsroom_tenants.code"))
    role: Mapped[str] = mapped_column(String(16))  # terms.Role
    invited_by: Mapped[int] = mapped_column(ForeignKey("newsroom_staff.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    accepted: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class NewsroomTopic(Base):
    """A planned story (选题) in a centre's planning queue; ``source`` staff or, later, tip."""

    __tablename__ = "newsroom_topics"
    __table_args__ = (Index("ix_newsroom_topics_tenant_state", "tenant_code", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_code: Mapped[str] = mapped_column(ForeignKey("newsroom_tenants.code"))
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="staff")
    state: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("newsroom_staff.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NewsroomAssignment(Base):
    """A topic given to a reporter."""

    __tablename__ = "newsroom_assignments"

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("newsroom_topics.id", ondelete="CASCADE"), primary_key=True
    )
    staff_id: Mapped[int] = mapped_column(ForeignKey("newsroom_staff.id"), primary_key=True)
    assigned_by: Mapped[int] = mapped_column(ForeignKey("newsroom_staff.id"))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NewsroomStory(Base):
    """A story of a centre: the state of its working version and which version is live.

    ``working_version`` moves through review (``newsroom/workflow.py``); ``live_version``
    is what the public sees (None: nothing). ``author_id`` wrote the working version;
    ``approvals`` are the staff ids who approved it so far, in stage order.
    """

    __tablename__ = "newsroom_stories"
    __table_args__ = (
        Index("ix_newsroom_stories_tenant_state", "tenant_code", "state"),
        Index("ix_newsroom_stories_state_publish_at", "state", "publish_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_code: Mapped[str] = mapped_column(ForeignKey("newsroom_tenants.code"))
    kind: Mapped[str] = mapped_column(String(16))  # content.Kind
    state: Mapped[str] = mapped_column(String(16))  # terms.StoryState
    review_levels: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("newsroom_staff.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("newsroom_staff.id"))
    approvals: Mapped[list[int]] = mapped_column(JSON, default=list)
    working_version: Mapped[int] = mapped_column(Integer)
    live_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    publish_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("newsroom_topics.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NewsroomVersion(Base):
    """One version of a story's content; every version is kept."""

    __tablename__ = "newsroom_versions"
    __table_args__ = (
        UniqueConstraint("story_id", "number", name="uq_newsroom_versions_story_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("newsroom_stories.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(ForeignKey("newsroom_staff.id"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")  # sanitised
    images: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    video_asset: Mapped[str | None] = mapped_column(String(16), nullable=True)  # a VOD asset
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NewsroomRecommendation(Base):
    """A published story proposed for the front page of a zone above its centre."""

    __tablename__ = "newsroom_recommendations"
    __table_args__ = (
        UniqueConstraint("story_id", "zone_code", name="uq_newsroom_recommendations_story_zone"),
        Index("ix_newsroom_recommendations_zone_state", "zone_code", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("newsroom_stories.id", ondelete="CASCADE"))
    zone_code: Mapped[str] = mapped_column(ForeignKey("newsroom_tenants.code"))
    state: Mapped[str] = mapped_column(String(16))  # syndication.RecommendationState
    proposed_by: Mapped[int] = mapped_column(ForeignKey("newsroom_staff.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("newsroom_staff.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")


class NewsroomAudit(Base):
    """The audit trail: who did what to a story (or a recommendation of it), when, from
    which state to which, what changed and why."""

    __tablename__ = "newsroom_audit"
    __table_args__ = (Index("ix_newsroom_audit_story", "story_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    story_id: Mapped[int] = mapped_column(ForeignKey("newsroom_stories.id", ondelete="CASCADE"))
    recommendation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tenant_code: Mapped[str] = mapped_column(String(6))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("newsroom_staff.id"), nullable=True
    )  # None: the scheduler
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")


# -- newsroom interaction: citizen tips, comments, polls (issue #7; docs/newsroom.md) ---


class NewsroomTip(Base):
    """A citizen's tip (爆料) in the planning queue of a county's centre.

    ``household_id`` is the subscriber who sent it (None: anonymous, with
    ``contact_phone``); ``client_hash`` keys the anonymous rate limit (a SHA-256 of the
    client's address, never the address). ``state``: ``interaction.TipState``.
    """

    __tablename__ = "newsroom_tips"
    __table_args__ = (
        Index("ix_newsroom_tips_tenant_state", "tenant_code", "state", "id"),
        Index("ix_newsroom_tips_household_created", "household_id", "created_at"),
        Index("ix_newsroom_tips_client_created", "client_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_code: Mapped[str] = mapped_column(ForeignKey("newsroom_tenants.code"))
    region_code: Mapped[str] = mapped_column(String(6))
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="SET NULL"), nullable=True
    )
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    client_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("newsroom_topics.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    triaged_by: Mapped[int | None] = mapped_column(ForeignKey("newsroom_staff.id"), nullable=True)
    triaged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")


class NewsroomTipAttempt(Base):
    """A tip's upload begun, counted before its body is read, whatever becomes of it, so
    refused uploads are limited too (issue #12). ``client_key`` is the household
    (``household:{id}``) or, for an anonymous citizen, a SHA-256 of the client's address
    (never the address). Rows older than a day are removed as new ones come."""

    __tablename__ = "newsroom_tip_attempts"
    __table_args__ = (Index("ix_newsroom_tip_attempts_client_created", "client_key", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_key: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class NewsroomTipMedia(Base):
    """A photo or video of a tip, checked by its bytes and kept privately under the data
    directory (``path`` relative to it); ``asset_code`` once staff ingest it into VOD."""

    __tablename__ = "newsroom_tip_media"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(
        ForeignKey("newsroom_tips.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # photo | video
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    path: Mapped[str] = mapped_column(String(500))
    asset_code: Mapped[str | None] = mapped_column(String(16), nullable=True)


class NewsroomComment(Base):
    """A subscriber's comment on a story, plain text; ``state``: pending, published,
    rejected (``interaction.CommentState``). ``tenant_code`` is the story's centre, whose
    editors moderate it."""

    __tablename__ = "newsroom_comments"
    __table_args__ = (
        Index("ix_newsroom_comments_story_state", "story_id", "state", "id"),
        Index("ix_newsroom_comments_tenant_state", "tenant_code", "state", "id"),
        Index("ix_newsroom_comments_household_created", "household_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("newsroom_stories.id", ondelete="CASCADE"))
    tenant_code: Mapped[str] = mapped_column(ForeignKey("newsroom_tenants.code"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    author_name: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    moderated_by: Mapped[int | None] = mapped_column(ForeignKey("newsroom_staff.id"), nullable=True)
    moderated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")


class NewsroomInteractionSettings(Base):
    """A centre's interaction settings; a centre without a row pre-moderates comments."""

    __tablename__ = "newsroom_interaction_settings"

    tenant_code: Mapped[str] = mapped_column(ForeignKey("newsroom_tenants.code"), primary_key=True)
    premoderate_comments: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("newsroom_staff.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NewsroomPoll(Base):
    """A simple poll attached to a story (one per story), open from ``opens_at`` until
    ``closes_at``."""

    __tablename__ = "newsroom_polls"
    __table_args__ = (UniqueConstraint("story_id", name="uq_newsroom_polls_story_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("newsroom_stories.id", ondelete="CASCADE"))
    tenant_code: Mapped[str] = mapped_column(ForeignKey("newsroom_tenants.code"))
    question: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int] = mapped_column(ForeignKey("newsroom_staff.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NewsroomPollOption(Base):
    __tablename__ = "newsroom_poll_options"
    __table_args__ = (
        UniqueConstraint("poll_id", "position", name="uq_newsroom_poll_options_position"),
        UniqueConstraint("poll_id", "id", name="uq_newsroom_poll_options_poll_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("newsroom_polls.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(100))


class NewsroomPollVote(Base):
    """One household's vote: the primary key (poll, household) is the one-vote rule, and
    the option must be one of that poll's (a foreign key on both columns)."""

    __tablename__ = "newsroom_poll_votes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["poll_id", "option_id"],
            ["newsroom_poll_options.poll_id", "newsroom_poll_options.id"],
            ondelete="CASCADE",
            name="fk_newsroom_poll_votes_option",
        ),
        Index("ix_newsroom_poll_votes_option", "option_id"),
    )

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("newsroom_polls.id", ondelete="CASCADE"), primary_key=True
    )
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), primary_key=True
    )
    option_id: Mapped[int] = mapped_column(Integer)
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# -- newsroom media library (issue #7; docs/newsroom.md) ------------------------------


class NewsroomMedia(Base):
    """An item of a centre's media library: a video (the VOD asset it became, in the
    newsroom's category), an image (checked, re-encoded, kept under the data directory
    as ``image_path`` and served publicly by its unguessable ``image_key``) or a text
    (its ``body``: sanitised HTML)."""

    __tablename__ = "newsroom_media"
    __table_args__ = (Index("ix_newsroom_media_tenant", "tenant_code", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_code: Mapped[str] = mapped_column(ForeignKey("newsroom_tenants.code"))
    kind: Mapped[str] = mapped_column(String(8))  # library.MediaKind
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("newsroom_staff.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    asset_code: Mapped[str | None] = mapped_column(
        ForeignKey("vod_assets.code"), nullable=True, unique=True
    )
    image_key: Mapped[str | None] = mapped_column(String(32), nullable=True, unique=True)
    image_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    content_type: Mapped[str] = mapped_column(String(64), default="")
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    body: Mapped[str | None] = mapped_column(Text, nullable=True)


class NewsroomVersionMedia(Base):
    """Which library items a story version uses: an item in use cannot be deleted."""

    __tablename__ = "newsroom_version_media"
    __table_args__ = (Index("ix_newsroom_version_media_media", "media_id"),)

    version_id: Mapped[int] = mapped_column(
        ForeignKey("newsroom_versions.id", ondelete="CASCADE"), primary_key=True
    )
    media_id: Mapped[int] = mapped_column(ForeignKey("newsroom_media.id"), primary_key=True)


class RecorderClaim(Base):
    """Which recorder node records a channel (``live/claims.py``, ADR 0033): the owner, the
    fencing epoch that only grows, and the expiry on the database's clock (UTC ms)."""

    __tablename__ = "recorder_claims"

    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(100))
    epoch: Mapped[int] = mapped_column(BigInteger)
    expires_ms: Mapped[int] = mapped_column(BigInteger)


class RecorderNode(Base):
    """A recorder node that is alive: its capacity in channels and when it was last seen
    (the database's clock, UTC ms); the nodes share channels out between them."""

    __tablename__ = "recorder_nodes"

    node_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)
    seen_ms: Mapped[int] = mapped_column(BigInteger)
