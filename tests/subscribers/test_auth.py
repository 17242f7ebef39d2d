"""Set-top-box logins in SQLite and PostgreSQL (which takes a one-statement path), through
the credential throttle as the route runs them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from yunjin.credentials.guard import Attempt, CredentialGuard, LoginRefused, Realm
from yunjin.credentials.store_db import DatabaseThrottle
from yunjin.db.engine import Database
from yunjin.db.models import AuthSession, Device, LoginAttempt
from yunjin.subscribers.accounts import create_household, register_device
from yunjin.subscribers.auth import box_subject, session_of, stb_login
from yunjin.subscribers.regions import seed_regions

MAC = "00:11:22:33:44:55"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HOME = "198.51.100.7"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    with database.session() as session:
        seed_regions(session)
        household = create_household(session, "hh200", "510104")
        register_device(session, household, "stb", mac=MAC, serial="SN-1")
    yield database
    database.close()


def _login(db: Database, serial: str, at: datetime, mac: str = MAC, address: str = HOME) -> str:
    """A token, or the refusal's code, as ``POST /api/v1/auth/stb`` runs the login."""
    guard = CredentialGuard(DatabaseThrottle(db), clock=at.timestamp)

    def work() -> str:
        with db.session() as session:
            return stb_login(session, mac, serial, None, at).token

    try:
        return guard.run(Attempt(Realm.BOX, box_subject(mac), address), work)
    except LoginRefused as refused:
        return refused.code


def test_a_login_writes_a_session_and_the_last_sighting_and_forgives_failures(
    db: Database,
) -> None:
    assert _login(db, "wrong", NOW) == "login_failed"
    with db.session() as session:
        assert session.get(LoginAttempt, f"mac:{MAC}") is not None
        assert session.get(LoginAttempt, f"addr:{HOME}") is not None
    token = _login(db, "SN-1", NOW + timedelta(seconds=1))
    with db.session() as session:
        who = session_of(session, token, NOW + timedelta(seconds=2))
        assert who is not None
        device = session.scalar(select(Device).where(Device.mac == MAC))
        assert device is not None
        assert who.device_id == device.id
        assert device.last_seen_at is not None
        assert session.get(LoginAttempt, f"mac:{MAC}") is None  # the box proved itself
        assert session.get(LoginAttempt, f"addr:{HOME}") is not None  # the address did not
        row = session.scalar(select(AuthSession))
        assert row is not None
        assert not row.revoked


def test_ten_failures_lock_the_address_even_for_the_right_serial(db: Database) -> None:
    codes = [_login(db, "wrong", NOW + timedelta(seconds=i)) for i in range(10)]
    assert codes == ["login_failed"] * 9 + ["login_locked"]
    assert _login(db, "SN-1", NOW + timedelta(seconds=30)) == "login_locked"
    # the box's own key is not locked: from its own address it logs in meanwhile
    assert len(_login(db, "SN-1", NOW + timedelta(seconds=31), address="203.0.113.5")) > 20
    assert len(_login(db, "SN-1", NOW + timedelta(minutes=2))) > 20  # the lock has ended
    # an unknown MAC is counted like a known one, here on a fresh address
    unknown = [
        _login(db, "x", NOW + timedelta(seconds=i), "00:00:00:00:00:09", "192.0.2.1")
        for i in range(10)
    ]
    assert unknown[-1] == "login_locked"
