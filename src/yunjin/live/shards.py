"""Sharing channels out between recorder nodes (ADR 0033).

:func:`plan` is pure: from what should be on air, what this node holds, what others hold and
which nodes are alive, it says which channels to claim and which to let go.  Every node
aims at the same fair share (the channels over the live nodes, rounded up, within its own
capacity); a node above it lets channels go only while another node has room for them, and
a node below it takes free channels in its own rendezvous order, so nodes spread channels
without agreeing on anything but the claims themselves.

:class:`RecorderShard` runs it every round: it renews its claims (a lost one stops its
recorder at once), claims and releases as planned, and tells the pool which channels to
record, each with its fence.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from yunjin.live.channels import ChannelView
from yunjin.live.claims import Claim, ClaimStore, Holder
from yunjin.live.pool import RecorderPool

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Plan:
    claim: tuple[str, ...]
    release: tuple[str, ...]


def rank(node: str, channel: str) -> int:
    """A node's rendezvous score for a channel: every node sees every channel in an order of
    its own, so free channels spread without coordination."""
    return int.from_bytes(hashlib.blake2b(f"{node}/{channel}".encode(), digest_size=8).digest())


def fair_share(wanted: int, alive: Mapping[str, int], node: str) -> int:
    """How many of ``wanted`` channels ``node`` should record: the channels over the live
    nodes, rounded up, within its capacity."""
    nodes = max(1, len(alive))
    return min(alive.get(node, 0), math.ceil(wanted / nodes))


def plan(
    node: str,
    wanted: Collection[str],
    mine: Collection[str],
    holders: Mapping[str, Holder],
    alive: Mapping[str, int],
    now_ms: int,
) -> Plan:
    """What ``node`` should claim and release this round (see the module's docstring)."""
    wanted_set = set(wanted)
    release = sorted(set(mine) - wanted_set)
    keeping = [channel for channel in mine if channel in wanted_set]
    share = fair_share(len(wanted_set), alive, node)
    if len(keeping) > share:
        room = _room_elsewhere(node, wanted_set, holders, alive, now_ms)
        extra = min(len(keeping) - share, room)
        # let go of the channels this node ranks lowest: another ranks them higher
        keeping.sort(key=lambda channel: rank(node, channel))
        release += keeping[:extra]
        return Plan((), tuple(release))
    free = [
        channel
        for channel in wanted_set - set(mine)
        if (held := holders.get(channel)) is None or held.expires_ms <= now_ms
    ]
    free.sort(key=lambda channel: rank(node, channel), reverse=True)
    return Plan(tuple(free[: share - len(keeping)]), tuple(release))


def _room_elsewhere(
    node: str,
    wanted: set[str],
    holders: Mapping[str, Holder],
    alive: Mapping[str, int],
    now_ms: int,
) -> int:
    """How many channels the other live nodes could still take up to their fair share."""
    held: dict[str, int] = {}
    for channel, holder in holders.items():
        if channel in wanted and holder.expires_ms > now_ms:
            held[holder.owner] = held.get(holder.owner, 0) + 1
    return sum(
        max(0, fair_share(len(wanted), alive, other) - held.get(other, 0))
        for other in alive
        if other != node
    )


Clock = Callable[[], float]


class RecorderShard:
    """This node's share of the channels, kept in step with the claims every round."""

    def __init__(
        self,
        claims: ClaimStore,
        pool: RecorderPool,
        capacity: int,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self.claims = claims
        self.pool = pool
        self.capacity = capacity
        self.held: dict[str, Claim] = {}
        self._clock = clock

    def fence(self, channel: str) -> Callable[[], bool]:
        """Whether this node may still write ``channel``'s archive, asked before each segment."""

        def holds() -> bool:
            claim = self.held.get(channel)
            return claim is not None and claim.holds(self._clock())

        return holds

    async def round(self, channels: list[ChannelView], at_ms: int) -> None:
        """Renew, plan, claim and release, then record exactly what is held."""
        on_air = {channel.tvg_id: channel for channel in channels if channel.records_at(at_ms)}
        try:
            await asyncio.to_thread(self.claims.heartbeat, self.capacity)
            await self._renew()
            holders = await asyncio.to_thread(self.claims.holders)
            alive = await asyncio.to_thread(self.claims.alive_nodes)
            now_ms = await asyncio.to_thread(self.claims.database_ms)
        except SQLAlchemyError as error:  # the database is away: keep what is still trusted
            log.warning("recorder claims: %s", error)
            await self._drop_untrusted()
            await self.pool.reconcile(self._recording(on_air), at_ms, self.fence)
            return
        todo = plan(self.claims.owner, on_air, self.held, holders, alive, now_ms)
        for channel in todo.release:
            await self._release(channel)
        for channel in todo.claim:
            claim = await asyncio.to_thread(self.claims.claim, channel)
            if claim is not None:
                self.held[channel] = claim
                log.info("claimed %s (epoch %d)", channel, claim.epoch)
        await self.pool.reconcile(self._recording(on_air), at_ms, self.fence)

    def _recording(self, on_air: Mapping[str, ChannelView]) -> list[ChannelView]:
        return [on_air[channel] for channel in self.held if channel in on_air]

    async def _renew(self) -> None:
        for channel, claim in list(self.held.items()):
            renewed = await asyncio.to_thread(self.claims.renew, claim)
            if renewed is None:
                log.warning("lost the claim on %s (epoch %d): stopping", channel, claim.epoch)
                del self.held[channel]
                await self.pool.stop(channel)
            else:
                self.held[channel] = renewed

    async def _drop_untrusted(self) -> None:
        now = self._clock()
        for channel, claim in list(self.held.items()):
            if not claim.holds(now):
                del self.held[channel]
                await self.pool.stop(channel)

    async def _release(self, channel: str) -> None:
        """Stop writing first, then let the claim go: the next owner starts after both."""
        claim = self.held.pop(channel)
        await self.pool.stop(channel)
        await asyncio.to_thread(self.claims.release, claim)
        log.info("released %s (epoch %d)", channel, claim.epoch)

    async def leave(self) -> None:
        """Goodbye: stop every recorder, release every claim, take this node's row away."""
        for channel in list(self.held):
            await self._release(channel)
        await asyncio.to_thread(self.claims.leave)
