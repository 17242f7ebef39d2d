"""Newsroom staff: accounts, roles per media centre, logins and sessions.

Passwords are Argon2id through ``subscribers.passwords``; usernames follow the operator
staff's rule; repeated failed logins lock the username as the subscribers' login does
(``subscribers.auth``, same table and limits, keys ``newsroom:{username}``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.db.models import LoginAttempt, NewsroomGrant, NewsroomSession, NewsroomStaff
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.permissions import Actor, may, require
from yunjin.newsroom.tenants import tenant_ref
from yunjin.newsroom.terms import Action, Role
from yunjin.subscribers.auth import check_lock, record_failure
from yunjin.subscribers.passwords import hash_secret, verify_secret
from yunjin.subscribers.staff import USERNAME

SESSION: Final = timedelta(hours=12)
MIN_PASSWORD: Final = 10


@dataclass(frozen=True, slots=True)
class Login:
    token: str  # shown once
    staff_id: int
    username: str
    expires_at: datetime


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise NewsroomError("newsroom_bad_role", role=value[:40]) from None


def add_staff(
    session: Session, username: str, password: str, display_name: str = ""
) -> NewsroomStaff:
    if not USERNAME.match(username):
        raise NewsroomError("newsroom_bad_username")
    if len(password) < MIN_PASSWORD:
        raise NewsroomError("newsroom_weak_password")
    person = NewsroomStaff(
        username=username,
        display_name=display_name.strip()[:100],
        password_hash=hash_secret(password),
        active=True,
    )
    session.add(person)
    session.flush()
    return person


def staff_by_username(session: Session, username: str) -> NewsroomStaff:
    person = session.scalar(select(NewsroomStaff).where(NewsroomStaff.username == username))
    if person is None:
        raise NewsroomError("newsroom_staff_not_found", username=username[:64])
    return person


def grant(
    session: Session,
    username: str,
    tenant_code: str,
    role: Role,
    *,
    password: str | None = None,
    display_name: str = "",
) -> NewsroomStaff:
    """Give ``username`` ``role`` in a centre, creating the account (with ``password``)
    when it does not exist; granting a role held already changes nothing."""
    tenant_ref(session, tenant_code)  # the centre exists
    person = session.scalar(select(NewsroomStaff).where(NewsroomStaff.username == username))
    if person is None:
        if password is None:
            raise NewsroomError("newsroom_password_required")
        person = add_staff(session, username, password, display_name)
    elif password is not None and not verify_secret(person.password_hash, password):
        raise NewsroomError("newsroom_staff_exists", username=username)
    held = session.get(NewsroomGrant, (person.id, tenant_code, role.value))
    if held is None:
        session.add(NewsroomGrant(staff_id=person.id, tenant_code=tenant_code, role=role.value))
        session.flush()
    return person


def grant_as(
    session: Session,
    actor: Actor,
    username: str,
    tenant_code: str,
    role: Role,
    *,
    password: str | None = None,
    display_name: str = "",
) -> NewsroomStaff:
    """``grant``, by a centre's administrator."""
    require(may(actor, Action.MANAGE_STAFF, tenant_ref(session, tenant_code)))
    return grant(session, username, tenant_code, role, password=password, display_name=display_name)


def revoke_as(session: Session, actor: Actor, username: str, tenant_code: str, role: Role) -> bool:
    require(may(actor, Action.MANAGE_STAFF, tenant_ref(session, tenant_code)))
    person = staff_by_username(session, username)
    held = session.get(NewsroomGrant, (person.id, tenant_code, role.value))
    if held is None:
        return False
    session.delete(held)
    return True


def staff_of(session: Session, actor: Actor, tenant_code: str) -> list[dict[str, object]]:
    """The people of a centre with their roles there (for its administrators)."""
    require(may(actor, Action.MANAGE_STAFF, tenant_ref(session, tenant_code)))
    rows = session.execute(
        select(NewsroomStaff.username, NewsroomStaff.display_name, NewsroomGrant.role)
        .join(NewsroomGrant, NewsroomGrant.staff_id == NewsroomStaff.id)
        .where(NewsroomGrant.tenant_code == tenant_code)
        .order_by(NewsroomStaff.username, NewsroomGrant.role)
    )
    people: dict[str, dict[str, object]] = {}
    for username, display_name, role in rows:
        entry = people.setdefault(
            username, {"username": username, "display_name": display_name, "roles": []}
        )
        roles = entry["roles"]
        assert isinstance(roles, list)
        roles.append(role)
    return list(people.values())


def actor_for(session: Session, staff_id: int) -> Actor:
    """A person with every role they hold, for the gate."""
    rows = session.execute(
        select(NewsroomGrant.tenant_code, NewsroomGrant.role).where(
            NewsroomGrant.staff_id == staff_id
        )
    ).all()
    refs = {code: tenant_ref(session, code) for code in {code for code, _ in rows}}
    return Actor.of(staff_id, ((refs[code], Role(role)) for code, role in rows))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(session: Session, username: str, password: str, now: datetime) -> Login:
    """A session for a staff member, or LoginRefused (``login_failed``/``login_locked``).

    The caller commits even when this raises, so failures are counted.
    """
    key = f"newsroom:{username.lower()[:64]}"
    attempt = session.get(LoginAttempt, key)
    check_lock(attempt, now)
    person = session.scalar(select(NewsroomStaff).where(NewsroomStaff.username == username[:64]))
    stored = person.password_hash if person is not None else None
    if not verify_secret(stored, password) or person is None or not person.active:
        raise record_failure(session, key, attempt, now)
    if attempt is not None:
        session.delete(attempt)
    token = secrets.token_urlsafe(32)
    expires = now + SESSION
    session.add(
        NewsroomSession(
            token_hash=_token_hash(token),
            staff_id=person.id,
            created_at=now,
            expires_at=expires,
            revoked=False,
        )
    )
    return Login(token, person.id, person.username, expires)


def session_staff(session: Session, token: str, now: datetime) -> NewsroomStaff | None:
    """Who a bearer token belongs to, if it is current."""
    row = session.get(NewsroomSession, _token_hash(token))
    if row is None or row.revoked:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    if expires <= now:
        return None
    person = session.get(NewsroomStaff, row.staff_id)
    return person if person is not None and person.active else None


def logout(session: Session, token: str) -> bool:
    row = session.get(NewsroomSession, _token_hash(token))
    if row is None or row.revoked:
        return False
    row.revoked = True
    return True
