"""The administrators' audit trail: who changed what through ``/api/v1/admin``, when and
from which address. A row is written in the same transaction as the change it records, so a
refused change leaves none and a change never goes unrecorded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yunjin.db.models import AdminAudit


@dataclass(frozen=True, slots=True)
class Audited:
    """An administrator's change: who (``username``, from ``address``), the action's name
    (``household.suspend``), its object (an account, a product code…) and details."""

    username: str
    address: str
    action: str
    target: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


def record(session: Session, change: Audited, at: datetime) -> None:
    session.add(
        AdminAudit(
            at=at,
            username=change.username[:64],
            action=change.action[:64],
            target=change.target[:200],
            address=change.address[:64],
            details=dict(change.details),
        )
    )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the trail, as the admin API shows it."""

    id: int
    at_s: int  # UTC seconds
    username: str
    action: str
    target: str
    address: str
    details: dict[str, Any]


def trail(session: Session, *, username: str | None = None, limit: int = 100) -> list[AuditEntry]:
    """The newest rows first, perhaps of one administrator."""
    query = select(AdminAudit).order_by(AdminAudit.id.desc()).limit(min(max(limit, 1), 1000))
    if username:
        query = query.where(AdminAudit.username == username)
    return [
        AuditEntry(
            row.id,
            int(_aware(row.at).timestamp()),
            row.username,
            row.action,
            row.target,
            row.address,
            row.details,
        )
        for row in session.scalars(query)
    ]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
