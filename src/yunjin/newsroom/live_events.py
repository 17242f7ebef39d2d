"""A live event's temporary channel: made from the version that goes live, on air around
the event's window, kept for catch-up, switched off when the story goes dark (ADR 0025).

The rules are pure (:func:`event_channel_id`, :func:`event_number`, :func:`on_air`,
:func:`public_details`); :func:`check_event_source` refuses, before a version is saved, a
source that reaches an internal address (it resolves the host); :func:`follow_publication`
carries the rules out on the ``channels`` table in the caller's transaction — the story's
own publish, unpublish or takedown — so a channel never changes without the review that
changed its story. The runtime's catalog follow reads the window and starts and stops the
recorder by time (``records_at``), checking the source's addresses again each time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from yunjin.db.models import Channel, NewsroomStory
from yunjin.live.source_networks import IPNetwork, Resolver, SourceRefused, check_source
from yunjin.live.sources import parse_source
from yunjin.newsroom.content import Content, LiveEvent
from yunjin.newsroom.errors import NewsroomError

LEAD: Final = timedelta(minutes=5)  # on air this long before the event starts …
TAIL: Final = timedelta(minutes=10)  # … and this long after it ends
NUMBER_BASE: Final = 100_000  # above every lineup number (ChannelSpec allows 1–99999)
CATCHUP_DAYS: Final = 7  # the recording stays watchable this long
GROUP: Final = "直播活动"


def event_channel_id(story_id: int) -> str:
    """The temporary channel's tvg-id (``ChannelSpec`` keeps ``event-{n}`` for these)."""
    return f"event-{story_id}"


def event_number(story_id: int) -> int:
    """Its channel number: outside the lineup's 1–99999, so number zapping never meets it."""
    return NUMBER_BASE + story_id


def on_air(event: LiveEvent) -> tuple[datetime, datetime]:
    """When the recorder runs: a short lead before the start, a small tail after the end."""
    return event.starts_at - LEAD, event.ends_at + TAIL


def public_details(story_id: int, details: dict[str, Any]) -> dict[str, Any]:
    """A live event's details as the public sees them: a temporary channel's source is
    the operator's business (it may carry a key), its channel id is the story's."""
    if not details.get("source"):
        return details
    shown = {k: v for k, v in details.items() if k != "source"}
    return {**shown, "channel": event_channel_id(story_id), "temporary": True}


def check_event_source(
    content: Content, allowed: Sequence[IPNetwork], resolve: Resolver | None = None
) -> None:
    """Before a version is saved: a live event's own source must reach a public address or
    one of the operator's ``allowed`` networks (``live.source_networks``). A name that does
    not resolve yet passes here (an encoder's name may be registered just before the
    event); the recorder checks again each time it starts and refuses it then."""
    event = content.details
    if not isinstance(event, LiveEvent) or not event.source:
        return
    try:
        check_source(parse_source(event.source), allowed, resolve)
    except SourceRefused as error:
        if error.code != "source_unresolvable":
            raise NewsroomError(error.code, **error.values) from None


def follow_publication(session: Session, story: NewsroomStory, live: Content | None) -> None:
    """Make the story's temporary channel match its live version: made or updated and
    switched on when a version with a source goes live; switched off when nothing is live
    (unpublished, taken down) or the live version names a lineup channel instead."""
    row = session.scalar(select(Channel).where(Channel.event_story_id == story.id))
    event = live.details if live is not None else None
    if not isinstance(event, LiveEvent) or not event.source:
        if row is not None:
            row.enabled = False
        return
    assert live is not None
    if row is None:
        row = _new_channel(session, story.id)
    starts, ends = on_air(event)
    row.name_zh = row.name_en = live.title[:200]
    row.source_url = event.source
    row.on_air_from = starts
    row.on_air_until = ends
    row.enabled = True
    session.flush()


def _new_channel(session: Session, story_id: int) -> Channel:
    tvg_id, number = event_channel_id(story_id), event_number(story_id)
    taken = session.scalar(
        select(Channel.id).where(or_(Channel.tvg_id == tvg_id, Channel.number == number))
    )
    if taken is not None:
        raise NewsroomError("newsroom_event_channel_taken", channel=tvg_id, number=number)
    row = Channel(
        tvg_id=tvg_id,
        number=number,
        group_name=GROUP,
        logo_url="",
        catchup_days=CATCHUP_DAYS,
        uhd=False,
        min_age=0,
        encrypted=False,
        event_story_id=story_id,
    )
    session.add(row)
    return row
