"""Operator staff: admin users, their roles and sessions."""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yunjin.db.models import AdminSession, AdminUser
from yunjin.subscribers.accounts import AccountError
from yunjin.subscribers.passwords import hash_secret, verify_secret

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
ADMIN_SESSION = timedelta(hours=12)


class Role(enum.StrEnum):
    OPERATOR = "operator"  # everything
    SUPPORT = "support"  # read, suspend and resume, de-register devices
    VIEWER = "viewer"  # read


def add_admin(session: Session, username: str, password: str, role: Role) -> AdminUser:
    if not USERNAME.match(username):
        raise AccountError("bad_account", "a username is 3–64 letters, digits, '.', '_', '-'")
    if len(password) < 8:
        raise AccountError("weak_password", "an admin password has at least 8 characters")
    user = AdminUser(username=username, password_hash=hash_secret(password), role=role.value)
    session.add(user)
    try:
        session.flush()
    except IntegrityError as error:
        raise AccountError("account_exists", f"admin {username} exists") from error
    return user


def admin_login(session: Session, username: str, password: str) -> str | None:
    """A bearer token for the admin, or None; unknown users cost a hash like known ones."""
    user = session.get(AdminUser, username[:64])
    if not verify_secret(user.password_hash if user else None, password) or user is None:
        return None
    token = secrets.token_urlsafe(32)
    session.add(
        AdminSession(
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            username=user.username,
            expires_at=datetime.now(UTC) + ADMIN_SESSION,
        )
    )
    return token


def admin_of(session: Session, token: str) -> tuple[str, Role] | None:
    row = session.get(AdminSession, hashlib.sha256(token.encode()).hexdigest())
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires <= datetime.now(UTC):
        return None
    user = session.get(AdminUser, row.username)
    return None if user is None else (user.username, Role(user.role))
