"""Logins: set-top boxes by MAC and serial, phones and web by account and password.

Sessions are random bearer tokens of which only a hash is stored.  Every failure answers
the same way (``login_failed``), so an attacker learns nothing about which part was wrong;
callers run these checks through the credential throttle (``credentials.guard``), which
counts failures per account and per client address and locks with back-off.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from yunjin.credentials.guard import LoginRefused
from yunjin.db.models import AuthSession, Device, Household
from yunjin.subscribers.accounts import AccountError, normalise_mac, register_device
from yunjin.subscribers.passwords import hash_secret, needs_rehash, verify_secret

SESSION_DAYS = 30
MIN_PASSWORD = 8  # a household's new password (older ones stand until changed)


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
    token_hash: str = ""


def box_subject(mac: str) -> str:
    """The throttle's subject for a box: its MAC as stored, or the text given if not a MAC."""
    try:
        return normalise_mac(mac)
    except AccountError:
        return mac.strip().lower()[:32]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# PostgreSQL: the whole success in one round trip.  A session row lost in a crash only means
# logging in again, so the commit does not wait for fsync (``set_config``, local to this
# transaction); the box's last sighting goes in the same statement.
_SUCCEED_PG = text(
    """
    WITH sync AS (SELECT set_config('synchronous_commit', 'off', true)),
    seen AS (UPDATE devices SET last_seen_at = :now WHERE id = :device_id)
    INSERT INTO auth_sessions
        (token_hash, household_id, device_id, created_at, expires_at, revoked)
    SELECT :token_hash, :household_id, :device_id, :now, :expires, false FROM sync
    """
)


def _succeed(session: Session, household: Household, device: Device, now: datetime) -> Login:
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(days=SESSION_DAYS)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            _SUCCEED_PG,
            {
                "now": now,
                "device_id": device.id,
                "household_id": household.id,
                "token_hash": _token_hash(token),
                "expires": expires,
            },
        )
        return Login(token, household.id, device.id, expires)
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
    operator requires it (``stb_password_required``); LoginRefused ``login_failed`` if not.
    """
    try:
        key = normalise_mac(mac)
    except AccountError as error:
        raise LoginRefused("login_failed") from error
    # the box and its household in one round trip
    found = session.execute(
        select(Device, Household)
        .join(Household, Household.id == Device.household_id)
        .where(Device.mac == key, Device.kind == "stb")
    ).first()
    device, household = (None, None) if found is None else found
    serial_ok = device is not None and hmac.compare_digest(
        (device.serial or "").encode(), serial.encode()
    )
    password_ok = household is not None and (
        not require_password or _password_matches(household, password or "")
    )
    if device is None or household is None or not serial_ok or not password_ok:
        raise LoginRefused("login_failed")
    return _succeed(session, household, device, now)


def account_login(
    session: Session, account: str, password: str, device_label: str, now: datetime
) -> Login:
    """A phone or browser logs in with the household's account and password.

    A new ``device_label`` registers a phone device, within the device limit.
    """
    household = session.scalar(select(Household).where(Household.account == account))
    if household is None:
        verify_secret(None, password)  # an unknown account costs a hash like a known one
        raise LoginRefused("login_failed")
    if not _password_matches(household, password):
        raise LoginRefused("login_failed")
    label = device_label.strip()[:100] or "phone"
    device = session.scalar(
        select(Device).where(
            Device.household_id == household.id, Device.kind == "phone", Device.label == label
        )
    )
    if device is None:
        device = register_device(session, household, "phone", label=label)
    return _succeed(session, household, device, now)


def household_password_matches(session: Session, account: str, password: str) -> int | None:
    """The household whose account and password these are (an Xtream app's login), else
    None; an unknown account costs a hash like a known one."""
    household = session.scalar(select(Household).where(Household.account == account))
    if household is None:
        verify_secret(None, password)
        return None
    return household.id if _password_matches(household, password) else None


def _password_matches(household: Household, password: str) -> bool:
    """The household's password check; a match made with older hashing costs is re-hashed."""
    stored = household.password_hash
    if not verify_secret(stored, password):
        return False
    if stored is not None and needs_rehash(stored):
        household.password_hash = hash_secret(password)
    return True


def change_password(
    session: Session, household_id: int, current: str, new: str, now: datetime, keep: str = ""
) -> int:
    """The household changes its own password (the current one is asked; LoginRefused
    ``password_wrong`` if it is not it); its other sessions end. How many ended."""
    household = session.get(Household, household_id)
    if household is None or not _password_matches(household, current):
        raise LoginRefused("password_wrong")
    return set_password(session, household, new, now, keep=keep)


def set_password(
    session: Session, household: Household, new: str, now: datetime, keep: str = ""
) -> int:
    """Set a household's password (an operator's reset, or after :func:`change_password`)
    and end its sessions but the one whose hash is ``keep``; how many ended."""
    if len(new) < MIN_PASSWORD:
        raise AccountError("password_too_short", f"a password has at least {MIN_PASSWORD}")
    household.password_hash = hash_secret(new)
    return end_sessions(session, household.id, now, keep=keep)


def end_sessions(session: Session, household_id: int, now: datetime, keep: str = "") -> int:
    """Revoke every current session of a household (but ``keep``'s); how many."""
    ended = session.execute(
        update(AuthSession)
        .where(
            AuthSession.household_id == household_id,
            AuthSession.revoked.is_(False),
            AuthSession.token_hash != keep,
        )
        .values(revoked=True, revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(ended, "rowcount", 0) or 0)


def session_of(session: Session, token: str, now: datetime) -> SessionInfo | None:
    """Who a bearer token belongs to, if it is current."""
    token_hash = _token_hash(token)
    row = session.get(AuthSession, token_hash)
    if row is None or row.revoked or _aware(row.expires_at) <= now:
        return None
    return SessionInfo(row.household_id, row.device_id, token_hash)


def logout(session: Session, token: str, now: datetime | None = None) -> bool:
    row = session.get(AuthSession, _token_hash(token))
    if row is None or row.revoked:
        return False
    row.revoked = True
    row.revoked_at = now or datetime.now(UTC)
    return True


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
