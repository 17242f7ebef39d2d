"""Set-top-box logins in SQLite and PostgreSQL (which takes a one-statement path)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from yunjin.db.engine import Database
from yunjin.db.models import AuthSession, Device, LoginAttempt
from yunjin.subscribers.accounts import create_household, register_device
from yunjin.subscribers.auth import LoginRefused, session_of, stb_login
from yunjin.subscribers.regions import seed_regions

MAC = "00:11:22:33:44:55"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    with database.session() as session:
        seed_regions(session)
        household = create_household(session, "hh200", "510104")
        register_device(session, household, "stb", mac=MAC, serial="SN-1")
    yield database
    database.close()


def _login(db: Database, serial: str, at: datetime, mac: str = MAC) -> str:
    """A token, or the refusal's code; refusals are committed, as the route does."""
    with db.session() as session:
        try:
            return stb_login(session, mac, serial, None, at).token
        except LoginRefused as refused:
            session.commit()
            return refused.code


def test_a_login_writes_a_session_and_the_last_sighting_and_forgives_failures(
    db: Database,
) -> None:
    assert _login(db, "wrong", NOW) == "login_failed"
    with db.session() as session:
        assert session.get(LoginAttempt, f"mac:{MAC}") is not None
    token = _login(db, "SN-1", NOW + timedelta(seconds=1))
    with db.session() as session:
        who = session_of(session, token, NOW + timedelta(seconds=2))
        assert who is not None
        device = session.scalar(select(Device).where(Device.mac == MAC))
        assert device is not None
        assert who.device_id == device.id
        assert device.last_seen_at is not None
        assert session.get(LoginAttempt, f"mac:{MAC}") is None
        row = session.scalar(select(AuthSession))
        assert row is not None
        assert not row.revoked


def test_five_failures_lock_the_mac_even_for_the_right_serial(db: Database) -> None:
    codes = [_login(db, "wrong", NOW + timedelta(seconds=i)) for i in range(5)]
    assert codes == ["login_failed"] * 4 + ["login_locked"]
    assert _login(db, "SN-1", NOW + timedelta(minutes=1)) == "login_locked"
    assert len(_login(db, "SN-1", NOW + timedelta(minutes=16))) > 20
    # an unknown MAC is counted and locked like a known one
    unknown = [_login(db, "x", NOW + timedelta(seconds=i), "00:00:00:00:00:09") for i in range(6)]
    assert unknown[-1] == "login_locked"
