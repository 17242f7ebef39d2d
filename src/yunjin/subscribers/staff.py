"""Operator staff: admin users, their roles and sessions.

A login is checked through the credential throttle by its caller (``credentials.guard``);
sessions end by logging out, by a password change (all but the one that changed it) or by
an operator ending them all (``revoked_at``).
"""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yunjin.credentials.guard import LoginRefused
from yunjin.db.models import AdminSession, AdminUser
from yunjin.subscribers.accounts import AccountError
from yunjin.subscribers.passwords import hash_secret, needs_rehash, verify_secret

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
ADMIN_SESSION = timedelta(hours=12)
MIN_PASSWORD = 8


class Role(enum.StrEnum):
    OPERATOR = "operator"  # everything
    SUPPORT = "support"  # read, suspend and resume, de-register devices
    VIEWER = "viewer"  # read


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_admin(session: Session, username: str, password: str, role: Role) -> AdminUser:
    if not USERNAME.match(username):
        raise AccountError("bad_account", "a username is 3–64 letters, digits, '.', '_', '-'")
    _strong(password)
    user = AdminUser(username=username, password_hash=hash_secret(password), role=role.value)
    session.add(user)
    try:
        session.flush()
    except IntegrityError as error:
        raise AccountError("account_exists", f"admin {username} exists") from error
    return user


def _strong(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("weak_password", "an admin password has at least 8 characters")


def admin_login(session: Session, username: str, password: str, now: datetime) -> str:
    """A bearer token for the admin, or LoginRefused ``login_failed``; unknown users cost a
    hash like known ones."""
    user = session.get(AdminUser, username[:64])
    if user is None:
        verify_secret(None, password)
        raise LoginRefused("login_failed")
    if not _password_matches(user, password):
        raise LoginRefused("login_failed")
    token = secrets.token_urlsafe(32)
    session.add(
        AdminSession(
            token_hash=token_hash(token),
            username=user.username,
            created_at=now,
            expires_at=now + ADMIN_SESSION,
        )
    )
    return token


def _password_matches(user: AdminUser, password: str) -> bool:
    if not verify_secret(user.password_hash, password):
        return False
    if needs_rehash(user.password_hash):
        user.password_hash = hash_secret(password)
    return True


def admin_of(session: Session, token: str) -> tuple[str, Role] | None:
    row = session.get(AdminSession, token_hash(token))
    if row is None or row.revoked_at is not None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires <= datetime.now(UTC):
        return None
    user = session.get(AdminUser, row.username)
    return None if user is None else (user.username, Role(user.role))


def admin_logout(session: Session, token: str, now: datetime) -> bool:
    row = session.get(AdminSession, token_hash(token))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True


def change_admin_password(
    session: Session, username: str, current: str, new: str, now: datetime, keep: str = ""
) -> int:
    """An admin changes their own password (LoginRefused ``password_wrong`` if ``current``
    is not it); their other sessions end. How many ended."""
    user = session.get(AdminUser, username)
    if user is None or not _password_matches(user, current):
        raise LoginRefused("password_wrong")
    return set_admin_password(session, username, new, now, keep=keep)


def set_admin_password(
    session: Session, username: str, new: str, now: datetime, keep: str = ""
) -> int:
    """Set an admin's password (the CLI's reset) and end their sessions but ``keep``."""
    user = session.get(AdminUser, username)
    if user is None:
        raise AccountError("admin_not_found", f"no admin {username}")
    _strong(new)
    user.password_hash = hash_secret(new)
    return end_admin_sessions(session, username, now, keep=keep)


def end_admin_sessions(session: Session, username: str, now: datetime, keep: str = "") -> int:
    """Revoke every current session of an admin (but ``keep``'s); how many."""
    if session.get(AdminUser, username) is None:
        raise AccountError("admin_not_found", f"no admin {username}")
    ended = session.execute(
        update(AdminSession)
        .where(
            AdminSession.username == username,
            AdminSession.revoked_at.is_(None),
            AdminSession.token_hash != keep,
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(ended, "rowcount", 0) or 0)
