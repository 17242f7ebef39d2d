"""Keeping viewing events, and reading back what a household was watching."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select, tuple_
from sqlalchemy.orm import Session

from yunjin.db.models import Programme, ViewingEvent
from yunjin.epg.guide import GuideEntry
from yunjin.portal.events import EventKind, PlayMode, Portal, ReportedEvent
from yunjin.portal.handoff import LastReport
from yunjin.subscribers.auth import SessionInfo

# How far back "continue watching" looks, and what counts as watched to the end.
CONTINUE_WINDOW_MS = 7 * 86_400_000
FINISHED_WITHIN_MS = 60_000
CONTINUE_SCAN = 500


def record_events(
    session: Session, who: SessionInfo, portal: Portal, events: list[ReportedEvent], now_ms: int
) -> int:
    """Append a checked batch in one statement; returns how many were kept."""
    if not events:
        return 0
    session.execute(
        insert(ViewingEvent),
        [
            {
                "received_ms": now_ms,
                "at_ms": event.at_ms,
                "household_id": who.household_id,
                "device_id": who.device_id,
                "kind": event.kind.value,
                "play_id": event.play_id,
                "channel": event.channel,
                "mode": event.mode.value,
                "position_ms": event.position_ms,
                "programme_start_ms": event.programme_start_ms,
                "paused": event.paused,
                "portal": portal.value,
            }
            for event in events
        ],
    )
    return len(events)


def last_report(session: Session, device_id: int) -> LastReport | None:
    row = session.scalars(
        select(ViewingEvent)
        .where(ViewingEvent.device_id == device_id)
        .order_by(ViewingEvent.at_ms.desc(), ViewingEvent.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return LastReport(
        EventKind(row.kind),
        row.channel,
        PlayMode(row.mode),
        row.at_ms,
        row.position_ms,
        row.programme_start_ms,
        row.paused,
    )


@dataclass(frozen=True, slots=True)
class Unfinished:
    programme: GuideEntry
    position_ms: int
    watched_at_ms: int


def continue_watching(
    session: Session, household_id: int, now_ms: int, limit: int = 8
) -> list[Unfinished]:
    """Programmes the household started from the archive and left before their end."""
    rows = session.execute(
        select(
            ViewingEvent.channel,
            ViewingEvent.programme_start_ms,
            ViewingEvent.position_ms,
            ViewingEvent.at_ms,
        )
        .where(
            ViewingEvent.household_id == household_id,
            ViewingEvent.at_ms > now_ms - CONTINUE_WINDOW_MS,
            ViewingEvent.mode.in_([PlayMode.CATCHUP.value, PlayMode.STARTOVER.value]),
            ViewingEvent.programme_start_ms.is_not(None),
            ViewingEvent.position_ms.is_not(None),
        )
        .order_by(ViewingEvent.at_ms.desc(), ViewingEvent.id.desc())
        .limit(CONTINUE_SCAN)
    ).all()
    latest: dict[tuple[str, int], tuple[int, int]] = {}
    for channel, start_ms, position_ms, at_ms in rows:
        if start_ms is not None and position_ms is not None:  # the query says so already
            latest.setdefault((channel, start_ms), (position_ms, at_ms))
    if not latest:
        return []
    programmes = {
        (row.channel_id, row.start_ms): GuideEntry.of(row)
        for row in session.scalars(
            select(Programme).where(
                tuple_(Programme.channel_id, Programme.start_ms).in_(list(latest))
            )
        )
    }
    found = [
        Unfinished(programme, position_ms, at_ms)
        for key, (position_ms, at_ms) in latest.items()
        if (programme := programmes.get(key)) is not None
        and position_ms < programme.stop_ms - FINISHED_WITHIN_MS
    ]
    found.sort(key=lambda item: item.watched_at_ms, reverse=True)
    return found[:limit]
