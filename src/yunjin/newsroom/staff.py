"""Newsroom staff: accounts, roles per media centre, invitations, logins and sessions.

Passwords are Argon2id through ``subscribers.passwords``; usernames follow the operator
staff's rule; logins are checked through the credential throttle by their callers
(``credentials.guard``, keys ``newsroom:{username}`` and the client's address).

Granting a role never checks or reveals a password: a password given for a person who
exists is ignored. A centre's administrator grants roles directly to new people and to
people already working in the centre; a person of another centre only gets an invitation,
which they accept or decline (their consent, ADR 0027). The operator's command line grants
directly.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from yunjin.credentials.guard import LoginRefused
from yunjin.db.models import NewsroomGrant, NewsroomInvitation, NewsroomSession, NewsroomStaff
from yunjin.newsroom.errors import NewsroomError
from yunjin.newsroom.permissions import Actor, may, require
from yunjin.newsroom.tenants import tenant_ref
from yunjin.newsroom.terms import Action, Role
from yunjin.subscribers.passwords import hash_secret, needs_rehash, verify_secret
from yunjin.subscribers.staff import USERNAME

SESSION: Final = timedelta(hours=12)
MIN_PASSWORD: Final = 10
INVITATION: Final = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Login:
    token: str  # shown once
    staff_id: int
    username: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Granted:
    """A grant's outcome: the role is held, or (``invitation``) it waits for the person."""

    username: str
    tenant: str
    role: Role
    invitation: int | None = None


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
    when it does not exist; granting a role held already changes nothing. For a person who
    exists, ``password`` is neither checked nor changed. The operator's grant (command
    line, demo): no consent is asked."""
    tenant_ref(session, tenant_code)  # the centre exists
    person = session.scalar(select(NewsroomStaff).where(NewsroomStaff.username == username))
    if person is None:
        if password is None:
            raise NewsroomError("newsroom_password_required")
        person = add_staff(session, username, password, display_name)
    _hold(session, person.id, tenant_code, role)
    return person


def _hold(session: Session, staff_id: int, tenant_code: str, role: Role) -> None:
    if session.get(NewsroomGrant, (staff_id, tenant_code, role.value)) is None:
        session.add(NewsroomGrant(staff_id=staff_id, tenant_code=tenant_code, role=role.value))
        session.flush()


def grant_as(
    session: Session,
    actor: Actor,
    username: str,
    tenant_code: str,
    role: Role,
    *,
    password: str | None = None,
    display_name: str = "",
    now: datetime | None = None,
) -> Granted:
    """A centre's administrator gives a role: directly to a new person (created with
    ``password``) or to someone who already works in the centre; to a person of another
    centre (or of none) only as an invitation they answer. Never checks a password."""
    require(may(actor, Action.MANAGE_STAFF, tenant_ref(session, tenant_code)))
    person = session.scalar(select(NewsroomStaff).where(NewsroomStaff.username == username))
    in_centre = person is not None and session.scalar(
        select(NewsroomGrant.staff_id)
        .where(NewsroomGrant.staff_id == person.id, NewsroomGrant.tenant_code == tenant_code)
        .limit(1)
    )
    if person is None or in_centre:
        held = grant(
            session, username, tenant_code, role, password=password, display_name=display_name
        )
        return Granted(held.username, tenant_code, role)
    return invite(session, actor, person, tenant_code, role, now or datetime.now(UTC))


def invite(
    session: Session,
    actor: Actor,
    person: NewsroomStaff,
    tenant_code: str,
    role: Role,
    now: datetime,
) -> Granted:
    """An invitation to ``role`` in the centre (the open one again, if there is one)."""
    if session.get(NewsroomGrant, (person.id, tenant_code, role.value)) is not None:
        return Granted(person.username, tenant_code, role)  # held already
    open_one = session.scalar(
        select(NewsroomInvitation).where(
            NewsroomInvitation.staff_id == person.id,
            NewsroomInvitation.tenant_code == tenant_code,
            NewsroomInvitation.role == role.value,
            NewsroomInvitation.answered_at.is_(None),
            NewsroomInvitation.expires_at > now,
        )
    )
    if open_one is None:
        open_one = NewsroomInvitation(
            staff_id=person.id,
            tenant_code=tenant_code,
            role=role.value,
            invited_by=actor.id,
            created_at=now,
            expires_at=now + INVITATION,
        )
        session.add(open_one)
        session.flush()
    return Granted(person.username, tenant_code, role, open_one.id)


def invitations_of(session: Session, staff_id: int, now: datetime) -> list[dict[str, object]]:
    """A person's open invitations, oldest first."""
    rows = session.execute(
        select(NewsroomInvitation, NewsroomStaff.username)
        .join(NewsroomStaff, NewsroomStaff.id == NewsroomInvitation.invited_by)
        .where(
            NewsroomInvitation.staff_id == staff_id,
            NewsroomInvitation.answered_at.is_(None),
            NewsroomInvitation.expires_at > now,
        )
        .order_by(NewsroomInvitation.id)
    )
    return [
        {
            "id": invitation.id,
            "tenant": invitation.tenant_code,
            "role": invitation.role,
            "invited_by": inviter,
            "expires_at": int(_aware(invitation.expires_at).timestamp()),
        }
        for invitation, inviter in rows
    ]


def answer_invitation(
    session: Session, staff_id: int, invitation_id: int, accept: bool, now: datetime
) -> Granted:
    """The invited person accepts (the role is theirs) or declines; once only."""
    invitation = session.get(NewsroomInvitation, invitation_id)
    if invitation is None or invitation.staff_id != staff_id:
        raise NewsroomError("newsroom_invitation_not_found")
    if invitation.answered_at is not None or _aware(invitation.expires_at) <= now:
        raise NewsroomError("newsroom_invitation_closed")
    invitation.answered_at, invitation.accepted = now, accept
    role = Role(invitation.role)
    person = session.get(NewsroomStaff, staff_id)
    assert person is not None
    if accept:
        _hold(session, staff_id, invitation.tenant_code, role)
    return Granted(person.username, invitation.tenant_code, role, None if accept else invitation.id)


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
    """A session for a staff member, or LoginRefused ``login_failed`` (the caller runs it
    through the credential throttle)."""
    person = session.scalar(select(NewsroomStaff).where(NewsroomStaff.username == username[:64]))
    if person is None:
        verify_secret(None, password)  # an unknown username costs a hash like a known one
        raise LoginRefused("login_failed")
    if not _password_matches(person, password) or not person.active:
        raise LoginRefused("login_failed")
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


def _password_matches(person: NewsroomStaff, password: str) -> bool:
    if not verify_secret(person.password_hash, password):
        return False
    if needs_rehash(person.password_hash):
        person.password_hash = hash_secret(password)
    return True


def session_staff(session: Session, token: str, now: datetime) -> NewsroomStaff | None:
    """Who a bearer token belongs to, if it is current."""
    row = session.get(NewsroomSession, _token_hash(token))
    if row is None or row.revoked:
        return None
    if _aware(row.expires_at) <= now:
        return None
    person = session.get(NewsroomStaff, row.staff_id)
    return person if person is not None and person.active else None


def logout(session: Session, token: str, now: datetime | None = None) -> bool:
    row = session.get(NewsroomSession, _token_hash(token))
    if row is None or row.revoked:
        return False
    row.revoked = True
    row.revoked_at = now or datetime.now(UTC)
    return True


def change_password(
    session: Session, staff_id: int, current: str, new: str, now: datetime, keep_token: str = ""
) -> int:
    """A staff member changes their own password (LoginRefused ``password_wrong`` if
    ``current`` is not it); their other sessions end. How many ended."""
    person = session.get(NewsroomStaff, staff_id)
    if person is None or not _password_matches(person, current):
        raise LoginRefused("password_wrong")
    return set_password(session, person.username, new, now, keep_token=keep_token)


def set_password(
    session: Session, username: str, new: str, now: datetime, keep_token: str = ""
) -> int:
    """Set a staff member's password (the operator's reset, or after a change) and end
    their sessions but ``keep_token``'s; how many ended."""
    person = staff_by_username(session, username)
    if len(new) < MIN_PASSWORD:
        raise NewsroomError("newsroom_weak_password")
    person.password_hash = hash_secret(new)
    return end_sessions_of(session, username, now, keep_token=keep_token)


def end_sessions_of(session: Session, username: str, now: datetime, keep_token: str = "") -> int:
    """Revoke every current session of a staff member (but ``keep_token``'s); how many."""
    person = staff_by_username(session, username)
    keep = _token_hash(keep_token) if keep_token else ""
    ended = session.execute(
        update(NewsroomSession)
        .where(
            NewsroomSession.staff_id == person.id,
            NewsroomSession.revoked.is_(False),
            NewsroomSession.token_hash != keep,
        )
        .values(revoked=True, revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(ended, "rowcount", 0) or 0)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
