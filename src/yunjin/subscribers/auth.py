"""Logins: set-top boxes by MAC and serial, phones and web by account and password.

Sessions are random bearer tokens of which only a hash is stored.  Repeated
failures on one key (a MAC or an account) lock it for a while; every failure
answers the same way, so an attacker learns nothing about which part was wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from yunjin.db.models import AuthSession, Device, Household, LoginAttempt
from yunjin.subscribers.accounts import AccountError, normalise_mac, register_device
from yunjin.subscribers.passwords import verify_secret

SESSION_DAYS = 30
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)


class LoginRefused(Exception):
    """``code`` is ``login_failed`` or ``login_locked`` (with ``retry_after_s``)."""

    def __init__(self, code: str, retry_after_s: int = 0) -> None:
        self.code = code
        self.retry_after_s = retry_after_s
        super().__init__(code)


@dataclass(frozen=True, slots=True)
class Login:
    token: str  # shown once, to the client
    household_id: int
    device_id: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SessionInfo:
    household_id: int
    device_id: int


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_lock(session: Session, key: str, now: datetime) -> LoginAttempt | None:
    """The key's failure record (read once per login), or LoginRefused while it is locked."""
    attempt = session.get(LoginAttempt, key)
    if attempt is not None and attempt.locked_until is not None:
        locked_until = _aware(attempt.locked_until)
        if locked_until > now:
            raise LoginRefused("login_locked", int((locked_until - now).total_seconds()) + 1)
    return attempt


def _fail(session: Session, key: str, attempt: LoginAttempt | None, now: datetime) -> LoginRefused:
    if attempt is None or _aware(attempt.window_start) + FAILURE_WINDOW < now:
        if attempt is None:
            attempt = LoginAttempt(key=key, failures=0, window_start=now)
            session.add(attempt)
        attempt.failures, attempt.window_start, attempt.locked_until = 0, now, None
    attempt.failures += 1
    if attempt.failures >= MAX_FAILURES:
        attempt.locked_until = now + LOCK_FOR
        return LoginRefused("login_locked", int(LOCK_FOR.total_seconds()))
    return LoginRefused("login_failed")


def _succeed(
    session: Session,
    attempt: LoginAttempt | None,
    household: Household,
    device: Device,
    now: datetime,
) -> Login:
    if attempt is not None:
        session.delete(attempt)
    if session.get_bind().dialect.name == "postgresql":
        # a session row lost in a crash only means logging in again: do not wait for fsync
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(days=SESSION_DAYS)
    session.add(
        AuthSession(
            token_hash=_token_hash(token),
            household_id=household.id,
            device_id=device.id,
            created_at=now,
            expires_at=expires,
            revoked=False,
        )
    )
    device.last_seen_at = now
    return Login(token, household.id, device.id, expires)


def stb_login(
    session: Session,
    mac: str,
    serial: str,
    password: str | None,
    now: datetime,
    *,
    require_password: bool = False,
) -> Login:
    """A set-top box logs in with its MAC and serial, and the household password where the
    operator requires it (``stb_password_required``).

    The caller commits even when this raises, so failures are counted.
    """
    try:
        key = f"mac:{normalise_mac(mac)}"
    except AccountError as error:
        raise LoginRefused("login_failed") from error
    attempt = _check_lock(session, key, now)
    found = session.execute(
        select(Device, Household)
        .join(Household, Household.id == Device.household_id)
        .where(Device.mac == key[4:], Device.kind == "stb")
    ).first()
    device, household = found.tuple() if found is not None else (None, None)
    serial_ok = device is not None and hmac.compare_digest(
        (device.serial or "").encode(), serial.encode()
    )
    password_ok = household is not None and (
        not require_password or verify_secret(household.password_hash, password or "")
    )
    if device is None or household is None or not serial_ok or not password_ok:
        raise _fail(session, key, attempt, now)
    return _succeed(session, attempt, household, device, now)


def account_login(
    session: Session, account: str, password: str, device_label: str, now: datetime
) -> Login:
    """A phone or browser logs in with the household's account and password.

    A new ``device_label`` registers a phone device, within the device limit.
    """
    key = f"account:{account.lower()[:64]}"
    attempt = _check_lock(session, key, now)
    household = session.scalar(select(Household).where(Household.account == account))
    stored = household.password_hash if household is not None else None
    if not verify_secret(stored, password) or household is None:
        raise _fail(session, key, attempt, now)
    label = device_label.strip()[:100] or "phone"
    device = session.scalar(
        select(Device).where(
            Device.household_id == household.id, Device.kind == "phone", Device.label == label
        )
    )
    if device is None:
        device = register_device(session, household, "phone", label=label)
    return _succeed(session, attempt, household, device, now)


def session_of(session: Session, token: str, now: datetime) -> SessionInfo | None:
    """Who a bearer token belongs to, if it is current."""
    row = session.get(AuthSession, _token_hash(token))
    if row is None or row.revoked or _aware(row.expires_at) <= now:
        return None
    return SessionInfo(row.household_id, row.device_id)


def logout(session: Session, token: str) -> bool:
    row = session.get(AuthSession, _token_hash(token))
    if row is None or row.revoked:
        return False
    row.revoked = True
    return True


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
