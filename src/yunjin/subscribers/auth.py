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


def check_lock(attempt: LoginAttempt | None, now: datetime) -> None:
    """LoginRefused while the key's failure record says it is locked."""
    if attempt is not None and attempt.locked_until is not None:
        locked_until = _aware(attempt.locked_until)
        if locked_until > now:
            raise LoginRefused("login_locked", int((locked_until - now).total_seconds()) + 1)


def record_failure(
    session: Session, key: str, attempt: LoginAttempt | None, now: datetime
) -> LoginRefused:
    """Count a failed login on ``key`` (locking it at the limit); the refusal to raise.

    The caller commits even though it raises, so the failure stays counted.
    """
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


# PostgreSQL: the whole success in one round trip.  A session row lost in a crash only means
# logging in again, so the commit does not wait for fsync (``set_config``, local to this
# transaction); the box's last sighting and the forgiven failures go in the same statement.
_SUCCEED_PG = text(
    """
    WITH sync AS (SELECT set_config('synchronous_commit', 'off', true)),
    seen AS (UPDATE devices SET last_seen_at = :now WHERE id = :device_id),
    forgiven AS (DELETE FROM login_attempts WHERE key = :key AND :had_attempt)
    INSERT INTO auth_sessions
        (token_hash, household_id, device_id, created_at, expires_at, revoked)
    SELECT :token_hash, :household_id, :device_id, :now, :expires, false FROM sync
    """
)


def _succeed(
    session: Session,
    key: str,
    attempt: LoginAttempt | None,
    household: Household,
    device: Device,
    now: datetime,
) -> Login:
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(days=SESSION_DAYS)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            _SUCCEED_PG,
            {
                "now": now,
                "device_id": device.id,
                "household_id": household.id,
                "key": key,
                "had_attempt": attempt is not None,
                "token_hash": _token_hash(token),
                "expires": expires,
            },
        )
        return Login(token, household.id, device.id, expires)
    if attempt is not None:
        session.delete(attempt)
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
    # the box, its household and the MAC's failure record in one round trip
    found = session.execute(
        select(Device, Household, LoginAttempt)
        .join(Household, Household.id == Device.household_id)
        .outerjoin(LoginAttempt, LoginAttempt.key == key)
        .where(Device.mac == key[4:], Device.kind == "stb")
    ).first()
    device, household, attempt = (None, None, None) if found is None else found
    if device is None:  # an unknown MAC: its failure record on its own
        attempt = session.get(LoginAttempt, key)
    check_lock(attempt, now)
    serial_ok = device is not None and hmac.compare_digest(
        (device.serial or "").encode(), serial.encode()
    )
    password_ok = household is not None and (
        not require_password or verify_secret(household.password_hash, password or "")
    )
    if device is None or household is None or not serial_ok or not password_ok:
        raise record_failure(session, key, attempt, now)
    return _succeed(session, key, attempt, household, device, now)


def account_login(
    session: Session, account: str, password: str, device_label: str, now: datetime
) -> Login:
    """A phone or browser logs in with the household's account and password.

    A new ``device_label`` registers a phone device, within the device limit.
    """
    key = f"account:{account.lower()[:64]}"
    attempt = session.get(LoginAttempt, key)
    check_lock(attempt, now)
    household = session.scalar(select(Household).where(Household.account == account))
    stored = household.password_hash if household is not None else None
    if not verify_secret(stored, password) or household is None:
        raise record_failure(session, key, attempt, now)
    label = device_label.strip()[:100] or "phone"
    device = session.scalar(
        select(Device).where(
            Device.household_id == household.id, Device.kind == "phone", Device.label == label
        )
    )
    if device is None:
        device = register_device(session, household, "phone", label=label)
    return _succeed(session, key, attempt, household, device, now)


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
