"""Viewing events from the portals' players: what they may say, checked before anything is kept.

A batch is accepted whole or refused whole, naming the first bad item, so a
client that retries never leaves half a batch behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

MAX_BATCH = 100
# A player's clock may be off; events further than this from the server's are refused.
MAX_CLOCK_SKEW_MS = 86_400_000
# Positions are wall-clock times of frames: nothing older than the longest archive, nothing ahead.
MAX_POSITION_AGE_MS = 31 * 86_400_000
MAX_POSITION_AHEAD_MS = 60_000


class EventKind(StrEnum):
    PLAY_START = "play_start"
    PLAY_STOP = "play_stop"
    CHANNEL_CHANGE = "channel_change"
    HEARTBEAT = "heartbeat"


class PlayMode(StrEnum):
    LIVE = "live"
    TIMESHIFT = "timeshift"
    STARTOVER = "startover"
    CATCHUP = "catchup"


class Portal(StrEnum):
    TV = "tv"
    PHONE = "m"


@dataclass(frozen=True, slots=True)
class ReportedEvent:
    """One item of a batch, as the player sent it (times in UTC milliseconds)."""

    kind: EventKind
    play_id: str
    channel: str
    mode: PlayMode
    at_ms: int
    position_ms: int | None = None
    programme_start_ms: int | None = None
    paused: bool = False


class BadEvent(ValueError):
    def __init__(self, item: int, reason: str) -> None:
        super().__init__(f"event {item}: {reason}")
        self.item = item
        self.reason = reason


def check_batch(events: list[ReportedEvent], known_channels: set[str], now_ms: int) -> None:
    """Raise :class:`BadEvent` for the first event that cannot be true."""
    if len(events) > MAX_BATCH:
        raise BadEvent(MAX_BATCH, f"at most {MAX_BATCH} events per batch")
    for item, event in enumerate(events):
        if event.channel not in known_channels:
            raise BadEvent(item, f"unknown channel {event.channel!r}")
        if abs(event.at_ms - now_ms) > MAX_CLOCK_SKEW_MS:
            raise BadEvent(item, "its time is more than a day away from the server's")
        position = event.position_ms
        if position is not None and not (
            now_ms - MAX_POSITION_AGE_MS <= position <= now_ms + MAX_POSITION_AHEAD_MS
        ):
            raise BadEvent(item, "its position is outside any archive")
        if event.mode is PlayMode.LIVE and event.kind is EventKind.HEARTBEAT and position is None:
            raise BadEvent(item, "a heartbeat needs a position")
