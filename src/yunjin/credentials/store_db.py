"""The throttle's records in the database (``login_attempts``): the default, and what
several api processes on one PostgreSQL share.

A failure is one short transaction of its own, committed whatever the login's fate: insert
the row if missing (which takes SQLite's write lock), lock it (``FOR UPDATE`` in
PostgreSQL), apply :func:`throttle.fail`, write it back. Two processes counting the same key
at once therefore count twice, never once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from yunjin.credentials import throttle
from yunjin.credentials.throttle import Policy, Record
from yunjin.db.engine import Database
from yunjin.db.models import LoginAttempt

PURGE_EVERY: Final = 64  # failures between two sweeps of forgotten rows


class DatabaseThrottle:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._until_purge = PURGE_EVERY

    def read(self, keys: Sequence[str]) -> dict[str, Record]:
        with self.db.session() as session:
            rows = session.scalars(select(LoginAttempt).where(LoginAttempt.key.in_(keys)))
            return {row.key: _record(row) for row in rows}

    def fail(self, key: str, policy: Policy, now: float) -> Record:
        moment = _moment(now)
        with self.db.session() as session:
            _insert_missing(session, key, moment)
            row = session.scalars(
                select(LoginAttempt).where(LoginAttempt.key == key).with_for_update()
            ).one()
            before = _record(row) if row.failures > 0 else None
            after = throttle.fail(before, policy, now)
            if after.failures == 1:
                row.window_start = moment
            row.failures = after.failures
            row.last_failure_at = moment
            row.locked_until = _moment(after.locked_until) if after.locked_until else None
            row.forget_at = _moment(after.forget_at(policy))
            self._purge(session, moment)
        return after

    def clear(self, key: str) -> None:
        with self.db.session() as session:
            session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))

    def _purge(self, session: Session, moment: datetime) -> None:
        """Now and then, delete the rows the throttle has forgotten (attackers' addresses)."""
        self._until_purge -= 1
        if self._until_purge > 0:
            return
        self._until_purge = PURGE_EVERY
        session.execute(delete(LoginAttempt).where(LoginAttempt.forget_at < moment))


def _insert_missing(session: Session, key: str, moment: datetime) -> None:
    values = {"key": key, "failures": 0, "window_start": moment}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(LoginAttempt).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(LoginAttempt).values(values).on_conflict_do_nothing())


def _record(row: LoginAttempt) -> Record:
    last = row.last_failure_at or row.window_start  # rows from before 0017 lack the latest
    locked = row.locked_until
    return Record(row.failures, _seconds(last), _seconds(locked) if locked else 0.0)


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _seconds(moment: datetime) -> float:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.timestamp()
