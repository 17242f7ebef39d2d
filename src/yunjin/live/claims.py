"""Which recorder node records which channel: claims with fencing epochs (ADR 0033).

A claim is one row per channel in the database every node shares — owner, epoch, expiry —
changed only by single statements whose conditions the database checks at once:

- *claim*: take a channel whose claim has expired (or that this node already owns), with
  the epoch one higher than before;
- *renew*: push the expiry on, only while owner and epoch are still this node's;
- *release*: let it go at once, only while they are.

Expiry is the database's clock, the one clock every node agrees on.  A node trusts its own
claim only until ``ttl`` after it *sent* the statement that granted or renewed it, less a
margin, by its monotonic clock — which a jumping wall clock does not move.  The database
lets another node claim only after ``ttl`` from when it *executed* the statement, later
still.  So a node that lost its claim (a pause, a partition, SIGSTOP) has stopped writing
before the next owner can start: fencing by time, and the epoch, which only grows, names
who wrote what.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import BigInteger, ColumnElement, and_, cast, delete, func, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from yunjin.db.engine import Database
from yunjin.db.models import RecorderClaim, RecorderNode

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Claim:
    """This node's claim on a channel, trusted until ``trusted_until`` (monotonic seconds)."""

    channel: str
    owner: str
    epoch: int
    trusted_until: float

    def holds(self, now: float) -> bool:
        return now < self.trusted_until


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds a channel's claim, as the database says now."""

    owner: str
    epoch: int
    expires_ms: int


def database_now_ms(dialect: Dialect) -> ColumnElement[int]:
    """The database server's clock in UTC milliseconds, as an SQL expression."""
    if dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", func.clock_timestamp()) * 1000), BigInteger)
    # SQLite: one box, one clock
    return cast((func.julianday("now") - 2440587.5) * 86_400_000, BigInteger)


class ClaimStore:
    """The claims of one node (``owner``) in a shared database."""

    def __init__(
        self,
        db: Database,
        owner: str,
        ttl_s: float,
        *,
        margin_s: float | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError("a claim lives for some time")
        self.db = db
        self.owner = owner
        self.ttl_ms = int(ttl_s * 1000)
        self.margin_s = ttl_s / 5 if margin_s is None else margin_s
        self._clock = clock

    def _trusted_until(self, sent: float) -> float:
        return sent + self.ttl_ms / 1000 - self.margin_s

    def claim(self, channel: str) -> Claim | None:
        """Take ``channel`` if its claim expired or is this node's already; None if another
        node holds it."""
        sent = self._clock()
        with self.db.session() as session:
            now = database_now_ms(session.get_bind().dialect)
            expires = now + self.ttl_ms
            row = {"channel_id": channel, "owner": self.owner, "epoch": 1, "expires_ms": expires}
            insert = _insert(session)(RecorderClaim).values(row)
            taken = insert.on_conflict_do_update(
                index_elements=[RecorderClaim.channel_id],
                set_={
                    "owner": literal(self.owner),
                    "epoch": RecorderClaim.epoch + 1,
                    "expires_ms": expires,
                },
                where=(RecorderClaim.expires_ms <= now) | (RecorderClaim.owner == self.owner),
            ).returning(RecorderClaim.epoch)
            epoch = session.scalar(taken)
        if epoch is None:
            return None
        return Claim(channel, self.owner, epoch, self._trusted_until(sent))

    def renew(self, claim: Claim) -> Claim | None:
        """The same claim trusted for longer, or None when it was lost (expired and taken, or
        released): the caller stops writing at once."""
        sent = self._clock()
        with self.db.session() as session:
            now = database_now_ms(session.get_bind().dialect)
            renewed = session.execute(
                update(RecorderClaim)
                .where(_mine(claim), RecorderClaim.expires_ms > now)
                .values(expires_ms=now + self.ttl_ms)
            )
            kept = renewed.rowcount == 1  # type: ignore[attr-defined]
        return (
            Claim(claim.channel, claim.owner, claim.epoch, self._trusted_until(sent))
            if kept
            else None
        )

    def release(self, claim: Claim) -> None:
        """Let the channel go now (its recorder has stopped writing)."""
        with self.db.session() as session:
            session.execute(update(RecorderClaim).where(_mine(claim)).values(expires_ms=literal(0)))

    def holders(self, channels: Iterable[str] | None = None) -> dict[str, Holder]:
        """Every claim (or those of ``channels``) as the database holds it now."""
        query = select(
            RecorderClaim.channel_id,
            RecorderClaim.owner,
            RecorderClaim.epoch,
            RecorderClaim.expires_ms,
        )
        if channels is not None:
            query = query.where(RecorderClaim.channel_id.in_(list(channels)))
        with self.db.session() as session:
            return {row[0]: Holder(row[1], row[2], row[3]) for row in session.execute(query)}

    def database_ms(self) -> int:
        with self.db.session() as session:
            now: int = session.scalar(select(database_now_ms(session.get_bind().dialect))) or 0
            return now

    # -- the nodes -------------------------------------------------------------

    def heartbeat(self, capacity: int) -> None:
        """Say this node is alive and how many channels it may record."""
        with self.db.session() as session:
            now = database_now_ms(session.get_bind().dialect)
            row = {"node_id": self.owner, "capacity": capacity, "seen_ms": now}
            upsert = _insert(session)(RecorderNode).values(row)
            session.execute(
                upsert.on_conflict_do_update(
                    index_elements=[RecorderNode.node_id],
                    set_={"capacity": capacity, "seen_ms": now},
                )
            )

    def alive_nodes(self) -> dict[str, int]:
        """The nodes seen within a claim's lifetime, with their capacities."""
        with self.db.session() as session:
            now = database_now_ms(session.get_bind().dialect)
            rows = session.execute(
                select(RecorderNode.node_id, RecorderNode.capacity).where(
                    RecorderNode.seen_ms > now - self.ttl_ms
                )
            )
            return {node: capacity for node, capacity in rows}

    def leave(self) -> None:
        """Say goodbye: this node's row goes (its claims are released one by one)."""
        with self.db.session() as session:
            session.execute(delete(RecorderNode).where(RecorderNode.node_id == self.owner))


def _mine(claim: Claim) -> ColumnElement[bool]:
    return and_(
        RecorderClaim.channel_id == claim.channel,
        RecorderClaim.owner == claim.owner,
        RecorderClaim.epoch == claim.epoch,
    )


def _insert(session: Session) -> Callable[..., postgresql.Insert | sqlite.Insert]:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
