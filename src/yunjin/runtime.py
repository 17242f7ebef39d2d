"""The running parts of one Yunjin process and the loops that keep them in step."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import SQLAlchemyError

from yunjin.archive.announce import Announcer, listen
from yunjin.archive.encryption import ChannelKeys
from yunjin.archive.registry import Archives
from yunjin.archive.segment import Segment
from yunjin.config import ConfigError, Settings
from yunjin.credentials.guard import CredentialGuard
from yunjin.credentials.store import throttle_store
from yunjin.db.engine import Database
from yunjin.db.models import Household, Product
from yunjin.delivery.scopes import Reach
from yunjin.epg.sources import refresh_due_sources
from yunjin.live.channels import ChannelView, list_channels
from yunjin.live.claims import ClaimStore
from yunjin.live.pool import RecorderPool
from yunjin.live.recorder import RecorderConfig
from yunjin.live.shards import RecorderShard
from yunjin.live.source_networks import allowed_networks
from yunjin.media.ffmpeg import ffmpeg_binary
from yunjin.newsroom.stories import publish_due
from yunjin.periodic import Job, Period, run_every
from yunjin.subscribers.accounts import load_rights
from yunjin.subscribers.entitlements import Rights
from yunjin.subscribers.leases import lease_store
from yunjin.subscribers.passwords import limit_hashing
from yunjin.subscribers.regions import seed_regions
from yunjin.vod.jobs import HueyQueue
from yunjin.vod.worker import Consumer

log = logging.getLogger(__name__)

RIGHTS_CACHE_S = 5.0
# the periodic loops: how often each runs, and how far a run of failures backs it off
CATALOG_POLL = Period(every_s=2.0, backoff_max_s=30.0)
RETENTION = Period(every_s=60.0, backoff_max_s=600.0)
GUIDE_CHECK = Period(every_s=300.0, backoff_max_s=3600.0)
PUBLISH_DUE = Period(every_s=2.0, backoff_max_s=30.0)


@dataclass(frozen=True, slots=True)
class Access:
    """Whether unsigned ``/hls/`` URLs play every channel (ADR 0029): only while the operator
    has not required tokens and the platform protects nobody yet — no household, no product.
    Channels open to everyone play unsigned either way."""

    tokens_required: bool
    protects_someone: bool

    @property
    def open(self) -> bool:
        return not self.tokens_required and not self.protects_someone


class Runtime:
    """Settings, database, archives and recorders of one process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = Database(settings.database)
        with self.db.session() as session:
            seed_regions(session)
        self.role = settings.role
        self.node_id = settings.node_id or f"{socket.gethostname()}-{os.getpid()}"
        # a recorder of several tells api nodes of its segments; an api node only reads
        self.announcer = (
            Announcer(settings.announce_url, settings.task_queue_name)
            if self.role == "recorder" and settings.announce_url
            else None
        )
        self.archives = Archives(
            settings.archive_dir,
            reader=self.role == "api",
            announce=None if self.announcer is None else self.announcer.announce,
        )
        self.channels: dict[str, ChannelView] = {}
        self.access = Access(settings.require_tokens, protects_someone=True)  # closed till read
        self.reach = Reach(settings.live_window_segments, settings.catchup_window_max_s)
        self.pool = RecorderPool(
            self.archives,
            RecorderConfig(
                segment_seconds=settings.segment_seconds,
                ffmpeg_binary=ffmpeg_binary(settings.ffmpeg),
                cache_dir=settings.data_dir / "cache",
                backoff_max_s=settings.restart_backoff_max_s,
                stall_timeout_s=settings.stall_timeout_s,
                timezone=settings.timezone,
            ),
            allowed_networks(settings),  # what a live event's source may reach (#12)
        )
        self.shard = (
            RecorderShard(
                ClaimStore(self.db, self.node_id, settings.claim_ttl_s),
                self.pool,
                settings.recorder_capacity,
            )
            if self.role == "recorder"
            else None
        )
        self.leases = lease_store(settings.lease_store_url, settings.lease_ttl_s)
        # every credential check goes through this one throttle (ADR 0027)
        self.credentials = CredentialGuard(throttle_store(settings.throttle_store_url, self.db))
        limit_hashing(settings.hash_concurrency or os.cpu_count() or 2, settings.hash_wait_s)
        self._rights: dict[int, tuple[float, Rights]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.vod_queue = HueyQueue(settings, self.db)
        self.vod_consumer: Consumer | None = None
        self.refresh_catalog()

    def channel_keys(self, channel: ChannelView) -> ChannelKeys | None:
        """The AES-128 keys of an encrypted channel (None for a clear one)."""
        if not channel.encrypted:
            return None
        if self.settings.encryption_secret is None:
            raise ConfigError(f"channel {channel.tvg_id} is encrypted: set encryption_secret")
        return ChannelKeys(self.settings.encryption_secret, channel.tvg_id)

    def rights(self, household_id: int) -> Rights:
        """A household's rights, cached for a few seconds (the playlist path asks often)."""
        cached = self._rights.get(household_id)
        now = time.monotonic()
        if cached is not None and now - cached[0] < RIGHTS_CACHE_S:
            return cached[1]
        with self.db.session() as session:
            rights = load_rights(session, household_id)
        self._rights[household_id] = (now, rights)
        return rights

    def stream_limit(self, household_id: int) -> int:
        with self.db.session() as session:
            household = session.get(Household, household_id)
            return household.stream_limit if household is not None else 1

    def lineup(self) -> list[ChannelView]:
        """The paid lineup, by number: every listing (M3U, Xtream, XMLTV, the portals'
        guide, number zapping) reads this, never ``channels`` — live events' temporary
        channels play, but are not listed (``ChannelView.in_lineup``)."""
        return [channel for channel in self.channels.values() if channel.in_lineup]

    def forget_rights(self, household_id: int) -> None:
        self._rights.pop(household_id, None)

    def refresh_catalog(self) -> list[ChannelView]:
        """Reload the channel catalog into memory; HLS requests read only this copy."""
        with self.db.session() as session:
            channels = list_channels(session)
            protects = session.scalar(
                select(exists(select(Household.id)) | exists(select(Product.id)))
            )
        usable = []
        for channel in channels:  # load archives before requests can name the channel
            try:
                keys = self.channel_keys(channel)
            except ConfigError as error:
                log.error("%s is left out: %s", channel.tvg_id, error)
                continue
            self.archives.get(channel.tvg_id).keys = keys
            usable.append(channel)
        self.channels = {channel.tvg_id: channel for channel in usable}
        self.access = Access(self.settings.require_tokens, bool(protects))
        return usable

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self.loop(name), name=name) for name in self.loops()]
        if self.announcer is not None:
            self._tasks.append(asyncio.create_task(self.announcer.run(), name="announce"))
        if self.role == "api" and self.settings.announce_url:
            following = listen(
                self.settings.announce_url,
                self.settings.task_queue_name,
                self.follow_segment,
                self.follow_disk,
            )
            self._tasks.append(asyncio.create_task(following, name="follow-announcements"))
        if self.role == "all" and self.settings.serve_worker:  # one box transcodes too
            self.vod_consumer = Consumer(self.settings, self.db, self.vod_queue)
            self.vod_consumer.start()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.shard is not None:  # a goodbye: the others take the channels over at once
            with contextlib.suppress(SQLAlchemyError):
                await self.shard.leave()
        await self.pool.stop_all()
        if self.announcer is not None:
            await self.announcer.close()
        if self.vod_consumer is not None:
            await asyncio.to_thread(self.vod_consumer.stop)
        self.db.close()

    def loops(self) -> dict[str, tuple[Job, Period]]:
        """The periodic loops of this node's role by name, each a round of work and its
        period: a recorder follows the catalog (claiming its share) and keeps its channels'
        retention; an api node follows the catalog and the archive other nodes write; one box
        does all of it, with the guides and the newsroom's scheduled publishing."""
        loops: dict[str, tuple[Job, Period]] = {
            "catalog": (self._follow_catalog, self._catalog_period()),
            "retention": (self.enforce_retention, RETENTION),  # on the loop: it edits indexes
        }
        if self.role == "api":
            follow = Period(self.settings.follow_poll_s, CATALOG_POLL.backoff_max_s)
            loops["follow-disk"] = (self.follow_disk, follow)
        if self.role != "recorder":
            loops["guides"] = (self._refresh_guides, GUIDE_CHECK)
            loops["newsroom-publish"] = (self._publish_due, PUBLISH_DUE)
        return loops

    def _catalog_period(self) -> Period:
        if self.shard is None:
            return CATALOG_POLL
        # a recorder renews its claims every round: three rounds to a claim's life
        every = min(CATALOG_POLL.every_s, self.settings.claim_ttl_s / 3)
        return Period(every, CATALOG_POLL.backoff_max_s)

    def follow_segment(self, channel: str, segment: Segment) -> None:
        """An announced segment of a channel another node records (api role)."""
        if channel in self.channels:
            self.archives.get(channel).follow(segment)

    def follow_disk(self) -> None:
        """Read what the hour indexes list beyond this node's copy, for every channel: the
        truth behind the announcements (api role)."""
        now_ms = time.time_ns() // 1_000_000
        for channel in list(self.channels):
            self.archives.get(channel).refresh(now_ms)

    def loop(self, name: str) -> Coroutine[None, None, None]:
        """One of ``loops()`` to run as a task: it survives its failures until cancelled."""
        job, period = self.loops()[name]
        return run_every(name, job, period)

    async def _follow_catalog(self) -> None:
        channels = await asyncio.to_thread(self.refresh_catalog)
        now_ms = time.time_ns() // 1_000_000
        if self.shard is not None:  # this node records its share, as its claims say
            await self.shard.round(channels, now_ms)
        elif self.role == "all" and self.settings.record:  # on and off air by time, too
            await self.pool.reconcile(channels, now_ms)

    async def _refresh_guides(self) -> None:
        reports = await asyncio.to_thread(refresh_due_sources, self.db)
        for report in reports:
            log.info("guide %s: %d programmes", report.source, report.programmes_stored)

    async def _publish_due(self) -> None:
        """Scheduled newsroom stories go live at their time, with no staff action."""
        published = await asyncio.to_thread(self.publish_due_stories)
        if published:
            log.info("newsroom: published scheduled stories %s", published)

    def publish_due_stories(self) -> list[int]:
        with self.db.session() as session:
            return publish_due(session, datetime.now(UTC))

    def enforce_retention(self) -> None:
        """Drop what is older than each channel's catch-up days: from disk on the node that
        records it, from memory on an api node (which writes nothing)."""
        days = {
            c.tvg_id: min(c.catchup_days, self.settings.retention_days_max) or 1
            for c in self.channels.values()
            if self.shard is None or c.tvg_id in self.shard.held
        }
        report = self.archives.enforce_retention(
            time.time_ns() // 1_000_000, days, self.settings.disk_budget_bytes
        )
        if report.bytes_freed_by_age or report.bytes_freed_by_budget:
            log.info("retention freed %s", report)
